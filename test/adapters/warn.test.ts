// warn.test.ts: the adapters' `warn` option over real loopback sockets, for Express 4 and 5,
// Fastify, Koa and Hono: on by default through process.emitWarning, once per code, to a function
// when given one, off with false; answers never change; a healthy request never warns; the option
// and Hono's `connection` are validated at setup. The proxy-addr route never warns.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getRequestListener } from '@hono/node-server'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { trustProxy as expressTrustProxy, type AdapterOptions, type ExpressApp } from '../../src/adapters/express.js'
import { trustProxy as fastifyTrustProxy } from '../../src/adapters/fastify.js'
import { trustProxy as honoTrustProxy, type HonoTrustOptions } from '../../src/adapters/hono.js'
import { trustProxy as koaTrustProxy, type TrustProxyState } from '../../src/adapters/koa.js'
import type { WarnOption } from '../../src/adapters/warn.js'
import { compileTrust, type TrustSetting } from '../../src/core/compile.js'
import { proxyaddr } from '../../src/core/proxyaddr.js'
import type { Warning } from '../../src/diagnostics/warnings.js'
import { closeServer, listen, requestFrom, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, HOST } from '../fixtures/topology.js'

/** A loopback peer the setting does not trust: a proxy someone forgot to name. */
const STRANGER = '127.0.0.4'

const running: (() => Promise<void>)[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(running.splice(0).map((close) => close()))
})

async function serve(server: http.Server): Promise<Endpoint> {
  running.push(() => closeServer(server))
  return listen(server, APP)
}

interface ExpressLike extends ExpressApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void
  get(path: string, handler: (req: { ip: string | undefined }, res: { json(body: unknown): void }) => void): unknown
}

const fromRepo = createRequire(import.meta.url)

/** One adapter, started with a setting and adapter options, answering `{ ip }`. */
interface Adapter {
  readonly name: string
  start(setting: TrustSetting, options?: AdapterOptions): Promise<Endpoint>
}

const ADAPTERS: readonly Adapter[] = [
  ...(['express4', 'express5'] as const).map((module): Adapter => ({
    name: module === 'express4' ? 'Express 4' : 'Express 5',
    start: (setting, options) => {
      const app = (fromRepo(module) as () => ExpressLike)()
      expressTrustProxy(app, setting, options)
      app.get('/', (req, res) => res.json({ ip: req.ip }))
      return serve(http.createServer(app))
    },
  })),
  {
    name: 'Fastify',
    start: async (setting, options) => {
      const app = Fastify()
      await app.register(fastifyTrustProxy(setting, options))
      app.get('/', (request) => ({ ip: request.trustProxy.ip }))
      running.push(() => app.close())
      await app.listen({ port: 0, host: APP })
      return { host: APP, port: (app.server.address() as AddressInfo).port }
    },
  },
  {
    name: 'Koa',
    start: (setting, options) => {
      const app = new Koa<TrustProxyState>()
      app.use(koaTrustProxy(setting, options))
      app.use((ctx) => { ctx.body = { ip: ctx.ip } })
      return serve(http.createServer(app.callback()))
    },
  },
  {
    name: 'Hono',
    start: (setting, options) => {
      const app = new Hono().use(honoTrustProxy(setting, options)).get('/', (c) => c.json({ ip: c.get('trustProxy').ip }))
      return serve(http.createServer(getRequestListener(app.fetch)))
    },
  },
]

async function ipFrom(from: string, target: Endpoint, headers: Readonly<Record<string, string>> = {}): Promise<string> {
  const reply = await requestFrom(from, target, { headers: { host: HOST, ...headers } })
  expect(reply.status).toBe(200)
  return (JSON.parse(reply.body) as { ip: string }).ip
}

describe.each(ADAPTERS.map((adapter) => [adapter.name, adapter] as const))('%s: warn', (_name, adapter) => {
  it('is on by default: process.emitWarning, once per code, with the answer unchanged', async () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const app = await adapter.start(EDGE)
    expect(await ipFrom(STRANGER, app, { 'x-forwarded-for': CLIENT })).toBe(STRANGER)
    expect(await ipFrom(STRANGER, app, { 'x-forwarded-for': CLIENT })).toBe(STRANGER)
    const calls = emitted.mock.calls.filter(([, options]) => (options as { type?: string } | undefined)?.type === 'TrustProxyWarning')
    expect(calls).toEqual([[
      'the peer "127.0.0.4", a local address, is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address',
      {
        type: 'TrustProxyWarning',
        code: 'UNTRUSTED_PEER_WITH_HEADERS',
        detail: 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
      },
    ]])
  })

  it('reports to a function instead, and a healthy request through the trusted proxy never warns', async () => {
    const seen: Warning[] = []
    const app = await adapter.start(EDGE, { warn: (warning) => seen.push(warning) })
    expect(await ipFrom(EDGE, app, { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'https' })).toBe(CLIENT)
    expect(seen).toEqual([])
    expect(await ipFrom(EDGE, app, { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'HTTPS' })).toBe(CLIENT)
    expect(seen.map((w) => w.code)).toEqual(['PROTO_NOT_HTTP'])
  })

  it('is off with false', async () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const app = await adapter.start(EDGE, { warn: false })
    expect(await ipFrom(STRANGER, app, { 'x-forwarded-for': CLIENT })).toBe(STRANGER)
    expect(emitted).not.toHaveBeenCalled()
  })

  it('error: a warn option that is neither a boolean nor a function, at setup', async () => {
    await expect(Promise.resolve().then(() => adapter.start(EDGE, { warn: 'yes' as unknown as WarnOption })))
      .rejects.toThrow(new TypeError('invalid option warn: "yes" (expected true, false or a function)'))
  })

  it('error: options that are not an object, at setup', async () => {
    await expect(Promise.resolve().then(() => adapter.start(EDGE, 5 as unknown as AdapterOptions)))
      .rejects.toThrow(new TypeError('invalid option options: 5 (expected an object)'))
  })
})

describe('Hono: connection', () => {
  it('error: a connection that is not a function, at setup', () => {
    expect(() => honoTrustProxy('loopback', { connection: 5 } as unknown as HonoTrustOptions))
      .toThrow(new TypeError('invalid option connection: 5 (expected a function)'))
  })
})

describe('the proxy-addr route', () => {
  it('never warns', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const req = { socket: { remoteAddress: STRANGER }, headers: { 'x-forwarded-for': CLIENT } }
    expect(proxyaddr(req, compileTrust(EDGE))).toBe(STRANGER)
    expect(proxyaddr.all(req, EDGE)).toEqual([STRANGER])
    expect(emitted).not.toHaveBeenCalled()
  })
})

/** What a terminal acts on instead of showing: C0 and C1 controls, DEL, bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

describe.each(ADAPTERS.map((adapter) => [adapter.name, adapter] as const))('%s: the monitor never changes an answer', (_name, adapter) => {
  it('a custom function that throws beyond the hops the walk asks: 200 with warn on, as with it off', async () => {
    // the walk asks hop 0 only: the element left of the rightmost is malformed, so nothing is asked at hop 1
    const fn = (_addr: string | undefined, i: number): boolean => {
      if (i >= 1) throw new Error('asked too far')
      return true
    }
    const headers = { forwarded: 'for="bad, for=10.0.0.1' }
    const seen: Warning[] = []
    const on = await adapter.start(fn, { source: 'forwarded', warn: (warning) => seen.push(warning) })
    const off = await adapter.start(fn, { source: 'forwarded', warn: false })
    expect(await ipFrom(EDGE, on, headers)).toBe(await ipFrom(EDGE, off, headers))
    // Express's req.ip hands the monitor no walk: with a custom function it stays silent there
    expect(seen.map((w) => w.code)).toEqual(adapter.name.startsWith('Express') ? [] : ['FORWARDED_MALFORMED'])
  })

  it('a C1 control a client sent in X-Forwarded-Proto reaches process.emitWarning as a visible escape', async () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const app = await adapter.start('loopback')
    // Node's client sends header bytes 0x80-0xff as they are; the server reads them as the same code points
    const reply = await requestFrom(EDGE, app, { headers: { host: HOST, 'x-forwarded-proto': '\x9b31mRED' } })
    expect(reply.status).toBe(200)
    const calls = emitted.mock.calls.filter(([, options]) => (options as { type?: string } | undefined)?.type === 'TrustProxyWarning')
    expect(calls.map(([message]) => message)).toEqual([
      'X-Forwarded-Proto holds "\\x9b31mRED", not "http" or "https": protocol is that value, compared exactly, so secure may be wrong',
    ])
    expect(calls.some(([message]) => RAW_CONTROLS.test(String(message)))).toBe(false)
  })
})

describe('Express 5 in a process of its own: what reaches stderr', () => {
  it('a C1 CSI a client sent in X-Forwarded-Proto is printed as \\x9b, never as the byte a terminal acts on', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const adapter = join(root, 'dist/cjs/adapters/express.js')
    if (!existsSync(adapter)) throw new Error('dist/cjs/adapters/express.js is missing: run `node scripts/build.mjs` first')
    // the adapter as an application loads it, with warn on (process.emitWarning, printed by Node)
    const script = `
      const express = require('express5')
      const { trustProxy } = require(${JSON.stringify(adapter)})
      const app = express()
      trustProxy(app, 'loopback')
      app.get('/', (req, res) => res.json({ ip: req.ip }))
      const server = app.listen(0, ${JSON.stringify(APP)}, () => console.log(server.address().port))
      process.on('SIGTERM', () => server.close(() => process.exit(0)))`
    const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    const stderr: Buffer[] = []
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
        child.once('exit', (code) => reject(new Error(`the app exited (${code}): ${Buffer.concat(stderr).toString()}`)))
      })
      const reply = await requestFrom(EDGE, { host: APP, port }, { headers: { host: HOST, 'x-forwarded-proto': '\x9b31mRED' } })
      expect(reply.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
      await exited
    }
    const printed = Buffer.concat(stderr)
    expect(printed.toString()).toContain('[PROTO_NOT_HTTP] TrustProxyWarning: X-Forwarded-Proto holds "\\x9b31mRED", not "http" or "https"')
    // U+009B as UTF-8, and as a raw byte
    expect(printed.includes(Buffer.from([0xc2, 0x9b]))).toBe(false)
    expect(printed.includes(Buffer.from([0x9b]))).toBe(false)
  })
})
