// walk.ts: the one walk from the socket peer leftwards through a source's hops: which hop is trusted
// (`decide`), where the walk stops, and how each hop walked is returned; with Express's own walk over
// X-Forwarded-For specialised for speed, under the same rule.

import { formatAddress, Kind, parseAddress, type RangeTable } from './address.js'
import { holds, type Compiled, type Shape, type TrustFn } from './compile.js'
import { EXPRESS } from './express.js'
import type { ResolvedOptions } from './options.js'
import { proven } from './proof.js'
import { forwardedFor, socketless, socketOf, type RequestLike } from './request.js'
import type { ForwardedElement } from './rfc7239.js'
import type { Hops } from './sources/hops.js'
import { entryEndBefore, entryStartHeld, entryStartOf, firstEntryEnd, firstEntryStart } from './sources/xff.js'

/** What the walk decided about one hop. Odd values are trusted. */
export const Decision = {
  /** The predicate said no. */
  Untrusted: 0,
  /** The predicate said yes. */
  Trusted: 1,
  /** Not asked: a hop that is not an address, where the options read only addresses. */
  NotAnAddress: 2,
  /** Not asked: `trustSocketless` and a socket without an address. */
  Socketless: 3,
  /** The predicate said yes to the socket peer, but the request lacks the `edgeProof` the options ask. */
  Unproven: 4,
} as const
export type Decision = (typeof Decision)[keyof typeof Decision]

/**
 * What a walk asks: a predicate's shape (undefined for a custom function), the function to call and
 * the options; what `compileTrust` records of a predicate is one.
 */
export type Rule = Compiled

const scratch = new Int32Array(4)

/**
 * THE RULE: whether hop `i`, whose text is `s.slice(start, end)` (`end` -1: all of `s`), is trusted.
 * (A custom function is called with `s` itself: a walk passes it the hop's own text, 0 and -1.)
 * 1. With `trustSocketless`, a socket peer without an address is trusted (`walkHops` first checks
 *    that it never had one: see `socketless` in request.ts).
 * 2. When addresses are strict or the source is not X-Forwarded-For, a hop after the peer that is
 *    not an address is untrusted without asking: that source names hosts only by address. In
 *    X-Forwarded-For without strict addresses (Express's mode, and with `ports`, `normalize` or
 *    `hostAndProto` alone) the setting decides as in proxy-addr, so `true` and hop counts walk past
 *    any text: a count never looks at the entries it counts.
 * 3. Otherwise the predicate decides: answered from its shape, or the custom function is called.
 */
export function decide(rule: Rule, s: string | undefined, start: number, end: number, i: number): Decision {
  const { options } = rule
  if (i === 0 && s === undefined && options.trustSocketless) return Decision.Socketless
  if (i > 0 && (options.strict || options.source !== 'x-forwarded-for') && parseAddress(s, scratch, start, end, options.strict) === Kind.Invalid) {
    return Decision.NotAnAddress
  }
  return asked(rule, s, start, end, i)
}

/** Step 3 of `decide`: the predicate's own answer, from its shape or by calling the custom function. */
function asked(rule: Rule, s: string | undefined, start: number, end: number, i: number): Decision {
  const { shape } = rule
  if (shape !== undefined) return holds(shape, i, s, start, end) ? Decision.Trusted : Decision.Untrusted
  return rule.call(s, i) ? Decision.Trusted : Decision.Untrusted
}

/**
 * HOP 0: what the walk decides about the socket peer of `req`, the one decision that every reader of
 * "is the peer one of my proxies" makes through this function (the walk, `requireTrustedPeer`,
 * Express's protocol and host getters), so that none of them can let in a peer the walk refuses.
 * - A peer without an address is `Socketless` (trusted) with `trustSocketless` only if it never had
 *   one (see `socketless` in request.ts); a TCP client that has hung up is decided by the predicate,
 *   which trusts no missing address but by `true` or a hop count.
 * - Otherwise `decide` answers, as for any hop.
 * - A trusted peer of a request without the `edgeProof` the options ask is `Unproven` (untrusted):
 *   the proof binds the peer's trust to your own edge, not to anyone's in the same range.
 * The predicate is asked at most once, with `(peer, 0)`; never throws but where a custom function does.
 */
export function decidePeer(req: RequestLike, rule: Rule): Decision {
  const socket = socketOf(req)
  const peer = socket ? socket.remoteAddress : undefined
  const d = peer === undefined && rule.options.trustSocketless && !socketless(socket)
    ? asked(rule, undefined, 0, -1, 0)
    : decide(rule, peer, 0, -1, 0)
  return (d & 1) === 1 && !proven(req, rule.options) ? Decision.Unproven : d
}

/** The outcome of a walk. */
export interface Walked {
  /** The client address: the hop where the walk stopped, as returned (see `presentAddress`). */
  readonly ip: string | undefined
  /** Every hop walked as it is returned, the socket peer first; undefined where a hop has no address. */
  readonly addrs: (string | undefined)[]
  /** Whether the socket peer is trusted (what Express asks before reading X-Forwarded-Host/-Proto). */
  readonly peerTrusted: boolean
  /** The Forwarded element of the hop where the walk stopped, with `source: 'forwarded'`. */
  readonly element: ForwardedElement | undefined
}

/**
 * What a walk saw, hop by hop, for a reader that needs more than the answer (explain): filled only
 * when one is passed, so that resolving pays nothing for it. Index 0 is the socket peer.
 */
export class WalkRecord {
  /** Each hop read, as received. A walk that calls a custom function reads one hop past the client. */
  readonly received: (string | undefined)[] = []
  /** Each hop read, as the predicate is asked about it. */
  readonly texts: (string | undefined)[] = []
  /** The Forwarded element each hop came from. */
  readonly elements: (ForwardedElement | undefined)[] = []
  /** What the walk decided at each hop it asked about; undefined where it did not ask. */
  readonly decisions: (Decision | undefined)[] = []

  /** Note one hop read. */
  add(received: string | undefined, text: string | undefined, element: ForwardedElement | undefined): void {
    this.received.push(received)
    this.texts.push(text)
    this.elements.push(element)
  }
}

/**
 * The walk: from the socket peer through `hops`, stopping at the first hop `decide` does not trust
 * or at the last hop the source holds. A custom function is asked only about hops that have a
 * successor, as proxy-addr asks; a shaped predicate has no side effects and is asked first, so that
 * nothing beyond the first untrusted hop is read. The peer is always decided (Express asks it
 * before reading X-Forwarded-Host and -Proto).
 */
export function walkHops(req: RequestLike, rule: Rule, hops: Hops, record: WalkRecord | null): Walked {
  const socket = socketOf(req)
  const peer = socket ? socket.remoteAddress : undefined
  const { options } = rule
  const lenient = !options.strict && options.source === 'x-forwarded-for'
  if (record !== null) record.add(peer, peer, undefined)

  const askFirst = rule.shape !== undefined
  const addrs: (string | undefined)[] = [present(peer, options, lenient)]
  let cur = peer
  let element: ForwardedElement | undefined
  let peerTrusted: boolean | undefined
  for (let i = 0; ; i++) {
    if (askFirst) {
      const d = i === 0 ? decidePeer(req, rule) : decide(rule, cur, 0, -1, i)
      if (record !== null) record.decisions[i] = d
      if (i === 0) peerTrusted = (d & 1) === 1
      if ((d & 1) === 0 || !hops.next()) break
      if (record !== null) record.add(hops.received, hops.text, hops.element)
    } else {
      if (!hops.next()) break
      if (record !== null) record.add(hops.received, hops.text, hops.element)
      const d = i === 0 ? decidePeer(req, rule) : decide(rule, cur, 0, -1, i)
      if (record !== null) record.decisions[i] = d
      if (i === 0) peerTrusted = (d & 1) === 1
      if ((d & 1) === 0) break
    }
    cur = hops.text
    element = hops.element
    addrs.push(present(cur, options, lenient))
  }
  if (peerTrusted === undefined) {
    // a custom function is asked only about hops with a successor: the peer, decided all the same
    const d = decidePeer(req, rule)
    if (record !== null) record.decisions[0] = d
    peerTrusted = (d & 1) === 1
  }
  return { ip: addrs[addrs.length - 1], addrs, peerTrusted, element }
}

/** A hop's address as returned: normalised when asked; a non-address only in lenient mode. */
function present(text: string | undefined, options: ResolvedOptions, lenient: boolean): string | undefined {
  // every text is returned as it stands then: nothing to parse
  if (lenient && !options.normalize) return text
  return presentAddress(text, parseAddress(text, scratch, 0, -1, options.strict), scratch, options, lenient)
}

/**
 * How a hop's address is returned, given what `parseAddress` found in it (`kind`, `words`):
 * normalised when asked; a non-address only in lenient mode (X-Forwarded-For without strict
 * addresses), as it stands, as proxy-addr returns it.
 */
export function presentAddress(
  text: string | undefined, kind: Kind, words: Int32Array, options: ResolvedOptions, lenient: boolean,
): string | undefined {
  if (kind === Kind.Invalid) return lenient ? text : undefined
  if (!options.normalize) return text
  const value = text as string
  const zone = value.indexOf('%')
  return formatAddress(kind, words, zone === -1 ? '' : value.substring(zone + 1))
}

// --- Express's walk, specialised ----------------------------------------------------------------
//
// With Express's options the rule above is the predicate alone (steps 1 and 2 never apply) and the
// source is X-Forwarded-For as it stands, so this walk reads the header by position: a shaped
// predicate is answered on the header itself, and no entry is cut into a string until the walk
// knows it needs it. Its answers are `walkHops`'s with the same rule, which the tests check.

/**
 * Express's walk (proxy-addr 2.0.8's): from the socket leftwards through X-Forwarded-For, stopping
 * at the first untrusted address; return the address where it stopped. When `list` is given, every
 * address walked (the socket's first) is appended to it. `compiled` is what `compileTrust` recorded
 * of `trust` (with Express's options), undefined for a function it did not build.
 */
export function walk(
  req: RequestLike, trust: TrustFn, compiled: Compiled | undefined, list: (string | undefined)[] | null,
): string | undefined {
  const header = forwardedFor(req.headers)
  const socket = socketOf(req)
  const peer = socket ? socket.remoteAddress : undefined
  if (list !== null) list.push(peer)
  // no header: no entries, so no predicate is asked, as in proxy-addr (the commonest request)
  if (header.length === 0) return peer
  const shape = compiled?.shape
  if (shape === undefined) return walkCalling(header, peer, compiled ?? { shape, call: trust, options: EXPRESS }, list)
  return walkShaped(header, peer, compiled as Compiled, shape, list)
}

/** The walk for a predicate with a shape. */
function walkShaped(header: string, peer: string | undefined, rule: Rule, shape: Shape, list: (string | undefined)[] | null): string | undefined {
  if (shape.kind === 'all' && list === null) {
    // every hop is trusted: the answer is the leftmost entry, found from the left
    const start = firstEntryStart(header)
    return start === -1 ? peer : header.substring(start, firstEntryEnd(header, start))
  }

  // The work depends only on the hops walked, not on whether more entries lie to the left. The peer
  // is asked only once there is an entry to move to, and an entry that starts the header is never
  // asked, as nothing lies left of it.
  let curEnd = entryEndBefore(header, header.length)
  if (curEnd === -1 || decide(rule, peer, 0, -1, 0) !== Decision.Trusted) return peer
  let curStart = entryStartOf(header, curEnd)
  if (list !== null) list.push(header.substring(curStart, curEnd))
  for (let i = 1; curStart !== 0 && decide(rule, header, curStart, curEnd, i) === Decision.Trusted; i++) {
    const end = entryEndBefore(header, curStart)
    if (end === -1) break
    // past a trusted first entry, a table's walk is in a chain of proxies, where reading each entry
    // once pays; the first entry, where a walk behind one proxy stops, is read as before, as the
    // one-pass reading only adds work at an entry that is not trusted (docs/performance-notes.md)
    if (shape.kind === 'table') return walkTable(header, end, i + 1, rule, shape.table, list)
    curStart = entryStartOf(header, end)
    curEnd = end
    if (list !== null) list.push(header.substring(curStart, curEnd))
  }
  return header.substring(curStart, curEnd)
}

/**
 * `walkShaped`'s loop over a range table from hop `i`, the entry that ends at `end`, once a hop
 * after the peer is trusted: each entry's start is found in the pass that reads it as a dotted quad
 * (`entryStartHeld`), and a canonical dotted quad the table holds is trusted on that reading, which
 * is `decide`'s answer for it (with Express's options `decide` is `holds`, and `holds` of a table is
 * `holdsAddress`, which reads such a quad alike and tests the same pairs). Any other entry is
 * decided by `decide`, as in the loop above: every no is the rule's own.
 */
function walkTable(header: string, end: number, i: number, rule: Rule, table: RangeTable, list: (string | undefined)[] | null): string | undefined {
  let curEnd = end
  let curStart: number
  for (let hop = i; ; hop++) {
    const held = entryStartHeld(header, curEnd, table)
    curStart = held < 0 ? ~held : held
    if (list !== null) list.push(header.substring(curStart, curEnd))
    // an entry that starts the header is never asked, as nothing lies left of it
    if (curStart === 0 || (held < 0 && decide(rule, header, curStart, curEnd, hop) !== Decision.Trusted)) break
    const next = entryEndBefore(header, curStart)
    if (next === -1) break
    curEnd = next
  }
  // the list's last address is the answer: cut once
  return list !== null ? list[list.length - 1] : header.substring(curStart, curEnd)
}

/** The walk for a custom predicate: called for every address but the last, as proxy-addr calls it. */
function walkCalling(header: string, peer: string | undefined, rule: Rule, list: (string | undefined)[] | null): string | undefined {
  let cur = peer
  let pos = header.length
  for (let i = 0; ; i++) {
    const end = entryEndBefore(header, pos)
    if (end === -1) break
    // find the entry's start before calling out: the predicate may itself walk another request
    const start = entryStartOf(header, end)
    if (decide(rule, cur, 0, -1, i) !== Decision.Trusted) break
    pos = start
    cur = header.substring(start, end)
    if (list !== null) list.push(cur)
  }
  return cur
}
