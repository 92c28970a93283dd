// serve.ts: the "whoami" HTTP server, to deploy behind a real proxy chain: it answers every request
// with the explanation of that request, as text, JSON or HTML as the client asks.

import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TrustFn, TrustSetting } from '../core/compile.js'
import type { RequestLike } from '../core/request.js'
import { explain, type ExplainedHop } from '../diagnostics/explain.js'
import { renderHtml, renderJson, renderPlayground, renderText, type PlaygroundFields, type RenderContext } from '../diagnostics/render.js'
import { printable, quoted, visible } from '../diagnostics/escape.js'
import { UsageError } from './usage.js'

/** The representations the server offers, in its order of preference. */
export type Format = 'text' | 'json' | 'html'

const MEDIA_TYPES: readonly [Format, string][] = [
  ['text', 'text/plain'],
  ['json', 'application/json'],
  ['html', 'text/html'],
]

/**
 * The representation an `Accept` header asks for (RFC 9110 section 12.5.1): the offer with the
 * highest q-value, the most specific matching range deciding each offer's; on a tie, or when
 * nothing is acceptable, the server's preference (text first).
 */
export function negotiate(accept: string | undefined): Format {
  if (accept === undefined || accept.trim() === '') return 'text'
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase())
    const q = params.find((param) => param.startsWith('q='))
    const weight = q === undefined ? 1 : Number(q.substring(2))
    return { range, q: Number.isFinite(weight) ? weight : 0 }
  })
  let best: Format = 'text'
  let bestQ = 0
  for (const [format, type] of MEDIA_TYPES) {
    const major = type.substring(0, type.indexOf('/'))
    let specificity = -1
    let q = 0
    for (const range of ranges) {
      let level = -1
      if (range.range === type) level = 2
      else if (range.range === `${major}/*`) level = 1
      else if (range.range === '*/*') level = 0
      if (level > specificity) {
        specificity = level
        q = range.q
      }
    }
    if (q > bestQ) {
      best = format
      bestQ = q
    }
  }
  return best
}

/**
 * The query of a request target (RFC 9112 section 3.2), or `undefined` when the target cannot be
 * read. An origin-form target (`/path?query`, which includes `//` and `//[`) is read by hand, as a
 * path is never unreadable; `*` has no query; anything else must be an absolute URL (`http://` alone
 * is not).
 */
export function queryOf(target: string): string | undefined {
  if (target.charCodeAt(0) === 0x2f || target === '*') { /* / */
    const mark = target.indexOf('?')
    if (mark === -1) return ''
    const hash = target.indexOf('#', mark)
    return target.substring(mark + 1, hash === -1 ? target.length : hash)
  }
  try {
    return new URL(target).search.substring(1)
  } catch {
    return undefined
  }
}

/**
 * A `?format=` query parameter, which overrides `Accept` (handy in a browser's address bar): the
 * format, undefined when there is none, or the value as given when it names no format.
 */
function formatParameter(query: string): Format | { readonly unknown: string } | undefined {
  const format = new URLSearchParams(query).get('format')
  if (format === null) return undefined
  return MEDIA_TYPES.find(([name]) => name === format)?.[0] ?? { unknown: format }
}

const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  text: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
}

/** Where log lines go. */
export interface Log {
  write(text: string): unknown
}

/** A request the playground explains, and the predicate to explain it with. */
export interface Hypothetical {
  readonly trust: TrustFn
  readonly setting: TrustSetting
  readonly context: RenderContext
  readonly request: RequestLike
}

/** What the server explains with. */
export interface WhoamiSettings {
  readonly trust: TrustFn
  readonly setting: TrustSetting
  readonly context: RenderContext
  /**
   * The playground at `/explain`: what the form asked, as a predicate and a request, or a
   * `UsageError` saying what is wrong with it. Without it `/explain` is a path like any other.
   */
  readonly playground?: (fields: PlaygroundFields) => Hypothetical
}

/**
 * The most a playground form may hold, in bytes as sent: twice Node's default bound on a request's
 * headers (16 KiB, `http.maxHeaderSize`, https://nodejs.org/api/http.html#httpmaxheadersize), so
 * that any header block a server can receive fits, URL-encoded, with the setting beside it.
 */
export const PLAYGROUND_LIMIT = 32 * 1024

/** The answers every page and error shares: never cached, never sniffed. */
const COMMON_HEADERS: http.OutgoingHttpHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

/** The page must stand alone: no scripts, nothing loaded from elsewhere. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/**
 * The request handler: the explanation of each request, and one log line per request. A target it
 * cannot read is answered 400; an error while answering is logged and answered 500 (or, once the
 * answer has started, ends that connection), so that no request stops the server.
 */
export function whoami(settings: WhoamiSettings, log: Log): http.RequestListener {
  return (req, res) => {
    try {
      answer(settings, log, req, res)
    } catch (error) {
      failed(log, req, res, error)
    }
  }
}

/** An error while answering: logged, and answered 500 (or, once the answer has started, the connection ended). */
function failed(log: Log, req: http.IncomingMessage, res: http.ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy()
  } else {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    res.end('internal error: see the server log\n')
  }
  try {
    log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(req.url as string)} 500 ${visible(String(error))}\n`)
  } catch {
    // a log that cannot be written must not stop the server either
  }
}

/** One request's answer and log line. */
function answer(settings: WhoamiSettings, log: Log, req: http.IncomingMessage, res: http.ServerResponse): void {
  const { trust, setting, context } = settings
  // a server's requests always have a method and a URL
  const url = req.url as string
  const query = queryOf(url)
  if (query === undefined) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' })
    res.end('bad request: the target is neither a path nor an absolute URL\n')
    log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(url)} 400 unreadable target\n`)
    return
  }
  if (settings.playground !== undefined && pathOf(url) === '/explain') {
    playground(settings, settings.playground, log, req, res)
    return
  }
  const asked = formatParameter(query)
  if (typeof asked === 'object') {
    // RFC 9110 section 15.5.7: none of the representations asked for is on offer
    res.writeHead(406, { 'content-type': CONTENT_TYPES.text, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    res.end(`unknown format ${quoted(asked.unknown)}: expected ${MEDIA_TYPES.map(([name]) => name).join(', ')}\n`)
    log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(url)} 406 unknown format\n`)
    return
  }
  const explanation = explain(req, trust, setting)
  const format = asked ?? negotiate(req.headers.accept)
  let body: string
  if (format === 'json') body = renderJson(explanation, context)
  else if (format === 'html') body = renderHtml(explanation, context, settings.playground === undefined ? undefined : { kind: 'whoami' })
  else body = renderText(explanation, context, false)
  const headers: http.OutgoingHttpHeaders = { ...COMMON_HEADERS, 'content-type': CONTENT_TYPES[format], vary: 'Accept' }
  if (format === 'html') headers['content-security-policy'] = CSP
  res.writeHead(200, headers)
  res.end(body)
  const { ip } = explanation.result
  const peer = (explanation.hops[0] as ExplainedHop).received
  log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(url)} peer ${printable(peer)} ip ${printable(ip)} ` +
    `${format} ${explanation.warnings.length} ${explanation.warnings.length === 1 ? 'warning' : 'warnings'}\n`)
}

/** The path of a request target: an origin-form target up to its query, or an absolute URL's path. */
function pathOf(target: string): string {
  if (target.charCodeAt(0) === 0x2f) { /* / */
    const end = target.search(/[?#]/)
    return end === -1 ? target : target.substring(0, end)
  }
  // `*` has no path; anything else here is an absolute URL queryOf has read
  return target === '*' ? target : new URL(target).pathname
}

/** One HTML answer of the playground, and its log line. */
function sendPage(log: Log, req: http.IncomingMessage, res: http.ServerResponse, status: number, body: string, note: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': CONTENT_TYPES.html, 'content-security-policy': CSP })
  res.end(body)
  log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(req.url as string)} ${status} playground ${note}\n`)
}

/** A plain-text refusal of the playground, closing the connection (the body may not have been read). */
function refuse(log: Log, req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string, extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': CONTENT_TYPES.text, connection: 'close', ...extra })
  res.end(`${text}\n`)
  log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(req.url as string)} ${status} playground refused\n`)
}

/**
 * The playground at `/explain`. GET answers the form, filled with the server's setting and this
 * request's own peer and forwarding headers; POST (an `application/x-www-form-urlencoded` form of at
 * most PLAYGROUND_LIMIT bytes) answers the page for the request the form describes, with the form
 * again below it, or the form with what is wrong. Nothing is kept between requests.
 */
function playground(settings: WhoamiSettings, describe: (fields: PlaygroundFields) => Hypothetical, log: Log, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const own = explain(req, settings.trust, settings.setting)
    const fields: PlaygroundFields = {
      trust: settings.context.trust,
      remote: (own.hops[0] as ExplainedHop).received ?? '',
      headers: Object.entries(own.headers).map(([name, value]) => `${name}: ${value}`).join('\n'),
    }
    sendPage(log, req, res, 200, renderPlayground(fields), 'form')
    return
  }
  if (req.method !== 'POST') {
    refuse(log, req, res, 405, 'method not allowed: GET or HEAD for the form, POST to explain', { allow: 'GET, HEAD, POST' })
    return
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    refuse(log, req, res, 415, 'unsupported media type: post the form as application/x-www-form-urlencoded')
    return
  }
  const tooLarge = `payload too large: the form may hold at most ${PLAYGROUND_LIMIT} bytes`
  // a declared length past the bound is refused before any of the body is read
  if (Number(req.headers['content-length'] ?? 0) > PLAYGROUND_LIMIT) {
    refuse(log, req, res, 413, tooLarge)
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  const onData = (chunk: Buffer): void => {
    size += chunk.length
    if (size <= PLAYGROUND_LIMIT) {
      chunks.push(chunk)
      return
    }
    req.off('data', onData)
    chunks.length = 0
    refuse(log, req, res, 413, tooLarge)
  }
  req.on('data', onData)
  req.on('end', () => {
    if (size > PLAYGROUND_LIMIT) return
    try {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      const fields: PlaygroundFields = { trust: form.get('trust') ?? '', remote: form.get('remote') ?? '', headers: form.get('headers') ?? '' }
      let asked: Hypothetical
      try {
        asked = describe(fields)
      } catch (error) {
        if (!(error instanceof UsageError)) throw error
        sendPage(log, req, res, 400, renderPlayground(fields, error.message), 'invalid')
        return
      }
      const explanation = explain(asked.request, asked.trust, asked.setting)
      sendPage(log, req, res, 200, renderHtml(explanation, asked.context, { kind: 'playground', fields }), 'explained')
    } catch (error) {
      failed(log, req, res, error)
    }
  })
}

/** The URL a listening server answers on. */
export function urlOf(address: AddressInfo): string {
  const host = address.address.includes(':') ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}/`
}

/** Start listening; resolves with the server once it listens, rejects when it cannot. */
export function listen(listener: http.RequestListener, port: number, host: string): Promise<http.Server> {
  const server = http.createServer(listener)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}

/** Stop accepting connections, close idle ones, and resolve once every open request is answered. */
export function shutdown(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}
