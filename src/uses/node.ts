// node.ts: the filters for a plain node:http (or http2 compatibility) server: a check at the top of
// the request listener that answers a refused request itself.

import type { TrustFn } from '../core/compile.js'
import { describeValue } from '../core/options.js'
import type { RequestLike } from '../core/request.js'
import { resolveAddr } from '../core/resolve.js'
import { compileIpFilter, compileTrustedPeerCheck, pathOf, refuse, type IpFilterOptions, type ResponseLike, type TrustedPeerOptions } from './filter.js'

/** A request a node:http listener receives, as the filters read it. */
export interface NodeRequestLike extends RequestLike {
  readonly url?: string | undefined
}

/** A check for the top of a request listener: true to go on; false when it has answered the request. */
export type RequestGuard = (req: NodeRequestLike, res: ResponseLike) => boolean

/**
 * An IP filter for a node:http server: the client is `resolveAddr(req, trust).ip`, matched against
 * `allow` and `deny` (see `compileIpFilter`); a refused request is answered with `status` (403).
 *
 * @throws {TypeError} `ipFilter: trust must be a function from compileTrust(setting, options), got <value>`,
 *   and `compileIpFilter`'s errors.
 * @example
 * const trust = compileTrust('10.0.0.0/8')
 * const filter = ipFilter(trust, { allow: ['192.0.2.0/24'] })
 * http.createServer((req, res) => { if (filter(req, res)) res.end('hello') })
 */
export function ipFilter(trust: TrustFn, options: IpFilterOptions): RequestGuard {
  if (typeof trust !== 'function') {
    throw new TypeError(`ipFilter: trust must be a function from compileTrust(setting, options), got ${describeValue(trust)}`)
  }
  const filter = compileIpFilter(options)
  return (req, res) => {
    if (filter.allows(resolveAddr(req, trust).ip)) return true
    refuse(res, filter.status)
    return false
  }
}

/**
 * The proxy-only check for a node:http server: a request whose socket peer is not a proxy `trust`
 * trusts (nor in `allow`, nor for one of `paths`) is answered with `status` (403).
 *
 * @throws {TypeError} `compileTrustedPeerCheck`'s errors.
 * @example
 * const guard = requireTrustedPeer(trust, { paths: ['/healthz'] })
 * http.createServer((req, res) => { if (guard(req, res)) res.end('hello') })
 */
export function requireTrustedPeer(trust: TrustFn, options?: TrustedPeerOptions): RequestGuard {
  const check = compileTrustedPeerCheck(trust, options)
  return (req, res) => {
    if (check.admits(req, pathOf(req.url))) return true
    refuse(res, check.status)
    return false
  }
}
