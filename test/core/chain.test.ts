// chain.test.ts: the walk with options, feature by feature, through resolveAddr and the proxy-addr
// API: which hops each source gives, which of them are trusted, and what is returned.

import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { proxyaddr } from '../../src/core/proxyaddr.js'
import type { RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'

const PROXY = '10.0.0.1'

function from(peer: string | undefined, headers: Record<string, string>): RequestLike {
  return { socket: { remoteAddress: peer }, headers }
}

interface Case {
  readonly name: string
  readonly setting: TrustSetting
  readonly options: TrustOptions
  readonly req: RequestLike
  readonly ip: string | undefined
  readonly ips: readonly string[]
}

function check({ setting, options, req, ip, ips }: Case): void {
  const trust = compileTrust(setting, options)
  const resolved = resolveAddr(req, trust)
  expect(resolved.ip).toBe(ip)
  expect(resolved.ips).toEqual(ips)
  // the proxy-addr API walks the same way
  expect(proxyaddr(req, trust)).toBe(ip)
}

describe('source: forwarded', () => {
  const forwarded = { source: 'forwarded' } as const
  // RFC 7239 sections 4 and 7, as a proxy at 10.0.0.1 would pass them on
  it.each<Case>([
    { name: 'section 4: an obfuscated node is no address', setting: PROXY, options: forwarded, req: from(PROXY, { forwarded: 'for="_gazonk"' }), ip: undefined, ips: [] },
    { name: 'section 4: a quoted IPv6 node with a port', setting: PROXY, options: forwarded, req: from(PROXY, { forwarded: 'For="[2001:db8:cafe::17]:4711"' }), ip: '2001:db8:cafe::17', ips: ['2001:db8:cafe::17'] },
    { name: 'section 4: for, proto and by in one element', setting: PROXY, options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.60;proto=http;by=203.0.113.43' }), ip: '192.0.2.60', ips: ['192.0.2.60'] },
    { name: 'section 4: two elements, the rightmost read first', setting: PROXY, options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.43, for=198.51.100.17' }), ip: '198.51.100.17', ips: ['198.51.100.17'] },
    { name: 'section 7.1: unknown is no address', setting: [PROXY, '2001:db8::/32'], options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown' }), ip: undefined, ips: [] },
    { name: 'a trusted IPv6 hop is walked past', setting: [PROXY, '2001:db8::/32'], options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.43, for="[2001:db8:cafe::17]"' }), ip: '192.0.2.43', ips: ['192.0.2.43', '2001:db8:cafe::17'] },
    { name: 'several header lines, joined by Node in order', setting: [PROXY, '198.51.100.0/24'], options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.43, for=198.51.100.17' }), ip: '192.0.2.43', ips: ['192.0.2.43', '198.51.100.17'] },
    { name: 'a malformed element ends the list: the last hop read is the answer', setting: [PROXY, '198.51.100.0/24'], options: forwarded, req: from(PROXY, { forwarded: 'for="bad, for=198.51.100.17' }), ip: '198.51.100.17', ips: ['198.51.100.17'] },
    { name: 'the cap ends the list in the same way', setting: true, options: { source: 'forwarded', maxForwarded: 2 }, req: from(PROXY, { forwarded: 'for=192.0.2.1, for=192.0.2.2, for=192.0.2.3' }), ip: '192.0.2.2', ips: ['192.0.2.2', '192.0.2.3'] },
    { name: 'an injected pair inside a quoted value is text, not a parameter', setting: PROXY, options: forwarded, req: from(PROXY, { forwarded: 'for=192.0.2.43;host="x;for=6.6.6.6"' }), ip: '192.0.2.43', ips: ['192.0.2.43'] },
    { name: 'X-Forwarded-For is never read in its place', setting: PROXY, options: forwarded, req: from(PROXY, { 'x-forwarded-for': '6.6.6.6' }), ip: PROXY, ips: [] },
    { name: 'fail: an untrusted peer is the client, whatever it forwards', setting: '127.0.0.1', options: forwarded, req: from(PROXY, { forwarded: 'for=6.6.6.6' }), ip: PROXY, ips: [] },
  ])('$name', check)

  it('takes host and protocol from the element where the walk stopped, never from X-Forwarded-*', () => {
    const req = from(PROXY, {
      forwarded: 'for=6.6.6.6;proto=http;host=evil.example, for=192.0.2.43;proto=https;host=shop.example',
      'x-forwarded-host': 'other.example',
      'x-forwarded-proto': 'http',
      host: 'backend',
    })
    expect(resolveAddr(req, compileTrust(PROXY, { source: 'forwarded' }))).toMatchObject({
      ip: '192.0.2.43', protocol: 'https', secure: true, host: 'shop.example', hostname: 'shop.example',
    })
  })

  it('with the default source, Forwarded is never read', () => {
    expect(resolveAddr(from(PROXY, { forwarded: 'for=6.6.6.6' }), compileTrust(PROXY)).ip).toBe(PROXY)
  })
})

describe('source: a single-address header', () => {
  const realIp = { source: { header: 'X-Real-IP' } } as const
  it.each<Case>([
    { name: 'read when the peer is trusted', setting: PROXY, options: realIp, req: from(PROXY, { 'x-real-ip': '203.0.113.7' }), ip: '203.0.113.7', ips: ['203.0.113.7'] },
    { name: 'spaces around the address are dropped', setting: PROXY, options: realIp, req: from(PROXY, { 'x-real-ip': ' 203.0.113.7 ' }), ip: '203.0.113.7', ips: ['203.0.113.7'] },
    { name: 'any header name, CF-Connecting-IP', setting: PROXY, options: { source: { header: 'CF-Connecting-IP' } }, req: from(PROXY, { 'cf-connecting-ip': '2001:db8::7' }), ip: '2001:db8::7', ips: ['2001:db8::7'] },
    { name: 'fail: an untrusted peer is the client', setting: '127.0.0.1', options: realIp, req: from(PROXY, { 'x-real-ip': '6.6.6.6' }), ip: PROXY, ips: [] },
    { name: 'fail: two lines, joined by Node with ", ", are not one address', setting: PROXY, options: realIp, req: from(PROXY, { 'x-real-ip': '6.6.6.6, 203.0.113.7' }), ip: PROXY, ips: [] },
    { name: 'fail: a value that is not an address', setting: PROXY, options: realIp, req: from(PROXY, { 'x-real-ip': 'unknown' }), ip: PROXY, ips: [] },
    { name: 'fail: X-Forwarded-For is never read in its place', setting: PROXY, options: realIp, req: from(PROXY, { 'x-forwarded-for': '6.6.6.6' }), ip: PROXY, ips: [] },
  ])('$name', check)
})

describe('ports, strict addresses and normalisation', () => {
  it.each<Case>([
    { name: 'ports: IPv4 with a port', setting: PROXY, options: { ports: true }, req: from(PROXY, { 'x-forwarded-for': '203.0.113.7:5678' }), ip: '203.0.113.7', ips: ['203.0.113.7'] },
    { name: 'ports: bracketed IPv6 with and without a port', setting: [PROXY, '2001:db8::/32'], options: { ports: true }, req: from(PROXY, { 'x-forwarded-for': '[::1], [2001:db8::1]:443' }), ip: '::1', ips: ['::1', '2001:db8::1'] },
    { name: 'ports: a port over 65535 leaves the entry whole', setting: PROXY, options: { ports: true }, req: from(PROXY, { 'x-forwarded-for': '203.0.113.7:65536' }), ip: '203.0.113.7:65536', ips: ['203.0.113.7:65536'] },
    { name: 'without ports, a port makes the entry no address', setting: [PROXY, '203.0.113.0/24'], options: {}, req: from(PROXY, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7:5678' }), ip: '203.0.113.7:5678', ips: ['203.0.113.7:5678'] },
    { name: 'strict: an odd spelling is untrusted and no address', setting: true, options: { addresses: 'strict' }, req: from(PROXY, { 'x-forwarded-for': '198.51.100.1, 0177.0.0.1' }), ip: undefined, ips: [] },
    { name: 'compatible: the same odd spelling is trusted by true and walked past', setting: true, options: {}, req: from(PROXY, { 'x-forwarded-for': '198.51.100.1, 0177.0.0.1' }), ip: '198.51.100.1', ips: ['198.51.100.1', '0177.0.0.1'] },
    { name: 'normalize: mapped IPv4 as IPv4, IPv6 in RFC 5952 form, a zone kept', setting: ['::ffff:10.0.0.0/104', 'fe80::/10'], options: { normalize: true }, req: from('::ffff:10.0.0.1', { 'x-forwarded-for': '2001:DB8:0:0:0:0:0:1, FE80::1%eth0' }), ip: '2001:db8::1', ips: ['2001:db8::1', 'fe80::1%eth0'] },
  ])('$name', check)

  it('error: strict addresses refuse odd spellings in the setting', () => {
    expect(() => compileTrust('0177.0.0.1', { addresses: 'strict' })).toThrow(new TypeError('invalid IP address: 0177.0.0.1'))
    expect(() => compileTrust('10.0.0.0/0xff.0.0.0', { addresses: 'strict' })).toThrow(new TypeError('invalid range on address: 10.0.0.0/0xff.0.0.0'))
  })
})

describe('peers without an address, and extended range names', () => {
  it('trustSocketless trusts a socket without an address in a walk, but not when asked trust(undefined, 0) alone', () => {
    const req = from(undefined, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' })
    expect(resolveAddr(req, compileTrust('loopback')).ip).toBeUndefined()
    const trust = compileTrust('loopback', { trustSocketless: true })
    expect(resolveAddr(req, trust)).toMatchObject({ ip: '203.0.113.7', protocol: 'https' })
    // Express's own protocol and host getters ask trust(remoteAddress, 0) with no socket to look at,
    // where a unix socket and a TCP client that has hung up look alike: the predicate says no
    expect(trust(undefined, 0)).toBe(false)
    expect(trust(undefined, 1)).toBe(false)
  })

  it.each([
    { name: 'private', inside: ['127.0.0.1', '169.254.1.1', '10.1.1.1', '172.16.0.1', '192.168.1.1', '::1', 'fe80::1', 'fd00::1'], outside: ['100.64.0.1', '8.8.8.8'] },
    { name: 'cgnat', inside: ['100.64.0.1', '100.127.255.255'], outside: ['100.128.0.1', '10.0.0.1'] },
  ])('extendedRanges adds $name', ({ name, inside, outside }) => {
    const trust = compileTrust(name, { extendedRanges: true })
    for (const addr of inside) expect(trust(addr, 1), addr).toBe(true)
    for (const addr of outside) expect(trust(addr, 1), addr).toBe(false)
    expect(() => compileTrust(name)).toThrow(new TypeError(`invalid IP address: ${name}`))
  })
})

describe('spoofing through one trusted proxy that appends the usual headers', () => {
  // the client 203.0.113.7 forges every header; the proxy 10.0.0.1 appends what it saw
  const forged = {
    'x-forwarded-for': '6.6.6.6, 203.0.113.7',
    forwarded: 'for=6.6.6.6;proto=https;host=evil.example, for=203.0.113.7;proto=http;host=shop.example',
    'x-real-ip': '203.0.113.7',
    'x-forwarded-host': 'evil.example, shop.example',
    'x-forwarded-proto': 'https, http',
    host: 'backend',
  }
  it.each<{ name: string; options: TrustOptions; ip: string; protocol: string; host: string }>([
    { name: 'X-Forwarded-For, aligned: the client and the values the proxy wrote', options: { hostAndProto: 'aligned' }, ip: '203.0.113.7', protocol: 'http', host: 'shop.example' },
    { name: 'Forwarded: the client and its element', options: { source: 'forwarded' }, ip: '203.0.113.7', protocol: 'http', host: 'shop.example' },
    { name: 'X-Real-IP set by the proxy: the right client, but Express\'s leftmost host and protocol, which the client forged', options: { source: { header: 'X-Real-IP' } }, ip: '203.0.113.7', protocol: 'https', host: 'evil.example' },
    { name: 'preset strict', options: { preset: 'strict' }, ip: '203.0.113.7', protocol: 'http', host: 'shop.example' },
  ])('$name', ({ options, ip, protocol, host }) => {
    expect(resolveAddr(from(PROXY, forged), compileTrust(PROXY, options))).toMatchObject({ ip, protocol, host })
  })
})

describe('embedded IPv4 addresses (RFC 4291 section 2.2) in Forwarded nodes and X-Forwarded-For', () => {
  const forwarded = from(PROXY, { forwarded: 'for="[64:ff9b::188.0.2.200]:4711", for=192.0.2.9' })

  it('with strict addresses, for="[64:ff9b::188.0.2.200]" is an address, matched as IPv6', () => {
    expect(resolveAddr(forwarded, compileTrust([PROXY, '192.0.2.9'], { source: 'forwarded', addresses: 'strict' })).ip)
      .toBe('64:ff9b::188.0.2.200')
    const walked = resolveAddr(forwarded, compileTrust([PROXY, '192.0.2.9', '64:ff9b::/96'], { source: 'forwarded', addresses: 'strict', normalize: true }))
    expect(walked.ips).toEqual(['64:ff9b::bc00:2c8', '192.0.2.9'])
  })

  it('in compatible mode it is not an address, as ipaddr.js 1.9.1 reads it: ip is undefined', () => {
    expect(resolveAddr(forwarded, compileTrust([PROXY, '192.0.2.9'], { source: 'forwarded' })).ip).toBeUndefined()
  })

  it('with strict addresses, an X-Forwarded-For entry 64:ff9b::192.0.2.1 is trusted by an IPv6 range and not by an IPv4 one', () => {
    const req = from(PROXY, { 'x-forwarded-for': '203.0.113.9, 64:ff9b::192.0.2.1' })
    expect(resolveAddr(req, compileTrust([PROXY, '64:ff9b::/96'], { addresses: 'strict' })).ip).toBe('203.0.113.9')
    expect(resolveAddr(req, compileTrust([PROXY, '192.0.2.0/24'], { addresses: 'strict' })).ip).toBe('64:ff9b::192.0.2.1')
  })
})
