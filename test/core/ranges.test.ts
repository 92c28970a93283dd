// ranges.test.ts: the `ranges` option: names of one's own in a setting, their validation, the
// rules explanations show for them, and the snapshots a predicate carries.

import proxyaddrOriginal from 'proxy-addr'
import { describe, expect, it } from 'vitest'
import { compiledOf, compileTrust, reasonFor, type TrustSetting } from '../../src/core/compile.js'
import { EXPRESS } from '../../src/core/express.js'
import type { TrustOptions } from '../../src/core/options.js'
import { BUILT_IN_NAMES, compileRanges, type RangeSnapshot } from '../../src/core/ranges.js'

const office = ['203.0.113.0/24', '2001:db8:1::/48']

const cdn: RangeSnapshot = {
  name: 'examplecdn',
  source: 'https://cdn.example/ips',
  retrieved: '2026-01-02',
  v4: ['198.51.100.0/24'],
  v6: ['2001:db8:cd::/48'],
}

/** Options as a caller without types could pass them. */
function untyped(value: unknown): TrustOptions {
  return value as TrustOptions
}

describe('compileTrust with ranges', () => {
  const cases: { name: string; setting: TrustSetting; trusted: string[]; untrusted: string[] }[] = [
    { name: 'a name of one\'s own in a string', setting: 'loopback, office', trusted: ['127.0.0.1', '203.0.113.9', '2001:db8:1::5'], untrusted: ['10.0.0.1', '198.51.100.1'] },
    { name: 'a name in an array', setting: ['office'], trusted: ['203.0.113.200'], untrusted: ['127.0.0.1'] },
    { name: 'a snapshot, by family', setting: 'cdn', trusted: ['198.51.100.7', '2001:db8:cd::1', '::ffff:198.51.100.7'], untrusted: ['203.0.113.9'] },
    { name: 'names beside addresses', setting: 'office, cdn, 10.0.0.1', trusted: ['10.0.0.1', '203.0.113.1', '198.51.100.1'], untrusted: ['10.0.0.2'] },
  ]
  it.each(cases)('trusts $name', ({ setting, trusted, untrusted }) => {
    const trust = compileTrust(setting, { ranges: { office, cdn } })
    for (const address of trusted) expect(trust(address, 0), address).toBe(true)
    for (const address of untrusted) expect(trust(address, 0), address).toBe(false)
  })

  it('answers as proxy-addr does with the names written out', () => {
    const trust = compileTrust('loopback, office, cdn', { ranges: { office, cdn } })
    const expanded = proxyaddrOriginal.compile(['loopback', ...office, ...cdn.v4, ...cdn.v6])
    const addresses = ['127.0.0.1', '203.0.113.9', '2001:db8:1::5', '198.51.100.7', '::ffff:198.51.100.7', '2001:db8:cd::1', '10.0.0.1', '::1', '0177.0.0.1']
    for (const address of addresses) expect(trust(address, 1), address).toBe(expanded(address, 1))
  })

  it('keeps Express\'s fast path: ranges alone are no option beyond Express', () => {
    expect(compiledOf(compileTrust('office', { ranges: { office } }))?.options).toBe(EXPRESS)
  })

  it('explains a match with the name and the subnet', () => {
    const trust = compileTrust('loopback, office, cdn', { ranges: { office, cdn } })
    expect(reasonFor(trust, '203.0.113.4', 0)).toEqual({ trusted: true, rule: 'office (203.0.113.0/24)' })
    expect(reasonFor(trust, '2001:db8:cd::9', 1)).toEqual({ trusted: true, rule: 'cdn (2001:db8:cd::/48)' })
    expect(reasonFor(trust, '192.0.2.1', 1)).toEqual({ trusted: false, rule: 'no range matched' })
  })

  it('carries the snapshots the setting uses, once each, in the setting\'s order', () => {
    const other = { ...cdn, name: 'othercdn' }
    const trust = compileTrust('other, office, cdn, cdn', { ranges: { office, cdn, other } })
    expect(compiledOf(trust)?.snapshots).toEqual([
      { name: 'other', provider: 'othercdn', source: cdn.source, retrieved: cdn.retrieved },
      { name: 'cdn', provider: 'examplecdn', source: cdn.source, retrieved: cdn.retrieved },
    ])
  })

  it('carries the snapshots through options beyond Express', () => {
    const trust = compileTrust('cdn', { ranges: { cdn }, normalize: true })
    expect(compiledOf(trust)?.snapshots).toEqual([{ name: 'cdn', provider: 'examplecdn', source: cdn.source, retrieved: cdn.retrieved }])
  })

  it('carries no snapshot for names it does not use, nor for other settings', () => {
    expect(compiledOf(compileTrust('office', { ranges: { office, cdn } }))?.snapshots).toEqual([])
    expect(compiledOf(compileTrust(2, { ranges: { cdn } }))?.snapshots).toEqual([])
    expect(compiledOf(compileTrust(true, { ranges: { cdn }, ports: true }))?.snapshots).toEqual([])
  })

  it('reads entries under strict addresses as the setting is read', () => {
    expect(() => compileTrust('office', { ranges: { office: ['0177.0.0.1'] }, addresses: 'strict' }))
      .toThrow(new TypeError('invalid range office entry: "0177.0.0.1" (invalid IP address: 0177.0.0.1)'))
    expect(compileTrust('office', { ranges: { office: ['0177.0.0.1'] } })('127.0.0.1', 0)).toBe(true)
  })

  it('leaves a name it is not given an error, as in Express', () => {
    expect(() => compileTrust('office', { ranges: { cdn } })).toThrow(new TypeError('invalid IP address: office'))
  })
})

describe('the ranges option', () => {
  const errors: { name: string; ranges: unknown; message: string }[] = [
    { name: 'error: not an object', ranges: ['203.0.113.0/24'], message: 'invalid option ranges: ["203.0.113.0/24"] (expected an object of range names)' },
    { name: 'error: null', ranges: null, message: 'invalid option ranges: null (expected an object of range names)' },
    { name: 'error: a name in capitals', ranges: { Office: office }, message: 'invalid range name: "Office" (expected a lower-case token: a-z, then a-z, 0-9, - or _)' },
    { name: 'error: a name with a space', ranges: { 'my office': office }, message: 'invalid range name: "my office" (expected a lower-case token: a-z, then a-z, 0-9, - or _)' },
    { name: 'error: a name that starts with a digit', ranges: { '1office': office }, message: 'invalid range name: "1office" (expected a lower-case token: a-z, then a-z, 0-9, - or _)' },
    { name: 'error: a name shadowing loopback', ranges: { loopback: office }, message: 'invalid range name: "loopback" (expected a name that is not built in)' },
    { name: 'error: a name shadowing an extended name', ranges: { cgnat: office }, message: 'invalid range name: "cgnat" (expected a name that is not built in)' },
    { name: 'error: an empty list', ranges: { office: [] }, message: 'invalid range office: [] (expected addresses and subnets, or a snapshot)' },
    { name: 'error: a string for a list', ranges: { office: '203.0.113.0/24' }, message: 'invalid range office: "203.0.113.0/24" (expected addresses and subnets, or a snapshot)' },
    { name: 'error: an invalid address', ranges: { office: ['203.0.113.256'] }, message: 'invalid range office entry: "203.0.113.256" (invalid IP address: 203.0.113.256)' },
    { name: 'error: an invalid prefix', ranges: { office: ['203.0.113.0/33'] }, message: 'invalid range office entry: "203.0.113.0/33" (invalid range on address: 203.0.113.0/33)' },
    { name: 'error: a name inside a list', ranges: { office: ['loopback'] }, message: 'invalid range office entry: "loopback" (invalid IP address: loopback)' },
    { name: 'error: a number entry', ranges: { office: [1] }, message: 'invalid range office entry: 1 (expected an address or subnet)' },
    { name: 'error: a snapshot without a name', ranges: { cdn: { ...cdn, name: undefined } }, message: 'invalid range cdn name: undefined (expected the provider\'s name)' },
    { name: 'error: a snapshot without a source', ranges: { cdn: { ...cdn, source: '' } }, message: 'invalid range cdn source: "" (expected the URL the list came from)' },
    { name: 'error: a snapshot with a bad day', ranges: { cdn: { ...cdn, retrieved: '2026-13-01' } }, message: 'invalid range cdn retrieved: "2026-13-01" (expected a day as YYYY-MM-DD)' },
    { name: 'error: a snapshot dated a day its month does not have', ranges: { cdn: { ...cdn, retrieved: '2025-02-31' } }, message: 'invalid range cdn retrieved: "2025-02-31" (expected a day as YYYY-MM-DD)' },
    { name: 'error: a snapshot dated February 29th of a common year', ranges: { cdn: { ...cdn, retrieved: '2025-02-29' } }, message: 'invalid range cdn retrieved: "2025-02-29" (expected a day as YYYY-MM-DD)' },
    { name: 'error: a snapshot with a time', ranges: { cdn: { ...cdn, retrieved: '2026-01-02T00:00:00Z' } }, message: 'invalid range cdn retrieved: "2026-01-02T00:00:00Z" (expected a day as YYYY-MM-DD)' },
    { name: 'error: a snapshot without v4', ranges: { cdn: { ...cdn, v4: undefined } }, message: 'invalid range cdn v4: undefined (expected a list of IPv4 subnets)' },
    { name: 'error: a snapshot without v6', ranges: { cdn: { ...cdn, v6: '2001:db8::/32' } }, message: 'invalid range cdn v6: "2001:db8::/32" (expected a list of IPv6 subnets)' },
    { name: 'error: an empty snapshot', ranges: { cdn: { ...cdn, v4: [], v6: [] } }, message: 'invalid range cdn: {"name":"examplecdn","source":"https://cdn.example/ips","retrieved":"2026-01-02","v4":[],"v6":[]} (expected a snapshot with at least one subnet)' },
    { name: 'error: IPv6 in v4', ranges: { cdn: { ...cdn, v4: ['2001:db8::/32'] } }, message: 'invalid range cdn entry: "2001:db8::/32" (expected an IPv4 subnet in v4)' },
    { name: 'error: IPv4 in v6', ranges: { cdn: { ...cdn, v6: ['198.51.100.0/24'] } }, message: 'invalid range cdn entry: "198.51.100.0/24" (expected an IPv6 subnet in v6)' },
    { name: 'error: a bad snapshot entry', ranges: { cdn: { ...cdn, v6: ['2001:db8::/129'] } }, message: 'invalid range cdn entry: "2001:db8::/129" (invalid range on address: 2001:db8::/129)' },
  ]
  it.each(errors)('$name', ({ ranges, message }) => {
    expect(() => compileTrust('loopback', untyped({ ranges }))).toThrow(new TypeError(message))
  })

  it('takes no ranges as none', () => {
    expect(compileRanges(undefined, false)).toBeUndefined()
    expect(compileTrust('loopback', { ranges: undefined })('127.0.0.1', 0)).toBe(true)
  })

  it('takes names with digits, dashes and underscores', () => {
    expect(compileTrust('lb-2, vpc_a', { ranges: { 'lb-2': ['10.1.0.0/16'], vpc_a: ['10.2.0.0/16'] } })('10.2.3.4', 0)).toBe(true)
  })

  it('knows the built-in names Express and extendedRanges define', () => {
    expect([...BUILT_IN_NAMES]).toEqual(['loopback', 'linklocal', 'uniquelocal', 'private', 'cgnat'])
  })
})
