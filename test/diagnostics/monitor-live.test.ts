// monitor-live.test.ts: the monitor as the adapters run it (warn on, the default), over real sockets.
// What a deployment that is set up right never gets from it: a false PEER_WITHOUT_ADDRESS when a
// client hangs up or an HTTP/2 stream is cancelled, a warning about a peer the edge proof refuses;
// and what it never does: call a custom function the application never asked for, or change an
// answer (a 500 where warn off answers 200). Each sequence is driven by events (the handler has the
// request, the connection has closed), never by how long anything takes.

import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import { createRequire } from 'node:module'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { trustProxy as expressTrustProxy, type AdapterOptions, type ExpressApp } from '../../src/adapters/express.js'
import { trustProxy as fastifyTrustProxy } from '../../src/adapters/fastify.js'
import type { TrustFn } from '../../src/core/compile.js'
import type { Warning, WarningCode } from '../../src/diagnostics/warnings.js'
import { closeServer, listen, requestFrom } from '../fixtures/proxies.js'

const running: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of running.splice(0).reverse()) await close()
})

/** A promise and the function that settles it. */
function signal<T = void>(): { readonly promise: Promise<T>, readonly fire: (value: T) => void } {
  let fire: (value: T) => void = () => undefined
  const promise = new Promise<T>((resolve) => { fire = resolve })
  return { promise, fire }
}

interface ExpressRequest extends http.IncomingMessage {
  readonly ip: string | undefined
  readonly protocol: string
}

interface ExpressLike extends ExpressApp, http.RequestListener {
  get(path: string, handler: (req: ExpressRequest, res: { json(body: unknown): void }) => unknown): unknown
}

const fromRepo = createRequire(import.meta.url)

function expressApp(module: 'express4' | 'express5'): ExpressLike {
  return (fromRepo(module) as () => ExpressLike)()
}

const SECRET = 'proof-0123456789abcdef'
const PROOF = { edgeProof: { header: 'x-origin-verify', values: [SECRET] } }

describe('a client that goes away is no sign of a wrong setting: no PEER_WITHOUT_ADDRESS', () => {
  it.each(['express4', 'express5'] as const)('%s over TCP: req.ip read after the client hung up', async (module) => {
    const app = expressApp(module)
    const codes: WarningCode[] = []
    expressTrustProxy(app, 'loopback', { warn: (w) => codes.push(w.code) })
    const entered = signal()
    const read = signal<string | undefined>()
    app.get('/', async (req, res) => {
      entered.fire()
      // a database call, during which the client goes away
      await new Promise((resolve) => req.socket.once('close', resolve))
      read.fire(req.ip)
      res.json({})
    })
    const server = http.createServer(app)
    running.push(() => closeServer(server))
    const { port } = await listen(server, '127.0.0.1')
    // a proxy on loopback forwards a client's request, then closes (its client went away)
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.on('error', () => undefined)
    socket.write('GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n')
    await entered.promise
    socket.destroy()
    // Express's own answer is undefined too: the address went with the connection
    expect(await read.promise).toBeUndefined()
    expect(codes).toEqual([])
  })

  it('Fastify over HTTP/2: a stream the browser cancels while another request on the connection is looked at', async () => {
    const codes: WarningCode[] = []
    const app = Fastify({ http2: true })
    await app.register(fastifyTrustProxy('loopback', { warn: (w) => codes.push(w.code) }))
    const entered = signal()
    const read = signal<string | undefined>()
    app.get('/', async (request) => {
      if (request.headers['x-cancelled'] !== '1') return request.trustProxy
      entered.fire()
      // Node's request.socket for a stream is a proxy that loses the address once the stream closes
      await new Promise((resolve) => (request.raw as unknown as http2.Http2ServerRequest).stream.once('close', resolve))
      const answer = request.trustProxy
      read.fire(answer.ip)
      return answer
    })
    running.push(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    const client = http2.connect(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`)
    running.push(() => { client.destroy() })
    client.on('error', () => undefined)
    const cancelled = client.request({ ':path': '/', 'x-forwarded-for': '198.51.100.7', 'x-cancelled': '1' })
    cancelled.on('error', () => undefined)
    cancelled.end()
    await entered.promise
    // a page's next asset, on the same connection, answered in full: the monitor looked at it last
    const other = client.request({ ':path': '/', 'x-forwarded-for': '198.51.100.8' })
    other.resume()
    other.end()
    await new Promise((resolve) => other.once('end', resolve))
    cancelled.close(http2.constants.NGHTTP2_CANCEL)
    expect(await read.promise).toBeUndefined()
    expect(codes).toEqual([])
  })
})

describe('a custom function the application never asks is never called: warn changes no answer', () => {
  /** A lookup that answers for the socket peer and throws past it, recording what it was asked. */
  function strict(calls: [string | undefined, number][]): TrustFn {
    return (addr, i) => {
      calls.push([addr, i])
      if (i > 0) throw new Error(`lookup failed for ${String(addr)}`)
      return true
    }
  }

  it('Fastify on a unix socket (source forwarded, trustSocketless): the same status with warn on and off, and no call unless the route reads request.trustProxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-monitor-'))
    running.push(() => rmSync(dir, { recursive: true, force: true }))
    const outcome = async (warn: boolean, path: string): Promise<{ status: number, calls: [string | undefined, number][] }> => {
      const calls: [string | undefined, number][] = []
      const app = Fastify()
      await app.register(fastifyTrustProxy(strict(calls), { source: 'forwarded', trustSocketless: true, warn: warn && (() => undefined) }))
      app.get('/healthz', () => 'ok')
      app.get('/ip', (request) => request.trustProxy.ip ?? 'none')
      running.push(() => app.close())
      const socketPath = join(dir, `${String(warn)}${path.replace('/', '-')}.sock`)
      await app.listen({ path: socketPath })
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ socketPath, path, headers: { forwarded: 'for=198.51.100.7, for=10.0.0.1' } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }).on('error', reject)
      })
      return { status, calls }
    }
    for (const warn of [false, true]) {
      expect(await outcome(warn, '/healthz')).toEqual({ status: 200, calls: [] })
      // the walk the route asks for calls the function at hop 1, which throws: as with warn off
      expect(await outcome(warn, '/ip')).toEqual({ status: 500, calls: [['10.0.0.1', 1]] })
    }
  })
})

describe('the edge proof decides the peer for the monitor as for the walk', () => {
  const expressStart = async (options: AdapterOptions): Promise<{ port: number }> => {
    const app = expressApp('express5')
    expressTrustProxy(app, 'loopback', options)
    app.get('/', (req, res) => res.json({ protocol: req.protocol, ip: req.ip }))
    const server = http.createServer(app)
    running.push(() => closeServer(server))
    return listen(server, '127.0.0.1')
  }
  const fastifyStart = async (options: AdapterOptions): Promise<{ port: number }> => {
    const app = Fastify()
    await app.register(fastifyTrustProxy('loopback', options))
    app.get('/', (request) => ({ protocol: request.trustProxy.protocol, ip: request.trustProxy.ip }))
    running.push(() => app.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    return { port: (app.server.address() as AddressInfo).port }
  }

  it.each([['Express 5', expressStart], ['Fastify', fastifyStart]] as const)('%s: a peer in range without the proof is the client, and nothing is reported; with it, PROTO_NOT_HTTP', async (_name, start) => {
    const seen: Warning[] = []
    const { port } = await start({ ...PROOF, warn: (w) => seen.push(w) })
    const ask = async (headers: Record<string, string>): Promise<unknown> => {
      const reply = await requestFrom('127.0.0.1', { host: '127.0.0.1', port }, { headers: { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'javascript', ...headers } })
      return JSON.parse(reply.body)
    }
    expect(await ask({})).toEqual({ protocol: 'http', ip: '127.0.0.1' })
    expect(seen).toEqual([])
    expect(await ask({ 'x-origin-verify': SECRET })).toEqual({ protocol: 'javascript', ip: '198.51.100.7' })
    expect(seen.map((w) => w.code)).toEqual(['PROTO_NOT_HTTP'])
  })
})
