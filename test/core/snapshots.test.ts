// snapshots.test.ts: the provider snapshots shipped under proxy-trust/ranges: each one is exactly
// what its official format's fixture (test/fixtures/ranges/, copies of the official files) holds.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compiledOf, compileTrust } from '../../src/core/compile.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../../src/core/snapshots.js'
import { parseCloudFront, parseFastly, parseGoogleLoadBalancers, parseLines, type Subnets } from '../../src/ranges/providers.js'
import type { RangeSnapshot } from '../../src/core/ranges.js'

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/ranges/${name}`, import.meta.url), 'utf8')
}

const cases: { name: string; snapshot: RangeSnapshot; official: () => Subnets; counts: [number, number] }[] = [
  {
    name: 'cloudflare, from ips-v4 and ips-v6',
    snapshot: cloudflare,
    official: () => ({ v4: parseLines(fixture('cloudflare-ips-v4.txt'), 4, 'ips-v4'), v6: parseLines(fixture('cloudflare-ips-v6.txt'), 6, 'ips-v6') }),
    counts: [15, 7],
  },
  { name: 'fastly, from the public IP list', snapshot: fastly, official: () => parseFastly(fixture('fastly-public-ip-list.json')), counts: [19, 2] },
  { name: 'cloudfront, from ip-ranges.json', snapshot: cloudfront, official: () => parseCloudFront(fixture('aws-ip-ranges.json')), counts: [46, 32] },
  { name: 'googleLoadBalancers, from the firewall rules page', snapshot: googleLoadBalancers, official: () => parseGoogleLoadBalancers(fixture('google-load-balancing-firewall-rules.md')), counts: [2, 2] },
]

describe('the provider snapshots', () => {
  it.each(cases)('$name: exactly the official list', ({ snapshot, official, counts }) => {
    const { v4, v6 } = official()
    expect(snapshot.v4).toEqual(v4)
    expect(snapshot.v6).toEqual(v6)
    expect([snapshot.v4.length, snapshot.v6.length]).toEqual(counts)
  })

  it.each(cases)('$name: says where and when it was retrieved', ({ snapshot }) => {
    expect(snapshot.source).toMatch(/^https:\/\/\S+( https:\/\/\S+)?$/)
    expect(snapshot.retrieved).toMatch(/^20[0-9]{2}-[01][0-9]-[0-3][0-9]$/)
    expect(Date.parse(snapshot.retrieved)).toBeLessThanOrEqual(Date.now())
  })

  it.each(cases)('$name: is frozen, lists and all', ({ snapshot }) => {
    expect(Object.isFrozen(snapshot) && Object.isFrozen(snapshot.v4) && Object.isFrozen(snapshot.v6)).toBe(true)
  })

  it.each(cases)('$name: is a value of the ranges option', ({ snapshot }) => {
    const trust = compileTrust('loopback, cdn', { ranges: { cdn: snapshot } })
    const [first] = snapshot.v4
    expect(trust((first as string).replace(/\/.*$/, ''), 0)).toBe(true)
    expect(trust('192.0.2.1', 0)).toBe(false)
    expect(compiledOf(trust)?.snapshots).toEqual([{ name: 'cdn', provider: snapshot.name, source: snapshot.source, retrieved: snapshot.retrieved }])
  })

  it('trusts the addresses each provider connects from, and not its neighbours', () => {
    const trust = compileTrust('cloudflare, fastly, cloudfront, google-lb', { ranges: { cloudflare, fastly, cloudfront, 'google-lb': googleLoadBalancers } })
    for (const address of ['173.245.48.1', '2606:4700::1', '151.101.1.1', '2a04:4e42::1', '130.176.0.1', '2600:9000:1000::1', '35.191.0.1', '130.211.3.255', '2600:2d00:1:1::1']) {
      expect(trust(address, 0), address).toBe(true)
    }
    for (const address of ['173.245.64.1', '151.102.0.1', '130.211.4.0', '8.8.8.8', '2600:2d00:1:2::1']) expect(trust(address, 0), address).toBe(false)
  })
})
