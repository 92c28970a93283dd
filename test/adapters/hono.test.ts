// hono.test.ts: the Hono adapter with `trustSocketless`: a peer without an address is trusted only
// when it never had one (a unix socket), never when it is lost (a TCP client that hung up, a runtime
// that cannot say who the peer is). On @hono/node-server over real sockets, and through the shapes
// Bun, Deno and Cloudflare Workers hand a handler (`c.env`), for trustProxy and requireTrustedPeer.

import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { requireTrustedPeer, trustProxy, type HonoTrustOptions, type TrustProxyEnv } from '../../src/adapters/hono.js'
import { compileTrust } from '../../src/core/compile.js'
import { closeServer, listen } from '../fixtures/proxies.js'
import { named } from '../fixtures/topology.js'

const running: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()))
})

const FORWARDED = '198.51.100.7'
const OPTIONS = { trustSocketless: true, warn: false } as const

/** What one request showed: the ip the middleware resolved, and whether requireTrustedPeer let it through. */
interface Seen {
  readonly ip: string | null
  readonly admitted: boolean
}

/**
 * An app that waits (any middleware that does: a session lookup, a body parser) before the guard
 * and the middleware, so that a client can hang up first, and reports what they decided to `seen`.
 */
function waitingApp(seen: (what: Seen) => void, options: HonoTrustOptions = OPTIONS): Hono<TrustProxyEnv> {
  const trust = compileTrust('loopback', { trustSocketless: true })
  const guard = requireTrustedPeer(trust, { connection: options.connection })
  const app = new Hono<TrustProxyEnv>()
  app.use(async (_c, next) => {
    await new Promise((resolve) => setTimeout(resolve, 100))
    await next()
  })
  let admitted = false
  app.use(async (c, next) => {
    admitted = false
    await guard(c, async () => { admitted = true })
    await next()
  })
  app.use(trustProxy(trust, options))
  app.all('*', (c) => {
    seen({ ip: c.get('trustProxy').ip ?? null, admitted })
    return c.text('ok')
  })
  return app
}

/** Serve `app` on @hono/node-server, on TCP at 127.0.0.1 or on a unix socket. */
async function serve(app: Hono<TrustProxyEnv>, on: 'tcp' | 'unix'): Promise<net.NetConnectOpts> {
  const server = http.createServer(getRequestListener(app.fetch))
  running.push(() => closeServer(server))
  if (on === 'tcp') return { host: '127.0.0.1', port: (await listen(server, '127.0.0.1')).port }
  const path = join(mkdtempSync(join(tmpdir(), 'proxy-trust-hono-')), 'app.sock')
  running.push(async () => rmSync(dirname(path), { recursive: true, force: true }))
  await new Promise<void>((resolve) => server.listen(path, resolve))
  return { path }
}

interface SocketCase {
  readonly name: string
  readonly on: 'tcp' | 'unix'
  /** Whether the client closes its connection before the middleware runs. */
  readonly hangUp: boolean
  readonly expected: Seen
}

const SOCKET_CASES: readonly SocketCase[] = [
  { name: 'a unix socket (its peer never had an address) is trusted: X-Forwarded-For names the client', on: 'unix', hangUp: false, expected: { ip: FORWARDED, admitted: true } },
  { name: 'a trusted TCP peer that stays is trusted as ever', on: 'tcp', hangUp: false, expected: { ip: FORWARDED, admitted: true } },
  { name: 'fail: a TCP client that hangs up before the middleware runs is lost, not socketless: it cannot choose its ip, nor pass the guard', on: 'tcp', hangUp: true, expected: { ip: null, admitted: false } },
]

describe('@hono/node-server with trustSocketless, over real sockets', () => {
  it.each(named(SOCKET_CASES))('%s', async (_name, { on, hangUp, expected }) => {
    let report: (what: Seen) => void = () => {}
    const reported = new Promise<Seen>((resolve) => { report = resolve })
    const target = await serve(waitingApp(report), on)
    const socket = net.connect(target)
    socket.on('error', () => {})
    socket.write(`GET / HTTP/1.1\r\nHost: shop.example\r\nX-Forwarded-For: ${FORWARDED}\r\n\r\n`)
    if (hangUp) setTimeout(() => socket.destroy(), 30)
    else running.push(async () => { socket.destroy() })
    expect(await reported).toEqual(expected)
  })
})

/** Trusts loopback and a socket without an address; a peer Bun, Deno or a Worker cannot name is lost. */
const RUNTIME = 'loopback'

interface RuntimeCase {
  readonly name: string
  /** What the runtime hands the handler as `c.env`. */
  readonly env: unknown
  readonly options?: HonoTrustOptions
  /** Whether the peer is trusted (X-Forwarded-For names the client) or not (no peer address: ip undefined). */
  readonly trusted: boolean
}

const bun = (answer: unknown, port: number | undefined) => ({ requestIP: () => answer, port })

const RUNTIME_CASES: readonly RuntimeCase[] = [
  { name: 'Bun on a unix socket (requestIP answers null, the server has no port) is socketless', env: bun(null, undefined), trusted: true },
  { name: 'fail: Bun, a closed request (requestIP answers null, the server listens on a port) is lost', env: bun(null, 3000), trusted: false },
  { name: 'fail: Bun as { server }, a closed request, likewise', env: { server: bun(null, 3000) }, trusted: false },
  { name: 'fail: Bun, requestIP answering something that is no SocketAddress, is lost', env: bun({ address: 7 }, undefined), trusted: false },
  { name: 'fail: Bun, requestIP throwing (a request it did not serve), is lost', env: { requestIP: () => { throw new TypeError('not mine') } }, trusted: false },
  { name: 'Deno on a unix socket (remoteAddr.transport unix) is socketless', env: { remoteAddr: { transport: 'unix', path: '/run/app.sock' } }, trusted: true },
  { name: "fail: Cloudflare Workers' bindings (no remoteAddr) are lost: a Worker has no unix socket", env: { KV: {} }, trusted: false },
  { name: 'fail: no env at all (app.request) is lost', env: undefined, trusted: false },
  { name: 'fail: getConnInfo answering no address is lost (it cannot tell a unix socket from a client that hung up)', env: {}, options: { getConnInfo: () => ({ remote: {} }) }, trusted: false },
  { name: 'fail: getConnInfo throwing is lost', env: {}, options: { getConnInfo: () => { throw new TypeError('env has to include the 2nd argument of fetch.') } }, trusted: false },
  { name: 'a connection function of your own answering no address is socketless, as fromFetch documents', env: {}, options: { connection: () => ({}) }, trusted: true },
  { name: 'fail: a connection function of your own answering lost is lost', env: {}, options: { connection: () => ({ lost: true }) }, trusted: false },
]

describe('runtimes under Hono with trustSocketless: socketless is trusted, lost never', () => {
  it.each(named(RUNTIME_CASES))('%s', async (_name, { env, options = {}, trusted }) => {
    const app = new Hono<TrustProxyEnv>()
    const guard: MiddlewareHandler = requireTrustedPeer(compileTrust(RUNTIME, { trustSocketless: true }), { connection: options.connection })
    let admitted = false
    app.use(async (c: Context, next) => {
      await guard(c, async () => { admitted = true })
      await next()
    })
    app.use(trustProxy(RUNTIME, { ...OPTIONS, ...options }))
    app.get('/', (c) => c.json({ ip: c.get('trustProxy').ip ?? null }))
    const response = await app.fetch(new Request('http://shop.example/', { headers: { 'x-forwarded-for': FORWARDED } }), env as never)
    // getConnInfo is trustProxy's option alone: the guard reads the runtime's own peer, here lost too
    expect({ answer: await response.json(), admitted }).toEqual({ answer: { ip: trusted ? FORWARDED : null }, admitted: trusted })
  })
})
