// koa.ts: proxy-trust for Koa 3: a middleware that answers ctx.request's ip, ips, host, hostname,
// protocol and secure from `resolveAddr`, in place of Koa's `app.proxy` and `maxIpsCount`.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import type { Middleware } from 'koa'
import { compileTrust, type TrustSetting } from '../core/compile.js'
import type { TrustOptions } from '../core/options.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'

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
 * A Koa middleware that works out who sent the request with `compileTrust(setting, options)` and
 * `resolveAddr`, stores the answer in `ctx.state.trustProxy`, and sets `ctx.request.ip`, `ips`,
 * `host`, `hostname`, `protocol` and `secure` to it (so `ctx.ip` and the others, and `ctx.href`,
 * `ctx.URL` and `ctx.subdomains`, which Koa derives from them). A missing address or host is
 * `''`, as in Koa. The properties are the request's own and writable: later middleware can still
 * set `ctx.request.ip`.
 *
 * Koa's `app.proxy = true` believes X-Forwarded-For, -Host and -Proto from any peer, and
 * `maxIpsCount` only keeps the rightmost entries: neither asks who the socket peer is. Leave
 * `app.proxy` false, its default; the middleware does not read it.
 *
 * @throws {TypeError} `compileTrust`'s errors for the setting and options.
 * @example
 * const app = new Koa()
 * app.use(trustProxy('loopback'))
 * app.use((ctx) => { ctx.body = { ip: ctx.ip, protocol: ctx.protocol } })
 */
export function trustProxy(setting: TrustSetting, options?: TrustOptions): Middleware<TrustProxyState> {
  const trust = compileTrust(setting, options)
  return (ctx, next) => {
    const addr = resolveAddr(ctx.req, trust)
    ctx.state.trustProxy = addr
    Object.defineProperties(ctx.request, {
      // defined, not assigned: Koa's ip getter takes a stored '' for "not known yet" and answers again
      // from ips[0] or the socket
      ip: own(addr.ip ?? ''),
      ips: own(addr.ips),
      host: own(addr.host ?? ''),
      hostname: own(addr.hostname ?? ''),
      protocol: own(addr.protocol),
      secure: own(addr.secure),
    })
    return next()
  }
}
