// filter.ts: allow and deny lists matched on the resolved client, and the proxy-only check on the
// socket peer, compiled once; the adapters and node:http servers install them.

import { compiledOf, compileTrust, reasonFor, type TrustFn } from '../core/compile.js'
import { DECLINED, handOver, isExplanation, otherCopy } from '../core/copies.js'
import { EXPRESS } from '../core/express.js'
import { describeValue, type TrustOptions } from '../core/options.js'
import { socketOf, type RequestLike } from '../core/request.js'
import { decidePeer } from '../core/walk.js'

/** A list in the trust setting's syntax: addresses, subnets, and range names (`loopback`, `cloudflare` with `ranges`). */
export type AddressList = string | readonly string[]

/** Options for `ipFilter`. */
export interface IpFilterOptions {
  /**
   * Only clients in this list are let in (after `deny`). Left out: every client not denied. An entry
   * with a zone id (`fe80::1%eth0`) lets in that address only with that zone, as `zones: 'match'`.
   * @default undefined (no allow list)
   */
  readonly allow?: AddressList | undefined
  /**
   * Clients in this list are refused, even when `allow` holds them too. An entry with a zone id
   * refuses its address whatever its zone, and without one.
   * @default undefined (no deny list)
   */
  readonly deny?: AddressList | undefined
  /**
   * The HTTP status a refused request gets.
   * @default 403
   */
  readonly status?: number | undefined
  /**
   * Range names of your own and the extended names, as `compileTrust`'s options of the same names.
   * @default undefined
   */
  readonly ranges?: TrustOptions['ranges']
  /** @default false */
  readonly extendedRanges?: boolean | undefined
}

const FILTER_OPTIONS = new Set(['allow', 'deny', 'status', 'ranges', 'extendedRanges'])

/** Why a client was let in or refused. */
export interface FilterDecision {
  readonly allowed: boolean
  /** `deny` or `allow`: the list whose entry matched, or undefined when none did. */
  readonly list: 'allow' | 'deny' | undefined
  /** The entry that matched (`10.0.0.0/8`, `loopback (127.0.0.1/8)`), or why none did. */
  readonly rule: string
}

/** A compiled filter: `allows(ip)` per request, `explain(ip)` to see why. */
export interface IpFilter {
  /** Whether the client `ip` (a resolved `ip`) is let in. Never throws. */
  allows(ip: string | undefined): boolean
  /** The decision for `ip` and the rule that made it. */
  explain(ip: string | undefined): FilterDecision
  /** The status a refused request gets. */
  readonly status: number
}

/**
 * Compile allow and deny lists once. A client in `deny` is refused; otherwise, with `allow`, only a
 * client in `allow` is let in; an unknown client (`ip` undefined, or text that is no address) matches
 * no list, so it is refused when there is an allow list and let in when there is only a deny list.
 * Match the resolved client (`resolveAddr(req, trust).ip`, an adapter's `req.ip`), never a header.
 *
 * @throws {TypeError} `invalid option allow: <value> (expected an address, subnet or range name, or a list of them)`
 *   (also `deny`), `invalid option status: <value> (expected an HTTP status from 400 to 599)`,
 *   `unknown option: <name> (expected allow, deny, status, ranges or extendedRanges)`, and
 *   `compileTrust`'s errors for an entry (`invalid IP address: <value>`).
 * @example
 * const filter = compileIpFilter({ deny: ['203.0.113.0/24'], allow: ['10.0.0.0/8', '198.51.100.7'] })
 * filter.allows('10.1.2.3') // true
 * filter.explain('203.0.113.9') // { allowed: false, list: 'deny', rule: '203.0.113.0/24' }
 */
export function compileIpFilter(options: IpFilterOptions): IpFilter {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`invalid option options: ${describeValue(options)} (expected an object)`)
  }
  // a misspelt `allow` would leave no allow list, and every client would be let in
  for (const name of Object.keys(options)) {
    if (!FILTER_OPTIONS.has(name)) throw new TypeError(`unknown option: ${name} (expected allow, deny, status, ranges or extendedRanges)`)
  }
  const listOptions = { ranges: options.ranges, extendedRanges: options.extendedRanges }
  // a zone names the interface a link-local address was reached through: `fe80::1%eth0` and
  // `fe80::1%eth1` can be two machines. Each list errs toward refusing: a zoned allow entry lets in
  // only its own zone (`zones: 'match'`), a zoned deny entry refuses its address on every zone
  const allow = compileAddressList('allow', options.allow, { ...listOptions, zones: 'match' })
  const deny = compileAddressList('deny', options.deny, listOptions)
  const status = statusOption(options.status, 403)
  const explain = (ip: string | undefined): FilterDecision => {
    if (deny !== undefined) {
      const reason = reasonFor(deny, ip, 0)
      if (reason.trusted) return { allowed: false, list: 'deny', rule: reason.rule }
    }
    if (allow === undefined) return { allowed: true, list: undefined, rule: 'not in the deny list' }
    const reason = reasonFor(allow, ip, 0)
    return reason.trusted
      ? { allowed: true, list: 'allow', rule: reason.rule }
      : { allowed: false, list: undefined, rule: `not in the allow list (${reason.rule})` }
  }
  return {
    allows: (ip) => (deny === undefined || !deny(ip, 0)) && (allow === undefined || allow(ip, 0)),
    explain,
    status,
  }
}

/** Options for the proxy-only check (`requireTrustedPeer`). */
export interface TrustedPeerOptions {
  /**
   * Peers let in although they are not trusted proxies, such as a health checker that connects
   * directly (the kubelet's node address): addresses, subnets and range names.
   * @default undefined (none)
   */
  readonly allow?: AddressList | undefined
  /**
   * Request paths let in from any peer, compared exactly with the path (the query string left out),
   * such as `/healthz`.
   * @default [] (none)
   */
  readonly paths?: readonly string[] | undefined
  /**
   * The HTTP status a refused request gets.
   * @default 403
   */
  readonly status?: number | undefined
}

/** A compiled proxy-only check. */
export interface TrustedPeerCheck {
  /**
   * Whether a request with this socket and path is let in: its socket peer is a trusted proxy (as
   * the walk decides its first hop: with `edgeProof`, only when the request carries the proof), or
   * is in `allow`, or the path is in `paths`. Never throws but where a custom `trust` does.
   */
  admits(req: RequestLike, path: string): boolean
  readonly status: number
}

/**
 * Compile the proxy-only check for `trust`: a site that sits behind a CDN or load balancer is often
 * reachable at its origin address too, where anyone can send any header; this refuses a request
 * whose socket peer is not one of the proxies `trust` names, decided as the walk decides its first
 * hop (`decidePeer`): with `edgeProof` a peer in range without the proof is refused, with
 * `trustSocketless` a socket that never had an address is let in and a client that hung up is not.
 *
 * @throws {TypeError} `requireTrustedPeer: trust must be a function from compileTrust(setting, options), got <value>`,
 *   `invalid option allow: …`, `invalid option paths: <value> (expected a list of paths starting with /)`,
 *   `invalid option status: …`.
 * @example
 * const check = compileTrustedPeerCheck(compileTrust('cloudflare', { ranges: { cloudflare } }), { paths: ['/healthz'] })
 * check.admits(req, '/') // false for a request straight from the internet
 */
export function compileTrustedPeerCheck(trust: TrustFn, options: TrustedPeerOptions = {}): TrustedPeerCheck {
  if (typeof trust !== 'function') {
    throw new TypeError(`requireTrustedPeer: trust must be a function from compileTrust(setting, options), got ${describeValue(trust)}`)
  }
  const allow = compileAddressList('allow', options.allow, {})
  const paths = options.paths ?? []
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && path.charCodeAt(0) === 0x2f)) { /* / */
    throw new TypeError(`invalid option paths: ${describeValue(paths)} (expected a list of paths starting with /)`)
  }
  const exempt = new Set(paths)
  const status = statusOption(options.status, 403)
  const peerTrusted = peerRule(trust)
  return {
    admits(req, path) {
      if (peerTrusted(req)) return true
      const socket = socketOf(req)
      return (allow !== undefined && allow(socket ? socket.remoteAddress : undefined, 0)) || exempt.has(path)
    },
    status,
  }
}

/**
 * Whether the walk trusts a request's socket peer under `trust`: its hop 0 itself (`decidePeer`),
 * so that the check lets in exactly the peers whose headers the walk believes (with `edgeProof`, only
 * a peer whose request carries the proof; with `trustSocketless`, only a socket that never had an
 * address). A function compiled elsewhere is asked `trust(peer, 0)` as the walk asks it; a predicate
 * of another copy of the package is answered by that copy's own walk (its `explain`'s hop 0), which
 * alone knows its options, or asked as a custom function when that copy gives no usable answer.
 */
function peerRule(trust: TrustFn): (req: RequestLike) => boolean {
  const compiled = compiledOf(trust)
  // a function compiled elsewhere is asked as the walk asks any custom function, with Express's options
  const rule = compiled ?? { shape: undefined, call: trust, options: EXPRESS }
  const other = compiled === undefined ? otherCopy(trust) : undefined
  const own = (req: RequestLike): boolean => (decidePeer(req, rule) & 1) === 1
  if (other === undefined) return own
  // explain is the one member of the protocol that says how the peer was decided; it does more work
  // than this needs, which only a predicate from a second install pays
  return (req) => {
    const explained = handOver(trust, () => other.explain(req), isExplanation)
    if (explained === DECLINED) return own(req)
    return (explained.hops[0] as { readonly trusted?: unknown } | null | undefined)?.trusted === true
  }
}

/** The path of a request target, without its query string. */
export function pathOf(url: string | undefined): string {
  const target = url ?? '/'
  const query = target.indexOf('?')
  return query === -1 ? target : target.substring(0, query)
}

function compileAddressList(name: string, list: AddressList | undefined, options: TrustOptions): TrustFn | undefined {
  if (list === undefined) return undefined
  if (typeof list !== 'string' && !(Array.isArray(list) && list.every((entry) => typeof entry === 'string'))) {
    throw new TypeError(`invalid option ${name}: ${describeValue(list)} (expected an address, subnet or range name, or a list of them)`)
  }
  const entries = typeof list === 'string' ? list.split(',').map((entry) => entry.trim()) : list
  return compileTrust(entries, options)
}

function statusOption(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 400 || value > 599) {
    throw new TypeError(`invalid option status: ${describeValue(value)} (expected an HTTP status from 400 to 599)`)
  }
  return value
}

/** The body of a refused request: the status's reason phrase (RFC 9110 section 15.5.4 for 403). */
export function refusalText(status: number): string {
  return status === 403 ? 'Forbidden\n' : 'Request refused\n'
}

/** The parts of a Node `ServerResponse` a refusal writes. */
export interface ResponseLike {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body: string): unknown
}

/** Answer a refused request on a Node response. */
export function refuse(res: ResponseLike, status: number): void {
  res.statusCode = status
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.end(refusalText(status))
}
