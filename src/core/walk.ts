// walk.ts: the addresses of a request (the socket peer, then X-Forwarded-For entries right to left,
// as forwarded 0.2.0 lists them) and the walk that stops at the first untrusted one.

import { holds, type Shape, type TrustFn } from './compile.js'
import { forwardedFor, socketOf, type RequestLike } from './request.js'

/** Set by `previousEntry`: where the entry it found starts. */
export let entryStart = 0

/**
 * The X-Forwarded-For entry that ends before `pos`, scanning right to left: returns its end and sets
 * `entryStart`, or returns -1 when there is none. As in forwarded 0.2.0, entries are separated by
 * commas, spaces (0x20, and only those) around them are not part of them, and empty entries are
 * skipped.
 */
export function previousEntry(header: string, pos: number): number {
  let end = pos
  for (; end > 0; end--) {
    const c = header.charCodeAt(end - 1)
    if (c !== 0x20 && c !== 0x2c) break /*   , */
  }
  if (end === 0) return -1
  // the entry runs from the comma before it to `end`, spaces trimmed; the character before `end` is
  // neither space nor comma, so the trimmed entry is never empty. (A loop, not lastIndexOf: V8
  // answers that in its runtime, which costs more than reading a short entry.)
  let start = end - 1
  while (start > 0 && header.charCodeAt(start - 1) !== 0x2c) start-- /* , */
  while (header.charCodeAt(start) === 0x20) start++ /*   */
  entryStart = start
  return end
}

/** Set by `firstEntry`: where the leftmost entry ends. */
export let entryEnd = 0

/** The start of the leftmost X-Forwarded-For entry (setting `entryEnd`), or -1 when there is none. */
export function firstEntry(header: string): number {
  let start = 0
  for (; start < header.length; start++) {
    const c = header.charCodeAt(start)
    if (c !== 0x20 && c !== 0x2c) break /*   , */
  }
  if (start === header.length) return -1
  const comma = header.indexOf(',', start)
  let end = comma === -1 ? header.length : comma
  while (header.charCodeAt(end - 1) === 0x20) end-- /*   */
  entryEnd = end
  return start
}

/**
 * Walk a request's addresses from the socket leftwards, calling `trust(addr, i)` for every address
 * but the last and stopping at the first untrusted one, exactly as proxy-addr 2.0.8 does; return
 * the address where the walk stopped. When `list` is given, every address walked (the socket's
 * first) is appended to it. Predicates built by `compileTrust` are answered from their `shape`, so
 * that no string is cut until the answer is known.
 */
export function walk(
  req: RequestLike, trust: TrustFn, shape: Shape | undefined, list: (string | undefined)[] | null,
): string | undefined {
  const header = forwardedFor(req.headers)
  const socket = socketOf(req)
  const peer = socket ? socket.remoteAddress : undefined
  if (list !== null) list.push(peer)
  // no header: no entries, so no predicate is asked, as in proxy-addr (the commonest request)
  if (header.length === 0) return peer
  if (shape === undefined) return walkCalling(header, peer, trust, list)
  return walkShaped(header, peer, shape, list)
}

/** The walk for a predicate with a shape. */
function walkShaped(header: string, peer: string | undefined, shape: Shape, list: (string | undefined)[] | null): string | undefined {
  if (shape.kind === 'all' && list === null) {
    // every hop is trusted: the answer is the leftmost entry, found from the left
    const start = firstEntry(header)
    return start === -1 ? peer : header.substring(start, entryEnd)
  }

  // A shaped predicate has no side effects, so from the first entry on it is asked before the next
  // entry is looked for: the work then depends only on the hops walked, not on whether more entries
  // lie to the left. The peer is asked only once there is an entry to move to, and an entry that
  // starts the header is never asked, as nothing lies left of it.
  let curEnd = previousEntry(header, header.length)
  if (curEnd === -1 || !holds(shape, 0, peer, 0, -1)) return peer
  let curStart = entryStart
  if (list !== null) list.push(header.substring(curStart, curEnd))
  for (let i = 1; curStart !== 0 && holds(shape, i, header, curStart, curEnd); i++) {
    const end = previousEntry(header, curStart)
    if (end === -1) break
    curStart = entryStart
    curEnd = end
    if (list !== null) list.push(header.substring(curStart, curEnd))
  }
  return header.substring(curStart, curEnd)
}

/** The walk for a custom predicate: called for every address but the last, as proxy-addr calls it. */
function walkCalling(header: string, peer: string | undefined, trust: TrustFn, list: (string | undefined)[] | null): string | undefined {
  let cur = peer
  let pos = header.length
  for (let i = 0; ; i++) {
    const end = previousEntry(header, pos)
    // read the entry's start before calling out: the predicate may itself walk another request
    const start = entryStart
    if (end === -1 || !trust(cur, i)) break
    pos = start
    cur = header.substring(start, end)
    if (list !== null) list.push(cur)
  }
  return cur
}

/** The `n`th entry (1 is the rightmost) of a comma-separated header, or undefined when it is shorter. */
export function entryFromRight(header: string, n: number): string | undefined {
  let pos = header.length
  let end = -1
  for (let k = 0; k < n; k++) {
    end = previousEntry(header, pos)
    if (end === -1) return undefined
    pos = entryStart
  }
  return header.substring(entryStart, end)
}
