// watch.ts: `watchRanges`, provider lists kept current in the running process: fetched on an
// interval with jitter, conditionally (ETag, If-Modified-Since), bounded like `ranges fetch`, checked
// by the same validator, backed off on failure, cached in a file written as `ranges fetch` writes
// it, and swapped into every predicate compiled from them without recompiling per request.

import type { RangeNames, RangeSnapshot } from '../core/ranges.js'
import { visible } from '../diagnostics/escape.js'
import { fetchList, isWebUrl, MAX_TIMER_MS, TIMER_EXPECTED, timerDelay, type Validators } from './fetch.js'
import { loadRanges, updateRangesFile } from './file.js'
import { LiveCell, liveValue } from './live.js'
import { providerNamed, type Provider } from './providers.js'
import { changeOf, CHANGE_BOUND, describeChange, listProblem, type ListChange } from './validate.js'

/** A day, in milliseconds: the default interval. */
const DAY_MS = 86_400_000

/** Options of `watchRanges`. */
export interface WatchOptions {
  /**
   * Replacement URLs per provider, in the order `ranges fetch --url` takes them
   * (`{ cloudflare: [v4Url, v6Url] }`): each key a provider watched, each value as many absolute
   * http or https URLs as the provider has. Default: each provider's official URLs.
   */
  readonly urls?: Readonly<Record<string, readonly string[]>>
  /**
   * Milliseconds between refreshes: positive, at most 2,147,483,647 (about 24.8 days, the longest
   * wait a timer keeps). Default one day (86,400,000).
   */
  readonly interval?: number
  /**
   * The fraction of the interval each wait is moved by at random, either way, so that many servers
   * do not ask a provider at the same moment. Default 0.1; 0 for none.
   */
  readonly jitter?: number
  /**
   * A ranges file holding the last good lists: read at start (so a restart without network keeps
   * them) and rewritten after each successful refresh, as `ranges fetch --out` writes it. Default none.
   */
  readonly cacheFile?: string
  /** Milliseconds without a successful refresh after which a provider is reported `stale`. Default 7 days. */
  readonly maxAge?: number
  /** The time one refresh may take, end to end, in milliseconds, at most 2,147,483,647. Default 30,000. */
  readonly timeout?: number
  /** Follow redirects to another host or to plain http. Default false. */
  readonly allowRedirects?: boolean
}

/** An `update` event: a provider's list changed and is in force. */
export interface UpdateEvent {
  readonly provider: string
  readonly added: readonly string[]
  readonly removed: readonly string[]
  /** The URLs read, space-separated. */
  readonly source: string
}

/** An `error` event: a refresh failed or its list was refused; the last good list stays in force. */
export interface ErrorEvent {
  readonly provider: string
  readonly error: Error
  /** Milliseconds until the next attempt. */
  readonly retryIn: number
}

/** A `stale` event: no successful refresh for longer than `maxAge`. */
export interface StaleEvent {
  readonly provider: string
  /** Milliseconds since the last successful refresh (or since the list in force was retrieved). */
  readonly age: number
}

/** The events and what their listeners receive. */
export interface WatchEvents {
  update: UpdateEvent
  error: ErrorEvent
  stale: StaleEvent
}

/** One provider's state. */
interface Watched {
  readonly provider: Provider
  readonly urls: readonly string[]
  readonly cell: LiveCell
  validators: readonly Validators[] | undefined
  /** When the list in force was last confirmed (a fetch, a 304, or the cached day). */
  confirmed: number
  failures: number
  stale: boolean
  timer: NodeJS.Timeout | undefined
}

function fail(what: string, value: unknown, expected: string): never {
  throw new TypeError(`invalid watchRanges ${what}: ${JSON.stringify(value) ?? String(value)} (expected ${expected})`)
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) fail(`option ${name}`, value, 'a positive number of milliseconds')
  return value
}

/** A delay a timer is given: positive and at most `MAX_TIMER_MS` (a longer one would fire after 1 ms). */
function delay(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!timerDelay(value)) fail(`option ${name}`, value, TIMER_EXPECTED)
  return value
}

/** The `urls` option, checked: keys among the providers watched, values absolute http or https URLs. */
function checkUrls(urls: WatchOptions['urls'], providers: readonly string[]): void {
  if (urls === undefined) return
  if (typeof urls !== 'object' || urls === null || Array.isArray(urls)) fail('option urls', urls, 'an object of URL lists by provider')
  for (const [name, list] of Object.entries(urls)) {
    if (!providers.includes(name)) fail(`urls.${name}`, list, `a key among the providers watched: ${providers.join(', ')}`)
    if (!Array.isArray(list)) fail(`urls.${name}`, list, 'a list of URLs')
    for (const url of list as unknown[]) if (!isWebUrl(url)) fail(`urls.${name}`, url, 'an absolute http or https URL')
  }
}

/**
 * A cache file that cannot be read, with what to do: the watcher never rewrites it, since a write
 * reads the file first (what stops a link planted there from having another file overwritten), so
 * it stays until someone removes it. Its text may be anything: escaped.
 */
function damaged(error: Error): Error {
  return new Error(`${visible(error.message)}; remove the file and the next successful refresh writes it anew`, { cause: error })
}

/** The day `YYYY-MM-DD` (UTC) of a time. */
function dayOf(time: number): string {
  return new Date(time).toISOString().substring(0, 10)
}

/**
 * Provider lists kept current in the running process: its own enumerable properties are range
 * names (one per provider watched) to pass as the `ranges` option of `compileTrust` or an adapter;
 * its methods listen to what happens and stop it.
 */
export class WatchedRanges {
  readonly #watched: Watched[] = []
  readonly #listeners: { [E in keyof WatchEvents]: ((event: WatchEvents[E]) => void)[] } = { update: [], error: [], stale: [] }
  readonly #interval: number
  readonly #jitter: number
  readonly #maxAge: number
  readonly #timeout: number
  readonly #allowRedirects: boolean
  readonly #cacheFile: string | undefined
  /** Aborted by close(): ends the refreshes and cache writes in flight, so that nothing outlives it. */
  readonly #stop = new AbortController()
  #closed = false

  /** Use `watchRanges`. */
  constructor(providers: readonly string[], options: WatchOptions) {
    if (!Array.isArray(providers) || providers.length === 0 || !providers.every((name) => typeof name === 'string')) fail('providers', providers, 'a list of provider names')
    if (new Set(providers).size !== providers.length) fail('providers', providers, 'each provider once')
    this.#interval = delay('interval', options.interval, DAY_MS)
    // compared with an age, never given to a timer: any positive number
    this.#maxAge = positive('maxAge', options.maxAge, 7 * DAY_MS)
    this.#timeout = delay('timeout', options.timeout, 30_000)
    const jitter = options.jitter ?? 0.1
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) fail('option jitter', jitter, 'a fraction from 0 to below 1')
    this.#jitter = jitter
    this.#allowRedirects = options.allowRedirects === true
    this.#cacheFile = options.cacheFile
    let cached: RangeNames = {}
    if (options.cacheFile !== undefined) {
      try {
        cached = loadRanges(options.cacheFile)
      } catch (error) {
        // a missing cache is a first start; a damaged one is reported at the first listener's turn
        if ((error as Error).message.includes('ENOENT')) cached = {}
        else queueMicrotask(() => this.#emit('error', { provider: '*', error: damaged(error as Error), retryIn: 0 }))
      }
    }
    checkUrls(options.urls, providers)
    for (const name of providers) {
      const provider = providerNamed(name)
      if (typeof provider === 'string') throw new TypeError(`invalid watchRanges provider: ${provider}`)
      const urls = options.urls?.[name] ?? provider.urls
      if (urls.length !== provider.urls.length) fail(`urls.${name}`, urls, `${provider.urls.length} URLs (${provider.parts.join(', ')})`)
      const last = cached[name]
      // the cache was validated by loadRanges; a list of one's own under the name is not a provider's
      const start = typeof last === 'object' && !Array.isArray(last) ? (last as RangeSnapshot) : provider.snapshot
      const cell = new LiveCell({ ...start, name })
      Object.defineProperty(this, name, { value: liveValue(cell), enumerable: true })
      this.#watched.push({ provider, urls, cell, validators: undefined, confirmed: Date.parse(`${start.retrieved}T00:00:00Z`), failures: 0, stale: false, timer: undefined })
    }
    // the first refresh at once (after the caller has had a turn to listen)
    for (const watched of this.#watched) this.#schedule(watched, 0)
  }

  /** Listen to `update`, `error` or `stale`. Without an `error` listener, failures are only retried. */
  on<E extends keyof WatchEvents>(event: E, listener: (event: WatchEvents[E]) => void): this {
    this.#listeners[event].push(listener)
    return this
  }

  /**
   * Stop every timer and abort the refreshes and cache writes in flight, so that nothing the watcher
   * started keeps the process alive; no event follows. Idempotent; may be called from a listener.
   */
  close(): void {
    this.#closed = true
    this.#stop.abort()
    for (const watched of this.#watched) clearTimeout(watched.timer)
  }

  #emit<E extends keyof WatchEvents>(event: E, value: WatchEvents[E]): void {
    for (const listener of this.#listeners[event]) {
      // a listener that throws must not stop the refreshes
      try {
        listener(value)
      } catch {
        // ignored: the watcher's own state is already consistent
      }
    }
  }

  /**
   * Arm the provider's next refresh (never after close: every caller has checked, and arms it
   * before it emits, so that a listener that closes the watcher finds the timer to clear).
   */
  #schedule(watched: Watched, wait: number): void {
    const spread = wait * this.#jitter * (Math.random() * 2 - 1)
    // unref'd: a watcher never keeps the process alive. The jitter may push an interval near the
    // bound past it, where the timer would fire after 1 ms: the wait stops at the bound.
    watched.timer = setTimeout(() => void this.#refresh(watched), Math.min(MAX_TIMER_MS, Math.max(0, wait + spread))).unref()
  }

  /** The wait after the `n`th failure in a row: a sixteenth of the interval, doubling, at most the interval. */
  #backoff(n: number): number {
    return Math.min(this.#interval, (this.#interval / 16) * 2 ** (n - 1))
  }

  async #refresh(watched: Watched): Promise<void> {
    const name = watched.provider.name
    try {
      const fetched = await fetchList(watched.provider, watched.urls, {
        timeout: this.#timeout,
        signal: this.#stop.signal,
        allowRedirects: this.#allowRedirects,
        ...(watched.validators === undefined ? {} : { validators: watched.validators }),
      })
      if (this.#closed) return
      const now = Date.now()
      const before = watched.cell.snapshot
      let next: RangeSnapshot = { ...before, retrieved: dayOf(now), source: fetched.urls.join(' ') }
      let change: ListChange | undefined
      if (fetched.status === 'ok') {
        const problem = listProblem(fetched.subnets)
        if (problem !== undefined) throw new Error(`list refused: ${problem}`)
        change = changeOf(before, fetched.subnets)
        if (change.beyond) throw new Error(`list refused: a change beyond a factor of ${CHANGE_BOUND}: ${describeChange(change)}`)
        next = { ...next, v4: fetched.subnets.v4, v6: fetched.subnets.v6 }
        watched.validators = fetched.validators
      }
      watched.cell.swap(next)
      watched.confirmed = now
      watched.failures = 0
      watched.stale = false
      // armed before the event: a listener that closes the watcher then finds the timer to clear
      this.#schedule(watched, this.#interval)
      if (change !== undefined && change.added.length + change.removed.length > 0) this.#emit('update', { provider: name, added: change.added, removed: change.removed, source: next.source })
      if (this.#cacheFile !== undefined) await this.#writeCache(name, next)
    } catch (error) {
      if (this.#closed) return
      watched.failures++
      const retryIn = this.#backoff(watched.failures)
      this.#schedule(watched, retryIn)
      this.#emit('error', { provider: name, error: error as Error, retryIn })
      const age = Date.now() - watched.confirmed
      if (age > this.#maxAge && !watched.stale) {
        watched.stale = true
        this.#emit('stale', { provider: name, age })
      }
    }
  }

  async #writeCache(name: string, snapshot: RangeSnapshot): Promise<void> {
    try {
      await updateRangesFile(this.#cacheFile as string, (existing) => ({ ...existing, [name]: snapshot }), undefined, this.#stop.signal)
    } catch (error) {
      if (this.#closed) return
      // a file that cannot be read stays so (see damaged); any other failure may pass by itself
      const unreadable = error instanceof TypeError && error.message.startsWith('invalid ranges file ')
      const why = unreadable ? damaged(error).message : visible((error as Error).message)
      this.#emit('error', { provider: name, error: new Error(`cannot write the cache file: ${why}`, { cause: error }), retryIn: 0 })
    }
  }
}

/**
 * Watch providers' lists (`cloudflare`, `fastly`, `cloudfront`, `google-lb`) and keep them current in
 * this process. Returns range names to pass as the `ranges` option: a predicate compiled with them
 * answers by the newest good list after each refresh, at the per-request cost of a static one.
 * Each list starts as the one in `cacheFile`, else the shipped snapshot (never merged), and is
 * refreshed at once, then every `interval`. A list is swapped in only when it passes the same check
 * as `ranges fetch` (no range wider than IPv4 /8 or IPv6 /16, nothing special-purpose, and a size
 * within a factor of 2 of the list in force); otherwise the last good list stays and `error` says why.
 *
 * @throws {TypeError} `invalid watchRanges provider: unknown provider "cloudfare": did you mean cloudflare? …`,
 *   `invalid watchRanges option interval: …`, `invalid watchRanges urls.<provider>: …`.
 * @example
 * const ranges = watchRanges(['cloudflare'], { cacheFile: '/var/cache/app/ranges.json' })
 * ranges.on('error', ({ provider, error }) => console.warn(provider, error.message))
 * app.set('trust proxy', compileTrust('loopback, cloudflare', { ranges }))
 */
export function watchRanges(providers: readonly string[], options: WatchOptions = {}): WatchedRanges & Readonly<Record<string, RangeSnapshot>> {
  return new WatchedRanges(providers, options) as WatchedRanges & Readonly<Record<string, RangeSnapshot>>
}
