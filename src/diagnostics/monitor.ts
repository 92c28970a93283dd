// monitor.ts: warnings from live traffic. A monitor looks at each request for the few signs that a
// trust setting is wrong which no healthy deployment shows, reports each once, and stops looking
// once there is nothing left to report.

import { compiledOf, type TrustFn } from '../core/compile.js'
import { otherCopy } from '../core/copies.js'
import { describeValue, EXPRESS, type ResolvedOptions } from '../core/options.js'
import { headerValue, socketless, socketOf, type RequestLike } from '../core/request.js'
import { parseForwarded } from '../core/rfc7239.js'
import { hopsOf } from '../core/sources/hops.js'
import { explain } from './explain.js'
import {
  forwardedMalformed, hopCount, isLocalPeer, isPublicPeer, oddProto, peerWithoutAddress, protoNotHttp, publicPeerNote,
  trustAllWithHeaders, untrustedPeer, type Warning,
} from './warnings.js'

/** Options for `createMonitor(trust, options)`. */
export interface MonitorOptions {
  /**
   * Called with each warning, once per code, synchronously from the request that showed it. What it
   * throws is caught: a warning never fails the request it is about.
   * @default (warning) => process.emitWarning(warning.message, { type: 'TrustProxyWarning', code: warning.code, detail: warning.fix })
   */
  readonly onWarning?: ((warning: Warning) => void) | undefined
}

/** Looks at one request (once: the same request again is not looked at); returns nothing, changes nothing, never throws. */
export type Monitor = (req: RequestLike) => void

/** The codes a monitor can report, one bit each. */
const TRUST_ALL = 1
const HOP_COUNT = 2
const UNTRUSTED_PEER = 4
const NO_ADDRESS = 8
const PROTO = 16
const MALFORMED = 32

/** `process.emitWarning`, where there is a `process` (Node, Bun, Deno); elsewhere nothing. */
function emitWarning(warning: Warning): void {
  const proc = (globalThis as { process?: { emitWarning?: unknown } }).process
  if (typeof proc?.emitWarning !== 'function') return
  ;(proc.emitWarning as (message: string, options: object) => void)(warning.message, {
    type: 'TrustProxyWarning', code: warning.code, detail: warning.fix,
  })
}

/**
 * A monitor for a trust setting in production: call it with each request (the framework adapters do,
 * unless `warn: false`), and it reports, once per code, the signs of a wrong setting that live
 * traffic shows without false alarms:
 *
 * - `TRUST_ALL_WITH_HEADERS`, `HOP_COUNT`: the setting is `true` or a hop count, and a peer with a
 *   public address sent forwarding headers (the app is reachable directly, or through a proxy whose
 *   address could be trusted instead);
 * - `UNTRUSTED_PEER_WITH_HEADERS`: a loopback, link-local, unique-local or RFC 6598 peer sent
 *   forwarded addresses and is not trusted (a proxy you forgot to trust);
 * - `PEER_WITHOUT_ADDRESS`: a peer without an address that is not trusted (a unix socket);
 * - `PROTO_NOT_HTTP`: a trusted peer sent an X-Forwarded-Proto value other than `http` or `https`;
 * - `FORWARDED_MALFORMED`: a malformed Forwarded element ended a walk that would have gone on.
 *
 * The messages are those of `explain` for the same request (with the peer named for the first
 * two). A healthy request never warns. Once every code the setting can show has been reported,
 * the monitor returns at once. Answers never change: it only reads the request, and asks the
 * trust predicate about the socket peer (hop 0): a custom predicate once per request (when it
 * throws, the request is left unchecked), a compiled one once per change of peer address.
 *
 * @throws {TypeError} `trust argument is required` (a function), `invalid option onWarning: <value>
 *   (expected a function)`, `unknown option: <name>`.
 * @example
 * const trust = compileTrust('loopback, 10.0.0.0/8')
 * const monitor = createMonitor(trust)
 * http.createServer((req, res) => {
 *   monitor(req) // (node:1234) [UNTRUSTED_PEER_WITH_HEADERS] TrustProxyWarning: the peer "10.0.1.5", …
 *   res.end(resolveAddr(req, trust).ip)
 * })
 */
export function createMonitor(trust: TrustFn, options?: MonitorOptions): Monitor {
  if (typeof trust !== 'function') throw new TypeError('trust argument is required')
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`invalid option options: ${describeValue(options)} (expected an object)`)
  }
  for (const name of Object.keys(options ?? {})) {
    if (name !== 'onWarning') throw new TypeError(`unknown option: ${name}`)
  }
  const onWarning: unknown = options?.onWarning ?? emitWarning
  if (typeof onWarning !== 'function') {
    throw new TypeError(`invalid option onWarning: ${describeValue(onWarning)} (expected a function)`)
  }
  const report = onWarning as (warning: Warning) => void

  const compiled = compiledOf(trust)
  const shape = compiled?.shape
  const settings: ResolvedOptions = compiled?.options ?? EXPRESS
  const addressHeader = settings.source === 'header' ? settings.header : settings.source
  // only the codes this setting can show: a monitor with none left costs one comparison
  let pending = UNTRUSTED_PEER | NO_ADDRESS
  if (shape?.kind === 'all') pending |= TRUST_ALL
  if (shape?.kind === 'hops' && shape.hops > 0) pending |= HOP_COUNT
  pending |= settings.source === 'forwarded' ? MALFORMED : PROTO
  // compiled by another copy of this package, whose options only it knows: only what the peer's own
  // answer shows
  if (compiled === undefined && otherCopy(trust) !== undefined) pending = NO_ADDRESS

  const fire = (bit: number, warning: Warning): void => {
    pending &= ~bit
    try {
      report(warning)
    } catch {
      // a warning must never fail the request it is about
    }
  }

  /** Whether the request carries forwarded addresses (or a single-address header that is not one). */
  const carries = (req: RequestLike): boolean => {
    const hops = hopsOf(req, settings)
    return hops.next() || (settings.source === 'header' && hops.end === 'malformed')
  }

  /** The forwarding headers the request carries, as explain lists them. */
  const sent = (req: RequestLike): string[] => {
    const names = carries(req) ? [addressHeader] : []
    if (headerValue(req.headers, 'x-forwarded-host') !== '') names.push('x-forwarded-host')
    if (headerValue(req.headers, 'x-forwarded-proto') !== '') names.push('x-forwarded-proto')
    return names
  }

  // the last peer asked about: requests on a kept-alive connection come from the same one, and a
  // compiled predicate gives the same answer for the same address
  let lastPeer: string | undefined
  let lastTrusted = false
  const cache = shape !== undefined

  // the request looked at last: getters that call the monitor each (Express's) look once; holding it
  // until the next request keeps one request alive a little longer, and nothing more
  let lastReq: RequestLike | undefined

  return (req) => {
    if (pending === 0 || !req || req === lastReq) return
    lastReq = req
    const socket = socketOf(req)
    const peer = socket ? socket.remoteAddress : undefined
    let peerTrusted: boolean
    if (cache && peer === lastPeer && peer !== undefined) {
      peerTrusted = lastTrusted
    } else if (peer === undefined && settings.trustSocketless && socketless(socket)) {
      // as the walk decides it: a peer that never had an address, trusted by trustSocketless
      peerTrusted = true
    } else {
      try {
        peerTrusted = Boolean(trust(peer, 0))
      } catch {
        // a custom predicate that throws is the application's to meet where it asks; not here
        return
      }
      lastPeer = peer
      lastTrusted = peerTrusted
    }

    if (!peerTrusted) {
      if ((pending & NO_ADDRESS) !== 0 && (peer === undefined || peer === '')) fire(NO_ADDRESS, peerWithoutAddress())
      if ((pending & UNTRUSTED_PEER) !== 0 && isLocalPeer(peer) && carries(req)) fire(UNTRUSTED_PEER, untrustedPeer(peer, addressHeader))
      return
    }
    if ((pending & (TRUST_ALL | HOP_COUNT)) !== 0 && isPublicPeer(peer)) {
      const names = sent(req)
      if (names.length > 0) {
        if (shape?.kind === 'all') fire(TRUST_ALL, trustAllWithHeaders(names, peer))
        else if (shape?.kind === 'hops') fire(HOP_COUNT, hopCount(shape.hops, publicPeerNote(peer as string, names)))
      }
    }
    if ((pending & PROTO) !== 0) {
      const proto = headerValue(req.headers, 'x-forwarded-proto')
      // the usual values first, without splitting
      const odd = proto === '' || proto === 'https' || proto === 'http' ? undefined : oddProto(proto)
      if (odd !== undefined) fire(PROTO, protoNotHttp(odd, settings.aligned))
    }
    if ((pending & MALFORMED) !== 0) {
      const header = headerValue(req.headers, 'forwarded')
      if (header !== '' && parseForwarded(header, settings.maxForwarded).malformed && walkedIntoDamage(req, trust)) {
        fire(MALFORMED, forwardedMalformed())
      }
    }
  }
}

/**
 * Whether a malformed Forwarded element ended a walk that would have gone on: the last element read
 * before it is trusted (or, with none, the peer is). A client's damage left of the first untrusted
 * element ends nothing that matters. Rare, so the full explanation is affordable here.
 */
function walkedIntoDamage(req: RequestLike, trust: TrustFn): boolean {
  const { stop, hops } = explain(req, trust)
  if (stop.reason !== 'malformed') return false
  const last = hops[stop.index]
  return stop.index === 0 || (last !== undefined && last.valid && Boolean(trust(last.address, stop.index)))
}
