// monitor.ts: warnings from live traffic. A monitor looks at each request for the few signs that a
// trust setting is wrong which no healthy deployment shows, reports each once, and stops looking
// once there is nothing left to report. It reads only what the walk reads, from the walk itself.

import { compiledOf, type TrustFn } from '../core/compile.js'
import { otherCopy } from '../core/copies.js'
import { EXPRESS } from '../core/express.js'
import { describeValue, type ResolvedOptions } from '../core/options.js'
import { proven } from '../core/proof.js'
import { headerValue, socketless, socketOf, type RequestLike, type SocketLike } from '../core/request.js'
import { answersOf, resolveAddr, trustArgumentError, type ResolvedAddr } from '../core/resolve.js'
import { hopsOf, type SourceEnd } from '../core/sources/hops.js'
import { decidePeer, walkHops, type Rule, type Walked } from '../core/walk.js'
import {
  forwardedMalformed, hopCount, hostProtoSent, isLocalPeer, isPublicPeer, protoNotHttp, peerWithoutAddress, publicPeerNote,
  trustAllWithHeaders, trustsNoHop, untrustedPeer, usedProto, type Warning,
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

/**
 * Looks at one request (once: the request just looked at is not looked at again); returns nothing,
 * changes nothing, never throws, and never calls a custom trust function (see `createMonitor`).
 */
export interface Monitor {
  (req: RequestLike): void
  /**
   * `resolveAddr(req, trust)`, from one walk that the monitor watches as it goes: a custom trust
   * function is called exactly as `resolveAddr` calls it (what it throws reaches the caller, as from
   * `resolveAddr`), and nothing more. The adapters answer through this.
   */
  resolve(req: RequestLike): ResolvedAddr
  /**
   * Looks at a request whose socket peer the caller has asked the trust function about already
   * (`trusted`): Express's getters ask `trust(peer, 0)` themselves, and the monitor asks nothing again.
   */
  peer(req: RequestLike, trusted: boolean): void
}

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

/** What a walk showed the monitor, beyond the request itself. */
interface Seen {
  /** Whether the socket peer is trusted. */
  readonly peerTrusted: boolean
  /** The walk, when there was one (`resolve`): how far it went, and why its source ended. */
  readonly walked: Walked | undefined
  readonly end: SourceEnd | undefined
}

/**
 * A monitor for a trust setting in production (the framework adapters run one unless `warn:
 * false`). It reports, once per code, the signs of a wrong setting that live traffic shows without
 * false alarms:
 *
 * - `TRUST_ALL_WITH_HEADERS`, `HOP_COUNT`: the setting is `true` or a hop count, the walk trusts the
 *   peer, and a peer with a public address sent forwarding headers that are read (the app is
 *   reachable directly, or through a proxy whose address could be trusted instead); X-Forwarded-Host
 *   and -Proto count only where they are read, never with the Forwarded source;
 * - `UNTRUSTED_PEER_WITH_HEADERS`: a loopback, link-local, unique-local or RFC 6598 peer sent
 *   forwarded addresses and is not trusted (a proxy you forgot to trust; when the setting trusts no
 *   proxy at all, the fix says never to trust an address every client arrives from);
 * - `PEER_WITHOUT_ADDRESS`: a peer that never had an address is not trusted (a unix socket); not a
 *   connection that has closed since (a client that hung up, a cancelled HTTP/2 stream), whose
 *   address is lost, not absent;
 * - `PROTO_NOT_HTTP`: a trusted peer sent an X-Forwarded-Proto whose value `protocol` is read from
 *   (the first, as Express reads it) is not exactly `http` or `https` (with `hostAndProto:
 *   'aligned'`, which accepts any case, and with the Forwarded source, it cannot be wrong this way);
 * - `FORWARDED_MALFORMED`: a malformed Forwarded element ended a walk that would have gone on.
 *
 * The socket peer is decided as the walk decides it (`edgeProof` included), and a request without
 * the edge proof the options ask shows nothing: it did not come through your edge. The messages are
 * those of `explain` for the same request (with the peer named for the first two), every value a
 * client wrote escaped (see `escape.ts`). A healthy request never warns.
 *
 * What it reads and asks: `monitor.resolve(req)` is `resolveAddr`'s walk itself, watched, so it
 * reads what that walk reads and calls a custom function exactly as it does. `monitor(req)` alone
 * never calls a custom function and never throws: with a compiled setting it walks to the peer only
 * (a shaped predicate calls nothing), reads the first forwarded hop, the first X-Forwarded-Proto
 * value and, with the Forwarded source, walks as `resolveAddr` would; with a custom function it
 * checks nothing (use `monitor.resolve`, or `monitor.peer` with the answer you have). A predicate
 * another copy of this package compiled carries options only that copy knows, and may wrap a custom
 * function: nothing is reported for it. Once every code the setting can show has been reported, it
 * returns at once.
 *
 * @throws {TypeError} `trustArgumentError`'s for a trust that is not a function, `invalid option onWarning: <value>
 *   (expected a function)`, `unknown option: <name>`.
 * @example
 * const trust = compileTrust('loopback, 10.0.0.0/8')
 * const monitor = createMonitor(trust)
 * http.createServer((req, res) => {
 *   // (node:1234) [UNTRUSTED_PEER_WITH_HEADERS] TrustProxyWarning: the peer "10.0.1.5", …
 *   res.end(monitor.resolve(req).ip)
 * })
 */
export function createMonitor(trust: TrustFn, options?: MonitorOptions): Monitor {
  if (typeof trust !== 'function') throw trustArgumentError(trust)
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
  const rule: Rule = compiled ?? { shape: undefined, call: trust, options: EXPRESS }
  const addressHeader = settings.source === 'header' ? settings.header : settings.source
  // the protocol answer is X-Forwarded-Proto's first value, compared exactly, only here
  const exactProto = !settings.aligned && settings.source !== 'forwarded'
  // a setting that trusts no proxy: trusting the peer is not always the fix (see `untrustedPeer`)
  const noProxy = trustsNoHop(shape)
  // only the codes this setting can show: a monitor with none left costs one comparison
  let pending = UNTRUSTED_PEER | NO_ADDRESS
  if (shape?.kind === 'all') pending |= TRUST_ALL
  if (shape?.kind === 'hops' && shape.hops > 0) pending |= HOP_COUNT
  if (settings.source === 'forwarded') pending |= MALFORMED
  if (exactProto) pending |= PROTO
  // compiled by another copy of this package: its options are that copy's, and its predicate may
  // wrap a custom function, which the monitor never calls on its own; nothing shows without them
  if (compiled === undefined && otherCopy(trust) !== undefined) pending = 0

  const fire = (bit: number, warning: Warning): void => {
    pending &= ~bit
    try {
      report(warning)
    } catch {
      // a warning must never fail the request it is about
    }
  }

  /** Whether the request carries forwarded addresses (or a single-address header that is not one): its first hop, read. */
  const carries = (req: RequestLike, seen: Seen): boolean => {
    if (seen.walked !== undefined && seen.walked.addrs.length > 1) return true
    const hops = hopsOf(req, settings)
    return hops.next() || (settings.source === 'header' && hops.end === 'malformed')
  }

  /** The forwarding headers the request carries that are read, as explain lists them. */
  const sent = (req: RequestLike, seen: Seen): string[] => {
    const names = carries(req, seen) ? [addressHeader] : []
    for (const name of hostProtoSent(req, settings)) names.push(name)
    return names
  }

  /** The checks, on what the walk (or the caller) found. Reads headers, asks nothing. */
  const check = (req: RequestLike, socket: SocketLike | null | undefined, seen: Seen): void => {
    // without the edge proof the options ask, the request did not come through your edge (another
    // customer's configuration of the same CDN, a client that found the origin): the walk trusts
    // none of it, and nothing in it is about the setting. A trusted peer has shown it already: every
    // caller decides the peer as the walk's hop 0 (decidePeer) under edgeProof, and that asks it
    if (!seen.peerTrusted && !proven(req, settings)) return
    const peer = socket ? socket.remoteAddress : undefined
    if (!seen.peerTrusted) {
      // an address lost when the connection closed (a client that hung up, a cancelled HTTP/2
      // stream) is no sign of a unix socket: only a peer that never had one (`socketless`)
      if ((pending & NO_ADDRESS) !== 0 && (peer === '' || (peer === undefined && socketless(socket)))) fire(NO_ADDRESS, peerWithoutAddress())
      if ((pending & UNTRUSTED_PEER) !== 0 && isLocalPeer(peer) && carries(req, seen)) fire(UNTRUSTED_PEER, untrustedPeer(peer, addressHeader, noProxy))
      return
    }
    if ((pending & (TRUST_ALL | HOP_COUNT)) !== 0 && isPublicPeer(peer)) {
      const names = sent(req, seen)
      if (names.length > 0) {
        if (shape?.kind === 'all') fire(TRUST_ALL, trustAllWithHeaders(names, peer))
        else if (shape?.kind === 'hops') fire(HOP_COUNT, hopCount(shape.hops, publicPeerNote(peer as string, names)))
      }
    }
    if ((pending & PROTO) !== 0) {
      const odd = usedProto(headerValue(req.headers, 'x-forwarded-proto'))
      if (odd !== undefined) fire(PROTO, protoNotHttp(odd))
    }
    // the walk ran out of elements at a malformed one: the last element read was trusted (or, with
    // none, the peer was), or the walk would have stopped before reading on
    if ((pending & MALFORMED) !== 0 && seen.end === 'malformed') fire(MALFORMED, forwardedMalformed())
  }

  // the request looked at last: getters that call the monitor each (Express's) look once; holding it
  // until the next request keeps one request alive a little longer, and nothing more. With requests
  // interleaved (HTTP/2 streams, handlers that await), one may be looked at again: the checks are
  // the same for it, but for a peer address lost since, which none reports
  let lastReq: RequestLike | undefined

  /** Whether to look at `req`: something left to report, and not looked at already; it is then marked as looked at. */
  const fresh = (req: RequestLike): boolean => {
    if (pending === 0 || !req || req === lastReq) return false
    lastReq = req
    return true
  }

  const monitor = (req: RequestLike): void => {
    // a custom function is never called here, not even through a walk that a socketless peer
    // would start without asking it: the request is left to `resolve` or `peer`, which have the
    // answers of the walk that answers
    if (shape === undefined || !fresh(req)) return
    if ((pending & MALFORMED) !== 0 && headerValue(req.headers, 'forwarded') !== '') {
      // the walk, as resolveAddr walks it: a shaped predicate calls nothing
      const hops = hopsOf(req, settings)
      const walked = walkHops(req, rule, hops, null)
      check(req, socketOf(req), { peerTrusted: walked.peerTrusted, walked, end: hops.end })
      return
    }
    const socket = socketOf(req)
    // hop 0 as the walk decides it (`trustSocketless` for a peer that never had an address, the edge
    // proof): a shaped predicate calls nothing
    const peerTrusted = (decidePeer(req, rule) & 1) === 1
    check(req, socket, { peerTrusted, walked: undefined, end: undefined })
  }

  monitor.resolve = (req: RequestLike): ResolvedAddr => {
    if (!fresh(req)) return resolveAddr(req, trust)
    const hops = hopsOf(req, settings)
    const walked = walkHops(req, rule, hops, null)
    check(req, socketOf(req), { peerTrusted: walked.peerTrusted, walked, end: hops.end })
    return answersOf(req, settings, walked)
  }

  monitor.peer = (req: RequestLike, trusted: boolean): void => {
    if (!fresh(req)) return
    check(req, socketOf(req), { peerTrusted: trusted, walked: undefined, end: undefined })
  }

  return monitor
}
