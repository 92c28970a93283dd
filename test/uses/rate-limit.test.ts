// rate-limit.test.ts: the express-rate-limit recipe of docs/reference/using-the-answer.md
// (docs/reference/snippets/rate-limit.mjs, importing the built package) over real sockets: keys per
// client behind proxies, IPv6 clients grouped by /56, mapped IPv4 counted as IPv4, and which of
// express-rate-limit's validations speak for a right and a wrong setting.

import http from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import express from 'express'
import { rateLimit } from 'express-rate-limit'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { trustProxy as expressTrustProxy } from '../../src/adapters/express.js'
import type { Warning } from '../../src/diagnostics/explain.js'
import { ROOT } from '../fixtures/pack.js'
import { closeServer, listen, requestFrom, startProxyChain, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, FORGED, HOST, INNER, TWO_HOPS } from '../fixtures/topology.js'

/** A second client, beside CLIENT. */
const OTHER = '127.0.0.6'

interface Logger { error(error: unknown): void; warn(error: unknown): void }
interface Snippets {
  buildApp(setting: unknown, limiterOptions: Record<string, unknown>, adapterOptions?: Record<string, unknown>): express.Express
  rateLimiter(options: Record<string, unknown>): express.RequestHandler
}

const load = (name: string): Promise<unknown> => import(pathToFileURL(join(ROOT, 'docs/reference/snippets', name)).href)
let snippet: Snippets
beforeAll(async () => {
  snippet = { ...await load('rate-limit.mjs') as Snippets, ...await load('rate-limit-key.mjs') as Snippets }
})

const running: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()))
})

/** express-rate-limit's validation messages, by code. */
function validationLog(): { logger: Logger; codes: string[] } {
  const codes: string[] = []
  const note = (error: unknown) => codes.push((error as { code?: string }).code ?? String(error))
  return { logger: { error: note, warn: note }, codes }
}

async function serve(app: http.RequestListener): Promise<Endpoint> {
  const server = http.createServer(app)
  running.push(() => closeServer(server))
  return listen(server, APP)
}

async function chainTo(app: Endpoint): Promise<Endpoint> {
  const chain = await startProxyChain(app, TWO_HOPS)
  running.push(() => chain.close())
  return chain.entry
}

/** The status of each request, in order: GET / from `from` with `headers`. */
async function statuses(requests: readonly [string, Endpoint, Record<string, string>?][]): Promise<number[]> {
  const out: number[] = []
  for (const [from, target, headers] of requests) out.push((await requestFrom(from, target, { headers: { host: HOST, ...headers } })).status)
  return out
}

describe('express-rate-limit under the Express adapter (snippets/rate-limit.mjs)', () => {
  it('a right setting: one bucket per client behind two proxies, and no validation speaks', async () => {
    const { logger, codes } = validationLog()
    const warnings: Warning[] = []
    const app = await serve(snippet.buildApp(`${EDGE}, ${INNER}`, { limit: 2, logger }, { warn: (warning: Warning) => warnings.push(warning) }))
    const entry = await chainTo(app)
    expect(await statuses([[CLIENT, entry], [CLIENT, entry], [CLIENT, entry], [OTHER, entry]])).toEqual([200, 200, 429, 200])
    expect({ codes, warnings: warnings.map((warning) => warning.code) }).toEqual({ codes: [], warnings: [] })
  })

  it('forged X-Forwarded-For from a direct client: keyed by its socket address, whatever it claims', async () => {
    const { logger, codes } = validationLog()
    const app = await serve(snippet.buildApp(`${EDGE}, ${INNER}`, { limit: 1, logger }, { warn: false }))
    expect(await statuses([
      [CLIENT, app, { 'x-forwarded-for': '203.0.113.1' }],
      [CLIENT, app, { 'x-forwarded-for': '203.0.113.2' }],
      [CLIENT, app, FORGED],
    ])).toEqual([200, 429, 429])
    expect(codes).toEqual([])
  })

  it('IPv6 clients in one /56 share a bucket; another /56 has its own', async () => {
    const { logger } = validationLog()
    const app = await serve(snippet.buildApp('loopback', { limit: 1, logger }, { warn: false }))
    expect(await statuses([
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:100::1' }],
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:1ff:ffff::2' }],
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:200::1' }],
    ])).toEqual([200, 429, 200])
  })

  it('an IPv4-mapped address and its IPv4 address share a bucket', async () => {
    const { logger } = validationLog()
    const app = await serve(snippet.buildApp('loopback', { limit: 1, logger }, { warn: false }))
    expect(await statuses([
      [CLIENT, app, { 'x-forwarded-for': '198.51.100.7' }],
      [CLIENT, app, { 'x-forwarded-for': '::ffff:198.51.100.7' }],
      [CLIENT, app, { 'x-forwarded-for': '::FFFF:c633:6407' }],
    ])).toEqual([200, 429, 429])
  })

  it.each([
    { name: 'false: every client shares the proxy\'s bucket; both express-rate-limit and the adapter speak', setting: false, codes: ['ERR_ERL_UNEXPECTED_X_FORWARDED_FOR'], warnings: ['UNTRUSTED_PEER_WITH_HEADERS'] },
    { name: 'true: express-rate-limit names the setting', setting: true, codes: ['ERR_ERL_PERMISSIVE_TRUST_PROXY'], warnings: [] },
  ])('a wrong setting, $name', async ({ setting, codes: expectedCodes, warnings: expectedWarnings }) => {
    const { logger, codes } = validationLog()
    const warnings: Warning[] = []
    const app = await serve(snippet.buildApp(setting, { limit: 2, logger }, { warn: (warning: Warning) => warnings.push(warning) }))
    const entry = await chainTo(app)
    const seen = await statuses([[CLIENT, entry], [CLIENT, entry], [OTHER, entry]])
    if (setting === false) expect(seen).toEqual([200, 200, 429])
    expect({ codes, warnings: warnings.map((warning) => warning.code) }).toEqual({ codes: expectedCodes, warnings: expectedWarnings })
  })

  it('a trust proxy setting other than a boolean: express-rate-limit\'s checks, which look for true and false, stay quiet', async () => {
    const { logger, codes } = validationLog()
    const entry = await chainTo(await serve(snippet.buildApp(`${INNER}`, { limit: 2, logger }, { warn: false })))
    await statuses([[CLIENT, entry]])
    expect(codes).toEqual([])
  })
})

describe('a limiter keyed by clientKey (snippets/rate-limit-key.mjs)', () => {
  function keyedApp(setting: unknown, limit: number, logger: Logger): express.Express {
    const app = express()
    expressTrustProxy(app, setting as string, { warn: false })
    app.use(snippet.rateLimiter({ limit, logger }))
    app.get('/', (_req, res) => res.end('ok'))
    return app
  }

  it('one bucket per client behind two proxies', async () => {
    const { logger, codes } = validationLog()
    const entry = await chainTo(await serve(keyedApp(`${EDGE}, ${INNER}`, 2, logger)))
    expect(await statuses([[CLIENT, entry], [CLIENT, entry], [CLIENT, entry], [OTHER, entry]])).toEqual([200, 200, 429, 200])
    expect(codes).toEqual([])
  })

  it('IPv6 clients in one /56 share a bucket; another /56 has its own', async () => {
    const { logger } = validationLog()
    const app = await serve(keyedApp('loopback', 1, logger))
    expect(await statuses([
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:100::1' }],
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:1ff:ffff::2' }],
      [CLIENT, app, { 'x-forwarded-for': '2001:db8:1:200::1' }],
    ])).toEqual([200, 429, 200])
  })

  it('an IPv4-mapped address, in any spelling, and its IPv4 address share a bucket', async () => {
    const { logger } = validationLog()
    const app = await serve(keyedApp('loopback', 1, logger))
    expect(await statuses([
      [CLIENT, app, { 'x-forwarded-for': '198.51.100.7' }],
      [CLIENT, app, { 'x-forwarded-for': '::ffff:198.51.100.7' }],
      [CLIENT, app, { 'x-forwarded-for': '::FFFF:c633:6407' }],
    ])).toEqual([200, 429, 429])
  })

  it('fail: a custom keyGenerator silences express-rate-limit\'s trust proxy checks, even for false (its checks live in its default key generator)', async () => {
    const { logger, codes } = validationLog()
    const entry = await chainTo(await serve(keyedApp(false as unknown as string, 2, logger)))
    await statuses([[CLIENT, entry]])
    expect(codes).toEqual([])
  })
})

describe('express-rate-limit under Express\'s own trust proxy setting (the proxy-addr override\'s path)', () => {
  function plainApp(setting: unknown, logger: Logger): express.Express {
    const app = express()
    app.set('trust proxy', setting)
    app.use(rateLimit({ limit: 2, logger }))
    app.get('/', (_req, res) => res.end('ok'))
    return app
  }

  it.each([
    { name: 'a right setting: no validation speaks', setting: `${EDGE}, ${INNER}`, codes: [] },
    { name: 'the proxies untrusted (false): ERR_ERL_UNEXPECTED_X_FORWARDED_FOR', setting: false, codes: ['ERR_ERL_UNEXPECTED_X_FORWARDED_FOR'] },
    { name: 'every hop trusted (true): ERR_ERL_PERMISSIVE_TRUST_PROXY', setting: true, codes: ['ERR_ERL_PERMISSIVE_TRUST_PROXY'] },
  ])('$name', async ({ setting, codes: expected }) => {
    const { logger, codes } = validationLog()
    const entry = await chainTo(await serve(plainApp(setting, logger)))
    await statuses([[CLIENT, entry]])
    expect(codes).toEqual(expected)
  })
})
