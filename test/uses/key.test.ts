// key.test.ts: clientKey, case by case, its promises as properties, and against express-rate-limit
// 8's own `ipKeyGenerator` on generated addresses, with every difference named.

import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clientKey, UNKNOWN_KEY, type ClientKeyOptions } from '../../src/uses/key.js'

const { ipKeyGenerator } = createRequire(import.meta.url)('express-rate-limit') as { ipKeyGenerator(ip: string, ipv6Subnet?: number | false): string }

describe('clientKey', () => {
  it.each([
    { name: 'IPv4 as it stands', ip: '198.51.100.7', key: '198.51.100.7' },
    { name: 'IPv6 grouped by /56', ip: '2001:db8:12:3456::1', key: '2001:db8:12:3400::/56' },
    { name: 'IPv6 in upper case with leading zeros: the same key', ip: '2001:0DB8:0012:34FF:0:0:0:9', key: '2001:db8:12:3400::/56' },
    { name: 'IPv4-mapped, dotted: the IPv4 key', ip: '::ffff:198.51.100.7', key: '198.51.100.7' },
    { name: 'IPv4-mapped, hex and full: the IPv4 key', ip: '0:0:0:0:0:FFFF:C633:6407', key: '198.51.100.7' },
    { name: 'IPv4-compatible, dotted (deprecated): the IPv4 key', ip: '::198.51.100.7', key: '198.51.100.7' },
    { name: 'IPv4-compatible range written in hex: IPv6 (::1 and :: live there)', ip: '::1', key: '::/56' },
    { name: 'NAT64 (RFC 6052) stays IPv6', ip: '64:ff9b::198.51.100.7', key: '64:ff9b::/56' },
    { name: 'a zone id is dropped', ip: 'fe80::1%eth0', key: 'fe80::/56' },
    { name: 'an octal IPv4 spelling (proxy-addr reads 0177.0.0.1 as 127.0.0.1): the address it stands for', ip: '0177.0.0.1', key: '127.0.0.1' },
    { name: 'a whole-number IPv4 spelling: the address it stands for', ip: '2130706433', key: '127.0.0.1' },
    { name: 'fail: undefined: a key of its own', ip: undefined, key: 'unknown' },
    { name: 'fail: text that is no address: as it stands', ip: 'not-an-ip', key: 'not-an-ip' },
  ])('$name', ({ ip, key }) => {
    expect(clientKey(ip)).toBe(key)
  })

  it.each([
    { name: 'ipv6Prefix 64', ip: '2001:db8:12:3456:789a::1', options: { ipv6Prefix: 64 }, key: '2001:db8:12:3456::/64' },
    { name: 'ipv6Prefix 48', ip: '2001:db8:12:3456::1', options: { ipv6Prefix: 48 }, key: '2001:db8:12::/48' },
    { name: 'ipv6Prefix 0: every IPv6 client one key', ip: '2001:db8::1', options: { ipv6Prefix: 0 }, key: '::/0' },
    { name: 'ipv6Prefix 128: the address alone', ip: '2001:DB8::0001', options: { ipv6Prefix: 128 }, key: '2001:db8::1' },
    { name: 'ipv6Prefix 100: inside the fourth word', ip: '2001:db8::abcd:ef12', options: { ipv6Prefix: 100 }, key: '2001:db8::a000:0/100' },
    { name: 'ipv4Prefix 24', ip: '198.51.100.7', options: { ipv4Prefix: 24 }, key: '198.51.100.0/24' },
    { name: 'ipv4Prefix 24 on a mapped address', ip: '::ffff:198.51.100.7', options: { ipv4Prefix: 24 }, key: '198.51.100.0/24' },
    { name: 'ipv4Prefix 0', ip: '198.51.100.7', options: { ipv4Prefix: 0 }, key: '0.0.0.0/0' },
  ])('$name', ({ ip, options, key }) => {
    expect(clientKey(ip, options)).toBe(key)
  })

  it.each([
    { name: 'error: ipv6Prefix above 128', options: { ipv6Prefix: 129 }, message: 'invalid option ipv6Prefix: 129 (expected an integer from 0 to 128)' },
    { name: 'error: ipv6Prefix not an integer', options: { ipv6Prefix: 56.5 }, message: 'invalid option ipv6Prefix: 56.5 (expected an integer from 0 to 128)' },
    { name: 'error: ipv4Prefix negative', options: { ipv4Prefix: -1 }, message: 'invalid option ipv4Prefix: -1 (expected an integer from 0 to 32)' },
    { name: 'error: ipv4Prefix a string', options: { ipv4Prefix: '24' as unknown as number }, message: 'invalid option ipv4Prefix: "24" (expected an integer from 0 to 32)' },
    { name: 'error: express-rate-limit\'s ipv6Subnet, which would leave the /56 default in place', options: { ipv6Subnet: 64 } as ClientKeyOptions, message: 'unknown option: ipv6Subnet (expected ipv6Prefix or ipv4Prefix)' },
    { name: 'error: a misspelt ipv6Prefix', options: { ipv6prefix: 128 } as ClientKeyOptions, message: 'unknown option: ipv6prefix (expected ipv6Prefix or ipv4Prefix)' },
    { name: 'error: options null', options: null as unknown as ClientKeyOptions, message: 'invalid option options: null (expected an object)' },
    { name: 'error: options a number (the prefix given in place of the options)', options: 64 as unknown as ClientKeyOptions, message: 'invalid option options: 64 (expected an object)' },
  ])('$name', ({ options, message }) => {
    expect(() => clientKey('198.51.100.7', options)).toThrow(new TypeError(message))
  })

  it('never throws, and gives a string, for any text (generated)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 32 }), (ip, ipv6Prefix, ipv4Prefix) => {
      expect(typeof clientKey(ip, { ipv6Prefix, ipv4Prefix })).toBe('string')
    }), { numRuns: 5000 })
  })

  it('gives every spelling of one IPv4 address, mapped or not, the same key (generated)', () => {
    fc.assert(fc.property(fc.ipV4(), (v4) => {
      const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number]
      const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
      const spellings = [v4, `::ffff:${v4}`, `::FFFF:${v4}`, `0:0:0:0:0:ffff:${v4}`, `::ffff:${hex}`, `::${v4}`, String(((a << 24) >>> 0) + (b << 16) + (c << 8) + d)]
      expect(new Set(spellings.map((ip) => clientKey(ip)))).toEqual(new Set([v4]))
    }), { numRuns: 2000 })
  })

  it('gives every address in one /56 the same key, and addresses in different /56s different keys (generated)', () => {
    const group = fc.integer({ min: 0, max: 0xffff })
    fc.assert(fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 5, maxLength: 5 }), (a, tail) => {
      const same = [...a.slice(0, 3), ((a[3] as number) & 0xff00) | ((tail[0] as number) & 0xff), ...tail.slice(1)]
      const text = (groups: readonly number[]) => groups.map((g) => g.toString(16)).join(':')
      const first = clientKey(text(a))
      expect(clientKey(text(same))).toBe(first)
      const other = [...a]
      other[3] = ((a[3] as number) ^ 0x100) & 0xffff
      expect(clientKey(text(other))).not.toBe(first)
    }), { numRuns: 2000 })
  })

  it('the unknown key is no address key', () => {
    expect(UNKNOWN_KEY).toBe('unknown')
    expect(clientKey(undefined)).not.toBe(clientKey('::'))
  })
})

/**
 * The kinds of generated input, each from its own generator, and why clientKey's key may differ from
 * express-rate-limit's there. A difference outside these reasons fails the test.
 */
const KINDS = {
  'IPv4, dotted quad': fc.ipV4(),
  'IPv6, any RFC 4291 spelling': fc.ipV6(),
  'IPv6, upper case': fc.ipV6().map((ip) => ip.toUpperCase()),
  'IPv4-mapped, dotted': fc.ipV4().map((v4) => `::ffff:${v4}`),
  'IPv4-mapped, hex': fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([h, l]) => `::ffff:${h.toString(16)}:${l.toString(16)}`),
  'IPv4-mapped, full': fc.ipV4().map((v4) => `0:0:0:0:0:FFFF:${v4}`),
  'IPv4-compatible, dotted': fc.ipV4().map((v4) => `::${v4}`),
  'IPv6 with a zone': fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/)).map(([ip, zone]) => `${ip}%${zone}`),
  'IPv4, other spellings proxy-addr accepts': fc.oneof(
    fc.integer({ min: 1, max: 0xffffffff }).map(String),
    fc.ipV4().map((v4) => v4.split('.').map((octet) => `0${Number(octet).toString(8)}`).join('.')),
    fc.integer({ min: 0, max: 0xffffffff }).map((n) => `0x${n.toString(16)}`),
  ),
  'text that is no address': fc.string({ maxLength: 20 }),
} as const
type InputKind = keyof typeof KINDS

/** Why the keys differ for `ip` of `kind`, or undefined when no documented reason covers it. */
function reasonFor(kind: InputKind, ip: string, theirs: string): string | undefined {
  if (kind === 'IPv4, other spellings proxy-addr accepts' && !theirs.includes('/') && theirs === ip) {
    return 'clientKey reads proxy-addr\'s other IPv4 spellings as the address they stand for (the address the walk matched); express-rate-limit keys the text, so one client has several keys'
  }
  if (kind === 'text that is no address' && /^\d+$/.test(ip) && theirs === ip) {
    return 'a whole number is an IPv4 address to proxy-addr (ipaddr.js 1.9.1): see the row above'
  }
  return undefined
}

describe('clientKey against express-rate-limit 8\'s ipKeyGenerator (ipv6Subnet 56)', () => {
  it('agrees on at least 100,000 generated addresses except where a named reason says why', () => {
    const reasons = new Map<string, number>()
    const unexplained: string[] = []
    let total = 0
    for (const [kind, arbitrary] of Object.entries(KINDS) as [InputKind, fc.Arbitrary<string>][]) {
      for (const ip of fc.sample(arbitrary, { numRuns: 11_000, seed: 20261206 })) {
        total++
        const ours = clientKey(ip)
        const theirs = ipKeyGenerator(ip, 56)
        if (ours === theirs) continue
        const reason = reasonFor(kind, ip, theirs)
        if (reason === undefined) unexplained.push(`${kind}: ${JSON.stringify(ip)} -> ours ${JSON.stringify(ours)}, express-rate-limit ${JSON.stringify(theirs)}`)
        else reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      }
    }
    expect(total).toBeGreaterThanOrEqual(100_000)
    expect(unexplained.slice(0, 20)).toEqual([])
    // every odd spelling differs (express-rate-limit keys its text), and nothing else does
    expect([...reasons.keys()].sort()).toEqual([
      'a whole number is an IPv4 address to proxy-addr (ipaddr.js 1.9.1): see the row above',
      'clientKey reads proxy-addr\'s other IPv4 spellings as the address they stand for (the address the walk matched); express-rate-limit keys the text, so one client has several keys',
    ])
    console.log(`clientKey vs ipKeyGenerator: ${total} addresses, differences by reason:`, Object.fromEntries(reasons))
  })
})
