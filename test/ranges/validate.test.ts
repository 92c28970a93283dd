// validate.test.ts: the one check of a provider list: the width bound, the special-purpose blocks,
// and the change bound, with the lists this package ships passing it.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { cloudflare } from '../../src/core/snapshots.js'
import { PROVIDERS } from '../../src/ranges/providers.js'
import { changeOf, describeChange, entryProblem, listProblem, WIDEST } from '../../src/ranges/validate.js'

describe('listProblem', () => {
  it.each([
    ['a public list', { v4: ['198.51.100.0/24', '3.0.0.0/8'], v6: ['2001:db8::/32', '2a00::/16'] }, undefined],
    ['an IPv4 /8 and an IPv6 /16, the widest allowed', { v4: ['3.0.0.0/8'], v6: ['2a00::/16'] }, undefined],
    ['a public IPv6 subnet sharing leading words with a special one', { v4: [], v6: ['::2/128'] }, undefined],
    ['fail: empty', { v4: [], v6: [] }, 'the list is empty'],
    ['fail: not a subnet', { v4: ['1.2.3'], v6: [] }, '"1.2.3" is not a subnet (invalid IP address: 1.2.3)'],
    ['fail: IPv6 among IPv4', { v4: ['2a00::/16'], v6: [] }, '2a00::/16 is not an IPv4 subnet'],
    ['fail: ::/0', { v4: [], v6: ['::/0'] }, '::/0 is wider than a provider publishes (IPv6 subnets must be /16 or longer)'],
    ['fail: 2000::/3, every global IPv6 address', { v4: [], v6: ['2000::/3'] }, '2000::/3 is wider than a provider publishes (IPv6 subnets must be /16 or longer)'],
    ['fail: 4000::/2', { v4: [], v6: ['4000::/2'] }, '4000::/2 is wider than a provider publishes (IPv6 subnets must be /16 or longer)'],
    ['fail: an IPv6 /15', { v4: [], v6: ['2a00::/15'] }, '2a00::/15 is wider than a provider publishes (IPv6 subnets must be /16 or longer)'],
    ['fail: 32.0.0.0/3', { v4: ['32.0.0.0/3'], v6: [] }, '32.0.0.0/3 is wider than a provider publishes (IPv4 subnets must be /8 or longer)'],
    ['fail: 16.0.0.0/4', { v4: ['16.0.0.0/4'], v6: [] }, '16.0.0.0/4 is wider than a provider publishes (IPv4 subnets must be /8 or longer)'],
    ['fail: an IPv4 /7', { v4: ['2.0.0.0/7'], v6: [] }, '2.0.0.0/7 is wider than a provider publishes (IPv4 subnets must be /8 or longer)'],
    ['fail: NAT64 translation', { v4: [], v6: ['64:ff9b::/96'] }, '64:ff9b::/96 overlaps 64:ff9b::/96 (IPv4/IPv6 translation, RFC 6052), which no public proxy connects from'],
    ['fail: 6to4', { v4: [], v6: ['2002:c000:0204::/48'] }, '2002:c000:0204::/48 overlaps 2002::/16 (6to4, RFC 3056), which no public proxy connects from'],
    ['fail: Teredo', { v4: [], v6: ['2001:0:4136::/48'] }, '2001:0:4136::/48 overlaps 2001::/32 (Teredo, RFC 4380), which no public proxy connects from'],
    ['fail: IPv4-mapped', { v4: [], v6: ['::ffff:1.2.3.0/120'] }, '::ffff:1.2.3.0/120 overlaps ::ffff:0:0/96 (IPv4-mapped, RFC 4291), which no public proxy connects from'],
    ['fail: loopback', { v4: ['127.0.0.1'], v6: [] }, '127.0.0.1 overlaps 127.0.0.0/8 (loopback, RFC 1122), which no public proxy connects from'],
    ['fail: private', { v4: ['10.0.0.0/8'], v6: [] }, '10.0.0.0/8 overlaps 10.0.0.0/8 (private, RFC 1918), which no public proxy connects from'],
    ['fail: shared address space', { v4: ['100.64.1.0/24'], v6: [] }, '100.64.1.0/24 overlaps 100.64.0.0/10 (shared address space, RFC 6598), which no public proxy connects from'],
    ['fail: unique local IPv6', { v4: [], v6: ['fd00::/16'] }, 'fd00::/16 overlaps fc00::/7 (unique local, RFC 4193), which no public proxy connects from'],
    ['fail: link-local IPv6 by its last bits', { v4: [], v6: ['fe80::1'] }, 'fe80::1 overlaps fe80::/10 (link-local, RFC 4291), which no public proxy connects from'],
    ['fail: IPv6 loopback', { v4: [], v6: ['::1'] }, '::1 overlaps ::1/128 (loopback, RFC 4291), which no public proxy connects from'],
    ['fail: a mapped subnet that matches nothing', { v4: [], v6: ['::ffff:0:0/80'] }, '::ffff:0:0/80 matches no address'],
    ['fail: IPv4 benchmarking', { v4: ['198.18.0.0/15'], v6: [] }, '198.18.0.0/15 overlaps 198.18.0.0/15 (benchmarking, RFC 2544), which no public proxy connects from'],
    ['fail: IPv6 benchmarking', { v4: [], v6: ['2001:2::/48'] }, '2001:2::/48 overlaps 2001:2::/48 (benchmarking, RFC 5180), which no public proxy connects from'],
    ['fail: inside IPv6 benchmarking', { v4: [], v6: ['2001:2:0:7::/64'] }, '2001:2:0:7::/64 overlaps 2001:2::/48 (benchmarking, RFC 5180), which no public proxy connects from'],
    ['fail: the SRv6 segment identifiers block', { v4: [], v6: ['5f00::/16'] }, '5f00::/16 overlaps 5f00::/16 (SRv6 segment identifiers, RFC 9602), which no public proxy connects from'],
    ['fail: inside the SRv6 block', { v4: [], v6: ['5f00:1:2::/48'] }, '5f00:1:2::/48 overlaps 5f00::/16 (SRv6 segment identifiers, RFC 9602), which no public proxy connects from'],
    ['fail: the dummy prefix', { v4: [], v6: ['100:0:0:1::/64'] }, '100:0:0:1::/64 overlaps 100:0:0:1::/64 (dummy prefix, RFC 9780), which no public proxy connects from'],
    ['the global block beside IPv6 benchmarking', { v4: [], v6: ['2001:3::/32'] }, undefined],
    ['the global block beside the SRv6 block', { v4: [], v6: ['5f01::/16'] }, undefined],
    ['fail: an entry that would drive a terminal, shown escaped', { v4: ['1.2.3.0/24\x1b[2J\u202e'], v6: [] }, '"1.2.3.0/24\\u001b[2J\\u202e" is not a subnet (invalid range on address: 1.2.3.0/24\\x1b[2J\\u202e)'],
  ])('%s', (_name, subnets, problem) => {
    expect(listProblem(subnets)).toBe(problem)
  })

  it('passes every shipped snapshot', () => {
    for (const { snapshot } of PROVIDERS) expect(listProblem(snapshot)).toBeUndefined()
  })

  it('refuses every subnet wider than the bound, of either family (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: WIDEST[4] - 1 }), (network, prefix) => {
      const entry = `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${prefix}`
      return entryProblem(entry) !== undefined
    }))
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: WIDEST[6] - 1 }), (words, prefix) => {
      return entryProblem(`${words.map((word) => word.toString(16)).join(':')}/${prefix}`) !== undefined
    }))
  })

  it('refuses every subnet that holds a private or loopback address (property)', () => {
    const inside = fc.oneof(
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    )
    fc.assert(fc.property(inside, fc.integer({ min: 8, max: 32 }), (octets, prefix) => entryProblem(`${octets.join('.')}/${prefix}`.replace(/^(.*)\/(\d+)$/, (_, address: string, bits: string) => `${masked(address, Number(bits))}/${bits}`)) !== undefined))
  })
})

/** An IPv4 address masked to `prefix` bits, as a subnet must be written. */
function masked(address: string, prefix: number): string {
  const value = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0)
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
  const network = (value & mask) >>> 0
  return [24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')
}

describe('a snapshot passed as the ranges option', () => {
  it('error: a snapshot holding 2000::/3 fails at compile time, naming the entry', () => {
    const wide = { ...cloudflare, v6: [...cloudflare.v6, '2000::/3'] }
    expect(() => compileTrust('cloudflare', { ranges: { cloudflare: wide } })).toThrow(new TypeError(
      'invalid range cloudflare: 2000::/3 is wider than a provider publishes (IPv6 subnets must be /16 or longer) (a provider\'s list never holds it; check the list at its source)'))
  })

  it('leaves a list of one\'s own alone: private ranges are what it is for', () => {
    expect(compileTrust('office', { ranges: { office: ['10.0.0.0/8'] } })('10.1.2.3', 1)).toBe(true)
  })
})

describe('changeOf', () => {
  const previous = { v4: ['198.51.100.0/24', '203.0.113.0/24'], v6: ['2001:db8::/32'] }
  it.each([
    ['the same list', previous, { added: [], removed: [], size: 3, before: 3, beyond: false }],
    ['one replaced', { v4: ['198.51.100.0/24', '192.0.2.0/24'], v6: ['2001:db8::/32'] }, { added: ['192.0.2.0/24'], removed: ['203.0.113.0/24'], size: 3, before: 3, beyond: false }],
    ['shrunk to one of three, beyond', { v4: ['198.51.100.0/24'], v6: [] }, { added: [], removed: ['203.0.113.0/24', '2001:db8::/32'], size: 1, before: 3, beyond: true }],
    ['grown to seven, beyond', { v4: ['1.0.0.0/24', '1.0.1.0/24', '1.0.2.0/24', '1.0.3.0/24', '1.0.4.0/24', '1.0.5.0/24', '1.0.6.0/24'], v6: [] }, { added: ['1.0.0.0/24', '1.0.1.0/24', '1.0.2.0/24', '1.0.3.0/24', '1.0.4.0/24', '1.0.5.0/24', '1.0.6.0/24'], removed: [...previous.v4, ...previous.v6], size: 7, before: 3, beyond: true }],
  ])('%s', (_name, next, change) => {
    expect(changeOf(previous, next)).toEqual(change)
  })

  it('describes a change as sizes, then each subnet added and removed', () => {
    expect(describeChange(changeOf(previous, { v4: ['192.0.2.0/24'], v6: [] }))).toBe(
      '1 subnets against 3 before (1 added, 3 removed)\n  + 192.0.2.0/24\n  - 198.51.100.0/24\n  - 203.0.113.0/24\n  - 2001:db8::/32')
  })

  it('compares 80,000-subnet lists by sets, not by scanning one for each entry of the other', () => {
    const many = Array.from({ length: 80_000 }, (_, k) => `1.${(k >> 8) & 255}.${k & 255}.${k >> 16}`)
    const change = changeOf({ v4: many, v6: [] }, { v4: many.slice(1), v6: [] })
    expect([change.added, change.removed, change.size, change.before]).toEqual([[], [many[0]], 79_999, 80_000])
  })
})
