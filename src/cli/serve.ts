// serve.ts: the "whoami" HTTP server, to deploy behind a real proxy chain: it answers every request
// with the explanation of that request, as text, JSON or HTML as the client asks.

import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TrustFn, TrustSetting } from '../core/compile.js'
import { explain, type ExplainedHop } from '../diagnostics/explain.js'
import { renderHtml, renderJson, renderText, type RenderContext } from '../diagnostics/render.js'
import { printable, quoted, visible } from '../diagnostics/escape.js'

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

/** What the server explains with. */
export interface WhoamiSettings {
  readonly trust: TrustFn
  readonly setting: TrustSetting
  readonly context: RenderContext
}

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
  else if (format === 'html') body = renderHtml(explanation, context)
  else body = renderText(explanation, context, false)
  const headers: http.OutgoingHttpHeaders = {
    'content-type': CONTENT_TYPES[format],
    'cache-control': 'no-store',
    vary: 'Accept',
    'x-content-type-options': 'nosniff',
  }
  // the page must stand alone: no scripts, nothing loaded from elsewhere
  if (format === 'html') headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
  res.writeHead(200, headers)
  res.end(body)
  const { ip } = explanation.result
  const peer = (explanation.hops[0] as ExplainedHop).received
  log.write(`${new Date().toISOString()} ${printable(req.method)} ${quoted(url)} peer ${printable(peer)} ip ${printable(ip)} ` +
    `${format} ${explanation.warnings.length} ${explanation.warnings.length === 1 ? 'warning' : 'warnings'}\n`)
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
