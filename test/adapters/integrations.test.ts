// The framework adapters (proxy-trust/express, /fastify, /koa, /hono) and the examples, over real
// loopback sockets: the same setting gives the same answers in every framework, equal to Express's
// own `app.set('trust proxy', setting)`; options reach each framework's getters; and each
// framework's own proxy support is compared with the adapter's on the same requests.
//
// Addresses: the client sends from 127.0.0.5; the edge proxy (facing clients) is 127.0.0.2, the
// inner proxy 127.0.0.3, an untrusted proxy 127.0.0.4; apps listen on 127.0.0.1. Clients ask for
// Host `shop.example:8443`; proxies send Host `backend` onward, so the hostname shows whose Host
// header was believed.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import { createRequire } from 'node:module'
import net, { type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import Fastify, { type FastifyInstance } from 'fastify'
import { Hono, type Context } from 'hono'
import Koa from 'koa'
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import { trustProxy as expressTrustProxy, type ExpressApp as AdapterApp } from '../../src/adapters/express.js'
import { trustProxy as fastifyTrustProxy } from '../../src/adapters/fastify.js'
import { trustProxy as honoTrustProxy, type HonoTrustOptions, type TrustProxyEnv } from '../../src/adapters/hono.js'
import { trustProxy as koaTrustProxy, type TrustProxyState } from '../../src/adapters/koa.js'
import type { TrustOptions } from '../../src/core/options.js'
import { resolveAddr, type ResolvedAddr } from '../../src/core/resolve.js'
import { expressObserved, type ExpressRequest, type Observed } from '../fixtures/express.js'
import { ROOT } from '../fixtures/pack.js'
import {
  assertBindable, closeServer, listen, requestFrom, startProxyChain, type Endpoint, type Hop,
} from '../fixtures/proxies.js'
import {
  APP, CLIENT, EDGE, FORGED, HOST, HTTP_TWO_HOPS, INNER, PASS_THROUGH, SHARED_CASES, TWO_HOPS,
  UPSTREAM_HOST, named, type ChainCase,
} from '../fixtures/topology.js'

const STRANGER = '127.0.0.4'

function observedOf(addr: ResolvedAddr): Observed {
  return {
    ip: addr.ip ?? null,
    ips: addr.ips,
    protocol: addr.protocol,
    secure: addr.secure,
    hostname: addr.hostname ?? null,
    host: addr.host ?? null,
  }
}

/** Closers of everything a test started, run after each test whatever its outcome. */
const running: (() => Promise<void>)[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()))
})

/** Listen on the app address, and close the server after the test. */
function serve(server: http.Server): Promise<Endpoint> {
  running.push(() => closeServer(server))
  return listen(server, APP)
}

/** GET `/` (or `path`) from `from`, with Host `shop.example:8443` unless `headers` say otherwise. */
async function ask<T = Observed>(
  from: string, target: Endpoint, headers: Readonly<Record<string, string>> = {}, path = '/',
): Promise<T> {
  const reply = await requestFrom(from, target, { path, headers: { host: HOST, ...headers } })
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`)
  return JSON.parse(reply.body) as T
}

/** Send a request from the client through `hops` to `upstream`, and read the answer. */
async function askThrough<T = Observed>(
  upstream: Endpoint, hops: readonly Hop[], headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  const chain = await startProxyChain(upstream, hops, { hostHeader: UPSTREAM_HOST })
  running.push(chain.close)
  return ask<T>(CLIENT, chain.entry, headers)
}

// -- Express -------------------------------------------------------------------------------------

type Handler = (req: ExpressRequest, res: { json(body: unknown): void }) => void
interface ExpressApp extends AdapterApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void
  set(setting: string, value: unknown): this
  get(setting: string): unknown
  get(path: string, handler: Handler): this
  use(path: string, app: ExpressApp): this
}
type Express = () => ExpressApp

interface Flavor {
  readonly name: string
  readonly major: 4 | 5
  readonly express: Express
  /** The package name in this repository (both use the real proxy-addr 2.0.8). */
  readonly module: string
}

const fromRepo = createRequire(import.meta.url)
const FLAVORS: readonly Flavor[] = [
  { name: 'Express 4', major: 4, express: fromRepo('express4') as Express, module: 'express4' },
  { name: 'Express 5', major: 5, express: fromRepo('express5') as Express, module: 'express5' },
]

/** An Express app answering every GET / with its getters. */
function expressApp(flavor: Flavor): ExpressApp {
  const app = flavor.express()
  app.get('/', (req, res) => res.json(expressObserved(req, flavor.major)))
  return app
}

function startExpress(app: ExpressApp): Promise<Endpoint> {
  return serve(http.createServer(app))
}

// -- the other frameworks, each answering GET / with the adapter's answer --------------------------

async function startFastify(app: FastifyInstance): Promise<Endpoint> {
  running.push(() => app.close())
  await app.listen({ port: 0, host: APP })
  return { host: APP, port: (app.server.address() as AddressInfo).port }
}

function koaObserved(ctx: Koa.ParameterizedContext): Observed {
  return {
    ip: ctx.ip || null,
    ips: ctx.ips,
    protocol: ctx.protocol,
    secure: ctx.secure,
    hostname: ctx.hostname || null,
    host: ctx.host || null,
  }
}

function startKoa(app: { callback(): http.RequestListener }): Promise<Endpoint> {
  return serve(http.createServer(app.callback()))
}

function startHono(setting: TrustSetting, options?: HonoTrustOptions): Promise<Endpoint> {
  const app = new Hono().use(honoTrustProxy(setting, options)).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
  return serve(http.createServer(getRequestListener(app.fetch)))
}

/** A server that answers from `resolveAddr` directly. */
function startNode(setting: TrustSetting, options?: TrustOptions): Promise<Endpoint> {
  const trust = compileTrust(setting, options)
  return serve(http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(observedOf(resolveAddr(req, trust))))
  }))
}

/** One framework set up with a setting, the way its adapter's documentation says. */
interface Target {
  readonly name: string
  /** Whether the answer includes Express 5's `host`. */
  readonly host: boolean
  start(setting: TrustSetting): Promise<Endpoint>
}

const TARGETS: readonly Target[] = [
  ...FLAVORS.flatMap((flavor): Target[] => [
    {
      name: `${flavor.name}: app.set('trust proxy', setting)`,
      host: flavor.major === 5,
      start: (setting) => startExpress(expressApp(flavor).set('trust proxy', setting)),
    },
    {
      name: `${flavor.name}: trustProxy(app, setting)`,
      host: flavor.major === 5,
      start: (setting) => {
        const app = expressApp(flavor)
        expressTrustProxy(app, setting)
        return startExpress(app)
      },
    },
  ]),
  {
    name: 'Fastify: request.trustProxy',
    host: true,
    start: async (setting) => {
      const proxy = fastifyTrustProxy(setting)
      const app = Fastify({ trustProxy: proxy.trust })
      await app.register(proxy)
      app.get('/', (request) => observedOf(request.trustProxy))
      return startFastify(app)
    },
  },
  {
    name: 'Koa: ctx.request',
    host: true,
    start: (setting) => {
      const app = new Koa<TrustProxyState>()
      app.use(koaTrustProxy(setting))
      app.use((ctx) => { ctx.body = koaObserved(ctx) })
      return startKoa(app)
    },
  },
  { name: "Hono: c.get('trustProxy')", host: true, start: (setting) => startHono(setting) },
  { name: 'node:http: resolveAddr', host: true, start: (setting) => startNode(setting) },
]

const CASES: readonly ChainCase[] = [
  {
    name: 'direct request, nothing trusted: forged headers are ignored',
    trust: false,
    hops: [],
    headers: FORGED,
    expected: { ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'direct request from a client outside the trusted addresses: forged headers are ignored',
    trust: [EDGE, INNER],
    hops: [],
    headers: FORGED,
    expected: { ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'one trusted hop by address',
    trust: EDGE,
    hops: [{ address: EDGE, scheme: 'https' }],
    expected: { ip: CLIENT, ips: [CLIENT], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'two trusted hops by subnet',
    trust: '127.0.0.2/31',
    hops: TWO_HOPS,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'two trusted hops by a named range and addresses, comma-separated',
    trust: `linklocal, ${INNER}, ${EDGE}`,
    hops: TWO_HOPS,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'forged headers through a pass-through edge: the client is kept, its host and protocol are believed',
    trust: '127.0.0.2/31',
    hops: PASS_THROUGH,
    headers: FORGED,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'evil.example', host: 'evil.example' },
  },
  ...SHARED_CASES,
]

beforeAll(async () => {
  await assertBindable([APP, EDGE, INNER, STRANGER, CLIENT])
})

describe('the same setting means the same thing in every framework', () => {
  it.each(named(CASES))('%s', async (_name, c) => {
    const answers = await Promise.all(TARGETS.map(async (target) => {
      const upstream = await target.start(c.trust)
      return [target.name, await askThrough(upstream, c.hops, c.headers)] as const
    }))
    const expected = { ...c.expected, secure: c.expected.protocol === 'https' }
    expect(Object.fromEntries(answers)).toEqual(Object.fromEntries(TARGETS.map((target) => [
      target.name, target.host ? expected : { ...expected, host: null },
    ])))
  })
})

// -- Express: the explicit route --------------------------------------------------------------------

/** What the edge proxy sends when the client came with forged X-Forwarded-* values. */
const FROM_EDGE = {
  /** RFC 7239, as the edge writes it, beside a forged X-Forwarded-For that the edge passed on. */
  forwarded: {
    host: UPSTREAM_HOST,
    'forwarded': `for=198.51.100.7;proto=https;host="${HOST}"`,
    'x-forwarded-for': '203.0.113.66',
  },
  /** The client forged the leftmost values; the edge appended the real ones. */
  appended: {
    host: UPSTREAM_HOST,
    'x-forwarded-for': `203.0.113.66, ${CLIENT}`,
    'x-forwarded-host': `evil.example, ${HOST}`,
    'x-forwarded-proto': 'https, http',
  },
}

describe.each(named(FLAVORS))('%s: trustProxy(app, setting, options)', (_name, flavor) => {
  const host = (value: string | null): string | null => (flavor.major === 5 ? value : null)

  it('hands Express the compiled predicate as its trust proxy setting', () => {
    const app = flavor.express()
    const trust = expressTrustProxy(app, 'loopback', { hostAndProto: 'aligned' })
    expect(app.get('trust proxy')).toBe(trust)
    expect(app.get('trust proxy fn')).toBe(trust)
    expect([trust('127.0.0.1', 0), trust('10.0.0.1', 0)]).toEqual([true, false])
  })

  it("source: 'forwarded' reaches req.ip, req.ips, req.protocol, req.secure and req.hostname; Express's own getters read X-Forwarded-For", async () => {
    const trust = compileTrust(EDGE, { source: 'forwarded' })
    const ours = expressApp(flavor)
    expressTrustProxy(ours, trust)
    const own = expressApp(flavor).set('trust proxy', trust)
    const [explicit, express] = await Promise.all([
      startExpress(ours).then((app) => ask(EDGE, app, FROM_EDGE.forwarded)),
      startExpress(own).then((app) => ask(EDGE, app, FROM_EDGE.forwarded)),
    ])
    expect({ explicit, express }).toEqual({
      explicit: {
        ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'shop.example', host: host(HOST),
      },
      express: {
        ip: '203.0.113.66', ips: ['203.0.113.66'], protocol: 'http', secure: false, hostname: UPSTREAM_HOST, host: host(UPSTREAM_HOST),
      },
    })
  })

  it("hostAndProto: 'aligned' takes the host and protocol the trusted edge wrote, not the forged leftmost ones", async () => {
    const aligned = expressApp(flavor)
    expressTrustProxy(aligned, EDGE, { hostAndProto: 'aligned' })
    const leftmost = expressApp(flavor).set('trust proxy', EDGE)
    const [ours, express] = await Promise.all([
      startExpress(aligned).then((app) => ask(EDGE, app, FROM_EDGE.appended)),
      startExpress(leftmost).then((app) => ask(EDGE, app, FROM_EDGE.appended)),
    ])
    expect({ ours, express }).toEqual({
      ours: { ip: CLIENT, ips: [CLIENT], protocol: 'http', secure: false, hostname: 'shop.example', host: host(HOST) },
      express: {
        ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'evil.example', host: host('evil.example'),
      },
    })
  })

  it("follows a later app.set('trust proxy'), as Express's getters do", async () => {
    const app = expressApp(flavor)
    expressTrustProxy(app, EDGE, { source: 'forwarded' })
    app.set('trust proxy', false)
    const answer = await ask(EDGE, await startExpress(app), FROM_EDGE.forwarded)
    expect(answer).toEqual({
      ip: EDGE, ips: [], protocol: 'http', secure: false, hostname: UPSTREAM_HOST, host: host(UPSTREAM_HOST),
    })
  })

  it('reaches mounted sub-applications, which inherit the setting', async () => {
    const app = flavor.express()
    expressTrustProxy(app, EDGE, { source: 'forwarded' })
    app.use('/sub', expressApp(flavor))
    const answer = await ask(EDGE, await startExpress(app), FROM_EDGE.forwarded, '/sub')
    expect(answer).toEqual({
      ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'shop.example', host: host(HOST),
    })
  })

  it(flavor.major === 5 ? 'req.host keeps the port' : "Express 4's deprecated req.host follows req.hostname, still deprecated", async () => {
    const app = flavor.express()
    expressTrustProxy(app, EDGE, { hostAndProto: 'aligned' })
    app.get('/', (req, res) => res.json({ host: req.host, hostname: req.hostname }))
    const endpoint = await startExpress(app)
    // depd reports to 'deprecation' listeners instead of printing
    const deprecations: string[] = []
    const listen = (error: Error) => deprecations.push(error.message)
    process.on('deprecation', listen)
    try {
      expect({ answer: await ask(EDGE, endpoint, FROM_EDGE.appended), deprecations }).toEqual({
        answer: { host: flavor.major === 5 ? HOST : 'shop.example', hostname: 'shop.example' },
        deprecations: flavor.major === 5 ? [] : ['req.host: Use req.hostname instead'],
      })
    } finally {
      process.off('deprecation', listen)
    }
  })

  it('leaves other applications alone', async () => {
    const app = expressApp(flavor)
    expressTrustProxy(app, EDGE, { source: 'forwarded' })
    const other = await startExpress(expressApp(flavor))
    expect((await ask(EDGE, other, FROM_EDGE.forwarded)).ip).toBe(EDGE)
  })

  it.each([
    { name: 'error: no application', app: null, message: 'app argument must be an Express application: null' },
    { name: 'error: no set()', app: { request: {} }, message: 'app argument must be an Express application: {"request":{}}' },
    { name: 'error: no request prototype', app: { set() {} }, message: 'app argument must be an Express application: {}' },
    {
      name: 'error: a null request prototype',
      app: { set() {}, request: null },
      message: 'app argument must be an Express application: {"request":null}',
    },
  ])('$name', ({ app, message }) => {
    expect(() => expressTrustProxy(app as unknown as AdapterApp, 'loopback')).toThrow(new TypeError(message))
  })

  it('error: an invalid setting leaves the application as it was', () => {
    const app = flavor.express()
    expect(() => expressTrustProxy(app, '10.0.0.300')).toThrow(new TypeError('invalid IP address: 10.0.0.300'))
    expect(app.get('trust proxy')).toBe(false)
    expect(Object.getOwnPropertyNames(app.request)).toEqual(['app'])
  })
})

// -- Fastify ------------------------------------------------------------------------------------------

/** Fastify's own getters beside the plugin's answer. */
interface FastifyAnswer {
  readonly own: { ip: string; ips: string[] | null; protocol: string; host: string; hostname: string }
  readonly plugin: Observed
}

async function startFastifyPair(fastifyTrust: unknown, setting: TrustSetting, options?: TrustOptions): Promise<Endpoint> {
  const app = Fastify({ trustProxy: fastifyTrust as TrustFn })
  await app.register(fastifyTrustProxy(setting, options))
  app.get('/', (request): FastifyAnswer => ({
    own: {
      ip: request.ip,
      ips: request.ips ?? null,
      protocol: request.protocol,
      host: request.host,
      hostname: request.hostname,
    },
    plugin: observedOf(request.trustProxy),
  }))
  return startFastify(app)
}

describe('Fastify 5: trustProxy(setting, options)', () => {
  it('the installed Fastify is 5.12.8, whose numeric trustProxy is read below', () => {
    expect((fromRepo('fastify/package.json') as { version: string }).version).toBe('5.12.8')
  })

  it("a number as Fastify's own trustProxy trusts nothing; compileTrust(n), a function, counts hops as Express does", async () => {
    const headers = { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'https', 'x-forwarded-host': HOST, host: UPSTREAM_HOST }
    const [number, compiled] = await Promise.all([
      startFastifyPair(1, 1).then((app) => ask<FastifyAnswer>(EDGE, app, headers)),
      startFastifyPair(compileTrust(1), 1).then((app) => ask<FastifyAnswer>(EDGE, app, headers)),
    ])
    const plugin: Observed = { ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST }
    expect({ number, compiled }).toEqual({
      number: {
        own: { ip: EDGE, ips: [EDGE], protocol: 'http', host: UPSTREAM_HOST, hostname: UPSTREAM_HOST },
        plugin,
      },
      compiled: {
        own: { ip: CLIENT, ips: [EDGE, CLIENT], protocol: 'https', host: HOST, hostname: 'shop.example' },
        plugin,
      },
    })
  })

  it("the same addresses: Fastify's own ip is the plugin's; its ips list the socket peer first", async () => {
    const [own, ours] = await Promise.all([
      startFastifyPair('127.0.0.2/31', '127.0.0.2/31').then((app) => askThrough<FastifyAnswer>(app, TWO_HOPS)),
      startFastifyPair(false, '127.0.0.2/31').then((app) => askThrough<FastifyAnswer>(app, TWO_HOPS)),
    ])
    const plugin: Observed = {
      ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST,
    }
    expect({ own, ours }).toEqual({
      own: {
        own: { ip: CLIENT, ips: [INNER, EDGE, CLIENT], protocol: 'https', host: HOST, hostname: 'shop.example' },
        plugin,
      },
      // the plugin's answer does not depend on Fastify's option
      ours: {
        own: { ip: INNER, ips: null, protocol: 'http', host: UPSTREAM_HOST, hostname: UPSTREAM_HOST },
        plugin,
      },
    })
  })

  it("the same addresses: Fastify takes the last X-Forwarded-Host and -Proto values, Express the first; 'aligned' the edge's", async () => {
    const [leftmost, aligned] = await Promise.all([
      startFastifyPair(EDGE, EDGE).then((app) => ask<FastifyAnswer>(EDGE, app, FROM_EDGE.appended)),
      startFastifyPair(EDGE, EDGE, { hostAndProto: 'aligned' }).then((app) => ask<FastifyAnswer>(EDGE, app, FROM_EDGE.appended)),
    ])
    const own = { ip: CLIENT, ips: [EDGE, CLIENT], protocol: 'http', host: HOST, hostname: 'shop.example' }
    expect({ leftmost, aligned }).toEqual({
      leftmost: {
        own,
        plugin: { ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'evil.example', host: 'evil.example' },
      },
      aligned: {
        own,
        plugin: { ip: CLIENT, ips: [CLIENT], protocol: 'http', secure: false, hostname: 'shop.example', host: HOST },
      },
    })
  })

  it("source: 'forwarded' reaches request.trustProxy; Fastify's own ip, given the same predicate, reads X-Forwarded-For", async () => {
    const proxy = fastifyTrustProxy(EDGE, { source: 'forwarded' })
    const answer = await startFastifyPair(proxy.trust, proxy.trust).then((app) => ask<FastifyAnswer>(EDGE, app, FROM_EDGE.forwarded))
    expect(answer).toEqual({
      own: { ip: '203.0.113.66', ips: [EDGE, '203.0.113.66'], protocol: 'http', host: UPSTREAM_HOST, hostname: UPSTREAM_HOST },
      plugin: { ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST },
    })
  })

  it('decorates the context it is registered in, not a context of its own: sibling plugins see it', async () => {
    const app = Fastify()
    await app.register(fastifyTrustProxy(EDGE))
    await app.register(async (child) => {
      child.get('/', (request) => observedOf(request.trustProxy))
    })
    const answer = await ask(EDGE, await startFastify(app), { 'x-forwarded-for': CLIENT })
    expect(answer.ip).toBe(CLIENT)
  })

  it('error: an invalid setting throws when the plugin is made', () => {
    expect(() => fastifyTrustProxy(['loopback', 'nope'])).toThrow(new TypeError('invalid IP address: nope'))
  })
})

// -- Koa ----------------------------------------------------------------------------------------------

/** What Koa reports: with `app.proxy`, or through the middleware. */
interface KoaAnswer extends Observed {
  readonly href: string
  readonly state: Observed | null
}

function koaAnswer(ctx: Koa.ParameterizedContext<Partial<TrustProxyState>>): KoaAnswer {
  return {
    ...koaObserved(ctx),
    href: ctx.href,
    state: ctx.state.trustProxy ? observedOf(ctx.state.trustProxy) : null,
  }
}

function startKoaProxy(options: { readonly maxIpsCount?: number }): Promise<Endpoint> {
  const app = new Koa({ proxy: true, ...options })
  app.use((ctx) => { ctx.body = koaAnswer(ctx) })
  return startKoa(app)
}

function startKoaMiddleware(setting: TrustSetting, options?: TrustOptions): Promise<Endpoint> {
  const app = new Koa<TrustProxyState>()
  app.use(koaTrustProxy(setting, options))
  app.use((ctx) => { ctx.body = koaAnswer(ctx) })
  return startKoa(app)
}

interface KoaCase {
  readonly name: string
  readonly maxIpsCount?: number
  readonly hops: readonly Hop[]
  readonly headers?: Readonly<Record<string, string>>
  /** Koa's answer with `app.proxy = true`. */
  readonly proxy: Observed
}

/** The middleware's answer to every Koa case: trust the two proxies. */
const KOA_TRUST = [EDGE, INNER]

const KOA_CASES: readonly KoaCase[] = [
  {
    name: 'behind the trusted proxies, app.proxy and the middleware agree',
    hops: TWO_HOPS,
    proxy: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST },
  },
  {
    name: 'a direct client forges X-Forwarded-*: app.proxy believes every header from any peer',
    hops: [],
    headers: FORGED,
    proxy: {
      ip: '203.0.113.66', ips: ['203.0.113.66', '198.51.100.7'], protocol: 'https', secure: true,
      hostname: 'evil.example', host: 'evil.example',
    },
  },
  {
    name: 'a direct client forges X-Forwarded-*: maxIpsCount = 1 keeps the rightmost entry, still without asking who sent it',
    maxIpsCount: 1,
    hops: [],
    headers: FORGED,
    proxy: {
      ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'evil.example', host: 'evil.example',
    },
  },
]

/** What the middleware says for a Koa case: the walk Express does with the two proxies trusted. */
function koaExpected(c: KoaCase): Observed {
  return c.hops.length === 0
    ? { ip: CLIENT, ips: [], protocol: 'http', secure: false, hostname: 'shop.example', host: HOST }
    : { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST }
}

describe('Koa 3: trustProxy(setting, options)', () => {
  it.each(named(KOA_CASES))('%s', async (_name, c) => {
    const [proxy, middleware] = await Promise.all([
      startKoaProxy(c.maxIpsCount === undefined ? {} : { maxIpsCount: c.maxIpsCount }),
      startKoaMiddleware(KOA_TRUST),
    ])
    const [koa, ours] = await Promise.all([askThrough(proxy, c.hops, c.headers), askThrough(middleware, c.hops, c.headers)])
    const expected = koaExpected(c)
    expect({ koa, ours }).toEqual({
      koa: { ...c.proxy, href: `${c.proxy.protocol}://${c.proxy.host}/`, state: null },
      ours: { ...expected, href: `${expected.protocol}://${HOST}/`, state: expected },
    })
  })

  it("source: 'forwarded' reaches ctx.ip, ctx.protocol and ctx.hostname", async () => {
    const answer = await ask<KoaAnswer>(EDGE, await startKoaMiddleware(EDGE, { source: 'forwarded' }), FROM_EDGE.forwarded)
    const expected: Observed = {
      ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST,
    }
    expect(answer).toEqual({ ...expected, href: `https://${HOST}/`, state: expected })
  })

  it('ctx.request.ip stays settable after the middleware', async () => {
    const app = new Koa<TrustProxyState>()
    app.use(koaTrustProxy(EDGE))
    app.use((ctx) => {
      const before = ctx.ip
      ctx.request.ip = '192.0.2.1'
      ctx.body = { before, after: ctx.ip, state: ctx.state.trustProxy.ip }
    })
    const answer = await ask(EDGE, await startKoa(app), { 'x-forwarded-for': CLIENT })
    expect(answer).toEqual({ before: CLIENT, after: '192.0.2.1', state: CLIENT })
  })

  it("a socket without an address and no Host: Koa's empty strings, undefined in ctx.state", async () => {
    const ctx = {
      req: { socket: {}, headers: { 'x-forwarded-for': CLIENT } },
      request: {},
      state: {} as Partial<TrustProxyState>,
    }
    let called = false
    await koaTrustProxy('loopback')(ctx as unknown as Koa.ParameterizedContext<TrustProxyState>, async () => { called = true })
    expect({ request: { ...ctx.request }, state: ctx.state, called }).toEqual({
      request: { ip: '', ips: [], host: '', hostname: '', protocol: 'http', secure: false },
      state: { trustProxy: { ip: undefined, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false } },
      called: true,
    })
  })

  it('error: an invalid option throws when the middleware is made', () => {
    expect(() => koaTrustProxy('loopback', { source: 'x-real-ip' as never }))
      .toThrow(new TypeError(`invalid option source: "x-real-ip" (expected 'x-forwarded-for', 'forwarded' or { header: name })`))
  })
})

// -- Hono ---------------------------------------------------------------------------------------------

describe('Hono: trustProxy(setting, options)', () => {
  it("on @hono/node-server: the socket's address, and options such as source: 'forwarded'", async () => {
    const [xff, forwarded] = await Promise.all([
      startHono(EDGE).then((app) => ask(EDGE, app, FROM_EDGE.forwarded)),
      startHono(EDGE, { source: 'forwarded' }).then((app) => ask(EDGE, app, FROM_EDGE.forwarded)),
    ])
    expect({ xff, forwarded }).toEqual({
      xff: { ip: '203.0.113.66', ips: ['203.0.113.66'], protocol: 'http', secure: false, hostname: UPSTREAM_HOST, host: UPSTREAM_HOST },
      forwarded: { ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST },
    })
  })

  it("other runtimes: the connection function gives the address (here Bun's server.requestIP)", async () => {
    const bun = { requestIP: (request: Request) => ({ address: request.headers.get('x-test-peer') ?? '' }) }
    const app = new Hono<{ Bindings: typeof bun } & TrustProxyEnv>()
      .use(honoTrustProxy(EDGE, { connection: (c: Context) => ({ remoteAddress: c.env.requestIP(c.req.raw)?.address }) }))
      .get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const fetchFrom = async (peer: string) => {
      const request = new Request('https://shop.example/', { headers: { 'x-test-peer': peer, 'x-forwarded-for': CLIENT } })
      return (await app.fetch(request, bun)).json()
    }
    expect({ edge: await fetchFrom(EDGE), client: await fetchFrom(CLIENT) }).toEqual({
      // the URL's scheme stands in for the socket's TLS flag
      edge: { ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'shop.example', host: 'shop.example' },
      client: { ip: CLIENT, ips: [], protocol: 'https', secure: true, hostname: 'shop.example', host: 'shop.example' },
    })
  })

  it.each([
    { name: "Bun: c.env is the server, whose requestIP answers the peer", env: (peer: string) => ({ requestIP: () => ({ address: peer, family: 'IPv4', port: 1 }) }) },
    { name: 'Bun: c.env is { server } (Hono with other bindings)', env: (peer: string) => ({ server: { requestIP: () => ({ address: peer, family: 'IPv4', port: 1 }) } }) },
    { name: "Deno: c.env is the handler's info, with remoteAddr", env: (peer: string) => ({ remoteAddr: { transport: 'tcp', hostname: peer, port: 1 } }) },
  ])('the runtime\'s own peer without a connection function: $name', async ({ env }) => {
    const app = new Hono().use(honoTrustProxy(EDGE)).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const fetchFrom = async (peer: string) =>
      (await app.fetch(new Request('https://shop.example/', { headers: { 'x-forwarded-for': CLIENT } }), env(peer))).json()
    expect({ edge: await fetchFrom(EDGE), client: await fetchFrom(CLIENT) }).toEqual({
      edge: { ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'shop.example', host: 'shop.example' },
      client: { ip: CLIENT, ips: [], protocol: 'https', secure: true, hostname: 'shop.example', host: 'shop.example' },
    })
  })

  it.each([
    { name: "fail: Cloudflare Workers' bindings carry no peer", env: { KV: {}, SECRET: 'x' } },
    { name: 'fail: a Deno unix socket has no peer address', env: { remoteAddr: { transport: 'unix', path: '/run/app.sock' } } },
    { name: "fail: a Bun server whose requestIP throws gives no peer", env: { requestIP: () => { throw new TypeError('not mine') } } },
    { name: 'fail: env null', env: null },
  ])('$name, and no header becomes one', async ({ env }) => {
    const app = new Hono().use(honoTrustProxy(EDGE)).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const response = await app.fetch(new Request('https://shop.example/', { headers: { 'x-forwarded-for': EDGE, 'cf-connecting-ip': EDGE } }), env as never)
    expect(await response.json()).toMatchObject({ ip: null, ips: [] })
  })

  it("getConnInfo: Hono's helper for the runtime gives the peer (Cloudflare Workers: CF-Connecting-IP)", async () => {
    const { getConnInfo } = await import('hono/cloudflare-workers')
    const app = new Hono().use(honoTrustProxy(EDGE, { getConnInfo })).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const fetchVia = async (peer: string) =>
      (await app.fetch(new Request('https://shop.example/', { headers: { 'cf-connecting-ip': peer, 'x-forwarded-for': CLIENT } }), {})).json()
    expect({ edge: await fetchVia(EDGE), client: await fetchVia(CLIENT) }).toMatchObject({
      edge: { ip: CLIENT, ips: [CLIENT] },
      client: { ip: CLIENT, ips: [] },
    })
  })

  it.each([
    { name: "fail: a getConnInfo that throws (hono/bun's outside Bun) gives no peer, never a 500", getConnInfo: () => { throw new TypeError('env has to include the 2nd argument of fetch.') } },
    { name: 'fail: a getConnInfo answering no address gives no peer', getConnInfo: () => ({ remote: {} }) },
    { name: 'fail: a getConnInfo answering a number gives no peer', getConnInfo: () => ({ remote: { address: 7 as unknown as string } }) },
    { name: 'fail: a getConnInfo answering a name (a header it read) gives no peer', getConnInfo: () => ({ remote: { address: 'evil.example' } }) },
  ])('$name', async ({ getConnInfo }) => {
    const app = new Hono().use(honoTrustProxy(true, { getConnInfo })).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const response = await app.fetch(new Request('https://shop.example/'), {})
    expect({ status: response.status, ip: (await response.json() as { ip: unknown }).ip }).toEqual({ status: 200, ip: null })
  })

  it('getConnInfo takes precedence over connection', async () => {
    const app = new Hono()
      .use(honoTrustProxy('loopback', { connection: () => ({ remoteAddress: EDGE }), getConnInfo: () => ({ remote: { address: CLIENT } }) }))
      .get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    expect(await (await app.fetch(new Request('https://shop.example/'), {})).json()).toMatchObject({ ip: CLIENT })
  })

  it('error: getConnInfo that is not a function', () => {
    expect(() => honoTrustProxy('loopback', { getConnInfo: 'hono/bun' as never }))
      .toThrow(new TypeError('invalid option getConnInfo: "hono/bun" (expected a function)'))
  })

  it('no connection details: the peer is unknown (only `true` trusts it), and the URL gives the protocol', async () => {
    const app = new Hono().use(honoTrustProxy(true)).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const response = await app.request('http://shop.example:8443/', { headers: { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'https' } })
    expect(await response.json()).toEqual({
      ip: CLIENT, ips: [CLIENT], protocol: 'https', secure: true, hostname: 'shop.example', host: HOST,
    })
    const strict = new Hono().use(honoTrustProxy(EDGE, { connection: undefined })).get('/', (c) => c.json(observedOf(c.get('trustProxy'))))
    const unknown = await strict.request('http://shop.example:8443/', { headers: { 'x-forwarded-for': CLIENT } })
    expect(await unknown.json()).toEqual({
      ip: null, ips: [], protocol: 'http', secure: false, hostname: 'shop.example', host: HOST,
    })
  })

  it("types: c.get('trustProxy') is a ResolvedAddr once the middleware is used", () => {
    const app = new Hono().use(honoTrustProxy('loopback'))
    app.get('/', (c) => {
      expectTypeOf(c.get('trustProxy')).toEqualTypeOf<ResolvedAddr>()
      return c.text('')
    })
    expectTypeOf<Koa.ParameterizedContext<TrustProxyState>['state']['trustProxy']>().toEqualTypeOf<ResolvedAddr>()
  })

  it('error: an unknown option beside connection', () => {
    expect(() => honoTrustProxy('loopback', { connection: () => ({}), sorce: 'forwarded' } as HonoTrustOptions))
      .toThrow(new TypeError('unknown option: sorce'))
  })
})

// -- examples -----------------------------------------------------------------------------------------

const EXAMPLES_DIR = join(ROOT, 'examples')
const BUILT = ['cjs', 'adapters/express', 'adapters/fastify', 'adapters/koa', 'adapters/hono'].map((entry) => join(ROOT, 'dist', 'cjs', `${entry}.js`))

/** `node --import` a resolve hook that loads `target` where a module imports `express`. */
function expressAs(target: string): string[] {
  const resolver = 'data:text/javascript,' + encodeURIComponent(
    'let target;export function initialize(data){target=data}' +
    "export function resolve(specifier,context,next){return next(specifier==='express'?target:specifier,context)}",
  )
  const registrar = 'data:text/javascript,' + encodeURIComponent(
    `import{register}from'node:module';register(${JSON.stringify(resolver)},{data:${JSON.stringify(target)}})`,
  )
  return ['--import', registrar]
}

interface Example {
  readonly name: string
  readonly file: string
  readonly nodeArgs: readonly string[]
}

/** The examples served over HTTP/1.1; the Express one once on each major. */
const EXAMPLES: readonly Example[] = [
  ...FLAVORS.map((flavor) => ({ name: `express.mjs on ${flavor.name}`, file: 'express.mjs', nodeArgs: expressAs(flavor.module) })),
  { name: 'fastify.mjs', file: 'fastify.mjs', nodeArgs: [] },
  { name: 'koa.mjs', file: 'koa.mjs', nodeArgs: [] },
  { name: 'hono.mjs', file: 'hono.mjs', nodeArgs: [] },
  { name: 'node-http.mjs', file: 'node-http.mjs', nodeArgs: [] },
]

/** The examples trust the two proxies. */
const EXAMPLE_TRUST = `${EDGE}, ${INNER}`

/** A running example: its address, and a way to stop it. */
interface Started {
  readonly endpoint: Endpoint
  stop(): Promise<void>
}

/** Start an example with PORT=0 and wait for it to say where it listens. */
function startExample(file: string, nodeArgs: readonly string[]): Promise<Started> {
  const missing = BUILT.filter((entry) => !existsSync(entry))
  if (missing.length > 0) {
    return Promise.reject(new Error(`the build is missing (${missing.join(', ')}): run \`node scripts/build.mjs\` first`))
  }
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(EXAMPLES_DIR, file)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: APP, TRUST_PROXY: EXAMPLE_TRUST },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await exited
  }
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /listening on http:\/\/([\d.]+):(\d+)/.exec(out)
      if (match) resolve({ endpoint: { host: match[1] as string, port: Number(match[2]) }, stop })
    })
    child.once('exit', (code, signal) => {
      reject(new Error(`examples/${file} exited (${code ?? signal}) before listening:\n${out}${err}`))
    })
  })
}

interface ExampleCase {
  readonly name: string
  readonly hops: readonly Hop[]
  readonly headers?: Readonly<Record<string, string>>
  readonly expected: { ip: string; ips: string[]; protocol: string; hostname: string }
}

const EXAMPLE_CASES: readonly ExampleCase[] = [
  {
    name: "a direct client's forged headers are ignored",
    hops: [],
    headers: FORGED,
    expected: { ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example' },
  },
  {
    name: 'through both proxies: the client, over https',
    hops: TWO_HOPS,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'shop.example' },
  },
  {
    name: 'forged headers through an edge that sets them: the real client',
    hops: HTTP_TWO_HOPS,
    headers: FORGED,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'http', hostname: 'shop.example' },
  },
  {
    name: 'an untrusted proxy in front: it is the client, and its headers are ignored',
    hops: [{ address: STRANGER, scheme: 'https' }],
    expected: { ip: STRANGER, ips: [], protocol: 'http', hostname: UPSTREAM_HOST },
  },
]

describe.each(named(EXAMPLES))('examples/%s', (_name, example) => {
  let started: Started | undefined

  beforeAll(async () => {
    started = await startExample(example.file, example.nodeArgs)
  })

  afterAll(async () => {
    await started?.stop()
  })

  it.each(named(EXAMPLE_CASES))('%s', async (_case, c) => {
    const endpoint = (started as Started).endpoint
    expect(await askThrough(endpoint, c.hops, c.headers)).toEqual(c.expected)
  })
})

/** An HTTP/2 GET from `from` without a Host header: the authority travels as `:authority`. */
function askHttp2(from: string, target: Endpoint, headers: Readonly<Record<string, string>>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${target.host}:${target.port}`, {
      createConnection: () => net.connect({ host: target.host, port: target.port, localAddress: from }),
    })
    session.on('error', reject)
    const req = session.request({ ':path': '/', ':authority': HOST, ...headers })
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { body += chunk })
    req.on('end', () => {
      session.close()
      resolve(JSON.parse(body))
    })
    req.on('error', reject)
  })
}

describe('examples/node-http2.mjs', () => {
  let started: Started | undefined

  beforeAll(async () => {
    started = await startExample('node-http2.mjs', [])
  })

  afterAll(async () => {
    await started?.stop()
  })

  it("a direct client's forged headers are ignored; the hostname comes from :authority", async () => {
    expect(await askHttp2(CLIENT, (started as Started).endpoint, FORGED))
      .toEqual({ ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example' })
  })

  it('from the trusted edge: X-Forwarded-For and -Proto are believed, the hostname comes from :authority', async () => {
    const headers = { 'x-forwarded-for': `203.0.113.66, ${CLIENT}`, 'x-forwarded-proto': 'https' }
    expect(await askHttp2(EDGE, (started as Started).endpoint, headers))
      .toEqual({ ip: CLIENT, ips: [CLIENT], protocol: 'https', hostname: 'shop.example' })
  })
})
