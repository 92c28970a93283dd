// resolve.ts: one request's ip, ips, host, hostname, protocol and secure, equal to Express 5's getters
// for the same trust setting.

import { isTrusted, shapeOf, type TrustFn } from './compile.js'
import { headerValue, socketOf, walk, type RequestLike } from './walk.js'

/** What Express 5's request getters report, computed in one pass. */
export interface ResolvedAddr {
  /** The client address: where the walk stopped (`req.ip`). `undefined` when the socket has none. */
  readonly ip: string | undefined
  /** The trusted chain, farthest first, socket peer left out (`req.ips`). */
  readonly ips: string[]
  /** `X-Forwarded-Host` (first value) when the peer is trusted, else `Host`; with any port (`req.host`). */
  readonly host: string | undefined
  /** `host` without its port; IPv6 literals keep their brackets (`req.hostname`). */
  readonly hostname: string | undefined
  /** `X-Forwarded-Proto` (first value, trimmed) when the peer is trusted, else from the socket (`req.protocol`). */
  readonly protocol: string
  /** `protocol === 'https'` (`req.secure`). */
  readonly secure: boolean
}

/**
 * Resolve who sent a request, over which protocol, to which host, exactly as Express 5's `req.ip`,
 * `req.ips`, `req.host`, `req.hostname`, `req.protocol` and `req.secure` would with
 * `app.set('trust proxy', setting)` and `trust = compileTrust(setting)`. Never throws on what the
 * request holds.
 *
 * @throws {TypeError} `req argument is required`, `trust argument is required` (a function).
 * @example
 * const trust = compileTrust('loopback')
 * http.createServer((req, res) => res.end(resolveAddr(req, trust).ip))
 */
export function resolveAddr(req: RequestLike, trust: TrustFn): ResolvedAddr {
  if (!req) throw new TypeError('req argument is required')
  if (typeof trust !== 'function') throw new TypeError('trust argument is required')

  const addrs: (string | undefined)[] = []
  const ip = walk(req, trust, addrs)
  // Express asks trust(peer, 0) before reading X-Forwarded-Host and -Proto; a walk that moved past
  // the peer has answered that already
  const peerTrusted = addrs.length > 1 || isTrusted(trust, shapeOf(trust), addrs[0], 0)

  const socket = socketOf(req)
  const socketProtocol = socket && socket.encrypted ? 'https' : 'http'
  let protocol = socketProtocol
  if (peerTrusted) {
    const header = headerValue(req.headers, 'x-forwarded-proto') || socketProtocol
    const comma = header.indexOf(',')
    protocol = (comma === -1 ? header : header.substring(0, comma)).trim()
  }

  let host = headerValue(req.headers, 'x-forwarded-host')
  if (!host || !peerTrusted) {
    host = headerValue(req.headers, 'host')
  } else {
    const comma = host.indexOf(',')
    if (comma !== -1) host = host.substring(0, comma).trimEnd()
  }

  const ips: string[] = []
  for (let k = addrs.length - 1; k > 0; k--) ips.push(addrs[k] as string)

  return { ip, ips, host: host || undefined, hostname: hostnameOf(host), protocol, secure: protocol === 'https' }
}

/** The host without its port, as Express reads it: after an IPv6 literal's `]`, up to the first `:`. */
function hostnameOf(host: string): string | undefined {
  if (!host) return undefined
  const offset = host.charCodeAt(0) === 0x5b ? host.indexOf(']') + 1 : 0 /* [ */
  const colon = host.indexOf(':', offset)
  return colon === -1 ? host : host.substring(0, colon)
}
