// fetch.ts: reading a provider's list over HTTPS, bounded: in bytes after decompression, in time
// from the request to the parsed list, and in where redirects may lead. Everything read is hostile
// until validate.ts has passed it.

import { visible } from '../diagnostics/escape.js'
import type { Provider } from './providers.js'
import type { Subnets } from './validate.js'

/**
 * The most bytes a body may hold after decompression: 16 MiB. AWS's ip-ranges.json
 * (https://ip-ranges.amazonaws.com/ip-ranges.json, format:
 * https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html), the largest official list,
 * is a few megabytes of JSON; a gzip bomb or an endless body stops here instead of growing the process.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024

/** The time a whole fetch may take, from the first request to the parsed list: 30 seconds. */
export const FETCH_TIMEOUT_MS = 30_000

/**
 * The longest wait a timer can be given: 2^31-1 ms, about 24.8 days. Node stores a timer's delay as
 * a signed 32-bit integer and runs a longer one after 1 ms instead
 * (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args: "When delay is larger than
 * 2147483647 or less than 1, the delay will be set to 1"), so a longer timeout or interval is
 * refused rather than turned into a loop.
 */
export const MAX_TIMER_MS = 2_147_483_647

/** What a timer option must be, for its TypeError. */
export const TIMER_EXPECTED = `a positive number of milliseconds up to ${MAX_TIMER_MS} (about 24.8 days)`

/** Whether `value` is a delay a timer keeps: positive, finite, at most `MAX_TIMER_MS`. */
export function timerDelay(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= MAX_TIMER_MS
}

/** Whether `text` is an absolute http or https URL: what a list may be fetched from. */
export function isWebUrl(text: unknown): boolean {
  if (typeof text !== 'string') return false
  try {
    const { protocol } = new URL(text)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    // not an absolute URL
    return false
  }
}

/** How many redirects one URL may take before the fetch gives up (browsers allow 20; lists need few). */
const MAX_REDIRECTS = 5

/** How a fetch is bounded, and what it may already know. */
export interface FetchOptions {
  /**
   * The time the whole fetch may take, in milliseconds, at most `MAX_TIMER_MS` (about 24.8 days).
   * Default `FETCH_TIMEOUT_MS` (30 s).
   */
  readonly timeout?: number
  /**
   * Stops the fetch when aborted (the watcher's `close()`): it then rejects at once, and its
   * requests are aborted. Default none: only the timeout stops it.
   */
  readonly signal?: AbortSignal
  /** The most bytes one body may hold after decompression. Default `MAX_BODY_BYTES` (16 MiB). */
  readonly maxBytes?: number
  /**
   * Follow a redirect to another host, or from https to http. Default false: such a redirect fails
   * the fetch, since the list then comes from someone the URL did not name.
   */
  readonly allowRedirects?: boolean
  /**
   * Validators from the last good fetch, one per URL: sent as `If-None-Match` and
   * `If-Modified-Since`, so that an unchanged list costs a 304 and no body.
   */
  readonly validators?: readonly Validators[]
}

/** What a server said identifies one body: its `ETag` and `Last-Modified`, when it gave them. */
export interface Validators {
  readonly etag?: string
  readonly lastModified?: string
}

/** A list fetched and parsed, or unchanged since the validators. */
export type Fetched =
  | {
    readonly status: 'ok'
    readonly subnets: Subnets
    /** The URLs actually read, after redirects, in the provider's order. */
    readonly urls: readonly string[]
    readonly validators: readonly Validators[]
  }
  | { readonly status: 'not-modified'; readonly urls: readonly string[]; readonly validators: readonly Validators[] }

/** A body read within its bounds, or a 304. */
interface Body {
  readonly text: string | undefined
  readonly url: string
  readonly validators: Validators
}

/** Why a redirect from `from` to `to` may not be followed, or undefined when it may. */
export function redirectProblem(from: URL, to: URL, allow: boolean): string | undefined {
  if (to.protocol !== 'https:' && to.protocol !== 'http:') return `redirected to ${to.href}, which is not http or https`
  if (allow) return undefined
  if (from.protocol === 'https:' && to.protocol === 'http:') return `redirected from https to plain http (${to.href}); pass --allow-redirects to follow it`
  if (from.host !== to.host) return `redirected to another host (${to.href}); pass --allow-redirects to follow it, or give that URL`
  return undefined
}

/** The response's body as text, refusing it once it passes `maxBytes` (counted after decompression). */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new Error(`the body is larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
}

/**
 * Why a request failed, in words: fetch rejects with a bare `fetch failed` and puts the reason (a
 * refused connection, a name that does not resolve, a TLS error) in its `cause`, with a code, and
 * for a host with several addresses an AggregateError whose own message may be empty.
 */
export function failureOf(error: Error): string {
  const cause = error.cause as (Error & { code?: unknown; errors?: unknown }) | undefined
  if (!(cause instanceof Error)) return error.message
  let why = cause.message
  const first: unknown = Array.isArray(cause.errors) ? cause.errors[0] : undefined
  if (why === '' && first instanceof Error) why = first.message
  if (why === '') why = String(cause.code ?? cause.name)
  return `${error.message} (${why})`
}

/** One URL, with redirects checked one by one, within `signal`. */
async function fetchBody(start: string, options: FetchOptions, known: Validators | undefined, signal: AbortSignal): Promise<Body> {
  let url = new URL(start)
  for (let redirects = 0; redirects <= MAX_REDIRECTS; redirects++) {
    const headers: Record<string, string> = {}
    if (known?.etag !== undefined) headers['if-none-match'] = known.etag
    if (known?.lastModified !== undefined) headers['if-modified-since'] = known.lastModified
    let response: Response
    try {
      response = await fetch(url.href, { signal, redirect: 'manual', headers })
    } catch (error) {
      if (signal.aborted) throw error
      // (a cause's words are the client's, but escaped all the same: no message here carries a raw control)
      throw new Error(`${url.href}: ${visible(failureOf(error as Error))}`, { cause: error })
    }
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && response.status !== 304 && location !== null) {
      await response.body?.cancel()
      const next = new URL(location, url)
      const problem = redirectProblem(url, next, options.allowRedirects === true)
      if (problem !== undefined) throw new Error(`${url.href}: ${problem}`)
      url = next
      continue
    }
    const validators: Validators = {
      ...(response.headers.get('etag') === null ? {} : { etag: response.headers.get('etag') as string }),
      ...(response.headers.get('last-modified') === null ? {} : { lastModified: response.headers.get('last-modified') as string }),
    }
    // a 304 has no body (RFC 9110 section 15.4.5): nothing to cancel
    if (response.status === 304 && known !== undefined) {
      return { text: undefined, url: url.href, validators: { ...known, ...validators } }
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new Error(`${url.href}: HTTP ${response.status}`)
    }
    let text: string
    try {
      text = await boundedText(response, options.maxBytes ?? MAX_BODY_BYTES)
    } catch (error) {
      if (signal.aborted) throw error
      throw new Error(`${url.href}: ${(error as Error).message}`)
    }
    return { text, url: url.href, validators }
  }
  throw new Error(`${start}: more than ${MAX_REDIRECTS} redirects`)
}

/**
 * Fetch a provider's list from `urls` (its official URLs, or replacements in the same order) and
 * parse it, all within `timeout`: every body bounded in bytes, redirects to another host or to plain
 * http refused unless allowed. With `validators`, answers `not-modified` when every URL answers 304.
 * Rejects with an Error saying which URL failed and why (a connection that fails names its cause),
 * with every control and bidirectional character the server sent escaped (the parsers quote a body
 * through `visible`; a URL read is percent-encoded by the URL parser); with a
 * TypeError for a `timeout` that is not a delay a timer keeps; at once when `signal` is aborted.
 * The list is not validated here.
 *
 * @example
 * const fetched = await fetchList(provider, provider.urls, { timeout: 10_000 })
 */
export async function fetchList(provider: Provider, urls: readonly string[], options: FetchOptions = {}): Promise<Fetched> {
  const timeout = options.timeout ?? FETCH_TIMEOUT_MS
  if (!timerDelay(timeout)) throw new TypeError(`invalid fetchList option timeout: ${String(timeout)} (expected ${TIMER_EXPECTED})`)
  const controller = new AbortController()
  const signal = controller.signal
  const deadline = Date.now() + timeout
  const late = `${urls.join(' ')}: no answer within ${timeout} ms`
  const work = (async (): Promise<Fetched> => {
    const bodies: Body[] = []
    for (let k = 0; k < urls.length; k++) bodies.push(await fetchBody(urls[k] as string, options, options.validators?.[k], signal))
    const read = bodies.map((body) => body.url)
    const validators = bodies.map((body) => body.validators)
    if (bodies.every((body) => body.text === undefined)) return { status: 'not-modified', urls: read, validators }
    // a 304 for one URL of several: its body is needed too, so ask again without validators
    for (let k = 0; k < bodies.length; k++) {
      if ((bodies[k] as Body).text === undefined) bodies[k] = await fetchBody(urls[k] as string, options, undefined, signal)
    }
    const subnets = provider.parse(bodies.map((body) => body.text as string))
    // parsing is linear, but counts against the same deadline: the bound is end to end (the
    // signal's timer cannot fire while the parse runs, so the clock is read)
    if (Date.now() > deadline) throw new Error(late)
    return { status: 'ok', subnets, urls: bodies.map((body) => body.url), validators: bodies.map((body) => body.validators) }
  })()
  // the deadline and the caller's abort are a race, not only an abort of the requests: a body
  // stream that stalls on a decoding error does not always end when its request is aborted (seen
  // with a body labelled gzip that is not), and a fetch must still settle on time. The timer never
  // keeps the process alive.
  let timer: NodeJS.Timeout | undefined
  let stop: (() => void) | undefined
  // why the fetch was stopped (the deadline, or the caller's abort): what it rejects with then
  let stopped: Error | undefined
  const outside = options.signal
  const ended = new Promise<never>((_, reject) => {
    const end = (why: string): void => {
      stopped = new Error(why)
      controller.abort()
      reject(stopped)
    }
    timer = setTimeout(() => end(late), timeout).unref()
    stop = () => end(`${urls.join(' ')}: stopped`)
    if (outside?.aborted === true) stop()
    else outside?.addEventListener('abort', stop)
  })
  const cleanUp = (): void => {
    clearTimeout(timer)
    outside?.removeEventListener('abort', stop as () => void)
  }
  try {
    // (the race keeps a handler on the side that lost, so its later rejection is never unhandled)
    return await Promise.race([work, ended]).finally(cleanUp)
  } catch (error) {
    // a request aborted rejects with its own words: the reason it was stopped is the one to give
    throw stopped ?? error
  }
}
