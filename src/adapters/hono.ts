// hono.ts: proxy-trust for Hono: a middleware that resolves the Fetch request with its connection's
// address (from @hono/node-server's socket, or from a function for other runtimes) into
// `c.get('trustProxy')`.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import type { Context, MiddlewareHandler } from 'hono'
import { compileTrust, type TrustSetting } from '../core/compile.js'
import { describeValue } from '../core/options.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import { fromFetch, type ConnectionInfo, type SocketLike } from '../core/request.js'
import { monitorFor, splitOptions, type AdapterOptions } from './warn.js'

export type { AdapterOptions, WarnOption } from './warn.js'

/** The variables the middleware sets: `c.get('trustProxy')`. */
export interface TrustProxyVariables {
  trustProxy: ResolvedAddr
}

/** The Hono environment of the middleware, for `new Hono<TrustProxyEnv>()` or to merge with yours. */
export interface TrustProxyEnv {
  Variables: TrustProxyVariables
}

/** `TrustOptions`, `warn`, and where the connection's details come from. */
export interface HonoTrustOptions extends AdapterOptions {
  /**
   * The connection's peer address and TLS flag, which a Fetch `Request` does not carry. For Bun:
   * `(c) => ({ remoteAddress: c.env.requestIP(c.req.raw)?.address })`; for Deno:
   * `(c) => ({ remoteAddress: c.env.remoteAddr.hostname })`; or with Hono's helper for the runtime,
   * `(c) => ({ remoteAddress: getConnInfo(c).remote.address })`. When `encrypted` is left out, the
   * request URL's scheme decides.
   * @default @hono/node-server's socket: `c.env.incoming.socket` (`remoteAddress`, `encrypted`)
   */
  readonly connection?: ((c: Context) => ConnectionInfo) | undefined
}

/** On @hono/node-server, `c.env` is `{ incoming, outgoing }`, the Node request and response. */
function nodeConnection(c: Context): ConnectionInfo {
  const env = c.env as { incoming?: { socket?: SocketLike | null } } | undefined
  const socket = env?.incoming?.socket
  // the socket's TLS flag, not the URL: node-server builds an HTTP/2 URL from the client's :scheme
  return socket ? { remoteAddress: socket.remoteAddress, encrypted: socket.encrypted === true } : {}
}

/**
 * A Hono middleware that sets `c.get('trustProxy')` to `resolveAddr(fromFetch(c.req.raw,
 * connection(c)), compileTrust(setting, options))`: the same answers as Express's getters for the
 * same setting. Without a connection function it reads @hono/node-server's socket; elsewhere pass
 * one, or the peer address is unknown (`ip` undefined, nothing trusted).
 *
 * With `warn` (on by default) it also watches live traffic for signs of a wrong setting and reports
 * each once (see `createMonitor`); `warn: false` turns that off, a function receives the warnings.
 *
 * @throws {TypeError} `invalid option connection: <value> (expected a function)`, `invalid option
 *   warn: <value> (expected true, false or a function)`, and `compileTrust`'s errors for the setting
 *   and options.
 * @example
 * const app = new Hono().use(trustProxy('loopback'))
 * app.get('/', (c) => c.json({ ip: c.get('trustProxy').ip }))
 */
export function trustProxy(setting: TrustSetting, options?: HonoTrustOptions): MiddlewareHandler<TrustProxyEnv> {
  const { trustOptions: { connection = nodeConnection, ...trustOptions }, warn } = splitOptions(options)
  if (typeof connection !== 'function') {
    throw new TypeError(`invalid option connection: ${describeValue(connection)} (expected a function)`)
  }
  const trust = compileTrust(setting, trustOptions)
  const monitor = monitorFor(trust, warn)
  return async (c, next) => {
    const req = fromFetch(c.req.raw, connection(c))
    // with warn, the monitor watches the walk that answers, and asks nothing more
    c.set('trustProxy', monitor === undefined ? resolveAddr(req, trust) : monitor.resolve(req))
    await next()
  }
}
