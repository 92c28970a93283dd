// watch.test.ts: watchRanges against a local server that serves each provider's real format (the
// fixtures, copies of the official files), with the faults a provider or a network shows; the
// schedule (interval, jitter, backoff) under fake timers; the swap into compiled predicates.

import { buildSync } from 'esbuild'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { compileTrust, type TrustFn } from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { cloudflare, fastly } from '../../src/core/snapshots.js'
import { explain } from '../../src/diagnostics/explain.js'
import { loadRanges } from '../../src/ranges/file.js'
import { watchRanges, type WatchedRanges, type WatchEvents, type WatchOptions } from '../../src/ranges/watch.js'
import type { RangeSnapshot } from '../../src/core/ranges.js'

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/ranges/${name}`, import.meta.url), 'utf8')
}

interface Route { status: number; body: string; headers?: Record<string, string> }
const official: Record<string, Route> = {
  '/ips-v4': { status: 200, body: fixture('cloudflare-ips-v4.txt') },
  '/ips-v6': { status: 200, body: fixture('cloudflare-ips-v6.txt') },
  '/public-ip-list': { status: 200, body: fixture('fastly-public-ip-list.json') },
  '/ip-ranges.json': { status: 200, body: fixture('aws-ip-ranges.json') },
  '/firewall-rules.md.txt': { status: 200, body: fixture('google-load-balancing-firewall-rules.md') },
}
/** What the server answers now; tests change it. */
let routes: Record<string, Route | 'silent'> = { ...official }
const asked: { url: string; etag: string | undefined }[] = []

let server: http.Server
let base = ''
const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-watch-'))
const open: WatchedRanges[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    asked.push({ url: req.url ?? '', etag: req.headers['if-none-match'] })
    const route = routes[req.url ?? ''] ?? { status: 404, body: '' }
    if (route === 'silent') return
    if (route.headers?.etag !== undefined && req.headers['if-none-match'] === route.headers.etag) return void res.writeHead(304, route.headers).end()
    res.writeHead(route.status, route.headers).end(route.body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => {
  for (const watcher of open.splice(0)) watcher.close()
  routes = { ...official }
  asked.length = 0
  vi.useRealTimers()
  vi.restoreAllMocks()
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
  rmSync(dir, { recursive: true, force: true })
})

const URLS = { cloudflare: ['/ips-v4', '/ips-v6'], fastly: ['/public-ip-list'], cloudfront: ['/ip-ranges.json'], 'google-lb': ['/firewall-rules.md.txt'] }

function watch(providers: string[], options: WatchOptions = {}): WatchedRanges & Readonly<Record<string, RangeSnapshot>> {
  const urls = Object.fromEntries(providers.map((name) => [name, (URLS as Record<string, string[]>)[name]?.map((path) => `${base}${path}`) ?? []]))
  const watcher = watchRanges(providers, { urls, interval: 60_000, jitter: 0, ...options })
  open.push(watcher)
  return watcher
}

/** The next event of a kind. */
function next<E extends keyof WatchEvents>(watcher: WatchedRanges, event: E): Promise<WatchEvents[E]> {
  return new Promise((resolve) => watcher.on(event, resolve))
}

/** Wait, polling on real timers, until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
}

function peer(trust: TrustFn, remote: string): string | undefined {
  return resolveAddr({ socket: { remoteAddress: remote }, headers: { 'x-forwarded-for': '192.0.2.77' } }, trust).ip
}

const CLIENT = '192.0.2.77'

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

/** What a delay given to a timer must be. */
const TIMER = 'a positive number of milliseconds up to 2147483647 (about 24.8 days)'
/** A month: longer than a timer keeps (2^31-1 ms). */
const THIRTY_DAYS = 30 * 86_400_000

/** A process that runs until killed: a live pid that is not this process's. */
function running(): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
}

describe('watchRanges', () => {
  it.each([
    ['cloudflare', '173.245.48.0/20'],
    ['fastly', fastly.v4[0] as string],
    ['cloudfront', '3.172.0.0/18'],
    ['google-lb', '35.191.0.0/16'],
  ])('reads %s in its official format from the server, and says where from', async (name, inside) => {
    const watcher = watch([name])
    const trust = compileTrust(`loopback, ${name}`, { ranges: watcher })
    await until(() => (watcher[name] as { source: string }).source.startsWith(base))
    expect((watcher[name] as { source: string }).source).toBe((URLS as Record<string, string[]>)[name]?.map((path) => `${base}${path}`).join(' '))
    expect(peer(trust, inside.replace(/\/.*$/, '').replace(/0$/, '1'))).toBe(CLIENT)
  })

  it('trusts a range the provider adds within one refresh, stops trusting one removed, with an update event', async () => {
    const watcher = watch(['cloudflare'], { interval: 40 })
    const trust = compileTrust('loopback, cloudflare', { ranges: watcher })
    const viaOptions = compileTrust('cloudflare', { ranges: watcher, source: 'x-forwarded-for' })
    await until(() => asked.length >= 2)
    expect(peer(trust, '203.0.113.9')).toBe('203.0.113.9')
    expect(peer(trust, '173.245.48.1')).toBe(CLIENT)
    routes['/ips-v4'] = { status: 200, body: fixture('cloudflare-ips-v4.txt').replace('173.245.48.0/20\n', '') + '203.0.113.0/24\n' }
    const update = await next(watcher, 'update')
    expect(update).toEqual({ provider: 'cloudflare', added: ['203.0.113.0/24'], removed: ['173.245.48.0/20'], source: `${base}/ips-v4 ${base}/ips-v6` })
    expect([trust('203.0.113.9', 1), trust('173.245.48.1', 1)]).toEqual([true, false])
    expect({ ...watcher.cloudflare }).toEqual({ name: 'cloudflare', source: `${base}/ips-v4 ${base}/ips-v6`, retrieved: new Date().toISOString().substring(0, 10), v4: [...cloudflare.v4.filter((entry) => entry !== '173.245.48.0/20'), '203.0.113.0/24'], v6: cloudflare.v6 })
    for (const predicate of [trust, viaOptions]) {
      expect(peer(predicate, '203.0.113.9')).toBe(CLIENT)
      expect(peer(predicate, '173.245.48.1')).toBe('173.245.48.1')
    }
    expect(explain({ socket: { remoteAddress: '203.0.113.9' }, headers: {} }, trust).ranges).toEqual([
      { name: 'cloudflare', provider: 'cloudflare', source: `${base}/ips-v4 ${base}/ips-v6`, retrieved: new Date().toISOString().substring(0, 10), days: 0 },
    ])
  })

  const faults: { name: string; route: string; answer: Route | 'silent'; options?: WatchOptions; error: RegExp }[] = [
    { name: 'a 500', route: '/ips-v4', answer: { status: 500, body: 'oops' }, error: /\/ips-v4: HTTP 500$/ },
    { name: 'a garbage body', route: '/ips-v4', answer: { status: 200, body: '<html>oops</html>' }, error: /^ips-v4: "<html>oops<\/html>" is not a subnet/ },
    { name: 'a truncated body', route: '/ips-v4', answer: { status: 200, body: '173.245.48.0/2' }, error: /^list refused: 173\.245\.48\.0\/2 is wider than a provider publishes/ },
    { name: 'a timeout', route: '/ips-v4', answer: 'silent', options: { timeout: 100 }, error: /: no answer within 100 ms$/ },
    { name: 'a redirect to another host', route: '/ips-v4', answer: { status: 302, body: '', headers: { location: 'http://localhost:1/ips-v4' } }, error: /redirected to another host/ },
    { name: 'a list shrunk past the bound', route: '/ips-v4', answer: { status: 200, body: '173.245.48.0/20\n' }, error: /^list refused: a change beyond a factor of 2: 8 subnets against 22 before \(0 added, 14 removed\)\n {2}- / },
    { name: 'a range wider than a provider publishes', route: '/ips-v6', answer: { status: 200, body: `${fixture('cloudflare-ips-v6.txt')}2000::/3\n` }, error: /^list refused: 2000::\/3 is wider than a provider publishes/ },
  ]
  it.each(faults)('keeps the last good list through $name, and says why', async ({ route, answer, options, error }) => {
    routes[route] = answer
    const watcher = watch(['cloudflare'], options)
    const trust = compileTrust('cloudflare', { ranges: watcher })
    const event = await next(watcher, 'error')
    expect(event.provider).toBe('cloudflare')
    expect(event.error.message).toMatch(error)
    expect(event.retryIn).toBe(60_000 / 16)
    expect(peer(trust, '173.245.48.1')).toBe(CLIENT)
    expect((watcher.cloudflare as { source: string }).source).toBe(cloudflare.source)
  })

  it('sends the ETag back; a 304 changes nothing, a new ETag is read', async () => {
    routes['/public-ip-list'] = { status: 200, body: fixture('fastly-public-ip-list.json'), headers: { etag: '"one"' } }
    const watcher = watch(['fastly'], { interval: 30 })
    await until(() => asked.length >= 3)
    expect(asked.slice(0, 3).map((request) => request.etag)).toEqual([undefined, '"one"', '"one"'])
    const json = JSON.parse(fixture('fastly-public-ip-list.json')) as { addresses: string[] }
    routes['/public-ip-list'] = { status: 200, body: JSON.stringify({ ...json, addresses: [...json.addresses, '203.0.113.0/24'] }), headers: { etag: '"two"' } }
    expect(await next(watcher, 'update')).toMatchObject({ provider: 'fastly', added: ['203.0.113.0/24'], removed: [] })
  })

  it('writes the last good list to the cache file, and a restart with the provider down starts from it', async () => {
    const cacheFile = join(dir, 'cache.json')
    routes['/ips-v4'] = { status: 200, body: `${fixture('cloudflare-ips-v4.txt')}203.0.113.0/24\n` }
    const first = watch(['cloudflare'], { cacheFile })
    await next(first, 'update')
    await until(() => {
      try {
        return (loadRanges(cacheFile).cloudflare as { v4: readonly string[] }).v4.includes('203.0.113.0/24')
      } catch {
        return false
      }
    })
    first.close()
    routes = {}
    const second = watch(['cloudflare'], { cacheFile })
    const trust = compileTrust('cloudflare', { ranges: second })
    expect(peer(trust, '203.0.113.9')).toBe(CLIENT)
    expect((await next(second, 'error')).error.message).toMatch(/HTTP 404$/)
    expect(peer(trust, '203.0.113.9')).toBe(CLIENT)
  })

  it('uses the shipped snapshot only when there is no cached list, never merged with it', async () => {
    const cacheFile = join(dir, 'own.json')
    writeFileSync(cacheFile, JSON.stringify({ cloudflare: { ...cloudflare, v4: ['203.0.113.0/24'], v6: [] }, office: ['10.0.0.0/8'] }))
    routes = {}
    const cached = watch(['cloudflare'], { cacheFile })
    expect([cached.cloudflare?.v4, Object.keys(cached)]).toEqual([['203.0.113.0/24'], ['cloudflare']])
    const fresh = watch(['cloudflare'], { cacheFile: join(dir, 'none.json') })
    expect(fresh.cloudflare?.v4).toEqual(cloudflare.v4)
  })

  it('reports a damaged cache file, and starts from the snapshot', async () => {
    const cacheFile = join(dir, 'damaged.json')
    writeFileSync(cacheFile, '{"cloudflare": {')
    routes = {}
    const watcher = watch(['cloudflare'], { cacheFile })
    const event = await next(watcher, 'error')
    expect([event.provider, event.error.message.startsWith(`invalid ranges file ${cacheFile}: `)]).toEqual(['*', true])
    expect(event.error.message.endsWith('; remove the file and the next successful refresh writes it anew')).toBe(true)
    expect(watcher.cloudflare?.v4).toEqual(cloudflare.v4)
  })

  it('never rewrites a damaged cache file (a write reads the file first), says at each refresh to remove it, and writes it once removed', async () => {
    const cacheFile = join(dir, 'damaged-kept.json')
    writeFileSync(cacheFile, '{"fastly": {')
    const errors: string[] = []
    const watcher = watch(['fastly'], { cacheFile, interval: 40 })
    watcher.on('error', (event) => errors.push(`${event.provider}: ${event.error.message}`))
    await until(() => errors.length >= 2)
    expect(errors[1]).toMatch(new RegExp(`^fastly: cannot write the cache file: invalid ranges file ${cacheFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+; remove the file and the next successful refresh writes it anew$`))
    expect(readFileSync(cacheFile, 'utf8')).toBe('{"fastly": {')
    rmSync(cacheFile)
    await until(() => {
      try {
        return (loadRanges(cacheFile).fastly as { source: string }).source === `${base}/public-ip-list`
      } catch {
        return false
      }
    })
  })

  it('error: a cache write that fails otherwise is reported with the system\'s words, escaped', async () => {
    const cacheFile = join(dir, 'no-folder-\x1b[2J', 'cache.json')
    const watcher = watch(['fastly'], { cacheFile })
    const event = await next(watcher, 'error')
    expect(event.error.message).toBe(`cannot write the cache file: ENOENT: no such file or directory, open '${join(dir, 'no-folder-\\x1b[2J', 'cache.json')}.lock'`)
  })

  it('accepts a maxAge beyond what a timer keeps: it is compared with an age, never waited for', () => {
    expect(watch(['fastly'], { maxAge: THIRTY_DAYS })).toHaveProperty('fastly')
  })

  const hostile: { name: string; provider: string; paths: string[]; body: string; message: string }[] = [
    { name: 'JSON that starts with terminal sequences', provider: 'fastly', paths: ['/hostile'], body: '\x1b]0;owned\x07\x1b[2J{', message: 'public-ip-list: not JSON (' },
    { name: 'a line with ESC and a bidi override', provider: 'cloudflare', paths: ['/hostile', '/ips-v6'], body: '\x1b[2J\u202e1.2.3.0/24\n', message: 'ips-v4: "\\u001b[2J\\u202e1.2.3.0/24" is not a subnet (invalid IP address: \\x1b[2J\\u202e1.2.3.0)' },
    { name: 'a C1 CSI in an AWS prefix', provider: 'cloudfront', paths: ['/hostile'], body: JSON.stringify({ prefixes: [{ ip_prefix: '3.0.0.0/8\x9b2J', service: 'CLOUDFRONT_ORIGIN_FACING' }], ipv6_prefixes: [] }), message: 'prefixes: "3.0.0.0/8\\x9b2J" is not a subnet (' },
  ]
  it.each(hostile)('error: $name reaches the error event escaped, never raw', async ({ provider, paths, body, message }) => {
    routes['/hostile'] = { status: 200, body }
    const watcher = watchRanges([provider], { urls: { [provider]: paths.map((path) => `${base}${path}`) }, interval: 60_000, jitter: 0 })
    open.push(watcher)
    const event = await next(watcher, 'error')
    expect(event.error.message).toContain(message)
    expect(CONTROLS.test(event.error.message)).toBe(false)
  })

  it('reports stale once no refresh has succeeded for longer than maxAge, after the clock jumps forward', async () => {
    routes = {}
    const maxAge = 1000 * 86_400_000
    const watcher = watch(['cloudflare'], { maxAge, interval: 32 })
    const stale: WatchEvents['stale'][] = []
    watcher.on('stale', (event) => stale.push(event))
    await next(watcher, 'error')
    // the shipped snapshot is months old, not a thousand days: no stale yet
    expect(stale).toEqual([])
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * maxAge })
    await until(() => stale.length > 0)
    expect(stale[0]?.provider).toBe('cloudflare')
    expect(stale[0]?.age).toBeGreaterThan(maxAge)
    // once per outage, not at every failure
    await next(watcher, 'error')
    await next(watcher, 'error')
    expect(stale.length).toBe(1)
  })

  it('an error from a cache that cannot be written is reported, and the list still swapped in', async () => {
    const cacheFile = join(dir, 'no-such-folder', 'cache.json')
    routes['/ips-v4'] = { status: 200, body: `${fixture('cloudflare-ips-v4.txt')}203.0.113.0/24\n` }
    const watcher = watch(['cloudflare'], { cacheFile })
    const trust = compileTrust('cloudflare', { ranges: watcher })
    const event = await next(watcher, 'error')
    expect(event.error.message).toMatch(/^cannot write the cache file: ENOENT/)
    expect(peer(trust, '203.0.113.9')).toBe(CLIENT)
  })

  it('a listener that throws does not stop the watcher', async () => {
    routes = {}
    const watcher = watch(['cloudflare'], { interval: 32 })
    watcher.on('error', () => {
      throw new Error('listener')
    })
    let errors = 0
    watcher.on('error', () => errors++)
    await until(() => errors >= 2)
  })

  it.each([
    [['cloudfare'], {}, 'invalid watchRanges provider: unknown provider "cloudfare": did you mean cloudflare? expected cloudflare, fastly, cloudfront, google-lb'],
    [[], {}, 'invalid watchRanges providers: [] (expected a list of provider names)'],
    [undefined, {}, 'invalid watchRanges providers: undefined (expected a list of provider names)'],
    [['cloudflare', 'cloudflare'], {}, 'invalid watchRanges providers: ["cloudflare","cloudflare"] (expected each provider once)'],
    [['fastly', 'cloudflare', 'fastly'], {}, 'invalid watchRanges providers: ["fastly","cloudflare","fastly"] (expected each provider once)'],
    [['fastly', 7], {}, 'invalid watchRanges providers: ["fastly",7] (expected a list of provider names)'],
    [['fastly'], { interval: 0 }, `invalid watchRanges option interval: 0 (expected ${TIMER})`],
    [['fastly'], { interval: 2 ** 31 }, `invalid watchRanges option interval: 2147483648 (expected ${TIMER})`],
    [['fastly'], { interval: THIRTY_DAYS }, `invalid watchRanges option interval: 2592000000 (expected ${TIMER})`],
    [['fastly'], { timeout: THIRTY_DAYS }, `invalid watchRanges option timeout: 2592000000 (expected ${TIMER})`],
    [['fastly'], { timeout: Infinity }, `invalid watchRanges option timeout: null (expected ${TIMER})`],
    [['fastly'], { maxAge: Number.NaN }, 'invalid watchRanges option maxAge: null (expected a positive number of milliseconds)'],
    [['fastly'], { jitter: 1 }, 'invalid watchRanges option jitter: 1 (expected a fraction from 0 to below 1)'],
    [['cloudflare'], { urls: { cloudflare: ['http://127.0.0.1/v4'] } }, 'invalid watchRanges urls.cloudflare: ["http://127.0.0.1/v4"] (expected 2 URLs (IPv4, IPv6))'],
    [['fastly'], { urls: { fastlly: ['http://127.0.0.1/list'] } }, 'invalid watchRanges urls.fastlly: ["http://127.0.0.1/list"] (expected a key among the providers watched: fastly)'],
    [['fastly'], { urls: { fastly: ['api.fastly.com/public-ip-list'] } }, 'invalid watchRanges urls.fastly: "api.fastly.com/public-ip-list" (expected an absolute http or https URL)'],
    [['fastly'], { urls: { fastly: ['ftp://127.0.0.1/list'] } }, 'invalid watchRanges urls.fastly: "ftp://127.0.0.1/list" (expected an absolute http or https URL)'],
    [['fastly'], { urls: { fastly: [7] } }, 'invalid watchRanges urls.fastly: 7 (expected an absolute http or https URL)'],
    [['fastly'], { urls: { fastly: 'http://127.0.0.1/list' } }, 'invalid watchRanges urls.fastly: "http://127.0.0.1/list" (expected a list of URLs)'],
    [['fastly'], { urls: ['http://127.0.0.1/list'] }, 'invalid watchRanges option urls: ["http://127.0.0.1/list"] (expected an object of URL lists by provider)'],
    [['fastly'], { urls: null }, 'invalid watchRanges option urls: null (expected an object of URL lists by provider)'],
  ])('error: %j with %j', (providers, options, message) => {
    expect(() => watchRanges(providers as string[], options as WatchOptions)).toThrow(new TypeError(message))
  })
})

describe('the schedule (fake timers)', () => {
  /** Count the fetches the watcher makes, answering each as `answer` says. */
  function counting(answer: () => Promise<Response>, only?: string): { count: () => number } {
    let count = 0
    vi.stubGlobal('fetch', (url: string) => {
      // a watcher another test left running may call the same global: count this test's URL only
      if (only === undefined || url === only) count++
      return answer()
    })
    return { count: () => count }
  }

  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('backs off from a sixteenth of the interval, doubling up to the interval, and stops on close', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const url = 'https://backoff.test/public-ip-list'
    const { count } = counting(() => Promise.reject(new TypeError('fetch failed')), url)
    const watcher = watchRanges(['fastly'], { interval: 1600, jitter: 0, urls: { fastly: [url] } })
    const waits: number[] = []
    watcher.on('error', ({ retryIn }) => waits.push(retryIn))
    await vi.advanceTimersByTimeAsync(0)
    for (const wait of [100, 200, 400, 800, 1600, 1600]) await vi.advanceTimersByTimeAsync(wait)
    // each failed fetch reports its wait once; under load a refresh's rejection may settle some real
    // turns late (the clock is fake, the event loop is not), so let any refresh in flight settle, and
    // hold the count to the waits reported rather than to the clock's exact steps
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(waits.slice(0, 7)).toEqual([100, 200, 400, 800, 1600, 1600, 1600])
    expect(count()).toBe(waits.length)
    watcher.close()
    watcher.close()
    const closed = count()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(count()).toBe(closed)
  })

  it('refreshes every interval after a success, moved by the jitter, with one timer per provider', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(1) // the latest the jitter allows: interval * 1.25
    const url = 'https://interval.test/public-ip-list'
    const { count } = counting(() => Promise.resolve(new Response(fixture('fastly-public-ip-list.json'))), url)
    const watcher = watchRanges(['fastly'], { interval: 1000, jitter: 0.25, urls: { fastly: [url] } })
    await vi.advanceTimersByTimeAsync(0)
    expect(count()).toBe(1)
    await vi.advanceTimersByTimeAsync(1249)
    expect(count()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(count()).toBe(2)
    expect(vi.getTimerCount()).toBe(1)
    watcher.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits the interval at the bound of a timer, with the jitter pushing past it, rather than firing after 1 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    vi.spyOn(Math, 'random').mockReturnValue(1) // the latest the jitter allows: 1.5 times the bound
    const url = 'https://bound.test/public-ip-list'
    const { count } = counting(() => Promise.resolve(new Response(fixture('fastly-public-ip-list.json'))), url)
    const watcher = watchRanges(['fastly'], { interval: 2 ** 31 - 1, jitter: 0.5, urls: { fastly: [url] } })
    await vi.advanceTimersByTimeAsync(0)
    expect(count()).toBe(1)
    // (a timer given more than 2^31-1 ms fires after 1 ms, as the fake clock does too)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(count()).toBe(1)
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1 - 60_000)
    expect(count()).toBe(2)
    watcher.close()
  })

  it('arms no timer when an update listener closes the watcher', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const url = 'https://close-in-listener.test/public-ip-list'
    const { count } = counting(() => Promise.resolve(new Response(JSON.stringify({ addresses: [...fastly.v4, '203.0.113.0/24'], ipv6_addresses: fastly.v6 }))), url)
    const watcher = watchRanges(['fastly'], { interval: 50, jitter: 0, urls: { fastly: [url] } })
    let updates = 0
    watcher.on('update', () => {
      updates++
      watcher.close()
    })
    await vi.advanceTimersByTimeAsync(0)
    expect([updates, vi.getTimerCount()]).toEqual([1, 0])
    await vi.advanceTimersByTimeAsync(500)
    expect([updates, count()]).toEqual([1, 1])
  })

  it('aborts the refresh in flight on close: its request is stopped, no event follows', async () => {
    const signals: AbortSignal[] = []
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      signals.push(init.signal as AbortSignal)
      return new Promise<never>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    })
    const watcher = watchRanges(['fastly'], { interval: 1000, jitter: 0, urls: { fastly: ['https://in-flight.test/public-ip-list'] } })
    const events: unknown[] = []
    watcher.on('error', (event) => events.push(event))
    await until(() => signals.length === 1)
    expect(signals[0]?.aborted).toBe(false)
    watcher.close()
    expect(signals[0]?.aborted).toBe(true)
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(events).toEqual([])
  })
  it.each(['resolves', 'rejects'])('ignores a refresh that %s after close', async (how) => {
    let finish: ((response: Response) => void) | undefined
    counting(() => new Promise((resolve, reject) => { finish = how === 'resolves' ? resolve : () => reject(new TypeError('fetch failed')) }))
    const watcher = watchRanges(['fastly'], { interval: 1000, jitter: 0 })
    const trust = compileTrust('fastly', { ranges: watcher })
    const updates: unknown[] = []
    watcher.on('update', (event) => updates.push(event))
    watcher.on('error', (event) => updates.push(event))
    await until(() => finish !== undefined)
    await new Promise((resolve) => setTimeout(resolve, 10))
    watcher.close()
    finish?.(new Response(JSON.stringify({ addresses: [...fastly.v4, '203.0.113.0/24'], ipv6_addresses: fastly.v6 })))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(updates).toEqual([])
    expect(peer(trust, '203.0.113.9')).toBe('203.0.113.9')
  })
})

describe('a process with a watcher', () => {
  it('ends by itself: the watcher\'s timers never keep it alive', async () => {
    const sub = mkdtempSync(join(dir, 'process-'))
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/ranges/watch.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: join(sub, 'watch.mjs'), logLevel: 'silent' })
    writeFileSync(join(sub, 'main.mjs'), `import { watchRanges } from './watch.mjs'
const watcher = watchRanges(['fastly'], { urls: { fastly: [process.argv[2]] }, interval: 3600000 })
watcher.on('update', () => console.log('update'))
`)
    const child = spawn(process.execPath, [join(sub, 'main.mjs'), `${base}/public-ip-list`], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    const [code] = await once(child, 'exit') as [number]
    expect([code, stdout]).toEqual([0, ''])
  })
})

describe('a process that closes its watcher', () => {
  /** Run `script` (with the real watch.ts bundled beside it) in a child process, and its exit code and output. */
  async function run(script: string, onRequest: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number; stdout: string }> {
    const sub = mkdtempSync(join(dir, 'closing-'))
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/ranges/watch.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: join(sub, 'watch.mjs'), logLevel: 'silent' })
    writeFileSync(join(sub, 'main.mjs'), script.replaceAll('{sub}', sub))
    routes['/held'] = 'silent'
    const child = spawn(process.execPath, [join(sub, 'main.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    const seen = asked.length
    await until(() => asked.length > seen || child.exitCode !== null)
    onRequest(child)
    const [code] = await once(child, 'exit') as [number]
    return { code, stdout }
  }

  // the watcher's own timeout is ten minutes: without the abort, each child would outlive the test's timeout
  const CLOSE_ON_STDIN = `process.stdin.once('data', () => { watcher.close(); process.stdin.destroy(); console.log('closed') })`

  it('ends at once with a refresh in flight that the server never answers', async () => {
    const { code, stdout } = await run(`import { watchRanges } from './watch.mjs'
const watcher = watchRanges(['fastly'], { urls: { fastly: [${JSON.stringify(`${base}/held`)}] }, timeout: 600000 })
${CLOSE_ON_STDIN}
`, (child) => child.stdin?.write('close\n'))
    expect([code, stdout]).toEqual([0, 'closed\n'])
  })
})

describe('a watcher closed while its cache write waits for the lock', () => {
  it('gives up the write: nothing is written once the lock is free, and no event follows', async () => {
    const holder = running()
    try {
      const cacheFile = join(dir, 'locked-cache.json')
      writeFileSync(`${cacheFile}.lock`, String(holder.pid))
      const watcher = watch(['fastly'], { cacheFile })
      const events: unknown[] = []
      watcher.on('error', (event) => events.push(event))
      // the write starts in the same turn as the swap, and finds the lock held
      await until(() => (watcher.fastly as { source: string }).source === `${base}/public-ip-list`)
      watcher.close()
      rmSync(`${cacheFile}.lock`)
      // a writer still waiting would find the lock free at its next look, 25 ms on
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect([existsSync(cacheFile), existsSync(`${cacheFile}.lock`), events]).toEqual([false, false, []])
    } finally {
      holder.kill()
    }
  })
})

describe('the guide\'s example (docs/guides/keeping-ranges-fresh.md)', () => {
  it('runs as written, with its imports given and the cache file in a temporary folder', async () => {
    const guide = readFileSync(new URL('../../docs/guides/keeping-ranges-fresh.md', import.meta.url), 'utf8')
    const block = /```js\n([\s\S]*?)```/.exec(guide)?.[1] ?? ''
    const body = block.split('\n').filter((line) => !line.startsWith('import ')).join('\n')
      .replace('/var/cache/app/ranges.json', join(dir, 'guide-cache.json').replaceAll('\\', '\\\\'))
    const logged: unknown[][] = []
    const log = { info: (...args: unknown[]) => logged.push(args), warn: (...args: unknown[]) => logged.push(args) }
    // the official URLs may be unreachable from here: the example's error listener then reports it
    routes = {}
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('fetch failed')))
    try {
      const run = new Function('compileTrust', 'watchRanges', 'console', `${body}\nreturn { ranges, trust }`) as (...args: unknown[]) => { ranges: WatchedRanges; trust: TrustFn }
      const { ranges, trust } = run(compileTrust, watchRanges, log)
      open.push(ranges)
      expect(trust('173.245.48.1', 1)).toBe(true)
      await until(() => logged.length > 0)
      expect(logged[0]).toEqual(['cloudflare', 'https://www.cloudflare.com/ips-v4: fetch failed', 86_400_000 / 16])
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
