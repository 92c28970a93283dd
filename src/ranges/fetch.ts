// fetch.ts: reading a provider's list over HTTPS, bounded: in bytes after decompression, in time
// from the request to the parsed list, and in where redirects may lead. Everything read is hostile
// until validate.ts has passed it.

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

/** How many redirects one URL may take before the fetch gives up (browsers allow 20; lists need few). */
const MAX_REDIRECTS = 5

/** How a fetch is bounded, and what it may already know. */
export interface FetchOptions {
  /** The time the whole fetch may take, in milliseconds. Default `FETCH_TIMEOUT_MS` (30 s). */
  readonly timeout?: number
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

/** One URL, with redirects checked one by one, within `signal`. */
async function fetchBody(start: string, options: FetchOptions, known: Validators | undefined, signal: AbortSignal): Promise<Body> {
  let url = new URL(start)
  for (let redirects = 0; redirects <= MAX_REDIRECTS; redirects++) {
    const headers: Record<string, string> = {}
    if (known?.etag !== undefined) headers['if-none-match'] = known.etag
    if (known?.lastModified !== undefined) headers['if-modified-since'] = known.lastModified
    const response = await fetch(url.href, { signal, redirect: 'manual', headers })
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
 * Rejects with an Error saying which URL failed and why; the list is not validated here.
 *
 * @example
 * const fetched = await fetchList(provider, provider.urls, { timeout: 10_000 })
 */
export async function fetchList(provider: Provider, urls: readonly string[], options: FetchOptions = {}): Promise<Fetched> {
  const timeout = options.timeout ?? FETCH_TIMEOUT_MS
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
  // the deadline is a race, not only the abort: a body stream that stalls on a decoding error does
  // not always end when its request is aborted (seen with a body labelled gzip that is not), and a
  // fetch must still settle on time. The timer never keeps the process alive.
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(late))
    }, timeout).unref()
  })
  try {
    // (the race keeps a handler on the side that lost, so its later rejection is never unhandled)
    return await Promise.race([work, expired]).finally(() => clearTimeout(timer))
  } catch (error) {
    if (signal.aborted) throw new Error(late)
    throw error
  }
}
