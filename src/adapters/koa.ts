// koa.ts: proxy-trust for Koa 3: a middleware that answers ctx.request's ip, ips, host, hostname,
// protocol and secure from `resolveAddr`, in place of Koa's `app.proxy` and `maxIpsCount`.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import type { Middleware } from 'koa'
import { compileTrust, type TrustFn, type TrustSetting } from '../core/compile.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import { compileIpFilter, compileTrustedPeerCheck, refusalText, type IpFilterOptions, type TrustedPeerOptions } from '../uses/filter.js'
import { monitorFor, splitOptions, type AdapterOptions } from './warn.js'

export type { AdapterOptions, WarnOption } from './warn.js'
export type { IpFilterOptions, TrustedPeerOptions } from '../uses/filter.js'

/** What the middleware adds to `ctx.state`. */
export interface TrustProxyState {
  /** The full answer, `ip` and `host` undefined where Koa's getters say `''`. */
  trustProxy: ResolvedAddr
}

/** A property of this request's own, where Koa's prototype has a getter; writable, as `ip` is in Koa. */
function own(value: unknown): PropertyDescriptor {
  return { value, writable: true, configurable: true, enumerable: true }
}

/**
 * Koa 3.3's `request.host` of a host value (node_modules/koa/lib/request.js, `get host`): its first
 * comma-separated value, trimmed, and when it holds an `@` (userinfo, which RFC 9110 does not allow
 * in Host), the host the WHATWG URL parser finds after it; `''` when that parse fails.
 */
function koaHost(value: string | undefined): string {
  if (!value) return ''
  let host = (value.split(',', 1)[0] as string).trim()
  if (host.includes('@')) {
    try {
      host = new URL(`http://${host}`).host
    } catch {
      return ''
    }
  }
  return host
}

/** Characters Koa 3.3 refuses in a bracketed IPv6 host: `/?#\` and whitespace (its `INVALID_IPV6_HOST_CHARACTERS`). */
function hasInvalidIPv6Character(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i)
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) return true /* / ? # \ */
    // what \s matches: the characters String#trim removes
    if (host[i] !== host[i]?.trim()) return true
  }
  return false
}

/**
 * Koa 3.3's `request.hostname` of a host as `koaHost` gives it: a bracketed IPv6 literal as the URL
 * parser reads it (`''` when it refuses it), anything else up to the first `:`.
 */
function koaHostname(host: string): string {
  if (!host) return ''
  if (host.charCodeAt(0) !== 0x5b) return host.split(':', 1)[0] as string /* [ */
  if (hasInvalidIPv6Character(host)) return ''
  try {
    return new URL(`http://${host}`).hostname
  } catch {
    return ''
  }
}

/**
 * A Koa middleware that works out who sent the request with `compileTrust(setting, options)` and
 * `resolveAddr`, stores the answer in `ctx.state.trustProxy`, and sets `ctx.request.ip`, `ips`,
 * `host`, `hostname`, `protocol` and `secure` to it (so `ctx.ip` and the others, and `ctx.href`,
 * `ctx.URL` and `ctx.subdomains`, which Koa derives from them). The host is the one the walk
 * selects (`Host`, or `X-Forwarded-Host` from a trusted peer) as Koa 3 parses a host: first value,
 * trimmed, userinfo dropped (`shop.example@evil.example` is `evil.example`, as `ctx.URL` says);
 * `ctx.state.trustProxy.host` keeps Express's reading. A missing address or host is `''`, as in Koa.
 * The properties are the request's own and writable: later middleware can still set `ctx.request.ip`.
 *
 * Koa's `app.proxy = true` believes X-Forwarded-For, -Host and -Proto from any peer, and
 * `maxIpsCount` only keeps the rightmost entries: neither asks who the socket peer is. Leave
 * `app.proxy` false, its default; the middleware does not read it.
 *
 * With `warn` (on by default) it also watches live traffic for signs of a wrong setting and reports
 * each once (see `createMonitor`); `warn: false` turns that off, a function receives the warnings.
 *
 * Traces: `@opentelemetry/instrumentation-koa` adds middleware spans under the HTTP server span that
 * `@opentelemetry/instrumentation-http` creates; give that instrumentation `incomingSpanHook(trust)`
 * (`proxy-trust/opentelemetry`) with `trust = compileTrust(setting, options)`, the same setting.
 *
 * @throws {TypeError} `invalid option warn: <value> (expected true, false or a function)`, and
 *   `compileTrust`'s errors for the setting and options.
 * @example
 * const app = new Koa()
 * app.use(trustProxy('loopback'))
 * app.use((ctx) => { ctx.body = { ip: ctx.ip, protocol: ctx.protocol } })
 */
export function trustProxy(setting: TrustSetting, options?: AdapterOptions): Middleware<TrustProxyState> {
  const { trustOptions, warn } = splitOptions(options)
  const trust = compileTrust(setting, trustOptions)
  const monitor = monitorFor(trust, warn)
  return (ctx, next) => {
    // with warn, the monitor watches the walk that answers, and asks nothing more
    const addr = monitor === undefined ? resolveAddr(ctx.req, trust) : monitor.resolve(ctx.req)
    ctx.state.trustProxy = addr
    // the host the walk selected, as Koa itself reads a host, so that ctx.host, ctx.hostname,
    // ctx.URL and ctx.href (built from ctx.host) name the same host
    const host = koaHost(addr.host)
    Object.defineProperties(ctx.request, {
      // defined, not assigned: Koa's ip getter takes a stored '' for "not known yet" and answers again
      // from ips[0] or the socket
      ip: own(addr.ip ?? ''),
      ips: own(addr.ips),
      host: own(host),
      hostname: own(koaHostname(host)),
      protocol: own(addr.protocol),
      secure: own(addr.secure),
    })
    return next()
  }
}

/**
 * A Koa middleware that lets in only the clients `allow` holds and refuses those `deny` holds (see
 * `compileIpFilter`), matched on `ctx.state.trustProxy.ip`: use it after `trustProxy`. Without it
 * the client is the socket peer, never `ctx.ip`, which `app.proxy` takes from any peer's headers.
 * A refused request gets `status` (403) and a text body.
 *
 * @throws {TypeError} `compileIpFilter`'s errors.
 * @example
 * app.use(trustProxy('loopback'))
 * app.use(ipFilter({ allow: ['10.0.0.0/8'] }))
 */
export function ipFilter(options: IpFilterOptions): Middleware<Partial<TrustProxyState>> {
  const filter = compileIpFilter(options)
  return (ctx, next) => {
    const resolved = ctx.state.trustProxy
    if (filter.allows(resolved === undefined ? ctx.req.socket.remoteAddress : resolved.ip)) return next()
    ctx.status = filter.status
    ctx.type = 'text/plain; charset=utf-8'
    ctx.body = refusalText(filter.status)
    return Promise.resolve()
  }
}

/**
 * A Koa middleware that refuses a request whose socket peer is not one of the proxies `trust`
 * trusts (`compileTrust(setting, options)` with the setting given to `trustProxy`): the origin
 * reached directly, around the CDN. `allow` lets in other peers (a health checker), `paths` some
 * paths from anyone.
 *
 * @throws {TypeError} `compileTrustedPeerCheck`'s errors.
 * @example
 * const trust = compileTrust('10.0.0.0/8')
 * app.use(requireTrustedPeer(trust, { paths: ['/healthz'] }))
 * app.use(trustProxy(trust))
 */
export function requireTrustedPeer(trust: TrustFn, options?: TrustedPeerOptions): Middleware {
  const check = compileTrustedPeerCheck(trust, options)
  return (ctx, next) => {
    if (check.admits(ctx.req, ctx.path)) return next()
    ctx.status = check.status
    ctx.type = 'text/plain; charset=utf-8'
    ctx.body = refusalText(check.status)
    return Promise.resolve()
  }
}
