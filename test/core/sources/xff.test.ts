// xff.test.ts: X-Forwarded-For entries found right to left and from the left, the nth entry from the
// right, and the hops the source gives a walk.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTable, holdsAddress, parseRange, type RangeTable } from '../../../src/core/address.js'
import { compiledOf, compileTrust } from '../../../src/core/compile.js'
import {
  entryEndBefore, entryFromRight, entryStartOf, entryStartHeld, firstEntryEnd, firstEntryStart, ForwardedForHops,
} from '../../../src/core/sources/xff.js'
import * as gen from '../../fixtures/generators.js'

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

describe('entryStartHeld: an entry found, and trusted when it is a canonical dotted quad the table holds, in one pass', () => {
  // 10.0.0.0/8 and 192.168.0.0/16
  const table = buildTable([parseRange('10.0.0.0/8'), parseRange('192.168.0.0/16')])

  /** What entryStartHeld answers for the last entry of `header`. */
  function lastEntry(header: string): number {
    return entryStartHeld(header, entryEndBefore(header, header.length), table)
  }

  it.each<[string, string, number]>([
    ['after a comma', '1.1.1.1,10.1.2.3', 8],
    ['after a comma and a space', '1.1.1.1, 10.1.2.3', 9],
    ['after a comma and spaces', 'a ,   192.168.255.255', 6],
    ['followed by spaces and commas', 'a,10.0.0.1 , ,', 2],
    ['every part at its widest', 'a,10.255.255.255', 2],
    ['parts of one digit, zeros included', 'a,10.0.0.0', 2],
    ['after a comma that starts the header', ' , 10.0.0.1', 3],
  ])('gives the start of a quad the table holds, %s: %j', (_name, header, start) => {
    expect(lastEntry(header)).toBe(start)
  })

  it.each<[string, string, number]>([
    ['a quad outside every range', '10.0.0.1, 203.0.113.9', 10],
    ['0.0.0.0', 'a,0.0.0.0', 2],
    ['11.0.0.0, just past 10.0.0.0/8', 'a,11.0.0.0', 2],
    ['192.169.0.0, just past 192.168.0.0/16', 'a, 192.169.0.0', 3],
    ['a held quad that is the whole header (never asked)', '10.1.2.3', 0],
    ['a held quad first in the header, after spaces (never asked)', '  10.0.0.0', 2],
    ['a held quad first in the header, before separators', '10.0.0.1 , ,', 0],
    ['a quad not held after a comma that starts the header', ' , 11.0.0.1', 3],
    ['a part with a leading zero (octal to ipaddr.js)', 'a,10.0.0.01', 2],
    ['a leading zero in the first part', 'a,010.0.0.1', 2],
    ['a leading zero in a middle part', 'a,10.00.0.1', 2],
    ['a part of four digits', 'a,10.0.0.0001', 2],
    ['a part above 255', 'a,10.0.0.256', 2],
    ['a first part above 255', 'a,256.0.0.1', 2],
    ['five parts', 'a,10.1.2.3.4', 2],
    ['three parts', 'a,10.1.2', 2],
    ['an empty part', 'a,10..1.2', 2],
    ['an empty first part', 'a, .10.1.2', 3],
    ['a whole number', 'a,167772161', 2],
    ['hex parts', 'a,0xa.0.0.1', 2],
    ['a port', 'a,10.0.0.1:80', 2],
    ['a mapped address', 'a,::ffff:10.0.0.1', 2],
    ['a zone', 'a,10.0.0.1%eth0', 2],
    ['text before the quad in the same entry', 'a,x10.0.0.1', 2],
    ['an inner space before the quad', 'a, b 10.0.0.1', 3],
    ['a tab before the quad', 'a,\t10.0.0.1', 2],
    ['a tab before the quad, first in the header', '\t10.0.0.1', 0],
    ['a dot alone', 'a, .', 3],
  ])('gives ~start (the rule decides) for %s: %j', (_name, header, start) => {
    expect(lastEntry(header)).toBe(~start)
  })

  it('reads a quad once, and no further left than the comma before it', () => {
    const text = 'x,  10.1.2.3'
    const read: number[] = []
    const header = { charCodeAt: (i: number): number => { read.push(i); return text.charCodeAt(i) } } as unknown as string
    expect(entryStartHeld(header, text.length, table)).toBe(4)
    expect(read).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
  })

  it.each<[string, string]>([
    ['a long run of digits', '1'.repeat(200)],
    ['a long run of dots and digits', '1.'.repeat(100) + '1'],
    ['a quad after text', 'x'.repeat(200) + '10.0.0.1'],
  ])('reads an entry that is not a quad at most 16 characters more than entryStartOf does: %s', (_name, entry) => {
    const text = `10.0.0.1, ${entry}`
    const counting = (): { header: string; reads: () => number } => {
      let reads = 0
      const header = { charCodeAt: (i: number): number => { reads++; return text.charCodeAt(i) } } as unknown as string
      return { header, reads: () => reads }
    }
    const one = counting()
    const start = entryStartHeld(one.header, text.length, table)
    const two = counting()
    expect(~start).toBe(entryStartOf(two.header, text.length))
    expect(one.reads() - two.reads()).toBeGreaterThan(0)
    expect(one.reads() - two.reads()).toBeLessThanOrEqual(16)
  })

  /** A canonical dotted quad as RFC 3986's IPv4address defines one (dec-octet without leading zeros). */
  const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])'
  const CANONICAL_QUAD = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`)

  /** Tables over generated settings: named ranges, subnets and addresses in every spelling. */
  const tables: fc.Arbitrary<RangeTable> = fc.array(gen.validTrustEntry, { minLength: 1, maxLength: 4 })
    .map((entries) => compiledOf(compileTrust(entries))?.shape)
    .map((shape) => (shape?.kind === 'table' ? shape.table : buildTable([])))

  /** X-Forwarded-For headers of generated entries, canonical and not, with odd separators. */
  const headers: fc.Arbitrary<string> = fc.tuple(
    fc.array(fc.tuple(
      fc.oneof({ weight: 3, arbitrary: gen.hopAddress }, { weight: 2, arbitrary: fc.ipV4() }, { weight: 1, arbitrary: gen.ipv4Odd },
        { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789. ,x\t'), maxLength: 16 }) }),
      fc.constantFrom(',', ', ', ' ,', ' , ', ',,', ', ,', '  ,  '),
    ), { maxLength: 6 }),
    fc.constantFrom('', ' ', ' , '),
  ).map(([parts, lead]) => lead + parts.map(([entry, sep]) => entry + sep).join('').replace(/[ ,]+$/, ''))

  it('finds entryStartOf\'s start, and says held exactly where holdsAddress holds a canonical dotted quad that does not start the header', () => {
    const words = new Int32Array(4)
    fc.assert(fc.property(headers, tables, (header, table) => {
      for (let end = entryEndBefore(header, header.length); end !== -1;) {
        const start = entryStartOf(header, end)
        const quad = CANONICAL_QUAD.test(header.slice(start, end))
        const first = /^ *$/.test(header.slice(0, start))
        const held = quad && !first && holdsAddress(table, header, start, end, false, words)
        expect(entryStartHeld(header, end, table)).toBe(held ? start : ~start)
        // strict addresses read a canonical dotted quad alike
        if (quad) expect(holdsAddress(table, header, start, end, true, words)).toBe(holdsAddress(table, header, start, end, false, words))
        end = entryEndBefore(header, start)
      }
    }), { numRuns: 2000 })
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
