// extras.test.ts: port, prefix and allowed hosts through every adapter, over real loopback sockets,
// with hostile values sent by a trusted proxy and by an untrusted peer (whose values are never read).
//
// Addresses: the trusted proxy sends from 127.0.0.2, an untrusted client from 127.0.0.5; apps listen
// on 127.0.0.1. Requests are written byte for byte on a socket, so that values the Node client
// refuses to send (control characters) reach the server as an attacker would send them.

import http from 'node:http'
import { createRequire } from 'node:module'
import net, { type AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolved, trustProxy as expressTrustProxy, type ExpressApp } from '../../src/adapters/express.js'
import { trustProxy as fastifyTrustProxy } from '../../src/adapters/fastify.js'
import { trustProxy as honoTrustProxy } from '../../src/adapters/hono.js'
import { trustProxy as koaTrustProxy, type TrustProxyState } from '../../src/adapters/koa.js'
import type { ResolvedAddr } from '../../src/core/resolve.js'
import { assertBindable, closeServer, listen, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE } from '../fixtures/topology.js'

const SETTING = EDGE
const OPTIONS = {
  hostAndProto: 'aligned', forwardedPort: true, forwardedPrefix: true, allowedHosts: ['shop.example', '*.shop.example'], warn: false,
} as const

/** What every app answers: the adapter's resolved answer, undefined as null (JSON has no undefined). */
interface Seen {
  readonly host: string | null
  readonly port: number | null
  readonly prefix: string | null
}

function seenOf(addr: ResolvedAddr): Seen {
  return { host: addr.host ?? null, port: addr.port ?? null, prefix: addr.prefix ?? null }
}

interface ExpressLike extends ExpressApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void
  get(path: string, handler: (req: http.IncomingMessage & { app: { get(name: string): unknown } }, res: { json(body: unknown): void }) => void): this
}

const fromRepo = createRequire(import.meta.url)
const servers: http.Server[] = []

async function serve(server: http.Server): Promise<Endpoint> {
  servers.push(server)
  return listen(server, APP)
}

function expressTarget(module: string): () => Promise<Endpoint> {
  return () => {
    const app = (fromRepo(module) as () => ExpressLike)()
    expressTrustProxy(app, SETTING, OPTIONS)
    app.get('/', (req, res) => res.json(seenOf(resolved(req))))
    return serve(http.createServer(app))
  }
}

const TARGETS: readonly (readonly [string, () => Promise<Endpoint>])[] = [
  ['Express 4: resolved(req)', expressTarget('express4')],
  ['Express 5: resolved(req)', expressTarget('express5')],
  ['Fastify: request.trustProxy', async () => {
    const proxy = fastifyTrustProxy(SETTING, OPTIONS)
    const app = Fastify({ trustProxy: proxy.trust })
    await app.register(proxy)
    app.get('/', (request) => seenOf(request.trustProxy))
    await app.listen({ port: 0, host: APP })
    servers.push(app.server)
    return { host: APP, port: (app.server.address() as AddressInfo).port }
  }],
  ['Koa: ctx.state.trustProxy', () => {
    const app = new Koa<TrustProxyState>()
    app.use(koaTrustProxy(SETTING, OPTIONS))
    app.use((ctx) => { ctx.body = seenOf(ctx.state.trustProxy) })
    return serve(http.createServer(app.callback()))
  }],
  ["Hono: c.get('trustProxy')", () => {
    const app = new Hono().use(honoTrustProxy(SETTING, OPTIONS)).get('/', (c) => c.json(seenOf(c.get('trustProxy'))))
    return serve(http.createServer(getRequestListener(app.fetch)))
  }],
]

/** GET / written byte for byte from `from`: the status and the body. */
function rawGet(from: string, target: Endpoint, headers: readonly (readonly [string, string])[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port, localAddress: from })
    const lines = ['GET / HTTP/1.1', 'Host: backend', 'Connection: close', ...headers.map(([name, value]) => `${name}: ${value}`)]
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      const head = text.indexOf('\r\n\r\n')
      const rest = text.substring(head + 4)
      // chunked or not: the JSON object is the body's only braces
      const body = rest.substring(rest.indexOf('{'), rest.lastIndexOf('}') + 1)
      resolve({ status, body })
    })
    socket.end(`${lines.join('\r\n')}\r\n\r\n`)
  })
}

interface Case {
  readonly name: string
  readonly from: string
  readonly headers: readonly (readonly [string, string])[]
  /** The answer; a request Node's parser refuses (400) never reaches the app, and is expected as such. */
  readonly expected: Seen | 400
}

const XFF = ['X-Forwarded-For', '203.0.113.9'] as const
const trusted = (name: string, headers: readonly (readonly [string, string])[], expected: Seen | 400): Case => ({ name, from: EDGE, headers: [XFF, ...headers], expected })

const CASES: readonly Case[] = [
  trusted('valid values from the trusted proxy are answered', [['X-Forwarded-Host', 'a.shop.example'], ['X-Forwarded-Port', '8443'], ['X-Forwarded-Prefix', '/shop']],
    { host: 'a.shop.example', port: 8443, prefix: '/shop' }),
  trusted('port 0 is ignored', [['X-Forwarded-Port', '0']], { host: 'backend', port: null, prefix: null }),
  trusted('port 65536 is ignored', [['X-Forwarded-Port', '65536']], { host: 'backend', port: null, prefix: null }),
  trusted('a signed port is ignored', [['X-Forwarded-Port', '+80']], { host: 'backend', port: null, prefix: null }),
  // RFC 9110 section 5.5: a field value has no leading or trailing whitespace; Node's parser drops it
  trusted('a port with a trailing space arrives without it', [['X-Forwarded-Port', '80 ']], { host: 'backend', port: 80, prefix: null }),
  trusted('a list: the trusted proxy\'s value (rightmost, hop 1) is read, not the client\'s', [['X-Forwarded-Port', '443, 80']], { host: 'backend', port: 80, prefix: null }),
  trusted('a list whose value at the hop is invalid is ignored', [['X-Forwarded-Port', '80, 0443']], { host: 'backend', port: null, prefix: null }),
  trusted('a network-path prefix is ignored', [['X-Forwarded-Prefix', '//evil.example']], { host: 'backend', port: null, prefix: null }),
  trusted('a prefix with a .. segment is ignored', [['X-Forwarded-Prefix', '/a/../b']], { host: 'backend', port: null, prefix: null }),
  trusted('a prefix with a %2e%2e segment is ignored', [['X-Forwarded-Prefix', '/a/%2e%2e/b']], { host: 'backend', port: null, prefix: null }),
  trusted('an absolute URL as prefix is ignored', [['X-Forwarded-Prefix', 'http://x']], { host: 'backend', port: null, prefix: null }),
  trusted('a backslash prefix is ignored', [['X-Forwarded-Prefix', '\\x']], { host: 'backend', port: null, prefix: null }),
  trusted('a prefix with a tab is ignored', [['X-Forwarded-Prefix', '/a\tb']], { host: 'backend', port: null, prefix: null }),
  trusted('a prefix with DEL never reaches the app', [['X-Forwarded-Prefix', '/a\u007fb']], 400),
  trusted('a prefix with an escape sequence never reaches the app', [['X-Forwarded-Prefix', '/a\u001b[31mb']], 400),
  trusted('a 10 KB prefix is ignored', [['X-Forwarded-Prefix', `/${'a'.repeat(10_240)}`]], { host: 'backend', port: null, prefix: null }),
  trusted('a forwarded host outside allowedHosts falls back to Host', [['X-Forwarded-Host', 'evil.example']], { host: 'backend', port: null, prefix: null }),
  trusted('the parent of a *. pattern is not below it', [['X-Forwarded-Host', 'evil.shop.example.evil']], { host: 'backend', port: null, prefix: null }),
  trusted('an allowed host keeps its port', [['X-Forwarded-Host', 'SHOP.example:8443']], { host: 'SHOP.example:8443', port: null, prefix: null }),
  {
    name: 'an untrusted peer\'s values are never read, valid or not',
    from: CLIENT,
    headers: [XFF, ['X-Forwarded-Host', 'a.shop.example'], ['X-Forwarded-Port', '8443'], ['X-Forwarded-Prefix', '/shop']],
    expected: { host: 'backend', port: null, prefix: null },
  },
  {
    name: 'an untrusted peer\'s hostile values are never read',
    from: CLIENT,
    headers: [XFF, ['X-Forwarded-Host', 'evil.example'], ['X-Forwarded-Port', '0'], ['X-Forwarded-Prefix', '//evil.example']],
    expected: { host: 'backend', port: null, prefix: null },
  },
]

beforeAll(async () => {
  await assertBindable([EDGE, CLIENT])
})

afterAll(async () => {
  await Promise.all(servers.splice(0).map(closeServer))
})

describe.each(TARGETS)('%s', (_name, start) => {
  let target: Endpoint
  beforeAll(async () => {
    target = await start()
  })

  it.each(CASES)('$name', async ({ from, headers, expected }) => {
    const reply = await rawGet(from, target, headers)
    if (expected === 400) {
      expect(reply.status).toBe(400)
      return
    }
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body)).toEqual(expected)
  })
})
