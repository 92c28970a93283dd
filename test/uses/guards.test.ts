// guards.test.ts: ipFilter and requireTrustedPeer in every framework and on node:http, over real
// sockets: the filters match the resolved client, so that headers a direct client forges never let
// it in, and the proxy-only check refuses every peer that is not a trusted proxy, whatever it sends.

import http from 'node:http'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { afterEach, describe, expect, it } from 'vitest'
import * as expressAdapter from '../../src/adapters/express.js'
import * as fastifyAdapter from '../../src/adapters/fastify.js'
import * as honoAdapter from '../../src/adapters/hono.js'
import * as koaAdapter from '../../src/adapters/koa.js'
import { compileTrust } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import type { IpFilterOptions, TrustedPeerOptions } from '../../src/uses/filter.js'
import { ipFilter, requireTrustedPeer } from '../../src/uses/node.js'
import { closeServer, listen, requestFrom, startProxyChain, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, FORGED, HOST, INNER, TWO_HOPS } from '../fixtures/topology.js'

const OTHER = '127.0.0.6'
const STRANGER = '127.0.0.4'
const SETTING = `${EDGE}, ${INNER}`

/** A guard, and the options the trust setting is compiled with (none by default). */
type Guard = ({ readonly kind: 'filter'; readonly options: IpFilterOptions } | { readonly kind: 'peer'; readonly options: TrustedPeerOptions }) & {
  readonly trust?: TrustOptions
}

/** The proof your own edge adds, and the header it travels in (the `edgeProof` option). */
const PROOF = { header: 'x-origin-verify', values: ['proof-0123456789abcdef'] }

const running: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()))
})

function serve(listener: http.RequestListener): Promise<Endpoint> {
  const server = http.createServer(listener)
  running.push(() => closeServer(server))
  return listen(server, APP)
}

/** Each framework with the adapter (warnings off) and the guard, answering every path with `ok`. */
const FRAMEWORKS: Record<string, (guard: Guard) => Promise<Endpoint>> = {
  express: (guard) => {
    const app = express()
    expressAdapter.trustProxy(app, SETTING, { ...guard.trust, warn: false })
    app.use(guard.kind === 'filter' ? expressAdapter.ipFilter(guard.options) : expressAdapter.requireTrustedPeer(guard.options))
    app.use((_req, res) => res.end('ok'))
    return serve(app)
  },
  fastify: async (guard) => {
    const proxy = fastifyAdapter.trustProxy(SETTING, { ...guard.trust, warn: false })
    const app = Fastify({ trustProxy: proxy.trust })
    await app.register(proxy)
    app.addHook('onRequest', guard.kind === 'filter' ? fastifyAdapter.ipFilter(guard.options) : fastifyAdapter.requireTrustedPeer(proxy.trust, guard.options))
    app.all('/*', async () => 'ok')
    running.push(() => app.close())
    await app.listen({ port: 0, host: APP })
    return { host: APP, port: (app.server.address() as { port: number }).port }
  },
  koa: (guard) => {
    const trust = compileTrust(SETTING, guard.trust)
    const app = new Koa()
    if (guard.kind === 'peer') app.use(koaAdapter.requireTrustedPeer(trust, guard.options))
    app.use(koaAdapter.trustProxy(trust, { warn: false }))
    if (guard.kind === 'filter') app.use(koaAdapter.ipFilter(guard.options))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    return serve(app.callback())
  },
  hono: (guard) => {
    const trust = compileTrust(SETTING, guard.trust)
    const app = new Hono()
    if (guard.kind === 'peer') app.use(honoAdapter.requireTrustedPeer(trust, guard.options))
    app.use(honoAdapter.trustProxy(trust, { warn: false }))
    if (guard.kind === 'filter') app.use(honoAdapter.ipFilter(guard.options))
    app.all('*', (c) => c.text('ok'))
    return serve(getRequestListener(app.fetch))
  },
  'node:http': (guard) => {
    const trust = compileTrust(SETTING, guard.trust)
    const check = guard.kind === 'filter' ? ipFilter(trust, guard.options) : requireTrustedPeer(trust, guard.options)
    return serve((req, res) => {
      if (check(req, res)) res.end('ok')
    })
  },
}

/** A request from `from`, directly (with `headers`) or through the two trusted proxies. */
interface Visit {
  readonly from: string
  readonly through: 'direct' | 'proxies'
  readonly path?: string
  readonly headers?: Readonly<Record<string, string>>
}

async function visit(app: Endpoint, { from, through, path = '/', headers = {} }: Visit): Promise<string> {
  let target = app
  if (through === 'proxies') {
    const chain = await startProxyChain(app, TWO_HOPS)
    running.push(() => chain.close())
    target = chain.entry
  }
  const reply = await requestFrom(from, target, { path, headers: { host: HOST, ...headers } })
  return `${reply.status} ${reply.body.trim()}`
}

interface Row {
  readonly name: string
  readonly guard: Guard
  readonly visits: readonly Visit[]
  readonly expected: readonly string[]
}

const ROWS: readonly Row[] = [
  {
    name: 'ipFilter: forged X-Forwarded-For naming an allowed client, from an untrusted peer: refused',
    guard: { kind: 'filter', options: { allow: ['203.0.113.0/24', '198.51.100.7'] } },
    visits: [
      { from: CLIENT, through: 'direct', headers: { 'x-forwarded-for': '203.0.113.5' } },
      { from: CLIENT, through: 'direct', headers: FORGED },
      { from: CLIENT, through: 'direct', headers: { forwarded: 'for=203.0.113.5', 'x-real-ip': '203.0.113.5' } },
    ],
    expected: ['403 Forbidden', '403 Forbidden', '403 Forbidden'],
  },
  {
    name: 'ipFilter: an allow list, behind two trusted proxies: the client decides, not the proxy',
    guard: { kind: 'filter', options: { allow: [CLIENT] } },
    visits: [{ from: CLIENT, through: 'proxies' }, { from: OTHER, through: 'proxies' }, { from: CLIENT, through: 'direct', headers: { 'x-forwarded-for': OTHER } }],
    expected: ['200 ok', '403 Forbidden', '200 ok'],
  },
  {
    name: 'ipFilter: a deny list, behind two trusted proxies, with another status',
    guard: { kind: 'filter', options: { deny: CLIENT, status: 451 } },
    visits: [{ from: CLIENT, through: 'proxies' }, { from: OTHER, through: 'proxies' }, { from: CLIENT, through: 'direct', headers: { 'x-forwarded-for': OTHER } }],
    expected: ['451 Request refused', '200 ok', '451 Request refused'],
  },
  {
    name: 'requireTrustedPeer: the origin reached directly is refused whatever the client sends; through the proxies, health checks and allowed peers get in',
    guard: { kind: 'peer', options: { paths: ['/healthz'], allow: [STRANGER] } },
    visits: [
      { from: CLIENT, through: 'direct' },
      { from: CLIENT, through: 'direct', headers: FORGED },
      { from: CLIENT, through: 'proxies' },
      { from: CLIENT, through: 'direct', path: '/healthz?full=1' },
      { from: CLIENT, through: 'direct', path: '/healthz/../admin' },
      { from: STRANGER, through: 'direct' },
    ],
    expected: ['403 Forbidden', '403 Forbidden', '200 ok', '200 ok', '403 Forbidden', '200 ok'],
  },
  {
    name: 'requireTrustedPeer with edgeProof: a peer in range without the proof (another tenant of the same edge) is refused, as the walk refuses to trust it',
    guard: { kind: 'peer', options: { paths: ['/healthz'] }, trust: { edgeProof: PROOF } },
    visits: [
      { from: EDGE, through: 'direct', headers: { 'x-forwarded-for': '198.51.100.7' } },
      { from: EDGE, through: 'direct', headers: { 'x-forwarded-for': '198.51.100.7', 'x-origin-verify': 'proof-wrong-0123456789' } },
      { from: EDGE, through: 'direct', headers: { 'x-forwarded-for': '198.51.100.7', 'x-origin-verify': 'proof-0123456789abcdef' } },
      { from: CLIENT, through: 'direct', headers: { 'x-origin-verify': 'proof-0123456789abcdef' } },
      { from: CLIENT, through: 'proxies', headers: { 'x-origin-verify': 'proof-0123456789abcdef' } },
      { from: CLIENT, through: 'proxies' },
      { from: EDGE, through: 'direct', path: '/healthz' },
    ],
    // your edge's proof lets in only a peer in range; a stranger with a leaked proof is still a stranger
    expected: ['403 Forbidden', '403 Forbidden', '200 ok', '403 Forbidden', '200 ok', '403 Forbidden', '200 ok'],
  },
]

describe.each(Object.keys(FRAMEWORKS))('%s', (framework) => {
  it.each(ROWS)('$name', async ({ guard, visits, expected }) => {
    const app = await (FRAMEWORKS[framework] as (guard: Guard) => Promise<Endpoint>)(guard)
    const seen: string[] = []
    for (const v of visits) seen.push(await visit(app, v))
    expect(seen).toEqual(expected)
  })
})

describe('without the adapter before the filter', () => {
  const allow: IpFilterOptions = { allow: ['203.0.113.5', CLIENT] }
  const forged = { 'x-forwarded-for': '203.0.113.5' }

  it('Fastify: its own request.ip, under its trustProxy option', async () => {
    const app = Fastify({ trustProxy: compileTrust(SETTING) })
    app.addHook('onRequest', fastifyAdapter.ipFilter({ allow: ['203.0.113.5'] }))
    app.all('/*', async () => 'ok')
    running.push(() => app.close())
    await app.listen({ port: 0, host: APP })
    const endpoint = { host: APP, port: (app.server.address() as { port: number }).port }
    expect([await visit(endpoint, { from: CLIENT, through: 'direct', headers: forged }), await visit(endpoint, { from: CLIENT, through: 'proxies', headers: forged })])
      .toEqual(['403 Forbidden', '403 Forbidden'])
  })

  it('Koa: the socket peer, never ctx.ip from app.proxy', async () => {
    const app = new Koa({ proxy: true })
    app.use(koaAdapter.ipFilter({ allow: ['203.0.113.5'] }))
    app.use((ctx) => {
      ctx.body = 'ok'
    })
    const endpoint = await serve(app.callback())
    expect(await visit(endpoint, { from: CLIENT, through: 'direct', headers: forged })).toBe('403 Forbidden')
  })

  it('Hono: no client is known, so an allow list refuses', async () => {
    const app = new Hono().use(honoAdapter.ipFilter(allow)).all('*', (c) => c.text('ok'))
    const endpoint = await serve(getRequestListener(app.fetch))
    expect(await visit(endpoint, { from: CLIENT, through: 'direct' })).toBe('403 Forbidden')
  })
})

describe('errors', () => {
  it.each([
    { name: 'error: node ipFilter without a predicate', call: () => ipFilter('loopback' as never, {}), message: 'ipFilter: trust must be a function from compileTrust(setting, options), got "loopback"' },
    { name: 'error: Hono requireTrustedPeer with a connection that is no function', call: () => honoAdapter.requireTrustedPeer(compileTrust(SETTING), { connection: 'socket' as never }), message: 'invalid option connection: "socket" (expected a function)' },
    { name: 'error: Express requireTrustedPeer with a bad option, at setup', call: () => expressAdapter.requireTrustedPeer({ paths: ['healthz'] }), message: 'invalid option paths: ["healthz"] (expected a list of paths starting with /)' },
  ])('$name', ({ call, message }) => {
    expect(call).toThrow(new TypeError(message))
  })
})
