// xff.ts: X-Forwarded-For read as forwarded 0.2.0 splits it, right to left and only as far as a walk
// asks, and the hops it gives a walk (entries as they stand, or with ports cut and strict addresses).

import { addressSpan, addressSpanEnd, holdsV4, type RangeTable } from '../address.js'
import type { Hops, SourceEnd } from './hops.js'

// Entries are found by two functions that each return one position, not by one that returns a pair:
// a pair would take a shared mutable slot or an allocation per entry, and the benchmark shows
// either costing more than the second call, which reads no character twice.

/**
 * Where the X-Forwarded-For entry that ends at or before `pos` ends, scanning right to left, or -1
 * when there is none. As in forwarded 0.2.0, entries are separated by commas, spaces (0x20, and
 * only those) around them are not part of them, and empty entries are skipped.
 */
export function entryEndBefore(header: string, pos: number): number {
  let end = pos
  for (; end > 0; end--) {
    const c = header.charCodeAt(end - 1)
    if (c !== 0x20 && c !== 0x2c) return end /*   , */
  }
  return -1
}

/**
 * Where the entry that ends at `end` (as `entryEndBefore` gives it) starts. The character before
 * `end` is neither space nor comma, so the entry is never empty. (A loop, not lastIndexOf: V8 answers
 * that in its runtime, which costs more than reading a short entry.)
 */
export function entryStartOf(header: string, end: number): number {
  let start = end - 1
  while (start > 0 && header.charCodeAt(start - 1) !== 0x2c) start-- /* , */
  while (header.charCodeAt(start) === 0x20) start++ /*   */
  return start
}

/**
 * `entryStartOf`, and whether `table` holds the entry as a canonical dotted quad (`10.1.2.3`, what
 * nearly every proxy writes), in one pass: the entry that ends at `end` (as `entryEndBefore` gives
 * it) is read right to left once, as a dotted quad while it is one, where finding its start and then
 * parsing from there reads it twice. Returns the start when the entry is such a quad and the table
 * holds it, as `holdsAddress` answers (a canonical dotted quad, 1 to 3 digits a part, at most 255, no
 * leading zero, which ipaddr.js 1.9.1 would read as octal, is the address `parseAddress` reads, tested
 * by the same `holdsV4`); otherwise `~start` (-1 - start), and the rule decides the entry. An
 * entry with nothing but spaces before it is always `~start`, untested: a walk stops there whatever
 * it is. An entry that turns out not to be a quad is scanned by `entryStartOf` from its end, so that
 * what was read of it (at most 16 characters: the widest quad and one more) is read again.
 */
export function entryStartHeld(header: string, end: number, table: RangeTable): number {
  quad: {
    let value = 0
    let part = 0
    let scale = 1
    let lead = 0 // the part's leftmost digit so far
    let dots = 0
    let c = 0
    let i = end
    for (; i > 0; i--) {
      c = header.charCodeAt(i - 1)
      const d = c - 0x30
      if (d >>> 0 <= 9) { /* 0-9 */
        if (scale === 1000) break quad
        part += d * scale
        scale *= 10
        lead = d
      } else if (d === -2) { /* . */
        if (scale === 1 || part > 255 || (lead === 0 && scale > 10) || dots === 3) break quad
        value |= part << (dots << 3)
        dots++
        part = 0
        scale = 1
      } else {
        break
      }
    }
    if (scale === 1 || part > 255 || (lead === 0 && scale > 10) || dots !== 3) break quad
    // the quad is the entry if spaces alone lie between it and a comma or the header's start (`c`
    // is the character before it, when there is one)
    let j = i
    while (c === 0x20 && --j > 0) c = header.charCodeAt(j - 1) /*   */
    // the header's first entry is left to the walk, which never asks about it: nothing lies left of it
    if (j === 0) return ~i
    if (c !== 0x2c) break quad /* , */
    return holdsV4(table, value | (part << 24)) ? i : ~i
  }
  return ~entryStartOf(header, end)
}

/** The start of the leftmost entry, or -1 when there is none. */
export function firstEntryStart(header: string): number {
  for (let start = 0; start < header.length; start++) {
    const c = header.charCodeAt(start)
    if (c !== 0x20 && c !== 0x2c) return start /*   , */
  }
  return -1
}

/** Where the leftmost entry, which starts at `start` (as `firstEntryStart` gives it), ends. */
export function firstEntryEnd(header: string, start: number): number {
  const comma = header.indexOf(',', start)
  let end = comma === -1 ? header.length : comma
  while (header.charCodeAt(end - 1) === 0x20) end-- /*   */
  return end
}

/** The `n`th entry (1 is the rightmost) of a comma-separated header, or undefined when it is shorter. */
export function entryFromRight(header: string, n: number): string | undefined {
  let pos = header.length
  let end = -1
  for (let k = 0; k < n; k++) {
    end = entryEndBefore(header, pos)
    if (end === -1) return undefined
    pos = entryStartOf(header, end)
  }
  return header.substring(pos, end)
}

/**
 * The X-Forwarded-For entries of a request as hops, nearest (rightmost) first. With `ports`, a hop's
 * text is the entry without its port (`[2001:db8::1]:443` gives `2001:db8::1`); otherwise it is the
 * entry as it stands.
 */
export class ForwardedForHops implements Hops {
  text: string | undefined = undefined
  received: string | undefined = undefined
  readonly element = undefined
  end: SourceEnd = 'end'
  readonly #header: string
  readonly #ports: boolean
  /** header[0, pos) is unread */
  #pos: number

  constructor(header: string, ports: boolean) {
    this.#header = header
    this.#ports = ports
    this.#pos = header.length
  }

  next(): boolean {
    const header = this.#header
    const end = entryEndBefore(header, this.#pos)
    if (end === -1) return false
    const start = entryStartOf(header, end)
    this.#pos = start
    const received = header.substring(start, end)
    this.received = received
    if (!this.#ports) {
      this.text = received
    } else {
      const from = addressSpan(header, start, end)
      const to = addressSpanEnd(header, start, end)
      this.text = from === start && to === end ? received : header.substring(from, to)
    }
    return true
  }
}
