// xff.test.ts: X-Forwarded-For entries found right to left and from the left, the nth entry from the
// right, and the hops the source gives a walk.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildTable, holdsAddress, parseRange, type RangeTable } from '../../../src/core/address.js'
import { compiledOf, compileTrust } from '../../../src/core/compile.js'
import {
  entryEndBefore, entryFromRight, entryStartOf, firstEntryEnd, firstEntryStart, ForwardedForHops, heldQuadStart,
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

describe('heldQuadStart: an entry found and decided in one pass when it is a canonical dotted quad', () => {
  // 10.0.0.0/8 and 192.168.0.0/16
  const table = buildTable([parseRange('10.0.0.0/8'), parseRange('192.168.0.0/16')])

  /** What heldQuadStart answers for the last entry of `header`. */
  function lastEntry(header: string): number {
    return heldQuadStart(header, entryEndBefore(header, header.length), table)
  }

  it.each<[string, string, number]>([
    ['held, the whole header', '10.1.2.3', 0],
    ['held, after a comma', '1.1.1.1,10.1.2.3', 8],
    ['held, after a comma and a space', '1.1.1.1, 10.1.2.3', 9],
    ['held, after a comma and spaces', 'a ,   192.168.255.255', 6],
    ['held, after leading spaces', '  10.0.0.0', 2],
    ['held, followed by spaces and commas', '10.0.0.1 , ,', 0],
    ['held, every part at its widest', '10.255.255.255', 0],
    ['held, parts of one digit, zeros included', '10.0.0.0', 0],
  ])('%s: %j', (_name, header, expected) => {
    expect(lastEntry(header)).toBe(expected)
  })

  it.each<[string, string]>([
    ['a quad outside every range, after others', '10.0.0.1, 203.0.113.9'],
    ['0.0.0.0', '0.0.0.0'],
    ['11.0.0.0, just past 10.0.0.0/8', '11.0.0.0'],
    ['192.169.0.0, just past 192.168.0.0/16', '192.169.0.0'],
  ])('answers -1 (the rule decides) for a canonical dotted quad the table does not hold: %s', (_name, header) => {
    expect(lastEntry(header)).toBe(-1)
  })

  it.each<[string, string]>([
    ['a part with a leading zero (octal to ipaddr.js)', '10.0.0.01'],
    ['a leading zero in the first part', '010.0.0.1'],
    ['a leading zero in a middle part', '10.00.0.1'],
    ['a part of four digits', '10.0.0.0001'],
    ['a part above 255', '10.0.0.256'],
    ['a first part above 255', '256.0.0.1'],
    ['five parts', '10.1.2.3.4'],
    ['three parts', '10.1.2'],
    ['an empty part', '10..1.2'],
    ['an empty last part', '10.1.2.'],
    ['an empty first part', '.10.1.2'],
    ['a whole number', '167772161'],
    ['hex parts', '0xa.0.0.1'],
    ['a port', '10.0.0.1:80'],
    ['a mapped address', '::ffff:10.0.0.1'],
    ['a zone', '10.0.0.1%eth0'],
    ['text before the quad in the same entry', 'x10.0.0.1'],
    ['an inner space before the quad', 'a 10.0.0.1'],
    ['a tab before the quad', '\t10.0.0.1'],
    ['a tab before the quad after a comma', '1.1.1.1,\t10.0.0.1'],
    ['a dot alone', '.'],
  ])('answers -1 (not a canonical dotted quad) for %s: %j', (_name, header) => {
    expect(lastEntry(header)).toBe(-1)
  })

  it('reads an entry that is not a dotted quad only up to its first character that no quad has', () => {
    // the scan stops at "x": what lies left of it is never needed to say -1
    const text = '1.1.1.1, abc x.1.2'
    const read: number[] = []
    const header = { charCodeAt: (i: number): number => { read.push(i); return text.charCodeAt(i) } } as unknown as string
    expect(heldQuadStart(header, text.length, table)).toBe(-1)
    expect(read).toEqual([17, 16, 15, 14, 13])
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

  it('gives the start entryStartOf finds exactly for the canonical dotted quads holdsAddress holds, and -1 for any other entry', () => {
    const words = new Int32Array(4)
    fc.assert(fc.property(headers, tables, (header, table) => {
      for (let end = entryEndBefore(header, header.length); end !== -1;) {
        const start = entryStartOf(header, end)
        const quad = CANONICAL_QUAD.test(header.slice(start, end))
        const expected = quad && holdsAddress(table, header, start, end, false, words) ? start : -1
        expect(heldQuadStart(header, end, table)).toBe(expected)
        // strict addresses read a canonical dotted quad alike
        if (quad) expect(holdsAddress(table, header, start, end, true, words)).toBe(expected !== -1)
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
