// compatible.ts: the IP address spellings the hand-written parsers of address.ts leave alone
// (`0x7f.0.0.1`, `1:2:3:4:5:6:1.2.3.4`), read with ipaddr.js 1.9.1's own validity and values; the
// only module that imports ipaddr.js. No proxy writes these spellings, so this module, and
// ipaddr.js with it, loads when the first one arrives.

import { hexValue, isZone, Kind, MAPPED_WORD2, writeV4 } from './address.js'

/**
 * ipaddr.js 1.9.1's value of a spelling the hand-written parsers leave alone (`0x7f.0.0.1`, `1:2:3:4:5:6:1.2.3.4`),
 * once `compatibleValidity` has said that ipaddr.js accepts it: ipaddr.js reports what it refuses by
 * throwing, inside `isValid` too, which costs microseconds a hop and is what a client would choose to
 * send. So nothing ipaddr.js would refuse reaches it, and ipaddr.js is loaded only when such a
 * spelling first arrives.
 */
export function parseCompatible(s: string, out: Int32Array): Kind {
  const validity = compatibleValidity(s)
  if (validity === Kind.Invalid) return Kind.Invalid
  const ip = ipaddr().parse(s)
  if (validity === Kind.V4) {
    const [a = 0, b = 0, c = 0, d = 0] = (ip as IPv4).octets
    return writeV4(out, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0, Kind.V4)
  }
  const parts = (ip as IPv6).parts
  for (let w = 0; w < 4; w++) {
    out[w] = ((parts[2 * w] as number) << 16) | (parts[2 * w + 1] as number)
  }
  return out[0] === 0 && out[1] === 0 && out[2] === MAPPED_WORD2 ? Kind.Mapped : Kind.V6
}

type IpAddr = typeof import('ipaddr.js')
type IPv4 = import('ipaddr.js').IPv4
type IPv6 = import('ipaddr.js').IPv6
let ipaddrModule: IpAddr | undefined

/** ipaddr.js, required the first time it is needed: canonical spellings never need it. */
function ipaddr(): IpAddr {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, synchronously
  return (ipaddrModule ??= require('ipaddr.js') as IpAddr)
}

/**
 * What ipaddr.js 1.9.1's `isValid(s)` says, worked out without it, in one pass over `s` and without
 * exceptions: `Kind.V4`, `Kind.V6` (the kind ipaddr.js parses it as) or `Kind.Invalid`. Written from
 * lib/ipaddr.js 1.9.1 (`IPv6.isValid` first, then `IPv4.isValid`; the `native` and `transitional`
 * IPv6 patterns, `expandIPv6` and the constructors' range checks; IPv4's `fourOctet` and `longValue`
 * patterns with `parseIntAuto`); test/core/address.test.ts holds it equal to ipaddr.js over
 * generated spellings.
 */
export function compatibleValidity(s: string): Kind {
  if (s.indexOf(':') === -1) return ipv4Validity(s)
  const percent = s.indexOf('%')
  if (percent !== -1 && !isZone(s, percent + 1, s.length)) return Kind.Invalid
  const end = percent === -1 ? s.length : percent
  const lastColon = s.lastIndexOf(':', end - 1)
  if (s.indexOf('.') === -1) {
    // native: ^(::)?((?:[0-9a-f]+::?)+)?([0-9a-f]+)?(::)?(%[0-9a-z]+)?$ (i), then expandIPv6(s, 8)
    return isGroups(s, 0, end) && expandedGroups(s, 0, end, 8) ? Kind.V6 : Kind.Invalid
  }
  // transitional: ^((?:[0-9a-f]+::?)+|::(?:[0-9a-f]+::?)*) ipv4Part{4 with dots} (%[0-9a-z]+)?$ (i),
  // then expandIPv6(prefix without its last colon, 6) and the dotted parts read by parseInt
  if (!isGroups(s, 0, lastColon + 1)) return Kind.Invalid
  let from = lastColon + 1
  for (let k = 0; k < 4; k++) {
    const dot = k < 3 ? s.indexOf('.', from) : end
    if (dot === -1 || dot > end) return Kind.Invalid
    if (!(ipv4PartValue(s, from, dot, false) <= 255)) return Kind.Invalid
    from = dot + 1
  }
  return expandedGroups(s, 0, lastColon, 6) ? Kind.V6 : Kind.Invalid
}

/**
 * Whether `s.slice(start, end)` is made of hex groups and colons as the IPv6 patterns allow: no
 * `:::`, and a colon first only as `::`. Never empty here: it holds the text's colon.
 */
function isGroups(s: string, start: number, end: number): boolean {
  if (s.charCodeAt(start) === 0x3a && s.charCodeAt(start + 1) !== 0x3a) return false /* : */
  let colons = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x3a) { /* : */
      if (++colons > 2) return false
    } else if (hexValue(c) < 0) {
      return false
    } else {
      colons = 0
    }
  }
  return true
}

/**
 * `expandIPv6(s.slice(start, end), parts)` succeeding and its groups passing the IPv6 constructor's
 * checks, step by step as ipaddr.js 1.9.1 does it (without its regular expressions): at most one
 * `::`; at most `parts` colons, not counting a `::` at either end; `::` replaced by the missing zero
 * groups and one colon cut from each end; then exactly `parts` groups, each a hex number up to ffff
 * (leading zeros allowed, none empty). Only spellings no proxy writes come here, so the strings it
 * builds cost nothing that matters; each step is linear in the length.
 */
function expandedGroups(s: string, start: number, end: number, parts: number): boolean {
  let text = s.slice(start, end)
  if (text.indexOf('::') !== text.lastIndexOf('::')) return false
  let colons = 0
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x3a) colons++ /* : */
  if (text.startsWith('::')) colons--
  if (text.endsWith('::')) colons--
  if (colons > parts) return false
  text = text.replace('::', `:${'0:'.repeat(parts - colons)}`)
  if (text.startsWith(':')) text = text.slice(1)
  if (text.endsWith(':')) text = text.slice(0, -1)
  let groups = 0
  let from = 0
  for (let k = 0; k <= text.length; k++) {
    if (k === text.length || text.charCodeAt(k) === 0x3a) { /* : */
      if (++groups > parts || !isHexGroup(text, from, k)) return false
      from = k + 1
    }
  }
  return groups === parts
}

/** A hex number from 0 to ffff, with any number of leading zeros, and not empty. */
function isHexGroup(s: string, start: number, end: number): boolean {
  if (start === end) return false
  let i = start
  while (i < end - 1 && s.charCodeAt(i) === 0x30) i++ /* 0 */
  return end - i <= 4
}

/** ipaddr.js 1.9.1's IPv4.isValid: four parts with dots, each up to 255, or one part up to 2^32 - 1. */
function ipv4Validity(s: string): Kind {
  let from = 0
  let parts = 0
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s.charCodeAt(i) === 0x2e) { /* . */
      if (++parts > 4 || !(ipv4PartValue(s, from, i, true) <= (i === s.length && parts === 1 ? 0xffffffff : 255))) return Kind.Invalid
      from = i + 1
    }
  }
  return parts === 1 || parts === 4 ? Kind.V4 : Kind.Invalid
}

/**
 * The value of one IPv4 part matching ipaddr.js 1.9.1's `(0?\d+|0x[a-f0-9]+)` (i), or NaN. `auto` is
 * `parseIntAuto` (a leading `0` not followed by a lower-case `x` reads the longest octal prefix:
 * `0X1F` is 0, `09` is 0); otherwise `parseInt` without a radix (decimal, or hex after `0x`/`0X`).
 * Values above 2^32 are returned as Infinity: only their size matters.
 */
function ipv4PartValue(s: string, start: number, end: number, auto: boolean): number {
  if (start === end) return Number.NaN
  const hex = end - start > 2 && s.charCodeAt(start) === 0x30 && (s.charCodeAt(start + 1) | 0x20) === 0x78 /* 0 x */
  for (let i = hex ? start + 2 : start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (hex ? hexValue(c) < 0 : c < 0x30 || c > 0x39) return Number.NaN /* 0-9 */
  }
  let radix = 10
  let i = start
  if (auto && s.charCodeAt(start) === 0x30 && s.charCodeAt(start + 1) !== 0x78) radix = 8 /* 0 x */
  else if (hex) { radix = 16; i = start + 2 }
  let value = 0
  for (; i < end; i++) {
    const d = hexValue(s.charCodeAt(i))
    if (d < 0 || d >= radix) break
    value = value * radix + d
    if (value > 0xffffffff) return Number.POSITIVE_INFINITY
  }
  return value
}
