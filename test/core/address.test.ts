// address.test.ts: parseAddress (with compatible.ts's `compatibleValidity` for the spellings it hands
// there), parseRange, buildTable, holdsAddress and matchingLabel, with
// ipaddr.js 1.9.1 as the oracle of what is an address and proxy-addr 2.0.8 as the oracle of what a
// range matches.

import { isIPv6 } from 'node:net'
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  addressSpan, addressSpanEnd, buildTable, formatAddress, holdsAddress, Kind, matchingLabel, parseAddress, parseRange, zoneOf, type Range,
} from '../../src/core/address.js'
import { compatibleValidity } from '../../src/core/compatible.js'

/** An IPv4 address as the signed 32-bit word `parseAddress` writes. */
function ipv4(dotted: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number)
  return (a << 24) | (b << 16) | (c << 8) | d
}

/** The four words of an IPv4 or mapped address. */
function v4Words(dotted: string): number[] {
  return [0, 0, 0xffff, ipv4(dotted)]
}

/** The four words of an IPv6 address given as its eight 16-bit groups. */
function v6Words(groups: readonly number[]): number[] {
  return [0, 1, 2, 3].map((w) => ((groups[2 * w] ?? 0) << 16) | (groups[2 * w + 1] ?? 0))
}

/** What `parseAddress` returns and writes, as plain values. */
function parsed(s: unknown, start?: number, end?: number, strict?: boolean): { kind: Kind; words: number[] } {
  const out = new Int32Array(4)
  const kind = parseAddress(s, out, start, end, strict)
  return { kind, words: kind === Kind.Invalid ? [] : Array.from(out) }
}

/** The same answer from ipaddr.js 1.9.1, the parser proxy-addr 2.0.8 uses. */
function reference(s: string): { kind: Kind; words: number[] } {
  if (!ipaddr.isValid(s)) return { kind: Kind.Invalid, words: [] }
  const ip = ipaddr.parse(s)
  if (ip instanceof ipaddr.IPv4) return { kind: Kind.V4, words: v4Words(ip.octets.join('.')) }
  const v6 = ip as ipaddr.IPv6
  return { kind: v6.isIPv4MappedAddress() ? Kind.Mapped : Kind.V6, words: v6Words(v6.parts) }
}

interface AddressCase {
  readonly name: string
  readonly input: unknown
  readonly kind: Kind
  readonly words?: readonly number[]
}

const ipv4Cases: readonly AddressCase[] = [
  { name: 'reads a canonical dotted quad', input: '192.168.1.20', kind: Kind.V4, words: v4Words('192.168.1.20') },
  { name: 'reads the lowest address', input: '0.0.0.0', kind: Kind.V4, words: v4Words('0.0.0.0') },
  { name: 'reads the highest address as a signed word', input: '255.255.255.255', kind: Kind.V4, words: [0, 0, 0xffff, -1] },
  { name: 'reads single zeros as parts', input: '10.0.0.1', kind: Kind.V4, words: v4Words('10.0.0.1') },
  { name: 'quirk (ipaddr.js): reads a leading-zero part as octal', input: '0177.0.0.1', kind: Kind.V4, words: v4Words('127.0.0.1') },
  { name: 'quirk (ipaddr.js): reads 010 as octal 8', input: '010.0.0.1', kind: Kind.V4, words: v4Words('8.0.0.1') },
  { name: 'quirk (ipaddr.js): reads 08 as octal, stopping at the 8', input: '08.1.2.3', kind: Kind.V4, words: v4Words('0.1.2.3') },
  { name: 'quirk (ipaddr.js): reads a whole decimal number as an address', input: '2130706433', kind: Kind.V4, words: v4Words('127.0.0.1') },
  { name: 'quirk (ipaddr.js): reads a whole hex number as an address', input: '0x7f000001', kind: Kind.V4, words: v4Words('127.0.0.1') },
  { name: 'quirk (ipaddr.js): reads a whole octal number as an address', input: '017700000001', kind: Kind.V4, words: v4Words('127.0.0.1') },
  { name: 'quirk (ipaddr.js): reads 4294967295 as 255.255.255.255', input: '4294967295', kind: Kind.V4, words: [0, 0, 0xffff, -1] },
  { name: 'quirk (ipaddr.js): reads 0 as 0.0.0.0', input: '0', kind: Kind.V4, words: v4Words('0.0.0.0') },
  { name: 'quirk (ipaddr.js): reads hex parts', input: '0x7f.0.0.0x1', kind: Kind.V4, words: v4Words('127.0.0.1') },
  { name: 'quirk (ipaddr.js): reads an upper-case 0X part as octal, stopping at the X', input: '0X7f.0.0.1', kind: Kind.V4, words: v4Words('0.0.0.1') },
  { name: 'quirk (ipaddr.js): reads octal 0377 as 255', input: '1.2.3.0377', kind: Kind.V4, words: v4Words('1.2.3.255') },
  { name: 'fail: two parts', input: '127.1', kind: Kind.Invalid },
  { name: 'fail: three parts', input: '1.2.3', kind: Kind.Invalid },
  { name: 'fail: five parts', input: '1.2.3.4.5', kind: Kind.Invalid },
  { name: 'fail: a part above 255', input: '256.0.0.1', kind: Kind.Invalid },
  { name: 'fail: a four-digit part', input: '1000.0.0.1', kind: Kind.Invalid },
  { name: 'fail: an octal part above 255', input: '1.2.3.0400', kind: Kind.Invalid },
  { name: 'fail: a hex part above 255', input: '0x100.0.0.1', kind: Kind.Invalid },
  { name: 'fail: a whole number above 32 bits', input: '4294967296', kind: Kind.Invalid },
  { name: 'quirk (ipaddr.js): reads 1 as 0.0.0.1', input: '1', kind: Kind.V4, words: v4Words('0.0.0.1') },
  { name: 'quirk (ipaddr.js): reads a whole number of ten digits', input: '3232235777', kind: Kind.V4, words: v4Words('192.168.1.1') },
  { name: 'fail: a whole number of eleven digits', input: '42949672950', kind: Kind.Invalid },
  { name: 'fail: an empty part', input: '1..2.3', kind: Kind.Invalid },
  { name: 'fail: a trailing dot', input: '1.2.3.', kind: Kind.Invalid },
  { name: 'fail: a leading dot', input: '.1.2.3', kind: Kind.Invalid },
  { name: 'fail: a negative part', input: '1.2.3.-4', kind: Kind.Invalid },
  { name: 'fail: a bare 0x', input: '0x', kind: Kind.Invalid },
  { name: 'fail: a zone on an IPv4 address', input: '1.2.3.4%eth0', kind: Kind.Invalid },
  { name: 'fail: a leading space', input: ' 1.2.3.4', kind: Kind.Invalid },
  { name: 'fail: a trailing space', input: '1.2.3.4 ', kind: Kind.Invalid },
  { name: 'fail: a leading tab', input: '\t1.2.3.4', kind: Kind.Invalid },
  { name: 'fail: a port', input: '1.2.3.4:80', kind: Kind.Invalid },
  { name: 'fail: non-ASCII digits', input: '\u0661.\u0662.\u0663.\u0664', kind: Kind.Invalid },
]

const ipv6Cases: readonly AddressCase[] = [
  { name: 'reads the unspecified address ::', input: '::', kind: Kind.V6, words: [0, 0, 0, 0] },
  { name: 'reads the loopback address ::1', input: '::1', kind: Kind.V6, words: [0, 0, 0, 1] },
  { name: 'reads a compressed address', input: '2001:db8::1', kind: Kind.V6, words: v6Words([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]) },
  { name: 'reads eight groups', input: '1:2:3:4:5:6:7:8', kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 7, 8]) },
  { name: 'reads a trailing ::', input: '1::', kind: Kind.V6, words: v6Words([1, 0, 0, 0, 0, 0, 0, 0]) },
  { name: 'reads :: standing for one group at the end', input: '1:2:3:4:5:6:7::', kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 7, 0]) },
  { name: 'reads :: standing for one group at the start', input: '::2:3:4:5:6:7:8', kind: Kind.V6, words: v6Words([0, 2, 3, 4, 5, 6, 7, 8]) },
  { name: 'reads :: in the middle', input: 'fe80:1::2:3', kind: Kind.V6, words: v6Words([0xfe80, 1, 0, 0, 0, 0, 2, 3]) },
  { name: 'reads upper-case hex digits', input: 'FE80::ABCD', kind: Kind.V6, words: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd]) },
  { name: 'reads the highest address', input: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', kind: Kind.V6, words: [-1, -1, -1, -1] },
  { name: 'reads four-digit groups with leading zeros', input: '0001:0000::00ff', kind: Kind.V6, words: v6Words([1, 0, 0, 0, 0, 0, 0, 0xff]) },
  { name: 'ignores a zone id', input: 'fe80::1%eth0', kind: Kind.V6, words: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1]) },
  { name: 'ignores a numeric, upper-case zone id', input: 'fe80::1%ETH1', kind: Kind.V6, words: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1]) },
  { name: 'reads an IPv4-compatible ::0:a.b.c.d as plain IPv6', input: '::0:1.2.3.4', kind: Kind.V6, words: v6Words([0, 0, 0, 0, 0, 0, 0x102, 0x304]) },
  { name: 'reads six groups then a dotted quad as plain IPv6', input: '1:2:3:4:5:6:1.2.3.4', kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 0x102, 0x304]) },
  { name: 'reads ::ffff:0:a.b.c.d (RFC 6145) as plain IPv6, not mapped', input: '::ffff:0:1.2.3.4', kind: Kind.V6, words: v6Words([0, 0, 0, 0, 0xffff, 0, 0x102, 0x304]) },
  { name: 'quirk (ipaddr.js): accepts a group of more than four digits when it fits 16 bits', input: '00000001::', kind: Kind.V6, words: v6Words([1, 0, 0, 0, 0, 0, 0, 0]) },
  { name: 'quirk (ipaddr.js): accepts :: standing for no group between eight groups', input: '1:2:3:4::5:6:7:8', kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 7, 8]) },
  { name: 'quirk (ipaddr.js): accepts :: standing for no group before eight groups', input: '::1:2:3:4:5:6:7:8', kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 7, 8]) },
  { name: 'fail: ::a.b.c.d (ipaddr.js 1.9.1 rejects it)', input: '::1.2.3.4', kind: Kind.Invalid },
  { name: 'fail: n::a.b.c.d', input: '1::1.2.3.4', kind: Kind.Invalid },
  { name: 'fail: two ::', input: '1::2::3', kind: Kind.Invalid },
  { name: 'fail: nine groups', input: '1:2:3:4:5:6:7:8:9', kind: Kind.Invalid },
  { name: 'fail: seven groups without ::', input: '1:2:3:4:5:6:7', kind: Kind.Invalid },
  { name: 'fail: a group above 16 bits', input: '12345::', kind: Kind.Invalid },
  { name: 'fail: a non-hex digit', input: '::g', kind: Kind.Invalid },
  { name: 'fail: a leading single colon', input: ':1', kind: Kind.Invalid },
  { name: 'fail: a trailing single colon', input: '1:', kind: Kind.Invalid },
  { name: 'fail: three colons', input: ':::', kind: Kind.Invalid },
  { name: 'fail: an empty zone id', input: '::1%', kind: Kind.Invalid },
  { name: 'fail: a zone id with a dash', input: 'fe80::1%eth-0', kind: Kind.Invalid },
  { name: 'fail: a zone id followed by a space', input: 'fe80::1%eth0 ', kind: Kind.Invalid },
  { name: 'fail: a zone id with a colon', input: 'fe80::1%a:b', kind: Kind.Invalid },
  { name: 'fail: brackets', input: '[::1]', kind: Kind.Invalid },
  { name: 'fail: a bracketed address with a port', input: '[::1]:80', kind: Kind.Invalid },
]

const mappedCases: readonly AddressCase[] = [
  { name: 'reads ::ffff:a.b.c.d as mapped, with the IPv4 value in the last word', input: '::ffff:127.0.0.1', kind: Kind.Mapped, words: v4Words('127.0.0.1') },
  { name: 'reads an upper-case ::FFFF: prefix', input: '::FFFF:10.0.0.1', kind: Kind.Mapped, words: v4Words('10.0.0.1') },
  { name: 'reads the mapped form written in hex', input: '::ffff:7f00:1', kind: Kind.Mapped, words: v4Words('127.0.0.1') },
  { name: 'reads the mapped form written in full', input: '0:0:0:0:0:ffff:c0a8:1', kind: Kind.Mapped, words: v4Words('192.168.0.1') },
  { name: 'reads a mapped address with a zone id', input: '::ffff:127.0.0.1%lo', kind: Kind.Mapped, words: v4Words('127.0.0.1') },
  { name: 'reads ::ffff:0.0.0.0', input: '::ffff:0.0.0.0', kind: Kind.Mapped, words: v4Words('0.0.0.0') },
  { name: 'quirk (ipaddr.js): reads leading-zero parts after ::ffff: as decimal', input: '::ffff:010.0.0.1', kind: Kind.Mapped, words: v4Words('10.0.0.1') },
  { name: 'quirk (ipaddr.js): reads hex parts after ::ffff:', input: '::ffff:0x7f.0.0.1', kind: Kind.Mapped, words: v4Words('127.0.0.1') },
  { name: 'fail: three parts after ::ffff:', input: '::ffff:1.2.3', kind: Kind.Invalid },
  { name: 'fail: a part above 255 after ::ffff:', input: '::ffff:1.2.3.256', kind: Kind.Invalid },
  { name: 'fail: a whole number after ::ffff:', input: '::ffff:2130706433', kind: Kind.Invalid },
]

const otherCases: readonly AddressCase[] = [
  { name: 'fail: the empty string', input: '', kind: Kind.Invalid },
  { name: 'fail: unknown', input: 'unknown', kind: Kind.Invalid },
  { name: 'fail: a host name', input: 'localhost', kind: Kind.Invalid },
  { name: 'fail: a host name made of hex letters', input: 'cafe', kind: Kind.Invalid },
  { name: 'fail: a host name made of hex letters and dots', input: 'dead.beef', kind: Kind.Invalid },
  { name: 'fail: undefined', input: undefined, kind: Kind.Invalid },
  { name: 'fail: null', input: null, kind: Kind.Invalid },
  { name: 'fail: a number, even one ipaddr.js would read as a string', input: 2130706433, kind: Kind.Invalid },
  { name: 'fail: an object', input: {}, kind: Kind.Invalid },
  { name: 'fail: an array holding an address', input: ['1.2.3.4'], kind: Kind.Invalid },
]

// near-addresses: the generators fast-check has, and strings made of the characters addresses use
const hexColonDot = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFxX:.%'), maxLength: 24 })
const zoneId = fc.string({ unit: fc.constantFrom(...'aZ09%-_. :'), maxLength: 5 })
const nearAddress = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  hexColonDot,
  fc.tuple(fc.ipV6(), zoneId).map(([address, zone]) => `${address}%${zone}`),
  fc.tuple(fc.constantFrom('::ffff:', '::FFFF:', '::', '::0:', '1:2:3:4:5:6:', '::ffff:0:'), fc.oneof(fc.ipV4(), fc.ipV4Extended()))
    .map(([prefix, address]) => prefix + address),
)

describe('parseAddress', () => {
  describe.each([
    ['IPv4', ipv4Cases],
    ['IPv6', ipv6Cases],
    ['IPv4-mapped IPv6', mappedCases],
    ['other values', otherCases],
  ] as const)('%s', (_family, cases) => {
    it.each(cases)('$name: $input', ({ input, kind, words }) => {
      expect(parsed(input)).toEqual({ kind, words: words ?? [] })
    })
  })

  interface SliceCase {
    readonly name: string
    readonly s: string
    readonly start: number
    readonly end: number
    readonly kind: Kind
    readonly words?: readonly number[]
  }

  const sliceCases: readonly SliceCase[] = [
    { name: 'reads an IPv4 address between start and end', s: 'x1.2.3.4y', start: 1, end: 8, kind: Kind.V4, words: v4Words('1.2.3.4') },
    { name: 'reads an IPv6 address between start and end', s: 'a, ::1 ,b', start: 3, end: 6, kind: Kind.V6, words: [0, 0, 0, 1] },
    { name: 'reads a mapped address between start and end', s: ',::ffff:1.2.3.4,', start: 1, end: 15, kind: Kind.Mapped, words: v4Words('1.2.3.4') },
    { name: 'reads to the end of the string when end is -1', s: '  10.0.0.1', start: 2, end: -1, kind: Kind.V4, words: v4Words('10.0.0.1') },
    { name: 'reads an odd spelling between start and end through ipaddr.js', s: ' 0177.0.0.1,', start: 1, end: 11, kind: Kind.V4, words: v4Words('127.0.0.1') },
    { name: 'reads an odd IPv6 spelling between start and end through ipaddr.js', s: '[1:2:3:4:5:6:1.2.3.4]', start: 1, end: 20, kind: Kind.V6, words: v6Words([1, 2, 3, 4, 5, 6, 0x102, 0x304]) },
    { name: 'reads the whole string when start is 0 and end is its length', s: '2130706433', start: 0, end: 10, kind: Kind.V4, words: v4Words('127.0.0.1') },
    { name: 'ignores what follows end, even a zone id', s: 'fe80::1%eth0', start: 0, end: 7, kind: Kind.V6, words: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1]) },
    { name: 'fail: the characters between start and end are not an address', s: '1.2.3.4', start: 0, end: 5, kind: Kind.Invalid },
    { name: 'fail: an empty slice', s: '1.2.3.4', start: 3, end: 3, kind: Kind.Invalid },
  ]

  it.each(sliceCases)('$name', ({ s, start, end, kind, words }) => {
    expect(parsed(s, start, end)).toEqual({ kind, words: words ?? [] })
  })

  it('overwrites every word of out, whatever it held before', () => {
    const out = new Int32Array([7, 7, 7, 7])
    expect(parseAddress('1.2.3.4', out)).toBe(Kind.V4)
    expect(Array.from(out)).toEqual(v4Words('1.2.3.4'))
    out.fill(7)
    expect(parseAddress('::1', out)).toBe(Kind.V6)
    expect(Array.from(out)).toEqual([0, 0, 0, 1])
  })

  it('agrees with ipaddr.isValid and ipaddr.parse (1.9.1) on generated near-addresses', () => {
    fc.assert(fc.property(nearAddress, (s) => {
      expect(parsed(s)).toEqual(reference(s))
    }), { numRuns: 5000 })
  })

  it('agrees with ipaddr.js on generated whole numbers, read on their own path', () => {
    const digits = fc.oneof(fc.stringMatching(/^[0-9]{1,12}$/), fc.bigInt({ min: 0n, max: 2n ** 33n }).map(String))
    fc.assert(fc.property(digits, (s) => {
      expect(parsed(s)).toEqual(reference(s))
    }), { numRuns: 3000 })
  })

  it('in strict mode, accepts what it accepts otherwise with the same value, except RFC 4291 forms ipaddr.js refuses', () => {
    fc.assert(fc.property(nearAddress, (s) => {
      const strict = parsed(s, 0, -1, true)
      if (strict.kind === Kind.Invalid) return
      const compatible = parsed(s)
      if (compatible.kind !== Kind.Invalid) expect(strict).toEqual(compatible)
      // what only strict mode reads is an address in dotted-quad-ended RFC 4291 form, as Node reads it
      else expect([s.includes('.'), isIPv6(s.replace(/%.*$/, ''))]).toEqual([true, true])
    }), { numRuns: 3000 })
  })

  it('agrees with ipaddr.js on generated near-addresses read between start and end', () => {
    const padding = fc.string({ unit: fc.constantFrom(...' ,:.0a%'), maxLength: 3 })
    fc.assert(fc.property(padding, nearAddress, padding, (before, s, after) => {
      expect(parsed(before + s + after, before.length, before.length + s.length)).toEqual(reference(s))
    }), { numRuns: 2000 })
  })
})

describe('compatibleValidity: ipaddr.js 1.9.1 refusals worked out by hand', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  /** Spellings ipaddr.js refuses by throwing inside isValid (each a microsecond or more). */
  const refused = [
    ['two "::"', '::1::'],
    ['five dotted parts', '1.2.3.4.5'],
    ['a group above ffff', '2001:db8::1869f'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['an octet above 255 after groups', '1:2:3:4:5:6:1.2.3.256'],
    ['an embedded form with "::"', '::1.2.3.4'],
    ['a number above 2^32 - 1', '4294967296'],
    ['an octal octet above 255', '0400.0.0.1'],
    ['a hex part without digits', '0x.1.1.1'],
    ['a zone with a dot', 'fe80::1%eth0.1'],
    ['a long run of groups', '1:'.repeat(20_000) + ':'],
    ['a long dotted run', '1.'.repeat(20_000) + '1'],
    ['a non-ASCII digit in a group', '2001:db8::\u0661'],
  ] as const

  it.each(refused)('fail: %s (%s) is refused without asking ipaddr.js', (_, s) => {
    const asked = [
      vi.spyOn(ipaddr, 'isValid'), vi.spyOn(ipaddr, 'parse'),
      vi.spyOn(ipaddr.IPv4, 'isValid'), vi.spyOn(ipaddr.IPv6, 'isValid'),
    ]
    expect(ipaddr.isValid(s)).toBe(false)
    for (const spy of asked) spy.mockClear()
    expect(parsed(s)).toEqual({ kind: Kind.Invalid, words: [] })
    expect(asked.map((spy) => spy.mock.calls.length)).toEqual([0, 0, 0, 0])
  })

  it.each([
    ['0177.0.0.1', Kind.V4], ['0X1F.0.0.1', Kind.V4], ['09.1.1.1', Kind.V4], ['4294967295', Kind.V4],
    ['1:2:3:4:5:6:1.2.3.4', Kind.V6], ['2001:db8::00001', Kind.V6], ['::', Kind.V6], ['fe80::1%eth0', Kind.V6],
  ] as const)('accepts %s, an unusual spelling ipaddr.js accepts, as its kind', (s, kind) => {
    expect(compatibleValidity(s)).toBe(kind)
    expect(parsed(s)).toEqual(reference(s))
  })

  it('equals ipaddr.isValid and its kind on generated hex-looking strings', () => {
    const piece = fc.constantFrom(
      '0', '1', '7', '8', '9', 'a', 'f', 'F', 'x', 'X', ':', '::', '.', '%', 'e', 'z', 'g', ' ', '00', '255', '256',
      'ffff', '0000f', '10000', '0x', '0x1f', '0X1F', '010', '%e0', '1.2.3.4', '1:2:3:4:5:6', '1:2:3:4:5:6:7',
    )
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), (s) => {
      // the reference's kind, with the mapped form as the IPv6 address ipaddr.js parses it as
      const { kind } = reference(s)
      expect([s, compatibleValidity(s)]).toEqual([s, kind === Kind.Mapped ? Kind.V6 : kind])
    }), { numRuns: 30_000 })
  })
})

describe('parseAddress in strict mode: RFC 4291 section 2.2 forms with an embedded IPv4 address', () => {
  it.each<[string, string, Kind, readonly number[], Kind]>([
    ['the RFC 6052 well-known prefix', '64:ff9b::192.0.2.1', Kind.V6, v6Words([0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x201]), Kind.Invalid],
    ['the deprecated IPv4-compatible form', '::1.2.3.4', Kind.V6, v6Words([0, 0, 0, 0, 0, 0, 0x102, 0x304]), Kind.Invalid],
    ['a Forwarded node of the report', '64:ff9b::188.0.2.200', Kind.V6, v6Words([0x64, 0xff9b, 0, 0, 0, 0, 0xbc00, 0x2c8]), Kind.Invalid],
    ['six groups and a dotted quad', '1:2:3:4:5:6:1.2.3.4', Kind.V6, v6Words([1, 2, 3, 4, 5, 6, 0x102, 0x304]), Kind.V6],
    ['::0:a.b.c.d', '::0:1.2.3.4', Kind.V6, v6Words([0, 0, 0, 0, 0, 0, 0x102, 0x304]), Kind.V6],
    ['the translated form ::ffff:0:a.b.c.d, which is not mapped', '::ffff:0:1.2.3.4', Kind.V6, v6Words([0, 0, 0, 0, 0xffff, 0, 0x102, 0x304]), Kind.V6],
    ['a zone id after the dotted quad', '64:ff9b::1.2.3.4%eth0', Kind.V6, v6Words([0x64, 0xff9b, 0, 0, 0, 0, 0x102, 0x304]), Kind.Invalid],
    ['the mapped form spelled with a group before it', '0::ffff:1.2.3.4', Kind.Mapped, v4Words('1.2.3.4'), Kind.Mapped],
  ])('reads %s (%s), which the compatible mode reads as kind %i', (_name, input, kind, words, compatible) => {
    expect(parsed(input, 0, -1, true)).toEqual({ kind, words })
    expect(parsed(input).kind).toBe(compatible)
  })

  it('reads an embedded form between start and end, its zone ending at end', () => {
    expect(parsed('x, 64:ff9b::1.2.3.4%eth0, y', 3, 24, true)).toEqual({ kind: Kind.V6, words: v6Words([0x64, 0xff9b, 0, 0, 0, 0, 0x102, 0x304]) })
    expect(parsed('%x, ::1.2.3.4', 4, -1, true)).toEqual({ kind: Kind.V6, words: v6Words([0, 0, 0, 0, 0, 0, 0x102, 0x304]) })
  })

  it('agrees with Node (net.isIPv6, and the WHATWG URL parser for the value) on generated embedded forms', () => {
    const prefix = fc.constantFrom('::', '::1:', '64:ff9b::', '1:2:3:4:5:6:', '1::', '1:2::3:', 'fe80::', ':', '1:2:3:4:5:6:7:', '::ffff:', '0:0:0:0:0:ffff:', 'ffff::')
    const quad = fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.constantFrom('1.2.3', '01.2.3.4', '1.2.3.4.5', '256.0.0.1'))
    fc.assert(fc.property(prefix, quad, (p, q) => {
      const s = p + q
      const ours = parsed(s, 0, -1, true)
      expect(ours.kind !== Kind.Invalid).toBe(isIPv6(s))
      if (ours.kind === Kind.Invalid) return
      // the URL parser writes an IPv6 host in hex groups, RFC 5952 style
      expect(ours).toEqual(parsed(new URL(`http://[${s}]/`).hostname.slice(1, -1), 0, -1, true))
    }), { numRuns: 2000 })
  })
})

describe('parseAddress in strict mode', () => {
  it.each<[string, string, Kind, readonly number[]]>([
    ['reads a canonical dotted quad', '10.0.0.1', Kind.V4, v4Words('10.0.0.1')],
    ['reads a compressed IPv6 address', '2001:db8::1', Kind.V6, v6Words([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1])],
    ['reads an IPv6 address with a zone id', 'fe80::1%eth0', Kind.V6, v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1])],
    ['reads :: followed by a zone id', '::%lo0', Kind.V6, [0, 0, 0, 0]],
    ['reads a trailing :: followed by a zone id', 'fe80::%1', Kind.V6, v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 0])],
    ['reads the mapped form', '::ffff:127.0.0.1', Kind.Mapped, v4Words('127.0.0.1')],
    ['reads the mapped form with a zone id', '::ffff:127.0.0.1%eth0', Kind.Mapped, v4Words('127.0.0.1')],
    ['reads the mapped form in hex', '::ffff:7f00:1', Kind.Mapped, v4Words('127.0.0.1')],
    ['reads the mapped block address ::ffff:0:0 in hex', '::ffff:0:0', Kind.Mapped, v4Words('0.0.0.0')],
    ['reads ::ffff:1, which starts like the mapped form but is not', '::ffff:1', Kind.V6, v6Words([0, 0, 0, 0, 0, 0, 0xffff, 1])],
  ])('%s: %s', (_name, input, kind, words) => {
    expect(parsed(input, 0, -1, true)).toEqual({ kind, words })
  })

  it('compiles a mapped subnet written in hex with strict addresses', () => {
    expect(parseRange('::ffff:0:0/96', true)).toEqual({ family: 4, network: 0, prefix: 0 })
  })

  it.each<[string, string, Kind]>([
    ['an octal part', '0177.0.0.1', Kind.V4],
    ['a leading zero', '010.0.0.1', Kind.V4],
    ['a whole decimal number', '2130706433', Kind.V4],
    ['a whole hex number', '0x7f000001', Kind.V4],
    ['a hex part', '0x7f.0.0.1', Kind.V4],
    ['a leading-zero part after ::ffff:', '::ffff:010.0.0.1', Kind.Mapped],
    ['a group of five digits', '00001::', Kind.V6],
    [':: standing for no group', '1:2:3:4::5:6:7:8', Kind.V6],
    ['an embedded IPv4 part with a leading zero', '64:ff9b::010.0.0.1', Kind.Invalid],
    ['an embedded IPv4 part of three parts', '::1.2.3', Kind.Invalid],
    ['seven groups and a dotted quad', '1:2:3:4:5:6:7:1.2.3.4', Kind.Invalid],
    ['a dotted quad after a single colon', ':1.2.3.4', Kind.Invalid],
    ['a dotted quad followed by a port', '::1.2.3.4:80', Kind.Invalid],
    ['an embedded IPv4 address with an empty zone id', '64:ff9b::1.2.3.4%', Kind.Invalid],
    ['a mapped address with an empty zone id', '::ffff:1.2.3.4%', Kind.Invalid],
    ['a mapped address with a bad zone id', '::ffff:1.2.3.4%e-0', Kind.Invalid],
    ['an empty zone id', 'fe80::1%', Kind.Invalid],
    ['a zone id with a dash', 'fe80::1%eth-0', Kind.Invalid],
    ['a zone id after a single colon', '1:%eth0', Kind.Invalid],
  ])('fail: %s (%s), which the compatible mode reads as kind %i', (_name, input, compatible) => {
    expect(parsed(input, 0, -1, true)).toEqual({ kind: Kind.Invalid, words: [] })
    expect(parsed(input).kind).toBe(compatible)
  })
})

describe('addressSpan and addressSpanEnd', () => {
  it.each<[string, string, number, number, number, number]>([
    ['cuts the port off an IPv4 address', '1.2.3.4:5678', 0, 12, 0, 7],
    ['keeps port 0', '1.2.3.4:0', 0, 9, 0, 7],
    ['keeps port 65535', '1.2.3.4:65535', 0, 13, 0, 7],
    ['takes the address inside brackets before a port', '[2001:db8::1]:443', 0, 17, 1, 12],
    ['takes the address inside brackets without a port', '[2001:db8::1]', 0, 13, 1, 12],
    ['reads only from start to end', 'a, 1.2.3.4:80 ,b', 3, 13, 3, 10],
    ['reads brackets only from start to end', 'x,[::1]:80', 2, 10, 3, 6],
    ['ignores a colon after end', '1.2.3.4, x:1', 0, 7, 0, 7],
    ['ignores a second colon after end', '1.2.3.4:80, ::1', 0, 10, 0, 7],
    ['leaves an address without a port whole', '1.2.3.4', 0, 7, 0, 7],
    ['leaves an IPv6 address without brackets whole', '2001:db8::1', 0, 11, 0, 11],
    ['leaves ::1 whole', '::1', 0, 3, 0, 3],
    ['leaves an empty port whole', '1.2.3.4:', 0, 8, 0, 8],
    ['leaves a port above 65535 whole', '1.2.3.4:65536', 0, 13, 0, 13],
    ['leaves a port of six digits whole', '1.2.3.4:000080', 0, 14, 0, 14],
    ['leaves a port that is not digits whole', '1.2.3.4:8o', 0, 10, 0, 10],
    ['leaves an unclosed bracket whole', '[::1', 0, 4, 0, 4],
    ['leaves a bracket closed after end whole', '[::1, ]', 0, 4, 0, 4],
    ['leaves text after the bracket that is not a port whole', '[::1]x', 0, 6, 0, 6],
    ['leaves an empty port after the bracket whole', '[::1]:', 0, 6, 0, 6],
    ['leaves a bracketed port above 65535 whole', '[::1]:99999', 0, 11, 0, 11],
    ['leaves a bracketed port of letters whole', '[::1]:http', 0, 10, 0, 10],
  ])('%s: %s', (_name, s, start, end, spanStart, expectedEnd) => {
    expect(addressSpan(s, start, end)).toBe(spanStart)
    expect(addressSpanEnd(s, start, end)).toBe(expectedEnd)
  })
})

describe('formatAddress', () => {
  it.each<[string, string, string, string]>([
    ['writes IPv4 as a dotted quad', '10.0.0.1', '', '10.0.0.1'],
    ['writes the highest IPv4 address unsigned', '255.255.255.255', '', '255.255.255.255'],
    ['writes an odd IPv4 spelling canonically', '0177.0.0.1', '', '127.0.0.1'],
    ['writes a mapped address as IPv4', '::ffff:7f00:1', '', '127.0.0.1'],
    ['writes a mapped address as IPv4, dropping a zone id', '::ffff:127.0.0.1', 'eth0', '127.0.0.1'],
    ['writes :: for all zeros', '0:0:0:0:0:0:0:0', '', '::'],
    ['writes ::1', '0:0:0:0:0:0:0:1', '', '::1'],
    ['writes a trailing run of zeros as ::', '1:0:0:0:0:0:0:0', '', '1::'],
    ['lower-cases and drops leading zeros', 'FE80:0000:0000:0000:0000:0000:0000:0ABC', '', 'fe80::abc'],
    ['compresses the longest run of zeros', '2001:0:0:1:0:0:0:1', '', '2001:0:0:1::1'],
    ['compresses the first of two equal runs', '2001:db8:0:0:1:0:0:1', '', '2001:db8::1:0:0:1'],
    ['does not compress a single zero group', '2001:db8:0:1:1:1:1:1', '', '2001:db8:0:1:1:1:1:1'],
    ['writes eight non-zero groups', '1:2:3:4:5:6:7:8', '', '1:2:3:4:5:6:7:8'],
    ['writes the highest address', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['keeps a zone id', 'fe80::1', 'eth0', 'fe80::1%eth0'],
    ['writes ::a.b.c.d forms in hex', '::0:1.2.3.4', '', '::102:304'],
  ])('%s: %s', (_name, input, zone, text) => {
    const words = new Int32Array(4)
    const kind = parseAddress(input, words)
    expect(kind).not.toBe(Kind.Invalid)
    expect(formatAddress(kind, words, zone)).toBe(text)
  })

  it('writes what parseAddress reads back to the same address', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
      const words = new Int32Array(4)
      const kind = parseAddress(s, words)
      if (kind === Kind.Invalid) return
      const again = new Int32Array(4)
      expect(parseAddress(formatAddress(kind, words, ''), again)).toBe(kind === Kind.Mapped ? Kind.V4 : kind)
      expect(Array.from(again)).toEqual(Array.from(words))
    }), { numRuns: 2000 })
  })
})

interface RangeCase {
  readonly name: string
  readonly note: string
  readonly range: Range
}

const rangeCases: readonly RangeCase[] = [
  { name: 'reads a bare IPv4 address as a /32', note: '10.0.0.1', range: { family: 4, network: ipv4('10.0.0.1'), prefix: 32 } },
  { name: 'reads an IPv4 CIDR subnet', note: '10.0.0.0/8', range: { family: 4, network: ipv4('10.0.0.0'), prefix: 8 } },
  { name: 'keeps host bits of the network (buildTable masks them)', note: '127.0.0.1/8', range: { family: 4, network: ipv4('127.0.0.1'), prefix: 8 } },
  { name: 'reads an IPv4 /32', note: '192.168.1.1/32', range: { family: 4, network: ipv4('192.168.1.1'), prefix: 32 } },
  { name: 'reads a prefix with leading zeros as decimal', note: '10.0.0.0/008', range: { family: 4, network: ipv4('10.0.0.0'), prefix: 8 } },
  { name: 'reads an IPv4 netmask', note: '10.0.0.0/255.0.0.0', range: { family: 4, network: ipv4('10.0.0.0'), prefix: 8 } },
  { name: 'reads an all-ones netmask as /32', note: '10.0.0.1/255.255.255.255', range: { family: 4, network: ipv4('10.0.0.1'), prefix: 32 } },
  { name: 'reads a netmask in a partial octet', note: '172.16.0.0/255.240.0.0', range: { family: 4, network: ipv4('172.16.0.0'), prefix: 12 } },
  { name: 'quirk (ipaddr.js): reads a netmask spelled as a hex number', note: '10.0.0.0/0xffffff00', range: { family: 4, network: ipv4('10.0.0.0'), prefix: 24 } },
  { name: 'quirk (ipaddr.js): reads an address in an odd spelling', note: '0177.0.0.1/8', range: { family: 4, network: ipv4('127.0.0.1'), prefix: 8 } },
  { name: 'difference: accepts an IPv4 /0, the whole family (proxy-addr throws)', note: '0.0.0.0/0', range: { family: 4, network: 0, prefix: 0 } },
  { name: 'difference: accepts the netmask 0.0.0.0, the whole family (proxy-addr throws)', note: '0.0.0.0/0.0.0.0', range: { family: 4, network: 0, prefix: 0 } },
  { name: 'reads a bare IPv6 address as a /128', note: '::1', range: { family: 6, network: [0, 0, 0, 1], prefix: 128, zone: '' } },
  { name: 'reads an IPv6 CIDR subnet', note: 'fe80::/10', range: { family: 6, network: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 0]), prefix: 10, zone: '' } },
  { name: 'reads an IPv6 /128', note: '2001:db8::1/128', range: { family: 6, network: v6Words([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), prefix: 128, zone: '' } },
  { name: 'reads an IPv6 address with a zone id', note: 'fe80::1%eth0/64', range: { family: 6, network: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1]), prefix: 64, zone: 'eth0' } },
  { name: 'difference: accepts an IPv6 /0, the whole native IPv6 family (proxy-addr throws)', note: '::/0', range: { family: 6, network: [0, 0, 0, 0], prefix: 0, zone: '' } },
  { name: 'stores a bare mapped address as IPv4', note: '::ffff:10.0.0.1', range: { family: 4, network: ipv4('10.0.0.1'), prefix: 32 } },
  { name: 'stores a bare mapped address in hex as IPv4', note: '::ffff:a00:1', range: { family: 4, network: ipv4('10.0.0.1'), prefix: 32 } },
  { name: 'stores a mapped /96 or longer as IPv4, less 96 bits of prefix', note: '::ffff:10.0.0.0/104', range: { family: 4, network: ipv4('10.0.0.0'), prefix: 8 } },
  { name: 'stores the mapped /96 as all of IPv4', note: '::ffff:0:0/96', range: { family: 4, network: 0, prefix: 0 } },
  { name: 'stores a mapped /128 as an IPv4 /32', note: '::ffff:127.0.0.1/128', range: { family: 4, network: ipv4('127.0.0.1'), prefix: 32 } },
  { name: 'quirk (proxy-addr): a mapped subnet shorter than /96 matches nothing', note: '::ffff:0:0/95', range: { family: 0 } },
  { name: 'quirk (proxy-addr): a mapped /80 matches nothing, not even native ::/80', note: '::ffff:0:0/80', range: { family: 0 } },
  { name: 'a mapped /0 matches nothing either', note: '::ffff:0:0/0', range: { family: 0 } },
  { name: 'reads ::ffff:0:a.b.c.d (not mapped) as native IPv6', note: '::ffff:0:0:0/96', range: { family: 6, network: v6Words([0, 0, 0, 0, 0xffff, 0, 0, 0]), prefix: 96, zone: '' } },
]

interface RangeErrorCase {
  readonly name: string
  readonly note: string
  readonly message: string
}

const rangeErrorCases: readonly RangeErrorCase[] = [
  { name: 'error: not an address', note: 'foo', message: 'invalid IP address: foo' },
  { name: 'error: the empty string', note: '', message: 'invalid IP address: ' },
  { name: 'error: a subnet of nothing', note: '/8', message: 'invalid IP address: ' },
  { name: 'error: a subnet of not an address', note: 'foo/8', message: 'invalid IP address: foo' },
  { name: 'error: two parts', note: '127.1', message: 'invalid IP address: 127.1' },
  { name: 'error: ::a.b.c.d', note: '::1.2.3.4', message: 'invalid IP address: ::1.2.3.4' },
  { name: 'error: a comma-separated list (one entry, no splitting)', note: '10.0.0.1,10.0.0.2', message: 'invalid IP address: 10.0.0.1,10.0.0.2' },
  { name: 'error: surrounding spaces (no trimming)', note: ' 10.0.0.1', message: 'invalid IP address:  10.0.0.1' },
  { name: 'error: two slashes name the part before the last one', note: '10.0.0.1/24/8', message: 'invalid IP address: 10.0.0.1/24' },
  { name: 'error: a named range inside a subnet', note: 'loopback/8', message: 'invalid IP address: loopback' },
  { name: 'error: an IPv4 prefix above 32', note: '10.0.0.1/33', message: 'invalid range on address: 10.0.0.1/33' },
  { name: 'error: an IPv6 prefix above 128', note: '::1/129', message: 'invalid range on address: ::1/129' },
  { name: 'error: a mapped prefix above 128', note: '::ffff:10.0.0.1/129', message: 'invalid range on address: ::ffff:10.0.0.1/129' },
  { name: 'error: a huge prefix', note: '10.0.0.1/99999999999999999999', message: 'invalid range on address: 10.0.0.1/99999999999999999999' },
  { name: 'error: an empty prefix', note: '10.0.0.1/', message: 'invalid range on address: 10.0.0.1/' },
  { name: 'error: a negative prefix', note: '10.0.0.1/-1', message: 'invalid range on address: 10.0.0.1/-1' },
  { name: 'error: a prefix with a space', note: '10.0.0.1/ 8', message: 'invalid range on address: 10.0.0.1/ 8' },
  { name: 'error: a non-contiguous netmask', note: '10.0.0.0/255.0.255.0', message: 'invalid range on address: 10.0.0.0/255.0.255.0' },
  { name: 'error: a netmask with ones after zeros', note: '10.0.0.0/0.0.0.255', message: 'invalid range on address: 10.0.0.0/0.0.0.255' },
  { name: 'error: a netmask that is not an address', note: '10.0.0.0/foo', message: 'invalid range on address: 10.0.0.0/foo' },
  { name: 'error: a netmask that is a mapped address', note: '10.0.0.0/::ffff:255.0.0.0', message: 'invalid range on address: 10.0.0.0/::ffff:255.0.0.0' },
  { name: 'error: a netmask that is an IPv6 address', note: '10.0.0.0/ffff::', message: 'invalid range on address: 10.0.0.0/ffff::' },
  { name: 'error: a netmask on an IPv6 address', note: '::1/ffff:ffff::', message: 'invalid range on address: ::1/ffff:ffff::' },
  { name: 'error: a netmask on a mapped address', note: '::ffff:10.0.0.0/255.0.0.0', message: 'invalid range on address: ::ffff:10.0.0.0/255.0.0.0' },
]

describe('parseRange', () => {
  it.each(rangeCases)('$name: $note', ({ note, range }) => {
    expect(parseRange(note)).toEqual(range)
  })

  it.each(rangeErrorCases)('$name: $note', ({ note, message }) => {
    expect(() => parseRange(note)).toThrow(new TypeError(message))
  })
})

describe('buildTable', () => {
  interface TableCase {
    readonly name: string
    readonly ranges: readonly Range[]
    readonly v4: readonly number[]
    readonly v6: readonly number[]
  }

  const tableCases: readonly TableCase[] = [
    { name: 'packs nothing for no ranges', ranges: [], v4: [], v6: [] },
    { name: 'packs an IPv4 range as a masked network and a mask', ranges: [{ family: 4, network: ipv4('127.0.0.1'), prefix: 8 }], v4: [ipv4('127.0.0.0'), ipv4('255.0.0.0')], v6: [] },
    { name: 'packs an IPv4 /32 with an all-ones mask', ranges: [{ family: 4, network: ipv4('10.0.0.1'), prefix: 32 }], v4: [ipv4('10.0.0.1'), -1], v6: [] },
    { name: 'packs an IPv4 /0 with a zero mask', ranges: [{ family: 4, network: ipv4('10.0.0.1'), prefix: 0 }], v4: [0, 0], v6: [] },
    {
      name: 'packs an IPv6 range as four masked network words then four mask words',
      ranges: [{ family: 6, network: v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 1]), prefix: 10, zone: '' }],
      v4: [],
      v6: [...v6Words([0xfe80, 0, 0, 0, 0, 0, 0, 0]), ...v6Words([0xffc0, 0, 0, 0, 0, 0, 0, 0])],
    },
    {
      name: 'packs an IPv6 prefix that ends inside the third word',
      ranges: [{ family: 6, network: [-1, -1, -1, -1], prefix: 80, zone: '' }],
      v4: [],
      v6: [-1, -1, 0xffff0000 | 0, 0, -1, -1, 0xffff0000 | 0, 0],
    },
    { name: 'packs an IPv6 /128 with all-ones masks', ranges: [{ family: 6, network: [0, 0, 0, 1], prefix: 128, zone: '' }], v4: [], v6: [0, 0, 0, 1, -1, -1, -1, -1] },
    { name: 'packs an IPv6 /0 with zero masks', ranges: [{ family: 6, network: [1, 2, 3, 4], prefix: 0, zone: '' }], v4: [], v6: [0, 0, 0, 0, 0, 0, 0, 0] },
    { name: 'leaves out a range that matches nothing', ranges: [{ family: 0 }], v4: [], v6: [] },
    {
      name: 'keeps the order of ranges within each family',
      ranges: [{ family: 4, network: ipv4('10.0.0.0'), prefix: 8 }, { family: 0 }, { family: 6, network: [0, 0, 0, 1], prefix: 128, zone: '' }, { family: 4, network: ipv4('192.168.0.0'), prefix: 16 }],
      v4: [ipv4('10.0.0.0'), ipv4('255.0.0.0'), ipv4('192.168.0.0'), ipv4('255.255.0.0')],
      v6: [0, 0, 0, 1, -1, -1, -1, -1],
    },
  ]

  it.each(tableCases)('$name', ({ ranges, v4, v6 }) => {
    const table = buildTable(ranges)
    expect(table.v4).toBeInstanceOf(Int32Array)
    expect(table.v6).toBeInstanceOf(Int32Array)
    expect(Array.from(table.v4)).toEqual(v4)
    expect(Array.from(table.v6)).toEqual(v6)
  })

  const octetCases: readonly { name: string; notes: readonly string[]; octets: readonly number[] }[] = [
    { name: 'marks no first octet for no ranges', notes: [], octets: [] },
    { name: 'marks no first octet for IPv6 ranges', notes: ['::1', 'fc00::/7', '::ffff:0:0/80'], octets: [] },
    { name: 'marks the one first octet of a /8 or longer', notes: ['127.0.0.1/8', '172.16.0.0/12', '192.168.1.1'], octets: [127, 172, 192] },
    { name: 'marks every first octet of a shorter prefix', notes: ['10.0.0.0/7', '240.0.0.0/4'], octets: [10, 11, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255] },
    { name: 'marks every first octet for a /0', notes: ['0.0.0.0/0'], octets: Array.from({ length: 256 }, (_, k) => k) },
    { name: 'marks the IPv4 part of a mapped /104 subnet', notes: ['::ffff:10.0.0.0/104', '::ffff:192.0.2.1'], octets: [10, 192] },
  ]

  it.each(octetCases)('$name', ({ notes, octets }) => {
    const table = buildTable(notes.map((note) => parseRange(note)))
    const covered = Array.from({ length: 256 }, (_, o) => o).filter((o) => ((table.firstOctets[o >>> 5] ?? 0) >>> (o & 31)) & 1)
    expect(covered).toEqual(octets)
  })
})

describe('holdsAddress and matchingLabel', () => {
  interface MatchCase {
    readonly name: string
    readonly notes: readonly string[]
    readonly inside: readonly string[]
    readonly outside: readonly string[]
  }

  const matchCases: readonly MatchCase[] = [
    { name: 'an empty table matches nothing', notes: [], inside: [], outside: ['0.0.0.0', '::', '::ffff:0.0.0.0'] },
    { name: 'an IPv4 address matches itself only', notes: ['10.0.0.1'], inside: ['10.0.0.1'], outside: ['10.0.0.2', '10.0.0.0', '::a00:1'] },
    { name: 'an IPv4 subnet matches its first and last address', notes: ['10.0.0.0/8'], inside: ['10.0.0.0', '10.255.255.255', '10.1.2.3'], outside: ['9.255.255.255', '11.0.0.0'] },
    { name: 'an IPv4 subnet with host bits set matches its whole network', notes: ['127.0.0.1/8'], inside: ['127.0.0.0', '127.255.255.255'], outside: ['126.255.255.255', '128.0.0.0'] },
    { name: 'a subnet in the upper half of IPv4 matches (signed words)', notes: ['192.168.0.0/16'], inside: ['192.168.0.0', '192.168.255.255'], outside: ['192.169.0.0', '64.168.0.0'] },
    { name: 'an IPv4 netmask subnet matches like the same CIDR', notes: ['172.16.0.0/255.240.0.0'], inside: ['172.16.0.0', '172.31.255.255'], outside: ['172.15.255.255', '172.32.0.0'] },
    { name: 'an IPv4 range matches mapped peers', notes: ['10.0.0.0/8'], inside: ['::ffff:10.1.2.3', '::ffff:a01:203', '::FFFF:10.0.0.1%eth0'], outside: ['::ffff:11.0.0.1'] },
    { name: 'an IPv4 range never matches native IPv6 peers, even IPv4-compatible ones', notes: ['10.0.0.0/8'], inside: [], outside: ['::a01:203', '::0:10.1.2.3', '::ffff:0:10.1.2.3'] },
    { name: 'an IPv4 range matches odd IPv4 spellings of its addresses', notes: ['127.0.0.0/8'], inside: ['0177.0.0.1', '2130706433', '0x7f000001'], outside: ['127.1'] },
    { name: 'difference: an IPv4 /0 matches every IPv4 and mapped peer', notes: ['0.0.0.0/0'], inside: ['0.0.0.0', '255.255.255.255', '::ffff:1.2.3.4'], outside: ['::', '::1'] },
    { name: 'an IPv6 address matches itself only', notes: ['::1'], inside: ['::1', '0:0:0:0:0:0:0:1', '::1%lo'], outside: ['::', '::2'] },
    { name: 'an IPv6 subnet matches across a word boundary', notes: ['fe80::/10'], inside: ['fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::1%eth0'], outside: ['fe7f:ffff::', 'fec0::'] },
    { name: 'an IPv6 /127 matches two addresses', notes: ['::/127'], inside: ['::', '::1'], outside: ['::2', '::3'] },
    { name: 'an IPv6 /33 compares the second word too', notes: ['2001:db8::/33'], inside: ['2001:db8::1', '2001:db8:7fff::1'], outside: ['2001:db8:8000::', '2001:db9::'] },
    { name: 'an IPv6 range never makes IPv4 peers trusted', notes: ['::/96'], inside: ['::1', '::0:1.2.3.4'], outside: ['1.2.3.4', '0.0.0.1', '::ffff:1.2.3.4'] },
    { name: 'an IPv6 range covering the mapped block never matches mapped peers', notes: ['::/64'], inside: ['::1', '::ffff:0:1.2.3.4'], outside: ['::ffff:1.2.3.4', '::ffff:102:304', '1.2.3.4'] },
    { name: 'difference: an IPv6 /0 matches every native IPv6 peer and no IPv4 peer', notes: ['::/0'], inside: ['::', '::1', 'ffff::'], outside: ['0.0.0.0', '::ffff:0.0.0.0'] },
    { name: 'a mapped /104 subnet matches IPv4 and mapped peers in it', notes: ['::ffff:10.0.0.0/104'], inside: ['10.0.0.0', '10.255.255.255', '::ffff:10.1.2.3'], outside: ['11.0.0.0', '::ffff:11.0.0.0'] },
    { name: 'the mapped /96 subnet matches every IPv4 peer', notes: ['::ffff:0:0/96'], inside: ['0.0.0.0', '255.255.255.255', '::ffff:1.2.3.4'], outside: ['::', '::1'] },
    { name: 'native IPv6 never matches a mapped subnet', notes: ['::ffff:0:0/96', '::ffff:10.0.0.1'], inside: [], outside: ['::ffff:0:0:1', '::a00:1', 'ffff::'] },
    { name: 'a mapped subnet shorter than /96 matches nothing', notes: ['::ffff:0:0/80'], inside: [], outside: ['1.2.3.4', '::ffff:1.2.3.4', '::1', '::'] },
    { name: 'a bare mapped entry matches its IPv4 address in both spellings', notes: ['::ffff:10.0.0.1'], inside: ['10.0.0.1', '::ffff:10.0.0.1', '::ffff:a00:1'], outside: ['10.0.0.2'] },
    { name: 'several ranges match any of their addresses', notes: ['10.0.0.0/8', '::1', '192.168.0.0/16', 'fc00::/7'], inside: ['10.0.0.1', '::1', '192.168.1.1', 'fdff::1'], outside: ['11.0.0.1', '::2', 'fe00::'] },
    { name: 'no range matches an invalid address', notes: ['0.0.0.0/0', '::/0'], inside: [], outside: ['', 'unknown', '127.1', '::1.2.3.4', ' 1.2.3.4'] },
    {
      name: 'a first octet no range holds decides every spelling that starts with it',
      notes: ['127.0.0.0/8', '::ffff:10.0.0.0/104'],
      inside: ['127.0x0.0.1', '127.0.0.01', '::ffff:10.0.0.1'],
      outside: ['128.0.0.1', '198.0x33.0.1', '11.0.0.1', '11.', '11.x', '99.1.1.1%eth0', '200.300.1.1', '0.127.0.1'],
    },
  ]

  describe.each(matchCases)('$name', ({ notes, inside, outside }) => {
    const table = buildTable(notes.map((note) => parseRange(note)))
    const words = new Int32Array(4)

    if (inside.length > 0) {
      it.each(inside)('matches %s', (address) => {
        expect(holdsAddress(table, address, 0, -1, false, words)).toBe(true)
        expect(matchingLabel(table, parseAddress(address, words), words)).toBeDefined()
      })
    }
    it.each(outside)('does not match %s', (address) => {
      expect(holdsAddress(table, address, 0, -1, false, words)).toBe(false)
      expect(matchingLabel(table, parseAddress(address, words), words)).toBeUndefined()
    })
  })

  it('answers as matchingLabel does after parseAddress, on generated tables and near-addresses', () => {
    const notes = ['127.0.0.1/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '0.0.0.0/1', '203.0.113.7', '::1', 'fe80::/10', '::ffff:10.0.0.0/104', '::/0']
    const padding = fc.string({ unit: fc.constantFrom(...' ,:.0a%'), maxLength: 3 })
    const words = new Int32Array(4)
    fc.assert(fc.property(fc.subarray(notes), padding, nearAddress, padding, fc.boolean(), (chosen, before, s, after, strict) => {
      const table = buildTable(chosen.map((note) => parseRange(note)))
      const text = before + s + after
      const end = before.length + s.length
      const expected = matchingLabel(table, parseAddress(text, words, before.length, end, strict), words) !== undefined
      expect(holdsAddress(table, text, before.length, end, strict, words)).toBe(expected)
    }), { numRuns: 5000 })
  })

  it('holds nothing that is not a string', () => {
    const table = buildTable([parseRange('0.0.0.0/0'), parseRange('::/0')])
    expect(holdsAddress(table, undefined, 0, -1, false, new Int32Array(4))).toBe(false)
    expect(holdsAddress(table, 0x7f000001, 0, -1, false, new Int32Array(4))).toBe(false)
  })

  it('gives the label of the first entry that holds the address', () => {
    const table = buildTable(['10.0.0.0/8', '10.0.0.1', '::/0', 'fe80::/10'].map((note) => parseRange(note)), ['a', 'b', 'c', 'd'])
    const words = new Int32Array(4)
    expect(matchingLabel(table, parseAddress('10.0.0.1', words), words)).toBe('a')
    expect(matchingLabel(table, parseAddress('fe80::1', words), words)).toBe('c')
    expect(matchingLabel(table, parseAddress('11.0.0.1', words), words)).toBeUndefined()
    expect(matchingLabel(table, parseAddress('unknown', words), words)).toBeUndefined()
  })

  it('labels entries without a label with the empty string', () => {
    const table = buildTable([parseRange('10.0.0.0/8'), parseRange('::1')])
    const words = new Int32Array(4)
    expect(matchingLabel(table, parseAddress('10.0.0.1', words), words)).toBe('')
    expect(matchingLabel(table, parseAddress('::1', words), words)).toBe('')
  })

  it('never matches the invalid kind, whatever the words hold', () => {
    const table = buildTable([parseRange('0.0.0.0/0'), parseRange('::/0')])
    expect(matchingLabel(table, Kind.Invalid, new Int32Array(4))).toBeUndefined()
  })
})

describe('zoneOf', () => {
  it.each([
    { name: 'the text after the %', s: 'fe80::1%eth0', start: 0, end: 12, zone: 'eth0' },
    { name: 'no % is no zone', s: 'fe80::1', start: 0, end: 7, zone: '' },
    { name: 'reads only its slice of a header', s: '10.0.0.1, fe80::1%eth0, x', start: 10, end: 22, zone: 'eth0' },
    { name: 'a % beyond the slice belongs to another entry', s: 'fe80::1, fe80::2%eth1', start: 0, end: 7, zone: '' },
  ])('$name', ({ s, start, end, zone }) => {
    expect(zoneOf(s, start, end)).toBe(zone)
  })
})

describe('buildTable with matchZones', () => {
  it('keeps the zones only when some IPv6 entry has one', () => {
    expect(buildTable([parseRange('fe80::/10'), parseRange('10.0.0.0/8')], [], true).v6Zones).toBeUndefined()
    expect(buildTable([parseRange('fe80::/10'), parseRange('fe80::1%eth0')], [], true).v6Zones).toEqual(['', 'eth0'])
    expect(buildTable([parseRange('fe80::1%eth0')], [], false).v6Zones).toBeUndefined()
  })

  it('holdsAddress reads the zone of the slice it is given', () => {
    const table = buildTable([parseRange('fe80::1%eth0')], [], true)
    const out = new Int32Array(4)
    const header = 'fe80::1%eth1, fe80::1%eth0'
    expect([holdsAddress(table, header, 0, 12, false, out), holdsAddress(table, header, 14, -1, false, out)]).toEqual([false, true])
  })
})
