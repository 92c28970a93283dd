// hono.ts: proxy-trust for Hono: a middleware that resolves the Fetch request with its connection's
// address (read the runtime's own way on Node, Bun and Deno, from Hono's `getConnInfo`, or from a
// function) into `c.get('trustProxy')`.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import type { Context, MiddlewareHandler } from 'hono'
import { compileTrust, type TrustFn, type TrustSetting } from '../core/compile.js'
import { describeValue } from '../core/options.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import { fromFetch, type ConnectionInfo, type RequestLike, type SocketLike } from '../core/request.js'
import { addressOrNothing, bunConnection, denoConnection } from '../core/runtimes.js'
import { compileIpFilter, compileTrustedPeerCheck, refusalText, type IpFilterOptions, type TrustedPeerOptions } from '../uses/filter.js'
import { monitorFor, splitOptions, type AdapterOptions } from './warn.js'

export type { AdapterOptions, WarnOption } from './warn.js'
export type { IpFilterOptions, TrustedPeerOptions } from '../uses/filter.js'

/** The variables the middleware sets: `c.get('trustProxy')`. */
export interface TrustProxyVariables {
  trustProxy: ResolvedAddr
}

/** The Hono environment of the middleware, for `new Hono<TrustProxyEnv>()` or to merge with yours. */
export interface TrustProxyEnv {
  Variables: TrustProxyVariables
}

/** What Hono's `getConnInfo` helpers answer; only `remote.address` is read. */
export interface HonoConnInfo {
  readonly remote: { readonly address?: string | undefined }
}

/** `TrustOptions`, `warn`, and where the connection's details come from. */
export interface HonoTrustOptions extends AdapterOptions {
  /**
   * The connection's peer address and TLS flag, which a Fetch `Request` does not carry, from a
   * function of your own. When `encrypted` is left out, the request URL's scheme decides.
   * @default the runtime's own: @hono/node-server's socket (`c.env.incoming.socket`), Bun's
   *   `server.requestIP(request)` (`c.env`, or `c.env.server`), Deno's `info.remoteAddr` (`c.env`);
   *   elsewhere (Cloudflare Workers, Lambda, ...) no peer: `ip` undefined, nothing trusted
   */
  readonly connection?: ((c: Context) => ConnectionInfo) | undefined
  /**
   * Hono's `getConnInfo` for the runtime (from `hono/bun`, `hono/deno`, `hono/cloudflare-workers`,
   * `@hono/node-server/conninfo`), whose `remote.address` becomes the peer. Use it where the
   * runtime guarantees that address: on Cloudflare Workers the helper reads `CF-Connecting-IP`,
   * which Cloudflare's edge sets. NOT the one from `hono/aws-lambda`: behind an Application Load
   * Balancer it reads X-Forwarded-For, which any client writes. An answer that is not one address
   * in canonical form gives no peer. Takes precedence over `connection`.
   */
  readonly getConnInfo?: ((c: Context) => HonoConnInfo) | undefined
}

/**
 * The peer the runtime serving the app gives, read as its own Hono helper reads it and never from
 * a header: on Bun `c.env` is the server (or `{ server }`), which answers `requestIP(request)`; on
 * Deno it is the handler's info, with `remoteAddr`. (@hono/node-server's socket is read whole, by
 * `runtimeRequest`.)
 */
function runtimeConnection(c: Context): ConnectionInfo {
  const env = c.env as { server?: unknown; requestIP?: unknown; remoteAddr?: unknown } | undefined
  // no runtime that says who the peer is (Cloudflare Workers, Lambda, app.request in a test): the
  // peer is unknown, not a socket without an address, which `trustSocketless` would trust
  if (env === undefined || env === null) return { lost: true }
  if (typeof env.requestIP === 'function') return bunConnection(c.req.raw, env)
  if (typeof (env.server as { requestIP?: unknown } | null | undefined)?.requestIP === 'function') return bunConnection(c.req.raw, env.server)
  return denoConnection(env)
}

/**
 * The request `resolveAddr` reads, with the peer the runtime gives. On @hono/node-server `c.env` is
 * `{ incoming, outgoing }`, the Node request and response, and the request's socket is handed over
 * itself, not a copy of its address: once a TCP client hangs up its `remoteAddress` is undefined,
 * and only the socket (`destroyed`, the server that accepted it) tells that from a unix socket,
 * which `trustSocketless` trusts (see `socketless` in core/request.ts). Its TLS flag is the
 * socket's too, not the URL's: node-server builds an HTTP/2 URL from the client's `:scheme`.
 */
function runtimeRequest(c: Context): RequestLike {
  const socket = (c.env as { incoming?: { socket?: SocketLike | null } } | undefined)?.incoming?.socket
  if (socket) return { socket, headers: fromFetch(c.req.raw).headers }
  return fromFetch(c.req.raw, runtimeConnection(c))
}

/** How the middleware reads a request: from `getConnInfo`, from a `connection` function, or the runtime's own way. */
function readerOf(connection: ((c: Context) => ConnectionInfo) | undefined, getConnInfo: ((c: Context) => HonoConnInfo) | undefined): (c: Context) => RequestLike {
  const given = getConnInfo === undefined ? connection : connInfoConnection(getConnInfo)
  return given === undefined ? runtimeRequest : (c) => fromFetch(c.req.raw, given(c))
}

/**
 * A connection function from Hono's `getConnInfo`: its `remote.address` when that is an address (the
 * Workers helper reads a header, which outside Cloudflare any client writes), the URL's scheme for TLS.
 */
function connInfoConnection(getConnInfo: (c: Context) => HonoConnInfo): (c: Context) => ConnectionInfo {
  return (c) => {
    let remoteAddress: string | undefined
    try {
      remoteAddress = addressOrNothing(getConnInfo(c)?.remote?.address)
    } catch {
      // Hono's helpers throw when the runtime is not theirs (hono/bun without Bun's server): no peer
    }
    // a helper's answer without an address cannot tell a unix socket from a client that hung up
    // (Node's and Bun's report none for either): the peer is lost, never trusted as socketless
    return remoteAddress === undefined ? { lost: true } : { remoteAddress }
  }
}

/**
 * A Hono middleware that sets `c.get('trustProxy')` to `resolveAddr(fromFetch(c.req.raw,
 * connection(c)), compileTrust(setting, options))`: the same answers as Express's getters for the
 * same setting. Without a connection function it reads the peer the runtime gives on Node
 * (@hono/node-server), Bun and Deno; elsewhere pass `getConnInfo` or `connection`, or the peer
 * address is unknown (`ip` undefined, nothing trusted).
 *
 * With `warn` (on by default) it also watches live traffic for signs of a wrong setting and reports
 * each once (see `createMonitor`); `warn: false` turns that off, a function receives the warnings.
 *
 * @throws {TypeError} `invalid option connection: <value> (expected a function)`, `invalid option
 *   getConnInfo: <value> (expected a function)`, `invalid option warn: <value> (expected true, false or a function)`, and `compileTrust`'s errors for the setting
 *   and options.
 * @example
 * const app = new Hono().use(trustProxy('loopback'))
 * app.get('/', (c) => c.json({ ip: c.get('trustProxy').ip }))
 */
export function trustProxy(setting: TrustSetting, options?: HonoTrustOptions): MiddlewareHandler<TrustProxyEnv> {
  const { trustOptions: { connection, getConnInfo, ...trustOptions }, warn } = splitOptions(options)
  if (connection !== undefined && typeof connection !== 'function') {
    throw new TypeError(`invalid option connection: ${describeValue(connection)} (expected a function)`)
  }
  if (getConnInfo !== undefined && typeof getConnInfo !== 'function') {
    throw new TypeError(`invalid option getConnInfo: ${describeValue(getConnInfo)} (expected a function)`)
  }
  const read = readerOf(connection, getConnInfo)
  const trust = compileTrust(setting, trustOptions)
  const monitor = monitorFor(trust, warn)
  return async (c, next) => {
    const req = read(c)
    // with warn, the monitor watches the walk that answers, and asks nothing more
    c.set('trustProxy', monitor === undefined ? resolveAddr(req, trust) : monitor.resolve(req))
    await next()
  }
}

/**
 * A Hono middleware that lets in only the clients `allow` holds and refuses those `deny` holds (see
 * `compileIpFilter`), matched on `c.get('trustProxy').ip`: use it after `trustProxy`. Without it no
 * client is known, so an allow list refuses every request. A refused request gets `status` (403)
 * and a text body.
 *
 * @throws {TypeError} `compileIpFilter`'s errors.
 * @example
 * app.use(trustProxy('loopback'), ipFilter({ allow: ['10.0.0.0/8'] }))
 */
export function ipFilter(options: IpFilterOptions): MiddlewareHandler<TrustProxyEnv> {
  const filter = compileIpFilter(options)
  return async (c, next) => {
    // undefined when trustProxy did not run before this middleware
    const resolved = c.get('trustProxy') as ResolvedAddr | undefined
    if (!filter.allows(resolved?.ip)) return c.text(refusalText(filter.status), filter.status as 403)
    await next()
  }
}

/** Options of the Hono `requireTrustedPeer`: the check's, and where the connection's details come from. */
export interface HonoTrustedPeerOptions extends TrustedPeerOptions {
  /** As `trustProxy`'s option of the same name. @default the runtime's own peer (Node, Bun, Deno) */
  readonly connection?: ((c: Context) => ConnectionInfo) | undefined
}

/**
 * A Hono middleware that refuses a request whose socket peer is not one of the proxies `trust`
 * trusts (`compileTrust(setting, options)` with the setting given to `trustProxy`): the origin
 * reached directly, around the CDN. `allow` lets in other peers (a health checker), `paths` some
 * paths from anyone.
 *
 * @throws {TypeError} `invalid option connection: <value> (expected a function)`, and
 *   `compileTrustedPeerCheck`'s errors.
 * @example
 * const trust = compileTrust('10.0.0.0/8')
 * app.use(requireTrustedPeer(trust, { paths: ['/healthz'] }), trustProxy(trust))
 */
export function requireTrustedPeer(trust: TrustFn, options: HonoTrustedPeerOptions = {}): MiddlewareHandler {
  const { connection, ...checkOptions } = options
  if (connection !== undefined && typeof connection !== 'function') {
    throw new TypeError(`invalid option connection: ${describeValue(connection)} (expected a function)`)
  }
  const read = readerOf(connection, undefined)
  const check = compileTrustedPeerCheck(trust, checkOptions)
  return async (c, next) => {
    if (!check.admits(read(c), c.req.path)) return c.text(refusalText(check.status), check.status as 403)
    await next()
  }
}
