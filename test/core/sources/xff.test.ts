// xff.test.ts: X-Forwarded-For entries found right to left and from the left, the nth entry from the
// right, and the hops the source gives a walk.

import { describe, expect, it } from 'vitest'
import { entryEndBefore, entryFromRight, entryStartOf, firstEntryEnd, firstEntryStart, ForwardedForHops } from '../../../src/core/sources/xff.js'

describe('entryEndBefore and entryStartOf', () => {
  it.each<[string, string, number, number, number]>([
    ['find the last entry', '1.1.1.1, 2.2.2.2', 16, 9, 16],
    ['find the entry before a position', '1.1.1.1, 2.2.2.2', 9, 0, 7],
    ['skip spaces and commas before the position', 'a , ,', 5, 0, 1],
    ['keep inner spaces', ' a b ,', 6, 1, 4],
  ])('%s', (_name, header, pos, start, end) => {
    expect(entryEndBefore(header, pos)).toBe(end)
    expect(entryStartOf(header, end)).toBe(start)
  })

  it.each([['', 0], [' , ', 3], ['a,b', 0]])('find no entry before position %#', (header, pos) => {
    expect(entryEndBefore(header, pos)).toBe(-1)
  })
})

describe('firstEntryStart and firstEntryEnd', () => {
  it.each<[string, string, number, number]>([
    ['find the leftmost entry', '1.1.1.1, 2.2.2.2', 0, 7],
    ['skip leading spaces and commas', ' , a b , c', 3, 6],
    ['find a last entry followed by spaces', ',, a  ', 3, 4],
  ])('%s', (_name, header, start, end) => {
    expect(firstEntryStart(header)).toBe(start)
    expect(firstEntryEnd(header, start)).toBe(end)
  })

  it.each(['', ' ', ',', ' , ,'])('find no entry in %j', (header) => {
    expect(firstEntryStart(header)).toBe(-1)
  })
})

describe('entryFromRight', () => {
  it.each<[string, string, number, string | undefined]>([
    ['gives the rightmost entry as 1', 'a, b, c', 1, 'c'],
    ['gives the leftmost entry', 'a, b, c', 3, 'a'],
    ['skips empty entries', 'a,, ,b', 2, 'a'],
    ['gives undefined past the left end', 'a, b', 3, undefined],
    ['gives undefined for an empty header', '', 1, undefined],
  ])('%s', (_name, header, n, expected) => {
    expect(entryFromRight(header, n)).toBe(expected)
  })
})

describe('ForwardedForHops', () => {
  /** Every hop the source gives, as [received, text]. */
  function hops(header: string, ports: boolean): [string | undefined, string | undefined][] {
    const source = new ForwardedForHops(header, ports)
    const out: [string | undefined, string | undefined][] = []
    while (source.next()) out.push([source.received, source.text])
    expect(source.end).toBe('end')
    expect(source.element).toBeUndefined()
    return out
  }

  it.each<[string, string, boolean, [string, string][]]>([
    ['gives entries nearest first, as they stand', 'a, [::1]:80 ,1.2.3.4:5', false, [['1.2.3.4:5', '1.2.3.4:5'], ['[::1]:80', '[::1]:80'], ['a', 'a']]],
    ['cuts ports with ports', 'a, [::1]:80 ,1.2.3.4:5', true, [['1.2.3.4:5', '1.2.3.4'], ['[::1]:80', '::1'], ['a', 'a']]],
    ['gives nothing for a header of separators', ' , ,', true, []],
  ])('%s', (_name, header, ports, expected) => {
    expect(hops(header, ports)).toEqual(expected)
  })

  it('stays at the end once there', () => {
    const source = new ForwardedForHops('a', false)
    expect([source.next(), source.next(), source.next()]).toEqual([true, false, false])
  })
})

describe('ForwardedForHops: work', () => {
  /** Characters read through charCodeAt and indexOf while `fn` runs (what the scanners use). */
  function charactersRead(fn: () => void): number {
    const proto = String.prototype
    const { charCodeAt, indexOf } = proto
    let chars = 0
    proto.charCodeAt = function (this: string, pos: number): number {
      chars++
      return charCodeAt.call(this, pos)
    }
    proto.indexOf = function (this: string, search: string, from?: number): number {
      const found = indexOf.call(this, search, from)
      chars += (found === -1 ? this.length : found) - (from ?? 0)
      return found
    }
    try {
      fn()
    } finally {
      proto.charCodeAt = charCodeAt
      proto.indexOf = indexOf
    }
    return chars
  }

  it.each<[string, string]>([
    ['entries without a colon', 'a'],
    ['entries that open a bracket and never close it', '[a'],
  ])('reads a header of %s a bounded number of times, not once per entry', (_name, entry) => {
    const header = Array.from({ length: 2000 }, () => entry).join(',')
    const read = charactersRead(() => {
      const source = new ForwardedForHops(header, true)
      while (source.next());
    })
    expect(read).toBeLessThan(4 * header.length)
  })
})
