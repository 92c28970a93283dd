// address.ts: parsing IP addresses and ranges into numbers and matching them.
//
// Validity is exactly ipaddr.js 1.9.1's, the parser behind proxy-addr 2.0.8, including its odd
// IPv4 spellings (`0177.0.0.1`, `2130706433`, `0x7f000001`). Canonical spellings, which are nearly
// every address a proxy writes, take a hand-written path that reads each character once and
// allocates nothing; anything else goes to compatible.ts, which checks it by hand against ipaddr.js's
// own rules and hands only what it accepts to ipaddr.js for its value, so unusual spellings keep
// their exact compatible meaning and nothing is refused by an exception.

import { parseCompatible } from './compatible.js'

/** What `parseAddress` found. */
export const Kind = {
  /** Not an address: never matched against a range. */
  Invalid: 0,
  /** An IPv4 address; its value is in `out[3]`. */
  V4: 1,
  /** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`); the IPv4 value is in `out[3]`. */
  Mapped: 2,
  /** Any other IPv6 address; its 128 bits are in `out[0..3]`, most significant word first. */
  V6: 3,
} as const
export type Kind = (typeof Kind)[keyof typeof Kind]

/** The words of an IPv4-mapped address before its IPv4 part: `::ffff:`. */
export const MAPPED_WORD2 = 0xffff

/** Scratch for the groups of a hand-parsed IPv6 address, so that parsing allocates nothing. */
const groups = new Uint16Array(8)

/**
 * Parse `s.slice(start, end)` as an address, the way proxy-addr 2.0.8 decides what is an address
 * (`strict`: canonical spellings only). Writes the address into `out` (four 32-bit words; IPv4 and
 * mapped addresses are written in their mapped form, with the IPv4 value in `out[3]`) and returns
 * its kind. A zone id (`%eth0`) is accepted and ignored. Never throws.
 */
export function parseAddress(s: unknown, out: Int32Array, start = 0, end = -1, strict = false): Kind {
  if (typeof s !== 'string') return Kind.Invalid
  const stop = end < 0 ? s.length : end
  const v4 = parseDottedQuad(s, start, stop, ANY_OCTET)
  if (v4 >= 0) return writeV4(out, v4, Kind.V4)
  return parseNotQuad(s, out, start, stop, strict)
}

/** `parseAddress` for what is not a canonical dotted quad. */
function parseNotQuad(s: string, out: Int32Array, start: number, stop: number, strict: boolean): Kind {
  const kind = parseCanonicalV6(s, start, stop, out)
  if (kind !== SLOW) return kind
  if (strict) return parseEmbeddedV4(s, out, start, stop)
  const whole = parseWholeDecimal(s, start, stop)
  if (whole >= 0) return writeV4(out, whole, Kind.V4)
  return parseCompatible(start === 0 && stop === s.length ? s : s.slice(start, stop), out)
}

/**
 * A whole decimal number without a leading zero (`0`, `1`, `2130706433`) up to 4294967295, which
 * ipaddr.js 1.9.1 reads as a one-part IPv4 address (its `longValue` form, through `parseInt`), or -1.
 * Read here because a client can fill a header with them, and ipaddr.js takes a microsecond for each.
 */
function parseWholeDecimal(s: string, start: number, stop: number): number {
  const length = stop - start
  if (length < 1 || length > 10 || (length > 1 && s.charCodeAt(start) === 0x30)) return -1 /* 0 */
  let value = 0
  for (let i = start; i < stop; i++) {
    const d = s.charCodeAt(i) - 0x30
    if (d >>> 0 > 9) return -1 /* 0-9 */
    value = value * 10 + d
  }
  return value <= 0xffffffff ? value : -1
}

/**
 * Strict mode's reading of the RFC 4291 section 2.2 forms that end in an IPv4 address (other than
 * the mapped form, read in one pass): `64:ff9b::192.0.2.1` (RFC 6052), `::1.2.3.4`,
 * `1:2:3:4:5:6:1.2.3.4`, optionally with a zone. The IPv4 part must be a canonical dotted quad
 * (RFC 3986's IPv4address, as in ls32); it stands for the last two groups. ipaddr.js 1.9.1 refuses
 * most of these when `::` is used, so compatible mode, which is proxy-addr's reading, does too.
 *
 *   ls32 = ( h16 ":" h16 ) / IPv4address
 */
function parseEmbeddedV4(s: string, out: Int32Array, start: number, stop: number): Kind {
  let zone = s.indexOf('%', start)
  if (zone === -1 || zone >= stop) zone = stop
  const colon = s.lastIndexOf(':', zone - 1)
  if (colon < start) return Kind.Invalid
  const v4 = parseDottedQuad(s, colon + 1, zone, ANY_OCTET)
  if (v4 < 0) return Kind.Invalid
  // the same address with the IPv4 part written as two hex groups, read by the one-pass parser,
  // which counts groups and places "::" (a rare spelling: the string it builds costs nothing that matters)
  const hex = `${s.slice(start, colon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}${s.slice(zone, stop)}`
  const kind = parseCanonicalV6(hex, 0, hex.length, out)
  return kind === SLOW ? Kind.Invalid : kind
}

/**
 * Whether `s.slice(start, end)` is an address in `table`, as `matchingLabel` says of what
 * `parseAddress(s, out, start, end, strict)` reads, except that an address whose first octet no IPv4
 * entry of the table holds is answered once that octet is read. The answer is the same: every
 * spelling ipaddr.js 1.9.1 accepts that starts with a decimal octet and a dot is its four-part IPv4
 * form, whose first octet that is, and an address that is not valid is in no table either. Walks
 * ask this of the entry where they stop, which is most often an address outside every range.
 */
export function holdsAddress(table: RangeTable, s: unknown, start: number, end: number, strict: boolean, out: Int32Array): boolean {
  if (typeof s !== 'string') return false
  const stop = end < 0 ? s.length : end
  const v4 = parseDottedQuad(s, start, stop, table.firstOctets)
  if (v4 === OUTSIDE) return false
  // a dotted quad, what nearly every hop is, goes straight to the IPv4 pairs
  if (v4 >= 0) return holdsV4(table, v4 | 0)
  const kind = parseNotQuad(s, out, start, stop, strict)
  // the zone is cut out only for a table that matches zones, and only for an IPv6 address
  const zone = kind === Kind.V6 && table.v6Zones !== undefined ? zoneOf(s, start, stop) : ''
  return matchingLabel(table, kind, out, zone) !== undefined
}

/** The zone id of the address `s.slice(start, end)`: the text after its `%`, or `''`. */
export function zoneOf(s: string, start: number, end: number): string {
  const percent = s.indexOf('%', start)
  return percent === -1 || percent >= end ? '' : s.substring(percent + 1, end)
}

export function writeV4(out: Int32Array, value: number, kind: typeof Kind.V4 | typeof Kind.Mapped): Kind {
  out[0] = 0
  out[1] = 0
  out[2] = MAPPED_WORD2
  out[3] = value
  return kind
}

/** Returned by `parseDottedQuad` when the first octet is not one of those asked for. */
const OUTSIDE = -2

/** Every first octet: what `parseAddress` asks for. */
const ANY_OCTET = new Int32Array(8).fill(-1)

/**
 * Canonical dotted-quad IPv4 (`0.0.0.0` to `255.255.255.255`, no leading zeros) as a uint32, or -1
 * for anything else, including spellings that ipaddr.js reads differently (`010.0.0.1` is octal).
 * A first octet followed by a dot whose bit in `firstOctets` is clear gives OUTSIDE at once.
 */
function parseDottedQuad(s: string, start: number, end: number, firstOctets: Int32Array): number {
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 0x30
    if (d >>> 0 <= 9) { /* 0-9 */
      // a leading zero makes ipaddr.js read the part as octal: not canonical
      if (digits === 1 && part === 0) return -1
      part = part * 10 + d
      if (++digits > 3 || part > 255) return -1
    } else if (d === -2) { /* . */
      if (digits === 0 || ++dots > 3) return -1
      if (dots === 1 && (((firstOctets[part >>> 5] as number) >>> (part & 31)) & 1) === 0) return OUTSIDE
      value = (value << 8) | part
      part = 0
      digits = 0
    } else {
      return -1
    }
  }
  if (digits === 0 || dots !== 3) return -1
  return ((value << 8) | part) >>> 0
}

/** Returned by the hand-written parsers when only ipaddr.js can decide. */
const SLOW = -1

/** Hex digit values by character code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1)
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c /* 0-9 */
for (let c = 0; c < 6; c++) HEX[0x41 + c] = HEX[0x61 + c] = 10 + c /* A-F a-f */

export function hexValue(c: number): number {
  return c < 128 ? (HEX[c] as number) : -1
}

function isAlphanumeric(c: number): boolean {
  const lower = c | 0x20
  return (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a)
}

/** Whether `s.slice(start, end)` is a zone id as ipaddr.js 1.9.1 reads one: 1*( ALPHA / DIGIT ). */
export function isZone(s: string, start: number, end: number): boolean {
  if (start === end) return false
  for (let i = start; i < end; i++) if (!isAlphanumeric(s.charCodeAt(i))) return false
  return true
}

/**
 * RFC 4291 text form made only of hex groups (`2001:db8::1`, optionally `%zone`), and the mapped form
 * `::ffff:a.b.c.d` that dual-stack sockets report, in one pass. Other embedded-IPv4 forms go to
 * ipaddr.js, which rejects some of them (`::1.2.3.4`), or in strict mode to `parseEmbeddedV4`.
 *
 *   IPv6address = 6( h16 ":" ) ls32 / "::" 5( h16 ":" ) ls32 / ... / [ *6( h16 ":" ) h16 ] "::"
 *   h16 = 1*4HEXDIG ; ZoneID = 1*( unreserved ) as ipaddr.js 1.9.1 reads it: 1*( ALPHA / DIGIT )
 */
function parseCanonicalV6(s: string, start: number, end: number, out: Int32Array): Kind | typeof SLOW {
  if (end - start > 7 && isMappedPrefix(s, start)) {
    const mapped = parseMapped(s, start + 7, end, out)
    // `::ffff:7f00:1` is the same address in hex groups: read on
    if (mapped !== SLOW) return mapped
  }

  let n = 0 // groups read
  let gap = -1 // where "::" stood, in groups
  let i = start
  if (end - start >= 2 && s.charCodeAt(i) === 0x3a && s.charCodeAt(i + 1) === 0x3a) { /* :: */
    gap = 0
    i += 2
  }
  while (i < end) {
    let group = 0
    let digits = 0
    let c = 0
    for (; i < end; i++) {
      c = s.charCodeAt(i)
      const h = c < 128 ? (HEX[c] as number) : -1
      if (h < 0) break
      if (++digits > 4) return SLOW
      group = (group << 4) | h
    }
    if (digits === 0) {
      // only a zone may follow "::" directly
      if (c !== 0x25 || n !== gap || !isZone(s, i + 1, end)) return SLOW /* % */
      break
    }
    if (n === 8) return SLOW
    groups[n++] = group
    if (i === end) break
    if (c === 0x25) { /* % */
      if (!isZone(s, i + 1, end)) return SLOW
      break
    }
    if (c !== 0x3a) return SLOW /* : */
    i++
    if (i < end && s.charCodeAt(i) === 0x3a) { /* :: */
      if (gap !== -1) return SLOW
      gap = n
      i++
    } else if (i === end) {
      return SLOW // a single trailing colon
    }
  }
  // without "::" there are exactly eight groups; "::" stands for at least one zero group
  if (gap === -1 ? n !== 8 : n > 7) return SLOW

  if (gap !== -1) {
    const zeros = 8 - n
    for (let k = n - 1; k >= gap; k--) groups[k + zeros] = groups[k] as number
    for (let k = gap; k < gap + zeros; k++) groups[k] = 0
  }
  for (let w = 0; w < 4; w++) out[w] = ((groups[2 * w] as number) << 16) | (groups[2 * w + 1] as number)
  return out[0] === 0 && out[1] === 0 && out[2] === MAPPED_WORD2 ? Kind.Mapped : Kind.V6
}

/** The dotted quad after `::ffff:`, with an optional zone. */
function parseMapped(s: string, start: number, end: number, out: Int32Array): Kind | typeof SLOW {
  let stop = s.indexOf('%', start)
  if (stop === -1 || stop >= end) stop = end
  else if (!isZone(s, stop + 1, end)) return SLOW
  const v4 = parseDottedQuad(s, start, stop, ANY_OCTET)
  return v4 < 0 ? SLOW : writeV4(out, v4, Kind.Mapped)
}

/** `::ffff:`, case-insensitively. */
function isMappedPrefix(s: string, i: number): boolean {
  return s.charCodeAt(i) === 0x3a && s.charCodeAt(i + 1) === 0x3a &&
    (s.charCodeAt(i + 2) | 0x20) === 0x66 && (s.charCodeAt(i + 3) | 0x20) === 0x66 &&
    (s.charCodeAt(i + 4) | 0x20) === 0x66 && (s.charCodeAt(i + 5) | 0x20) === 0x66 &&
    s.charCodeAt(i + 6) === 0x3a
}

/**
 * A compiled list of ranges: IPv4 entries as (network, mask) pairs, IPv6 entries as four network
 * words followed by four mask words, each network already masked.
 */
export interface RangeTable {
  readonly v4: Int32Array
  readonly v6: Int32Array
  /** What each IPv4 entry was written as in the setting, for explanations. */
  readonly v4Labels: readonly string[]
  /** What each IPv6 entry was written as in the setting, for explanations. */
  readonly v6Labels: readonly string[]
  /**
   * With `zones: 'match'`, when some IPv6 entry has a zone id: each IPv6 entry's zone (`''` for none).
   * A zoned entry then holds only addresses of the same zone; an entry without one, any zone.
   */
  readonly v6Zones: readonly string[] | undefined
  /**
   * The first octets (0 to 255) of the addresses some IPv4 entry holds, as 256 bits: octet `o` is
   * bit `o & 31` of word `o >>> 5`. (Eight words fit in V8's heap; a 256-byte array would not.)
   */
  readonly firstOctets: Int32Array
}

/**
 * The label of the first entry of `table` that holds the address in `words` (as written by
 * `parseAddress` with `kind`), or undefined, with proxy-addr 2.0.8's cross-family rules: IPv4 and
 * mapped addresses are matched as IPv4 (mapped subnets of /96 or longer were compiled into IPv4
 * entries), other IPv6 addresses only against native IPv6 subnets. `zone` is the address's zone id,
 * read only by a table that matches zones (`v6Zones`).
 */
export function matchingLabel(table: RangeTable, kind: Kind, words: Int32Array, zone = ''): string | undefined {
  if (kind === Kind.Invalid) return undefined
  if (kind === Kind.V6) {
    const v6 = table.v6
    const zones = table.v6Zones
    const w0 = words[0] as number
    const w1 = words[1] as number
    const w2 = words[2] as number
    const w3 = words[3] as number
    for (let k = 0; k < v6.length; k += 8) {
      if ((w0 & (v6[k + 4] as number)) === v6[k] && (w1 & (v6[k + 5] as number)) === v6[k + 1] &&
        (w2 & (v6[k + 6] as number)) === v6[k + 2] && (w3 & (v6[k + 7] as number)) === v6[k + 3] &&
        (zones === undefined || sameZone(zones[k >> 3] as string, zone))) {
        return table.v6Labels[k >> 3]
      }
    }
    return undefined
  }
  const k = v4Entry(table, words[3] as number)
  return k === -1 ? undefined : table.v4Labels[k]
}

/**
 * Whether an IPv4 entry of `table` holds `value` (an IPv4 address as a signed 32-bit word): what
 * `holdsAddress` answers for a canonical dotted quad, and what the walks' one-pass reading of such an
 * entry (`entryStartHeld` in sources/xff.ts) asks, so that both answer from the same pairs.
 */
export function holdsV4(table: RangeTable, value: number): boolean {
  return v4Entry(table, value) !== -1
}

/** The index of the first IPv4 entry of `table` holding `value` (an IPv4 address as a signed 32-bit word), or -1. */
function v4Entry(table: RangeTable, value: number): number {
  const v4 = table.v4
  for (let k = 0; k < v4.length; k += 2) {
    if ((value & (v4[k + 1] as number)) === v4[k]) return k >> 1
  }
  return -1
}

/**
 * Whether an entry with zone `entry` holds an address with zone `zone`, as @fastify/proxy-addr 5
 * decides (its `trustSingle`/`trustMulti`): an entry without a zone holds every zone; a zoned entry
 * only the same zone, compared exactly (zone ids are interface names, and case-sensitive on Linux).
 */
function sameZone(entry: string, zone: string): boolean {
  return entry === '' || entry === zone
}

/** A range as compiled from one setting entry, before tables are packed. */
export type Range =
  | { readonly family: 4; readonly network: number; readonly prefix: number }
  | { readonly family: 6; readonly network: readonly number[]; readonly prefix: number; readonly zone: string }
  | { readonly family: 0 } // a mapped subnet shorter than /96: proxy-addr 2.0.8 matches nothing with it

/** Scratch for compile-time parsing: compiling never runs inside another compile. */
const compileWords = new Int32Array(4)

/**
 * Parse one trust entry (`10.0.0.1`, `10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fe80::/10`) with
 * proxy-addr 2.0.8's rules and errors. A bare IPv4-mapped address is stored as IPv4. Unlike
 * proxy-addr, a prefix of zero (`0.0.0.0/0`, `::/0`) is accepted: it means the whole family.
 */
export function parseRange(note: string, strict = false): Range {
  const slash = note.lastIndexOf('/')
  const str = slash === -1 ? note : note.substring(0, slash)
  const words = compileWords
  const kind = parseAddress(str, words, 0, -1, strict)
  if (kind === Kind.Invalid) throw new TypeError('invalid IP address: ' + str)

  const zone = kind === Kind.V6 ? zoneOf(str, 0, str.length) : ''
  if (slash === -1) {
    return kind === Kind.V6 ? v6Range(words, 128, zone) : { family: 4, network: words[3] as number, prefix: 32 }
  }

  const max = kind === Kind.V4 ? 32 : 128
  // read the network first: a netmask is parsed into the same scratch
  const v4 = words[3] as number
  const network = kind === Kind.V6 ? v6Range(words, 0, zone).network : []
  let prefix = parseDigits(note, slash + 1)
  if (prefix === -1 && kind === Kind.V4) prefix = prefixFromNetmask(note.substring(slash + 1), strict)
  if (prefix === -1 || prefix > max) throw new TypeError('invalid range on address: ' + note)

  if (kind === Kind.V4) return { family: 4, network: v4, prefix }
  if (kind === Kind.V6) return { family: 6, network, prefix, zone }
  // a mapped subnet spans IPv4 only when its prefix covers the ::ffff: marker
  return prefix >= 96 ? { family: 4, network: v4, prefix: prefix - 96 } : { family: 0 }
}

/** The value of the digits from `start` to the end of `s` (proxy-addr: /^[0-9]+$/, then parseInt), or -1. */
function parseDigits(s: string, start: number): number {
  if (start === s.length) return -1
  let value = 0
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return -1 /* 0-9 */
    value = value * 10 + (c - 0x30)
  }
  return value
}

function v6Range(words: Int32Array, prefix: number, zone: string): Range & { family: 6 } {
  return { family: 6, network: [words[0] as number, words[1] as number, words[2] as number, words[3] as number], prefix, zone }
}

/** The prefix length of an IPv4 netmask such as `255.255.0.0`; -1 when it is not contiguous. */
function prefixFromNetmask(text: string, strict: boolean): number {
  const words = compileWords
  if (parseAddress(text, words, 0, -1, strict) !== Kind.V4) return -1
  const inverse = ~(words[3] as number)
  // contiguous ones then zeros: the inverse is 2^k - 1
  if ((inverse & (inverse + 1)) !== 0) return -1
  return Math.clz32(inverse)
}

/** A mask word with the first `bits` bits set (0 to 32). */
function maskWord(bits: number): number {
  if (bits <= 0) return 0
  if (bits >= 32) return -1
  return ~(-1 >>> bits)
}

/**
 * Pack parsed ranges, each with the label it was written as, into the table that `holdsAddress` and
 * `matchingLabel` read. With `matchZones`, IPv6 entries with a zone id hold only addresses of that
 * zone; otherwise zones are ignored, as proxy-addr 2.0.8 ignores them.
 */
export function buildTable(ranges: readonly Range[], labels: readonly string[] = [], matchZones = false): RangeTable {
  let v4Count = 0
  let v6Count = 0
  for (const range of ranges) {
    if (range.family === 4) v4Count++
    else if (range.family === 6) v6Count++
  }
  const v4 = new Int32Array(2 * v4Count)
  const v6 = new Int32Array(8 * v6Count)
  const v4Labels: string[] = []
  const v6Labels: string[] = []
  const v6Zones: string[] = []
  const firstOctets = new Int32Array(8)
  for (let k = 0; k < ranges.length; k++) {
    const range = ranges[k] as Range
    const label = labels[k] ?? ''
    if (range.family === 4) {
      const mask = maskWord(range.prefix)
      v4[2 * v4Labels.length] = range.network & mask
      v4[2 * v4Labels.length + 1] = mask
      v4Labels.push(label)
      for (let o = (range.network & mask) >>> 24; o <= ((range.network | ~mask) >>> 24); o++) {
        firstOctets[o >>> 5] = (firstOctets[o >>> 5] as number) | (1 << (o & 31))
      }
    } else if (range.family === 6) {
      const at = 8 * v6Labels.length
      for (let w = 0; w < 4; w++) {
        const mask = maskWord(range.prefix - 32 * w)
        v6[at + w] = (range.network[w] as number) & mask
        v6[at + 4 + w] = mask
      }
      v6Labels.push(label)
      v6Zones.push(range.zone)
    }
  }
  const zoned = matchZones && v6Zones.some((zone) => zone !== '')
  return { v4, v6, v4Labels, v6Labels, v6Zones: zoned ? v6Zones : undefined, firstOctets }
}

/**
 * Where the address of an X-Forwarded-For entry `s.slice(start, end)` that may carry a port starts:
 * `[2001:db8::1]:443` and `[2001:db8::1]` give the text inside the brackets, `1.2.3.4:5678` the text
 * before the colon; `addressSpanEnd` says where it ends. Anything else, including a port that is
 * not 1 to 5 digits up to 65535, is left whole, to be judged as an address as it stands.
 */
export function addressSpan(s: string, start: number, end: number): number {
  return s.charCodeAt(start) === 0x5b && bracketEnd(s, start, end) !== -1 ? start + 1 : start /* [ */
}

/** Where the address that `addressSpan` finds in `s.slice(start, end)` ends. */
export function addressSpanEnd(s: string, start: number, end: number): number {
  if (s.charCodeAt(start) === 0x5b) { /* [ */
    const close = bracketEnd(s, start, end)
    return close === -1 ? end : close
  }
  const colon = find(s, 0x3a, start, end) /* : */
  if (colon === -1) return end
  // an IPv6 address without brackets has more colons, and no port
  if (find(s, 0x3a, colon + 1, end) !== -1 || !isPort(s, colon, end)) return end /* : */
  return colon
}

/** The `]` of a bracketed entry that ends there or with a port, or -1. */
function bracketEnd(s: string, start: number, end: number): number {
  const close = find(s, 0x5d, start, end) /* ] */
  if (close === -1) return -1
  if (close + 1 !== end && !isPort(s, close + 1, end)) return -1
  return close
}

/**
 * The first `c` in `s[from, end)`, or -1. A loop, not indexOf: indexOf searches to the end of the
 * string, which is the rest of the header, and a walk that asks this of every entry would read the
 * header once per entry.
 */
function find(s: string, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (s.charCodeAt(i) === c) return i
  return -1
}

/** `:` followed by a port. */
function isPort(s: string, colon: number, end: number): boolean {
  return s.charCodeAt(colon) === 0x3a && isPortNumber(s, colon + 1, end) /* : */
}

/** Whether `s.slice(start, end)` is a port: 1 to 5 digits, at most 65535. */
export function isPortNumber(s: string, start: number, end: number): boolean {
  if (end - start < 1 || end - start > 5) return false
  let port = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false /* 0-9 */
    port = port * 10 + c - 0x30
  }
  return port <= 65535
}

/**
 * The canonical text of an address that `parseAddress` read into `words`: IPv4 and IPv4-mapped as
 * dotted quad, IPv6 as RFC 5952 says (lower case, longest run of two or more zero groups as `::`),
 * keeping a zone id.
 */
export function formatAddress(kind: Kind, words: Int32Array, zone: string): string {
  if (kind === Kind.V4 || kind === Kind.Mapped) {
    const v = words[3] as number
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  const parts: number[] = []
  for (let w = 0; w < 4; w++) parts.push(((words[w] as number) >>> 16) & 0xffff, (words[w] as number) & 0xffff)
  let bestStart = -1
  let bestLength = 1
  for (let k = 0; k < 8;) {
    if (parts[k] !== 0) {
      k++
      continue
    }
    let j = k
    while (j < 8 && parts[j] === 0) j++
    if (j - k > bestLength) {
      bestStart = k
      bestLength = j - k
    }
    k = j
  }
  const hex = (from: number, to: number): string => parts.slice(from, to).map((p) => p.toString(16)).join(':')
  const text = bestStart === -1 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
  return zone ? `${text}%${zone}` : text
}
