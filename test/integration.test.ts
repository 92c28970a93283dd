// Express 4 and 5 with proxy-trust installed in place of proxy-addr (npm `overrides`, the way users
// adopt it), behind real HTTP proxies on real sockets; every answer is compared with the same app
// on the real proxy-addr 2.0.8.
//
// Addresses: the client sends from 127.0.0.5; the edge proxy (facing clients) is 127.0.0.2, the
// inner proxy 127.0.0.3; the apps listen on 127.0.0.1. Clients ask for Host `shop.example:8443`;
// proxies send Host `backend` onward, so the hostname shows whose Host header Express believed.

import http from 'node:http'
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { compileTrust } from '../src/index.js'
import { expressObserved, type ExpressRequest, type Observed } from './fixtures/express.js'
import { installApp, packedTrustProxy, removeDir, type Packed } from './fixtures/pack.js'
import {
  assertBindable, closeServer, listen, requestFrom, startProxyChain, type Endpoint,
} from './fixtures/proxies.js'
import {
  APP, CLIENT, EDGE, FORGED, FORGED_CHAIN, HOST, INNER, PASS_THROUGH, SHARED_CASES, TWO_HOPS,
  UPSTREAM_HOST, named, type ChainCase,
} from './fixtures/topology.js'

interface ExpressApp {
  (req: http.IncomingMessage, res: http.ServerResponse): void
  set(setting: string, value: unknown): this
  get(path: string, handler: (req: ExpressRequest, res: { json(body: unknown): void }) => void): this
}
type Express = () => ExpressApp

const CASES: readonly ChainCase[] = [
  {
    name: 'direct request: the client is the peer',
    trust: 'loopback',
    hops: [],
    expected: { ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'direct request: forged headers are ignored when nothing is trusted',
    trust: false,
    hops: [],
    headers: FORGED,
    expected: { ip: CLIENT, ips: [], protocol: 'http', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'direct request: a client inside a trusted range forges everything',
    trust: 'loopback',
    hops: [],
    headers: FORGED,
    expected: {
      ip: '198.51.100.7', ips: ['198.51.100.7'], protocol: 'https', hostname: 'evil.example', host: 'evil.example',
    },
  },
  {
    name: 'one trusted hop',
    trust: EDGE,
    hops: [{ address: EDGE, scheme: 'https' }],
    expected: { ip: CLIENT, ips: [CLIENT], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'one untrusted hop: the proxy is the client and its headers are ignored',
    trust: false,
    hops: [{ address: EDGE, scheme: 'https' }],
    expected: { ip: EDGE, ips: [], protocol: 'http', hostname: UPSTREAM_HOST, host: UPSTREAM_HOST },
  },
  {
    name: 'two trusted hops by address',
    trust: [EDGE, INNER],
    hops: TWO_HOPS,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'two trusted hops by count',
    trust: 2,
    hops: TWO_HOPS,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'shop.example', host: HOST },
  },
  {
    name: 'forged headers through a pass-through edge: a range keeps the real client, not the host and protocol',
    trust: '127.0.0.2/255.255.255.254',
    hops: PASS_THROUGH,
    headers: FORGED,
    expected: { ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', hostname: 'evil.example', host: 'evil.example' },
  },
  {
    name: 'forged headers through a pass-through edge: `true` believes all of them',
    trust: true,
    hops: PASS_THROUGH,
    headers: FORGED,
    expected: {
      ip: '203.0.113.66', ips: FORGED_CHAIN, protocol: 'https', hostname: 'evil.example', host: 'evil.example',
    },
  },
  ...SHARED_CASES,
]

interface Flavor {
  readonly name: string
  readonly major: 4 | 5
  /** The repo's own install of this Express, which uses the real proxy-addr 2.0.8. */
  readonly oracle: string
}

const FLAVORS: readonly Flavor[] = [
  { name: 'Express 4', major: 4, oracle: 'express4' },
  { name: 'Express 5', major: 5, oracle: 'express5' },
]

const fromRepo = createRequire(import.meta.url)

/** A temporary app depending on this Express, with proxy-addr overridden by the packed tarball. */
interface App {
  readonly dir: string
  readonly require: NodeJS.Require
  readonly express: Express
}

let packed: Packed
let dispose = async () => {}
const apps = new Map<4 | 5, App>()
const appDirs: string[] = []

/** Closers of everything a test started, run after each test whatever its outcome. */
const running: (() => Promise<void>)[] = []

async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((close) => close()))
}

beforeAll(async () => {
  await assertBindable([APP, EDGE, INNER, CLIENT])
  ;({ packed, dispose } = await packedTrustProxy())
  // allSettled: every install has finished, and registered its directory, before afterAll runs
  const installs = await Promise.allSettled(FLAVORS.map(async (flavor) => {
    const { version } = fromRepo(`${flavor.oracle}/package.json`) as { version: string }
    const dir = await installApp(`app-express${flavor.major}`, {
      dependencies: { express: version },
      overrides: { 'proxy-addr': `file:${packed.tarball}` },
    })
    appDirs.push(dir)
    const real = realpathSync(dir)
    const appRequire = createRequire(join(real, 'package.json'))
    apps.set(flavor.major, { dir: real, require: appRequire, express: appRequire('express') as Express })
  }))
  for (const install of installs) if (install.status === 'rejected') throw install.reason
})

afterEach(closeAll)

afterAll(async () => {
  await closeAll()
  await Promise.all(appDirs.map(removeDir))
  await dispose()
})

function appFor(flavor: Flavor): App {
  const app = apps.get(flavor.major)
  if (!app) throw new Error(`the ${flavor.name} app was not installed`)
  return app
}

/** Start an app answering every GET with what Express made of the request. */
async function startApp(express: Express, major: 4 | 5, trust: unknown): Promise<Endpoint> {
  const app = express()
  app.set('trust proxy', trust)
  app.get('/', (req, res) => res.json(expressObserved(req, major)))
  const server = http.createServer(app)
  running.push(() => closeServer(server))
  return listen(server, APP)
}

/** Send the case's request from the client through its proxies to a new app, and read the answer. */
async function observe(express: Express, major: 4 | 5, c: ChainCase): Promise<Observed> {
  const upstream = await startApp(express, major, c.trust)
  const chain = await startProxyChain(upstream, c.hops, { hostHeader: UPSTREAM_HOST })
  running.push(chain.close)
  const reply = await requestFrom(CLIENT, chain.entry, { headers: { host: HOST, ...c.headers } })
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`)
  return JSON.parse(reply.body) as Observed
}

describe.each(named(FLAVORS))('%s', (_name, flavor) => {
  it('the oracle is the real proxy-addr 2.0.8', () => {
    const expressDir = dirname(fromRepo.resolve(`${flavor.oracle}/package.json`))
    const manifest = fromRepo(fromRepo.resolve('proxy-addr/package.json', { paths: [expressDir] })) as {
      name: string
      version: string
    }
    expect(manifest).toMatchObject({ name: 'proxy-addr', version: '2.0.8' })
  })

  it('the override puts proxy-trust where Express requires proxy-addr', () => {
    const app = appFor(flavor)
    const expressDir = dirname(app.require.resolve('express/package.json'))
    const resolved = app.require.resolve('proxy-addr', { paths: [expressDir] })
    expect(resolved).toBe(join(app.dir, 'node_modules', 'proxy-addr', 'dist', 'cjs', 'cjs.js'))
    const manifest = app.require(app.require.resolve('proxy-addr/package.json', { paths: [expressDir] }))
    expect(manifest).toMatchObject({ name: 'proxy-trust', version: packed.version })

    // Express required it when it loaded; the module it holds is ours
    const loaded = app.require.cache[resolved]?.exports as Record<string, unknown> | undefined
    expect(typeof loaded).toBe('function')
    const api = ['all', 'compile', 'compileTrust', 'resolveAddr', 'proxyaddr']
    expect(Object.fromEntries(api.map((name) => [name, typeof loaded?.[name]])))
      .toEqual(Object.fromEntries(api.map((name) => [name, 'function'])))
  })

  it('the override is what Express calls: it accepts 0.0.0.0/0, which proxy-addr 2.0.8 rejects', () => {
    // a deliberate difference (see src/address.ts, parseRange), used here as a marker
    const ours = appFor(flavor).express()
    expect(() => ours.set('trust proxy', '0.0.0.0/0')).not.toThrow()
    const oracle = (fromRepo(flavor.oracle) as Express)()
    expect(() => oracle.set('trust proxy', '0.0.0.0/0')).toThrow(new TypeError('invalid range on address: 0.0.0.0/0'))
  })

  it('a predicate compiled with options by another copy keeps them: Express\'s copy hands it back', async () => {
    // this test run's own copy (the sources) compiles; the tarball Express loads as proxy-addr answers
    const trust = compileTrust('loopback', { source: 'forwarded' })
    const app = appFor(flavor).express()
    app.set('trust proxy', trust)
    app.get('/', (req, res) => res.json({ ip: req.ip, ips: req.ips }))
    const server = http.createServer(app)
    running.push(() => closeServer(server))
    const endpoint = await listen(server, APP)
    const reply = await requestFrom(APP, endpoint, { headers: { host: HOST, forwarded: 'for=203.0.113.9', 'x-forwarded-for': '6.6.6.6' } })
    expect(JSON.parse(reply.body)).toEqual({ ip: '203.0.113.9', ips: ['203.0.113.9'] })
  })

  it.each(named(CASES))('%s', async (_name, c) => {
    const app = appFor(flavor)
    const oracle = fromRepo(flavor.oracle) as Express
    const [ours, reference] = await Promise.all([
      observe(app.express, flavor.major, c),
      observe(oracle, flavor.major, c),
    ])
    const expected: Observed = {
      ...c.expected,
      secure: c.expected.protocol === 'https',
      host: flavor.major >= 5 ? c.expected.host : null,
    }
    expect({ 'proxy-trust': ours, 'proxy-addr 2.0.8': reference })
      .toEqual({ 'proxy-trust': expected, 'proxy-addr 2.0.8': expected })
  })
})
