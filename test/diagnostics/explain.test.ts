// explain.test.ts: explain, which tells why a request resolves as it does, and lintSetting, which
// checks a setting's entries; generated requests prove that every explanation agrees with
// resolveAddr and with the walk proxyaddr.all reports.

import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import { explain, lintSetting, type ExplainedHop, type Explanation, type StopReason, type WarningCode } from '../../src/diagnostics/explain.js'
import type { TrustOptions } from '../../src/core/options.js'
import { proxyaddr } from '../../src/core/proxyaddr.js'
import { fromFetch, type HeadersLike, type RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'
import {
  forwardedHost, forwardedProto, hopAddress, hostValue, IPV6_POOL, PROXY_POOL, request, requestWithTrust,
  anyTrustSetting, forwardedElementOf, type GeneratedRequest,
} from '../fixtures/generators.js'
import { requestFrom } from '../fixtures/unit-requests.js'

/** `[index, role, trusted, reason]` of every hop: what a hop table shows. */
type HopRow = [number, ExplainedHop['role'], boolean | undefined, string]

function rows(explanation: Explanation): HopRow[] {
  return explanation.hops.map((hop) => [hop.index, hop.role, hop.trusted, hop.reason])
}

function codes(explanation: Explanation): WarningCode[] {
  return explanation.warnings.map((warning) => warning.code)
}

function explainWith(setting: TrustSetting, req: RequestLike, options?: TrustOptions): Explanation {
  return explain(req, compileTrust(setting, options), setting)
}

const LOCAL = '127.0.0.1'
const XFF = (value: string, more: HeadersLike = {}): HeadersLike => ({ host: 'example.com', 'x-forwarded-for': value, ...more })

describe('explain: the rule that decided each hop', () => {
  interface HopCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly hops: readonly HopRow[]
  }

  const custom: TrustFn = (addr, i) => addr === LOCAL || i === 1

  const cases: readonly HopCase[] = [
    {
      name: 'a named range names its range; the client matched none',
      setting: 'loopback, 10.0.0.0/8', req: requestFrom(LOCAL, XFF('203.0.113.5, 10.0.0.2')),
      hops: [[0, 'proxy', true, 'loopback (127.0.0.1/8)'], [1, 'proxy', true, '10.0.0.0/8'], [2, 'client', undefined, 'the last entry: not asked']],
    },
    {
      name: 'the first untrusted hop is the client; entries beyond it are ignored, not read',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('198.51.100.7, 203.0.113.5')),
      hops: [[0, 'proxy', true, 'loopback (127.0.0.1/8)'], [1, 'client', false, 'no range matched'], [2, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'an IPv6 peer names the IPv6 half of a named range',
      setting: 'loopback', req: requestFrom('::1', XFF('203.0.113.5')),
      hops: [[0, 'proxy', true, 'loopback (::1/128)'], [1, 'client', undefined, 'the last entry: not asked']],
    },
    {
      name: 'true trusts every hop',
      setting: true, req: requestFrom('203.0.113.1', XFF('198.51.100.7, 203.0.113.5')),
      hops: [[0, 'proxy', true, 'trust all'], [1, 'proxy', true, 'trust all'], [2, 'client', undefined, 'the last entry: not asked']],
    },
    {
      name: 'false trusts nothing: the peer is asked, and is the client',
      setting: false, req: requestFrom('203.0.113.1', XFF('198.51.100.7')),
      hops: [[0, 'client', false, 'trust nothing'], [1, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'a hop count compares the index',
      setting: 2, req: requestFrom('203.0.113.1', XFF('198.51.100.7, 203.0.113.5, 10.0.0.1')),
      hops: [[0, 'proxy', true, 'hop 0 < 2'], [1, 'proxy', true, 'hop 1 < 2'], [2, 'client', false, 'hop 2 >= 2'], [3, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'a custom function answering other values than booleans is read as Express reads it, truthy or not',
      setting: ((addr: string | undefined) => (addr === LOCAL ? 'yes' : 0)) as unknown as TrustFn, req: requestFrom(LOCAL, XFF('203.0.113.5, 10.0.0.1')),
      hops: [[0, 'proxy', true, 'custom function'], [1, 'client', false, 'custom function'], [2, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'a custom function is called as the walk calls it',
      setting: custom, req: requestFrom(LOCAL, XFF('198.51.100.7, 203.0.113.5, 10.0.0.1')),
      hops: [[0, 'proxy', true, 'custom function'], [1, 'proxy', true, 'custom function'], [2, 'client', false, 'custom function'], [3, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'an entry that is not an address matches no range',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5, unknown')),
      hops: [[0, 'proxy', true, 'loopback (127.0.0.1/8)'], [1, 'client', false, 'not an IP address'], [2, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'a peer that is not an address matches no range',
      setting: 'loopback', req: requestFrom('localhost', XFF('203.0.113.5')),
      hops: [[0, 'client', false, 'not an IP address'], [1, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'with options, a hop that is not an address is untrusted without asking, even with true',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5, for=unknown, for=10.0.0.1' }),
      hops: [[0, 'proxy', true, 'trust all'], [1, 'proxy', true, 'trust all'], [2, 'client', false, 'not an IP address'], [3, 'ignored', undefined, 'beyond the client: not read']],
    },
    {
      name: 'trustSocketless trusts a socket without an address',
      setting: 'loopback', options: { trustSocketless: true }, req: requestFrom(undefined, XFF('203.0.113.5')),
      hops: [[0, 'proxy', true, 'trustSocketless: a socket without an address'], [1, 'client', undefined, 'the last entry: not asked']],
    },
    {
      name: 'a lone trusted peer is the client, and its reason says nothing lies beyond it',
      setting: 'loopback', req: requestFrom(LOCAL, { host: 'example.com' }),
      hops: [[0, 'client', true, 'loopback (127.0.0.1/8), but no forwarded address lies beyond it']],
    },
    {
      name: 'a lone untrusted peer is the client by its rule alone',
      setting: 'loopback', req: requestFrom('203.0.113.1', { host: 'example.com' }),
      hops: [[0, 'client', false, 'no range matched']],
    },
    {
      name: 'a single-address header holds one hop',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, { 'x-real-ip': '203.0.113.5' }),
      hops: [[0, 'proxy', true, 'loopback (127.0.0.1/8)'], [1, 'client', undefined, 'the last entry: not asked']],
    },
    {
      name: 'a single-address header that is not one address is listed and ignored',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, { 'x-real-ip': '203.0.113.5, 10.0.0.1' }),
      hops: [[0, 'client', true, 'loopback (127.0.0.1/8), but no forwarded address lies beyond it'], [1, 'ignored', undefined, 'not a single IP address']],
    },
  ]

  it.each(cases)('$name', ({ setting, options, req, hops }) => {
    expect(rows(explainWith(setting, req, options))).toEqual(hops)
  })

  it('gives each hop where it came from, what was received, its address and whether it is one', () => {
    const req = requestFrom(LOCAL, { forwarded: 'for="[2001:DB8::1]:4711", for=_hidden, for=10.0.0.1;proto=https' })
    const { hops } = explainWith(true, req, { source: 'forwarded', normalize: true })
    expect(hops.map(({ from, received, address, valid }) => ({ from, received, address, valid }))).toEqual([
      { from: 'socket', received: LOCAL, address: LOCAL, valid: true },
      { from: 'forwarded', received: '10.0.0.1', address: '10.0.0.1', valid: true },
      { from: 'forwarded', received: '_hidden', address: undefined, valid: false },
      { from: 'forwarded', received: '[2001:DB8::1]:4711', address: '2001:db8::1', valid: true },
    ])
  })

  it('keeps an X-Forwarded-For entry as received and its address without the port, with ports', () => {
    const { hops } = explainWith('loopback', requestFrom(LOCAL, XFF('203.0.113.5:4711, [::1]:80')), { ports: true })
    expect(hops.map(({ received, address }) => [received, address])).toEqual([
      [LOCAL, LOCAL], ['[::1]:80', '::1'], ['203.0.113.5:4711', '203.0.113.5'],
    ])
  })

  it('returns an entry that is not an address as it stands in compatible mode, as proxy-addr does', () => {
    const explanation = explainWith(true, requestFrom(LOCAL, XFF('unknown')))
    expect(explanation.hops[1]).toMatchObject({ received: 'unknown', address: 'unknown', valid: false })
    expect(explanation.result.ip).toBe('unknown')
  })

  it('judges validity by the address rules in force', () => {
    const compatible = explainWith(true, requestFrom(LOCAL, XFF('0177.0.0.1')))
    const strict = explainWith(true, requestFrom(LOCAL, XFF('0177.0.0.1')), { addresses: 'strict' })
    expect([compatible.hops[1]?.valid, strict.hops[1]?.valid]).toEqual([true, false])
  })
})

describe('explain: long chains', () => {
  const peer = '10.0.0.1'
  const ones = Array.from({ length: 200_000 }, () => '1').join(',')

  it.each<[string, TrustSetting, number, number]>([
    ['walks 200,000 hops with trust true', true, 200_000, 0],
    ['lists 200,000 hops beyond a client it found at hop 1', 'uniquelocal', 1, 199_999],
  ])('%s', (_name, setting, client, ignored) => {
    const req = requestFrom(peer, { 'x-forwarded-for': ones })
    const { hops, stop, result } = explain(req, compileTrust(setting), setting)
    expect(hops).toHaveLength(200_001)
    expect(stop.index).toBe(client)
    expect(hops.filter((hop) => hop.role === 'ignored')).toHaveLength(ignored)
    expect(result).toEqual(resolveAddr(req, compileTrust(setting)))
  })
})

describe('explain: where the walk stopped', () => {
  interface StopCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly stop: { readonly index: number; readonly reason: StopReason; readonly message: string }
  }

  const cases: readonly StopCase[] = [
    {
      name: 'at an untrusted hop',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('198.51.100.7, 203.0.113.5')),
      stop: { index: 1, reason: 'untrusted', message: 'hop 1 ("203.0.113.5") is not trusted: it is the client' },
    },
    {
      name: 'at an untrusted peer without an address',
      setting: 'loopback', req: requestFrom(undefined, XFF('203.0.113.5')),
      stop: { index: 0, reason: 'untrusted', message: 'hop 0 (no address) is not trusted: it is the client' },
    },
    {
      name: 'at the last entry',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5')),
      stop: { index: 1, reason: 'end', message: 'no more entries: hop 1 is the client' },
    },
    {
      name: 'at the peer, when there are no entries',
      setting: false, req: requestFrom('203.0.113.1', { host: 'example.com' }),
      stop: { index: 0, reason: 'end', message: 'no forwarded addresses: the socket peer is the client' },
    },
    {
      name: 'fail: at the element right of a malformed Forwarded element',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=198.51.100.7, for=, for=203.0.113.5' }),
      stop: { index: 1, reason: 'malformed', message: 'a malformed Forwarded element ends the list: hop 1 is the client, the elements left of it are ignored' },
    },
    {
      name: 'at maxForwarded Forwarded elements',
      setting: true, options: { source: 'forwarded', maxForwarded: 2 }, req: requestFrom(LOCAL, { forwarded: 'for=198.51.100.7, for=203.0.113.5, for=10.0.0.1' }),
      stop: { index: 2, reason: 'limit', message: 'maxForwarded (2) elements read: hop 2 is the client, the rest of the header is not read' },
    },
    {
      name: 'at an untrusted hop, whatever lies beyond in the Forwarded header',
      setting: 'loopback', options: { source: 'forwarded', maxForwarded: 2 }, req: requestFrom(LOCAL, { forwarded: 'for=, for=198.51.100.7, for=203.0.113.5' }),
      stop: { index: 1, reason: 'untrusted', message: 'hop 1 ("203.0.113.5") is not trusted: it is the client' },
    },
    {
      name: 'at the end of a well-formed Forwarded header',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5' }),
      stop: { index: 1, reason: 'end', message: 'no more entries: hop 1 is the client' },
    },
    {
      name: 'fail: at the peer, when the single-address header is not one address',
      setting: 'loopback', options: { source: { header: 'CF-Connecting-IP' } }, req: requestFrom(LOCAL, { 'cf-connecting-ip': 'example.com' }),
      stop: { index: 0, reason: 'malformed', message: 'cf-connecting-ip is not a single IP address: it is ignored, the socket peer is the client' },
    },
    {
      name: 'at the peer, when the single-address header is absent',
      setting: 'loopback', options: { source: { header: 'CF-Connecting-IP' } }, req: requestFrom(LOCAL, {}),
      stop: { index: 0, reason: 'end', message: 'no forwarded addresses: the socket peer is the client' },
    },
  ]

  it.each(cases)('$name', ({ setting, options, req, stop }) => {
    expect(explainWith(setting, req, options).stop).toEqual(stop)
  })
})

describe('explain: which header each answer came from', () => {
  interface OriginCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly from: Explanation['from']
  }

  const PROXIED = { 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }

  const cases: readonly OriginCase[] = [
    {
      name: 'a trusted peer: X-Forwarded-For, -Host and -Proto',
      setting: 'loopback', req: requestFrom(LOCAL, { host: 'backend', ...PROXIED }),
      from: { ip: 'x-forwarded-for', ips: 'x-forwarded-for', host: 'x-forwarded-host', hostname: 'x-forwarded-host', protocol: 'x-forwarded-proto', secure: 'x-forwarded-proto' },
    },
    {
      name: 'an untrusted peer: the socket and Host',
      setting: false, req: requestFrom('203.0.113.1', { host: 'backend', ...PROXIED }),
      from: { ip: 'socket', ips: undefined, host: 'host', hostname: 'host', protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'HTTP/2 without Host: :authority',
      setting: false, req: requestFrom('203.0.113.1', { ':authority': 'shop.example' }),
      from: { ip: 'socket', ips: undefined, host: ':authority', hostname: ':authority', protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'no host at all',
      setting: false, req: requestFrom('203.0.113.1', {}),
      from: { ip: 'socket', ips: undefined, host: undefined, hostname: undefined, protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'an empty first X-Forwarded-Host value leaves host undefined',
      setting: true, req: requestFrom(LOCAL, { host: 'backend', 'x-forwarded-host': ', shop.example' }),
      from: { ip: 'socket', ips: undefined, host: undefined, hostname: undefined, protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'aligned: the values of the proxy where the walk stopped',
      setting: 'loopback', options: { hostAndProto: 'aligned' },
      req: requestFrom(LOCAL, { host: 'backend', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }),
      from: { ip: 'x-forwarded-for', ips: 'x-forwarded-for', host: 'x-forwarded-host', hostname: 'x-forwarded-host', protocol: 'x-forwarded-proto', secure: 'x-forwarded-proto' },
    },
    {
      name: 'aligned: invalid values fall back to Host and the socket',
      setting: 'loopback', options: { hostAndProto: 'aligned' },
      req: requestFrom(LOCAL, { host: 'backend', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'evil.com:x@good.com', 'x-forwarded-proto': 'gopher' }),
      from: { ip: 'x-forwarded-for', ips: 'x-forwarded-for', host: 'host', hostname: 'host', protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'aligned: nothing from the headers when the peer is the client',
      setting: false, options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, { ':authority': 'shop.example', ...PROXIED }),
      from: { ip: 'socket', ips: undefined, host: ':authority', hostname: ':authority', protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'aligned: an invalid Host leaves host undefined',
      setting: false, options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, { host: 'a b' }),
      from: { ip: 'socket', ips: undefined, host: undefined, hostname: undefined, protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'forwarded: the element of the hop where the walk stopped',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, { host: 'backend', forwarded: 'for=203.0.113.5;host=shop.example;proto=https' }),
      from: { ip: 'forwarded', ips: 'forwarded', host: 'forwarded', hostname: 'forwarded', protocol: 'forwarded', secure: 'forwarded' },
    },
    {
      name: 'forwarded: an element without host and proto',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, { host: 'backend', forwarded: 'for=203.0.113.5' }),
      from: { ip: 'forwarded', ips: 'forwarded', host: 'host', hostname: 'host', protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'strict: a client hop that is not an address gives no ip, and no ips',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=unknown' }),
      from: { ip: 'forwarded', ips: undefined, host: undefined, hostname: undefined, protocol: 'socket', secure: 'socket' },
    },
    {
      name: 'a single-address header',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, { host: 'backend', 'x-real-ip': '203.0.113.5' }),
      from: { ip: 'x-real-ip', ips: 'x-real-ip', host: 'host', hostname: 'host', protocol: 'socket', secure: 'socket' },
    },
  ]

  it.each(cases)('$name', ({ setting, options, req, from }) => {
    expect(explainWith(setting, req, options).from).toEqual(from)
  })

  it('gives resolveAddr\'s own answer', () => {
    const trust = compileTrust('loopback')
    const req = requestFrom(LOCAL, { host: 'backend', ...PROXIED })
    expect(explain(req, trust).result).toEqual(resolveAddr(req, trust))
  })

  it('explains a Fetch request adapted by fromFetch, whose Host comes from its URL', () => {
    const request = new Request('https://shop.example/cart', { headers: { 'x-forwarded-for': '203.0.113.5' } })
    const explanation = explain(fromFetch(request, { remoteAddress: LOCAL }), compileTrust('loopback'))
    expect([explanation.result.ip, explanation.result.host, explanation.result.protocol]).toEqual(['203.0.113.5', 'shop.example', 'https'])
    expect(explanation.from).toMatchObject({ ip: 'x-forwarded-for', host: 'host', protocol: 'socket' })
    expect(explanation.headers).toEqual({ 'x-forwarded-for': '203.0.113.5', host: 'shop.example' })
  })

  it('lists the forwarding headers as received, the single-address header included', () => {
    const req = requestFrom(LOCAL, { host: 'backend', 'x-real-ip': '203.0.113.5', 'user-agent': 'curl', forwarded: 'for=1.2.3.4' })
    expect(explainWith('loopback', req, { source: { header: 'X-Real-IP' } }).headers).toEqual({
      forwarded: 'for=1.2.3.4', host: 'backend', 'x-real-ip': '203.0.113.5',
    })
  })
})

describe('explain: warnings', () => {
  interface WarningCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly codes: readonly WarningCode[]
  }

  const cases: readonly WarningCase[] = [
    {
      name: 'none for a request through trusted proxies',
      setting: 'loopback, 10.0.0.0/8', req: requestFrom(LOCAL, XFF('203.0.113.5, 10.0.0.2', { 'x-forwarded-proto': 'https' })),
      codes: [],
    },
    {
      name: 'none for a direct request that carries no forwarding headers',
      setting: 'loopback', req: requestFrom('203.0.113.1', { host: 'example.com' }),
      codes: [],
    },
    {
      name: 'not TRUST_ALL_WITH_HEADERS: true with source forwarded and only X-Forwarded-Host and -Proto, which it never reads (TRUST_ALL, the setting alone)',
      setting: true, options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { host: 'shop.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
      codes: ['TRUST_ALL'],
    },
    {
      name: 'not HOST_PROTO_FROM_UNTRUSTED: source forwarded, whose host and protocol never come from X-Forwarded-Host or -Proto',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
      codes: [],
    },
    {
      name: 'TRUST_ALL_WITH_HEADERS: true with X-Forwarded-For',
      setting: true, req: requestFrom(LOCAL, XFF('203.0.113.5')),
      codes: ['TRUST_ALL_WITH_HEADERS'],
    },
    {
      name: 'TRUST_ALL_WITH_HEADERS: true with X-Forwarded-Host only',
      setting: true, req: requestFrom(LOCAL, { 'x-forwarded-host': 'evil.example' }),
      codes: ['TRUST_ALL_WITH_HEADERS'],
    },
    {
      name: 'not TRUST_ALL_WITH_HEADERS but the setting\'s TRUST_ALL: true without forwarding headers',
      setting: true, req: requestFrom(LOCAL, { host: 'example.com' }),
      codes: ['TRUST_ALL'],
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS: X-Forwarded-For from an untrusted peer',
      setting: 'loopback', req: requestFrom('203.0.113.1', XFF('198.51.100.7')),
      codes: ['UNTRUSTED_PEER_WITH_HEADERS'],
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS: a single-address header that is not one address, from an untrusted peer',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom('203.0.113.1', { 'x-real-ip': 'a, b' }),
      codes: ['UNTRUSTED_PEER_WITH_HEADERS', 'ENTRY_NOT_AN_ADDRESS'],
    },
    {
      name: 'HOST_PROTO_FROM_UNTRUSTED: X-Forwarded-Host and -Proto from an untrusted peer',
      setting: 'loopback', req: requestFrom('203.0.113.1', { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }),
      codes: ['HOST_PROTO_FROM_UNTRUSTED'],
    },
    {
      name: 'not HOST_PROTO_FROM_UNTRUSTED with source forwarded, which never reads them',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('203.0.113.1', { 'x-forwarded-proto': 'https' }),
      codes: [],
    },
    {
      name: 'HOP_COUNT: a hop count',
      setting: 1, req: requestFrom(LOCAL, XFF('203.0.113.5')),
      codes: ['HOP_COUNT'],
    },
    {
      name: 'HOP_COUNT: a count of zero, which trusts nothing',
      setting: 0, req: requestFrom(LOCAL, { host: 'example.com' }),
      codes: ['HOP_COUNT'],
    },
    {
      name: 'PEER_WITHOUT_ADDRESS: a unix socket',
      setting: 'loopback', req: requestFrom(undefined, { host: 'example.com' }),
      codes: ['PEER_WITHOUT_ADDRESS'],
    },
    {
      name: 'PEER_WITHOUT_ADDRESS: an empty address',
      setting: 'loopback', req: requestFrom('', { host: 'example.com' }),
      codes: ['PEER_WITHOUT_ADDRESS'],
    },
    {
      name: 'PEER_WITHOUT_ADDRESS: no socket at all',
      setting: 'loopback', req: { headers: { host: 'example.com' } },
      codes: ['PEER_WITHOUT_ADDRESS'],
    },
    {
      name: 'not PEER_WITHOUT_ADDRESS with trustSocketless',
      setting: 'loopback', options: { trustSocketless: true }, req: requestFrom(undefined, { host: 'example.com' }),
      codes: [],
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS: the client entry',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('unknown')),
      codes: ['ENTRY_NOT_AN_ADDRESS'],
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS: each hop the walk reached, not the ignored ones',
      setting: true, req: requestFrom(LOCAL, XFF('junk, 203.0.113.5, _proxy')),
      codes: ['TRUST_ALL_WITH_HEADERS', 'ENTRY_NOT_AN_ADDRESS', 'ENTRY_NOT_AN_ADDRESS'],
    },
    {
      name: 'not ENTRY_NOT_AN_ADDRESS: junk beyond the client',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('junk, 203.0.113.5')),
      codes: [],
    },
    {
      name: 'PROTO_NOT_HTTP: a capitalised scheme',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5', { 'x-forwarded-proto': 'HTTPS' })),
      codes: ['PROTO_NOT_HTTP'],
    },
    {
      name: 'PROTO_NOT_HTTP: an empty first value, which protocol is',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5', { 'x-forwarded-proto': ' , https' })),
      codes: ['PROTO_NOT_HTTP'],
    },
    {
      name: 'not PROTO_NOT_HTTP: an odd value after the first, which no answer reads',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5', { 'x-forwarded-proto': 'https, ' })),
      codes: [],
    },
    {
      name: 'not PROTO_NOT_HTTP: aligned mode normalises the protocol (HTTPS is https)',
      setting: 'loopback', options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, XFF('203.0.113.5', { 'x-forwarded-proto': 'HTTPS' })),
      codes: [],
    },
    {
      name: 'UNREAD_FORWARDING_HEADER: Forwarded, read as X-Forwarded-For',
      setting: 'loopback', req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5' }),
      codes: ['UNREAD_FORWARDING_HEADER'],
    },
    {
      name: 'UNREAD_FORWARDING_HEADER: X-Forwarded-For, read as Forwarded',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, XFF('203.0.113.5')),
      codes: ['UNREAD_FORWARDING_HEADER'],
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR, not UNREAD_FORWARDING_HEADER, when the source\'s own header is there too',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      codes: ['FORWARDED_AND_X_FORWARDED_FOR'],
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR with source forwarded',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      codes: ['FORWARDED_AND_X_FORWARDED_FOR'],
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR with a single-address source, beside UNREAD_FORWARDING_HEADER',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      codes: ['UNREAD_FORWARDING_HEADER', 'FORWARDED_AND_X_FORWARDED_FOR'],
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR from an untrusted peer too',
      setting: 'loopback', req: requestFrom('203.0.113.1', XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      codes: ['UNTRUSTED_PEER_WITH_HEADERS', 'FORWARDED_AND_X_FORWARDED_FOR'],
    },
    {
      name: 'ALIGNED_FALLBACK: X-Forwarded-Proto set, not appended, by the proxies',
      setting: '10.0.0.0/8', options: { hostAndProto: 'aligned' },
      req: requestFrom('10.0.0.1', XFF('203.0.113.5, 10.0.0.2', { 'x-forwarded-proto': 'https' })),
      codes: ['ALIGNED_FALLBACK'],
    },
    {
      name: 'not ALIGNED_FALLBACK when every trusted proxy appended',
      setting: '10.0.0.0/8', options: { hostAndProto: 'aligned' },
      req: requestFrom('10.0.0.1', XFF('203.0.113.5, 10.0.0.2', { 'x-forwarded-proto': 'https, https', 'x-forwarded-host': 'a.example, a.example' })),
      codes: [],
    },
    {
      name: 'not ALIGNED_FALLBACK from an untrusted peer, whose values are rightly ignored',
      setting: '10.0.0.0/8', options: { hostAndProto: 'aligned' },
      req: requestFrom('203.0.113.1', { 'x-forwarded-proto': 'https' }),
      codes: ['HOST_PROTO_FROM_UNTRUSTED'],
    },
    {
      name: 'ALIGNED_FALLBACK: a Forwarded element without proto=',
      setting: 'loopback', options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { host: 'example.com', forwarded: 'for=203.0.113.5;proto=https, for=198.51.100.7' }),
      codes: ['ALIGNED_FALLBACK'],
    },
    {
      name: 'not ALIGNED_FALLBACK: a Forwarded source whose elements carry no proto= nor host=',
      setting: 'loopback', options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { host: 'example.com', forwarded: 'for=198.51.100.7' }),
      codes: [],
    },
    {
      name: 'FORWARDED_MALFORMED',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5;;proto=http;proto=https' }),
      codes: ['FORWARDED_MALFORMED'],
    },
    {
      name: 'not FORWARDED_MALFORMED from an untrusted peer, whose Forwarded is never read',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('203.0.113.1', { forwarded: 'for=[::1]' }),
      codes: [],
    },
    {
      name: 'not PEER_WITHOUT_ADDRESS when the setting trusts every hop',
      setting: true, req: requestFrom(undefined, { host: 'example.com' }),
      codes: ['TRUST_ALL'],
    },
    {
      name: 'FORWARDED_LIMIT',
      setting: true, options: { source: 'forwarded', maxForwarded: 1 }, req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5, for=10.0.0.1' }),
      codes: ['TRUST_ALL_WITH_HEADERS', 'FORWARDED_LIMIT'],
    },
    {
      name: 'SETTING_ODD_ADDRESS and SETTING_HOST_BITS come first, from the setting',
      setting: '0177.0.0.1, 10.0.0.1/8', req: requestFrom('203.0.113.1', XFF('198.51.100.7')),
      codes: ['SETTING_ODD_ADDRESS', 'SETTING_HOST_BITS', 'UNTRUSTED_PEER_WITH_HEADERS'],
    },
  ]

  it.each(cases)('$name', ({ setting, options, req, codes: expected }) => {
    expect(codes(explainWith(setting, req, options))).toEqual(expected)
  })

  it('checks the setting only when it is given', () => {
    expect(codes(explain(requestFrom(LOCAL), compileTrust('0177.0.0.1')))).toEqual([])
  })

  interface TextCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly message: string
    readonly fix: string
  }

  const texts: readonly TextCase[] = [
    {
      name: 'TRUST_ALL_WITH_HEADERS names the headers',
      setting: true, req: requestFrom(LOCAL, XFF('203.0.113.5', { 'x-forwarded-proto': 'https' })),
      message: 'trust is true and the request carries X-Forwarded-For, X-Forwarded-Proto: the client wrote the leftmost values, so it chooses its own ip, host and protocol',
      fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS names the peer and the header',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('203.0.113.1', { forwarded: 'for=1.2.3.4' }),
      message: 'the peer "203.0.113.1" is not trusted, so Forwarded is ignored and ip is the peer\'s address',
      fix: 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
    },
    {
      name: 'TRUST_ALL_WITH_HEADERS with source forwarded names Forwarded alone: X-Forwarded-Proto is never read',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=203.0.113.5', 'x-forwarded-proto': 'https' }),
      message: 'trust is true and the request carries Forwarded: the client wrote the leftmost values, so it chooses its own ip, host and protocol',
      fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS under false: the fix never says to trust an address every client arrives from',
      setting: false, req: requestFrom('172.17.0.1', XFF('10.20.3.4')),
      message: 'the peer "172.17.0.1", a local address, is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address',
      fix: "The setting trusts no proxy: if a proxy of yours forwards to the app, trust its address or subnet, but never an address every client arrives from (a NAT gateway, Docker's bridge gateway behind a published port), which would let every client choose its ip; if no proxy of yours is in front, ignoring the header is right",
    },
    {
      name: 'PEER_WITHOUT_ADDRESS for a socketless peer that trustSocketless trusts but without the edge proof: the fix is the proof',
      setting: 'loopback', options: { trustSocketless: true, edgeProof: { header: 'X-Origin-Verify', values: ['proof-0123456789abcdef'] } }, req: { headers: {} },
      message: 'the socket has no peer address (a unix socket, a closed connection or a test shim) and is not trusted: ip is not an address, and no forwarding header is read',
      fix: 'The setting trusts this peer but the request lacks x-origin-verify: if it comes through your edge, have the edge send that header; if not, the peer is rightly the client',
    },
    {
      name: 'HOST_PROTO_FROM_UNTRUSTED names the headers that came',
      setting: 'loopback', req: requestFrom('203.0.113.1', { 'x-forwarded-proto': 'https' }),
      message: 'X-Forwarded-Proto came from the peer "203.0.113.1", which is not trusted: ignored, host is from Host and protocol from the socket',
      fix: 'Trust the proxy that sets them, or have your edge proxy overwrite what clients send',
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS for a peer without an address',
      setting: 'loopback', req: requestFrom(undefined, XFF('203.0.113.5', { 'x-forwarded-host': 'evil.example' })),
      message: 'the peer without an address is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address',
      fix: 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
    },
    {
      name: 'HOST_PROTO_FROM_UNTRUSTED for a peer without an address',
      setting: 'loopback', req: requestFrom(undefined, XFF('203.0.113.5', { 'x-forwarded-host': 'evil.example' })),
      message: 'X-Forwarded-Host came from the peer without an address, which is not trusted: ignored, host is from Host and protocol from the socket',
      fix: 'Trust the proxy that sets them, or have your edge proxy overwrite what clients send',
    },
    {
      name: 'HOP_COUNT with as many entries as the count',
      setting: 1, req: requestFrom(LOCAL, XFF('203.0.113.5')),
      message: 'trust is a hop count (1): right only while every request passes exactly that many proxies',
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    },
    {
      name: 'HOP_COUNT with fewer entries than the count',
      setting: 3, req: requestFrom(LOCAL, XFF('203.0.113.5, 10.0.0.1')),
      message: 'trust is a hop count (3): right only while every request passes exactly that many proxies; this request has 2 entries, fewer than the count, so the walk took its leftmost entry, which a client can write',
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    },
    {
      name: 'HOP_COUNT with no entries says nothing of a leftmost entry: ip is the socket peer',
      setting: 2, req: requestFrom(LOCAL, {}),
      message: 'trust is a hop count (2): right only while every request passes exactly that many proxies',
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    },
    {
      name: 'PEER_WITHOUT_ADDRESS',
      setting: 'loopback', req: requestFrom(undefined),
      message: 'the socket has no peer address (a unix socket, a closed connection or a test shim) and is not trusted: ip is not an address, and no forwarding header is read',
      fix: 'Behind a proxy on a unix socket, set trustSocketless: true (--trust-socketless); otherwise pass the real socket',
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS with a port suggests ports, and says the ip is the text',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('203.0.113.5:4711')),
      message: 'hop 1 (x-forwarded-for "203.0.113.5:4711") is not an IP address: ip is that text as it stands',
      fix: 'The entry carries a port: accept ports with ports: true (--ports)',
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS with a bracketed IPv6 address and port suggests ports',
      setting: 'loopback', req: requestFrom(LOCAL, XFF('[2001:db8::1]:443')),
      message: 'hop 1 (x-forwarded-for "[2001:db8::1]:443") is not an IP address: ip is that text as it stands',
      fix: 'The entry carries a port: accept ports with ports: true (--ports)',
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS with a name and a port does not suggest ports',
      setting: 'loopback', options: { addresses: 'strict' }, req: requestFrom(LOCAL, XFF('gateway:80')),
      message: 'hop 1 (x-forwarded-for "gateway:80") is not an IP address',
      fix: 'Have the proxy that writes it send a plain IP address; anything else may come from the client',
    },
    {
      name: 'ENTRY_NOT_AN_ADDRESS in a Forwarded header',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'proto=https' }),
      message: 'hop 1 (forwarded no address) is not an IP address',
      fix: 'The proxy hides this hop (unknown, an obfuscated name, no for=): the walk cannot go past it',
    },
    {
      name: 'PROTO_NOT_HTTP in Express mode warns about secure',
      setting: 'loopback', req: requestFrom(LOCAL, { 'x-forwarded-proto': 'HTTPS' }),
      message: 'X-Forwarded-Proto holds "HTTPS", not "http" or "https": protocol is that value, compared exactly, so secure may be wrong',
      fix: 'Have the proxy send exactly http or https (nginx: proxy_set_header X-Forwarded-Proto $scheme)',
    },
    {
      name: 'PROTO_NOT_HTTP shows C1 controls and bidi overrides a client wrote as escapes',
      setting: 'loopback', req: requestFrom(LOCAL, { 'x-forwarded-proto': '\x9b31mRED\u202e"' }),
      message: 'X-Forwarded-Proto holds "\\x9b31mRED\\u202e\\"", not "http" or "https": protocol is that value, compared exactly, so secure may be wrong',
      fix: 'Have the proxy send exactly http or https (nginx: proxy_set_header X-Forwarded-Proto $scheme)',
    },
    {
      name: 'UNREAD_FORWARDING_HEADER suggests the source',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, XFF('203.0.113.5')),
      message: 'the request carries X-Forwarded-For and no x-real-ip: X-Forwarded-For is not read, the source is x-real-ip',
      fix: "If your proxy writes X-Forwarded-For, read it: source: 'x-forwarded-for' (--source x-forwarded-for)",
    },
    {
      name: 'FORWARDED_MALFORMED',
      setting: true, options: { source: 'forwarded' }, req: requestFrom(LOCAL, { forwarded: 'for=[::1]' }),
      message: 'a malformed Forwarded element ended the walk: it and every element left of it are ignored',
      fix: 'Have each proxy write RFC 7239 elements (for=192.0.2.1;proto=https, IPv6 quoted: for="[2001:db8::1]")',
    },
    {
      name: 'ALIGNED_FALLBACK: fewer X-Forwarded-Proto values than hops walked',
      setting: '10.0.0.0/8', options: { hostAndProto: 'aligned' },
      req: requestFrom('10.0.0.1', XFF('203.0.113.5, 10.0.0.2', { 'x-forwarded-proto': 'https' })),
      message: "host and protocol are aligned, and forwarded values were present but not used: protocol is the socket's: X-Forwarded-Proto has fewer values than the 2 hops walked (a proxy set it rather than appended to it)",
      fix: 'Have every trusted proxy append to X-Forwarded-Proto and -Host as to X-Forwarded-For (nginx: "$http_x_forwarded_proto, $scheme"), or keep hostAndProto leftmost with a setting that trusts exactly your proxies',
    },
    {
      name: 'ALIGNED_FALLBACK: an invalid value at the hop, for host and protocol',
      setting: '10.0.0.0/8', options: { hostAndProto: 'aligned' },
      req: requestFrom('10.0.0.1', XFF('203.0.113.5', { 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'a b' })),
      message: 'host and protocol are aligned, and forwarded values were present but not used: protocol is the socket\'s: the X-Forwarded-Proto value at hop 1, "gopher", is not valid; host is from Host: the X-Forwarded-Host value at hop 1, "a b", is not valid',
      fix: 'Have every trusted proxy append to X-Forwarded-Proto and -Host as to X-Forwarded-For (nginx: "$http_x_forwarded_proto, $scheme"), or keep hostAndProto leftmost with a setting that trusts exactly your proxies',
    },
    {
      name: 'ALIGNED_FALLBACK: no forwarded address to align with',
      setting: 'loopback', options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 'https' }),
      message: "host and protocol are aligned, and forwarded values were present but not used: protocol is the socket's: no forwarded address was read, so no value lines up with the client",
      fix: 'Have every trusted proxy append to X-Forwarded-Proto and -Host as to X-Forwarded-For (nginx: "$http_x_forwarded_proto, $scheme"), or keep hostAndProto leftmost with a setting that trusts exactly your proxies',
    },
    {
      name: 'ALIGNED_FALLBACK: a Forwarded element without proto=, and one with an invalid host=',
      setting: 'loopback', options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { host: 'example.com', forwarded: 'for=203.0.113.5;proto=https, for=198.51.100.7;host="a b"' }),
      message: 'host and protocol are aligned, and forwarded values were present but not used: protocol is the socket\'s: the Forwarded element at hop 1 has no proto=; host is from Host: the host= at hop 1, "a b", is not valid',
      fix: 'Have every trusted proxy append to X-Forwarded-Proto and -Host as to X-Forwarded-For (nginx: "$http_x_forwarded_proto, $scheme"), or keep hostAndProto leftmost with a setting that trusts exactly your proxies',
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR names the header that is read',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom(LOCAL, XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      message: 'the request carries both Forwarded and X-Forwarded-For: only Forwarded is read; a client may have written the other, or two proxies disagree',
      fix: 'Have your proxies write one of the two headers and drop the other at the edge; read the one they write (--source)',
    },
    {
      name: 'FORWARDED_AND_X_FORWARDED_FOR with a single-address source reads neither',
      setting: 'loopback', options: { source: { header: 'X-Real-IP' } }, req: requestFrom(LOCAL, XFF('203.0.113.5', { forwarded: 'for=203.0.113.5' })),
      message: 'the request carries both Forwarded and X-Forwarded-For: neither is read (the source is x-real-ip); a client may have written the other, or two proxies disagree',
      fix: 'Have your proxies write one of the two headers and drop the other at the edge; read the one they write (--source)',
    },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS says when the peer has a local address',
      setting: '10.0.0.1', req: requestFrom('10.0.0.2', XFF('203.0.113.5')),
      message: 'the peer "10.0.0.2", a local address, is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address',
      fix: 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
    },
    {
      name: 'FORWARDED_LIMIT',
      setting: true, options: { source: 'forwarded', maxForwarded: 1 }, req: requestFrom(LOCAL, { forwarded: 'for=1.2.3.4, for=1.2.3.5' }),
      message: 'the walk ended after maxForwarded (1) Forwarded elements, all trusted',
      fix: 'Raise maxForwarded if your chain is really that long; otherwise a client is padding the header',
    },
  ]

  it.each(texts)('$name: message and fix', ({ setting, options, req, message, fix }) => {
    const warnings = explainWith(setting, req, options).warnings.filter((w) => w.code !== 'TRUST_ALL_WITH_HEADERS' || setting === true)
    expect(warnings.map(({ message, fix }) => ({ message, fix }))).toContainEqual({ message, fix })
  })
})

describe('explain: the setting\'s warnings when only the predicate is given', () => {
  it.each([
    { name: 'TRUST_ALL from true\'s shape', setting: true, codes: ['TRUST_ALL'] },
    { name: 'HOP_COUNT from a count\'s shape', setting: 2, codes: ['HOP_COUNT'] },
    { name: 'nothing from a list\'s shape (its entries are lintSetting\'s, with the setting)', setting: '10.0.0.0/8', codes: [] },
  ])('$name', ({ setting, codes }) => {
    expect(explain(requestFrom('127.0.0.1', { host: 'shop.example' }), compileTrust(setting)).warnings.map((w) => w.code)).toEqual(codes)
  })
})

describe('lintSetting', () => {
  interface LintCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly expected: readonly { readonly code: WarningCode; readonly message: string; readonly fix: string }[]
  }

  const cases: readonly LintCase[] = [
    { name: 'a clean list', setting: 'loopback, 10.0.0.0/8, 192.168.0.0/255.255.0.0, ::1, fe80::/10', expected: [] },
    { name: 'false trusts nothing and has nothing to say', setting: false, expected: [] },
    {
      name: 'TRUST_ALL: true',
      setting: true,
      expected: [{
        code: 'TRUST_ALL',
        message: 'trust is true: every hop is trusted, so whoever sends X-Forwarded-For, -Host or -Proto chooses its own ip, host and protocol',
        fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
      }],
    },
    {
      name: 'HOP_COUNT: a whole number',
      setting: 2,
      expected: [{
        code: 'HOP_COUNT',
        message: 'trust is a hop count (2): right only while every request passes exactly that many proxies',
        fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
      }],
    },
    {
      name: 'HOP_COUNT: a fraction, read as Express reads it',
      setting: 1.5,
      expected: [{
        code: 'HOP_COUNT',
        message: 'trust is a hop count (1.5), which Express reads as i < 1.5: the first 2 hops are trusted: right only while every request passes exactly that many proxies',
        fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
      }],
    },
    {
      name: 'HOP_COUNT: a negative number trusts nothing',
      setting: -1,
      expected: [{
        code: 'HOP_COUNT',
        message: 'trust is the hop count -1, which Express reads as i < -1: no hop is trusted, as with false',
        fix: 'Write false to trust nothing, or the number of proxies in front of the app',
      }],
    },
    {
      name: 'HOP_COUNT: NaN trusts nothing',
      setting: NaN,
      expected: [{
        code: 'HOP_COUNT',
        message: 'trust is the hop count NaN, which Express reads as i < NaN: no hop is trusted, as with false',
        fix: 'Write false to trust nothing, or the number of proxies in front of the app',
      }],
    },
    {
      name: 'HOP_COUNT: Infinity trusts every hop',
      setting: Infinity,
      expected: [{
        code: 'HOP_COUNT',
        message: 'trust is the hop count Infinity, which Express reads as i < Infinity: every hop is trusted, as with true',
        fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
      }],
    },
    { name: 'a function has no entries', setting: () => true, expected: [] },
    { name: 'entries that do not compile are left to compileTrust', setting: ['', 'nonsense', '10.0.0.1/abc', 'fe80::/129'], expected: [] },
    { name: 'entries that are not strings are left to compileTrust', setting: [1, null] as unknown as string[], expected: [] },
    { name: 'a host address with a full prefix', setting: '10.0.0.1/32, 2001:db8::1/128', expected: [] },
    { name: 'a mapped subnet shorter than /96 matches nothing, but is not reported here', setting: '::ffff:10.0.0.1/64', expected: [] },
    {
      name: "'1', the string, is the address 0.0.0.1",
      setting: '1',
      expected: [{
        code: 'SETTING_ODD_ADDRESS',
        message: 'setting entry "1" is read as the address 0.0.0.1, not as a hop count',
        fix: 'For a hop count pass the number 1, not a string; for an address write 0.0.0.1',
      }],
    },
    {
      name: 'an octal part',
      setting: ['0177.0.0.1'],
      expected: [{
        code: 'SETTING_ODD_ADDRESS',
        message: 'setting entry "0177.0.0.1" is read as the address 127.0.0.1',
        fix: "Write it as 127.0.0.1, or compile with addresses: 'strict' to refuse such spellings",
      }],
    },
    {
      name: 'an odd spelling in a subnet',
      setting: '0x0a.0.0.0/8',
      expected: [{
        code: 'SETTING_ODD_ADDRESS',
        message: 'setting entry "0x0a.0.0.0/8" is read as the address 10.0.0.0',
        fix: "Write it as 10.0.0.0, or compile with addresses: 'strict' to refuse such spellings",
      }],
    },
    {
      name: 'host bits in an IPv4 subnet',
      setting: '10.0.0.1/8',
      expected: [{
        code: 'SETTING_HOST_BITS',
        message: 'setting entry "10.0.0.1/8" has host bits set: it means 10.0.0.0/8',
        fix: 'Write the network address, 10.0.0.0/8, or 10.0.0.1/32 for the one host',
      }],
    },
    {
      name: 'host bits under a netmask',
      setting: '192.168.1.7/255.255.255.0',
      expected: [{
        code: 'SETTING_HOST_BITS',
        message: 'setting entry "192.168.1.7/255.255.255.0" has host bits set: it means 192.168.1.0/255.255.255.0',
        fix: 'Write the network address, 192.168.1.0/255.255.255.0, or 192.168.1.7/32 for the one host',
      }],
    },
    {
      name: 'host bits in an IPv6 subnet',
      setting: '2001:db8::1/32',
      expected: [{
        code: 'SETTING_HOST_BITS',
        message: 'setting entry "2001:db8::1/32" has host bits set: it means 2001:db8::/32',
        fix: 'Write the network address, 2001:db8::/32, or 2001:db8::1/128 for the one host',
      }],
    },
    {
      name: 'host bits in a mapped subnet',
      setting: '::ffff:10.0.0.1/104',
      expected: [{
        code: 'SETTING_HOST_BITS',
        message: 'setting entry "::ffff:10.0.0.1/104" has host bits set: it means ::ffff:10.0.0.0/104',
        fix: 'Write the network address, ::ffff:10.0.0.0/104, or ::ffff:10.0.0.1/32 for the one host',
      }],
    },
    {
      name: 'both, for one entry',
      setting: '012.0.0.1/8',
      expected: [
        {
          code: 'SETTING_ODD_ADDRESS',
          message: 'setting entry "012.0.0.1/8" is read as the address 10.0.0.1',
          fix: "Write it as 10.0.0.1, or compile with addresses: 'strict' to refuse such spellings",
        },
        {
          code: 'SETTING_HOST_BITS',
          message: 'setting entry "012.0.0.1/8" has host bits set: it means 10.0.0.0/8',
          fix: 'Write the network address, 10.0.0.0/8, or 012.0.0.1/32 for the one host',
        },
      ],
    },
    {
      name: 'a whole family in a string: 0.0.0.0/0 and ::/0',
      setting: '0.0.0.0/0, ::/0',
      expected: [
        {
          code: 'SETTING_WHOLE_FAMILY',
          message: 'setting entry "0.0.0.0/0" matches every IPv4 address (and every IPv4-mapped IPv6 one): every such hop is trusted, as with true, so a client on one chooses its own ip',
          fix: "Trust your proxies' own addresses or subnets; no proxy needs a whole address family",
        },
        {
          code: 'SETTING_WHOLE_FAMILY',
          message: 'setting entry "::/0" matches every IPv6 address (but the IPv4-mapped ones): every such hop is trusted, as with true, so a client on one chooses its own ip',
          fix: "Trust your proxies' own addresses or subnets; no proxy needs a whole address family",
        },
      ],
    },
    {
      name: 'a whole family in an array, and in a mapped spelling',
      setting: ['0.0.0.0/0', '::ffff:0.0.0.0/96'],
      expected: ['0.0.0.0/0', '::ffff:0.0.0.0/96'].map((entry) => ({
        code: 'SETTING_WHOLE_FAMILY',
        message: `setting entry "${entry}" matches every IPv4 address (and every IPv4-mapped IPv6 one): every such hop is trusted, as with true, so a client on one chooses its own ip`,
        fix: "Trust your proxies' own addresses or subnets; no proxy needs a whole address family",
      })),
    },
    { name: 'not a whole family: a /1', setting: '0.0.0.0/1, ::/1', expected: [] },
  ]

  it.each(cases)('$name', ({ setting, expected }) => {
    expect(lintSetting(setting)).toEqual(expected)
  })

  it('SETTING_WHOLE_FAMILY is true: such an entry trusts every address it names, at every hop (property)', () => {
    const v4 = compileTrust('0.0.0.0/0')
    const mapped = compileTrust('::ffff:0.0.0.0/96')
    const v6 = compileTrust('::/0')
    fc.assert(fc.property(fc.ipV4(), fc.ipV6(), fc.nat(64), (a4, a6, i) => {
      expect([v4(a4, i), v4(`::ffff:${a4}`, i), mapped(a4, i)]).toEqual([true, true, true])
      // ipaddr.js 1.9.1, as proxy-addr, reads no other dotted form (::1.2.3.4) as an address
      if (!ipaddr.isValid(a6)) return
      // a mapped address is matched as the IPv4 address it holds: 0.0.0.0/0 trusts it, ::/0 does not
      const isMapped = ipaddr.IPv6.parse(a6).isIPv4MappedAddress()
      expect([v6(a6, i), v4(a6, i)]).toEqual([!isMapped, isMapped])
    }), { numRuns: 3000, seed: 20_261_206 })
    expect(explain(requestFrom('198.51.100.7', { 'x-forwarded-for': '203.0.113.5' }), v4, '0.0.0.0/0').warnings.map((w) => w.code))
      .toEqual(['SETTING_WHOLE_FAMILY'])
  })
})

describe('explain: errors', () => {
  it('error: a missing request', () => {
    expect(() => explain(null as unknown as RequestLike, compileTrust(true))).toThrow(new TypeError('req argument is required'))
  })

  it('error: a trust setting that is not compiled', () => {
    expect(() => explain(requestFrom(LOCAL), 'loopback' as unknown as TrustFn)).toThrow(new TypeError('trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust'))
  })
})

// ---------------------------------------------------------------------------------------------------
// Generated requests

/** Options beyond Express, each on or off. */
const trustOptions: fc.Arbitrary<TrustOptions> = fc.record({
  preset: fc.constantFrom(undefined, 'strict' as const),
  source: fc.constantFrom(undefined, 'x-forwarded-for' as const, 'forwarded' as const, 'forwarded' as const, { header: 'X-Real-IP' }),
  ports: fc.boolean(),
  hostAndProto: fc.constantFrom(undefined, 'leftmost' as const, 'aligned' as const),
  addresses: fc.constantFrom(undefined, 'compatible' as const, 'strict' as const),
  normalize: fc.boolean(),
  extendedRanges: fc.boolean(),
  trustSocketless: fc.boolean(),
  maxForwarded: fc.constantFrom(undefined, 1, 2, 32),
}, { requiredKeys: [] })

/** A Forwarded node value: addresses as proxies write them, hidden nodes, and junk. */
const forwardedNode: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROXY_POOL.filter((a) => !a.includes(':')), '203.0.113.5', '198.51.100.7') },
  { weight: 2, arbitrary: fc.constantFrom(...IPV6_POOL).map((a) => `"[${a}]"`) },
  { weight: 1, arbitrary: fc.constantFrom('"10.0.0.1:80"', '"[::1]:443"', '"10.0.0.1:_p"', '"[2001:db8::1]:_port"') },
  { weight: 1, arbitrary: fc.constantFrom('unknown', '_hidden', '""', 'localhost', '[::1]', '010.0.0.1') },
)

/** A Forwarded element: `for=` mostly, with host and proto sometimes; now and then malformed. */
const forwardedElement = forwardedElementOf(forwardedNode, ['shop.example', '"shop.example:8443"', '"[::1]:80"', '"evil.com:x@good.com"'])

/** Forwarded, X-Real-IP and the X-Forwarded-* headers, for requests read with options. */
const optionHeaders = fc.record({
  forwarded: fc.array(forwardedElement, { maxLength: 5 }).map((elements) => elements.join(', ')),
  'x-real-ip': fc.oneof(hopAddress, fc.constantFrom('1.2.3.4, 5.6.7.8', ' 10.0.0.1 ', '')),
  'x-forwarded-host': forwardedHost,
  'x-forwarded-proto': forwardedProto,
  ':authority': hostValue,
}, { requiredKeys: [] })

/** A generated request with the option headers added. */
const optionRequest: fc.Arbitrary<GeneratedRequest> = fc.tuple(request, optionHeaders)
  .map(([r, extra]) => ({ ...r, headers: { ...r.headers, ...extra } }))

/** Settings as requestWithTrust makes them (or simple ones over requests with option headers), and options. */
const optionCase = fc.tuple(
  fc.oneof(
    requestWithTrust,
    optionRequest.chain((r) => fc.constantFrom<unknown>(true, 'loopback', 'loopback, uniquelocal', 2, ['10.0.0.0/8', '::1']).map((s): [unknown, GeneratedRequest] => [s, r])),
  ),
  trustOptions,
  optionHeaders,
)

/** The socket's own protocol. */
function socketProtocol(r: RequestLike): string {
  return r.socket?.encrypted ? 'https' : 'http'
}

/** What every explanation must satisfy, beside giving resolveAddr's answer. */
function checkExplanation(req: RequestLike, trust: TrustFn, setting: unknown): void {
  const explanation = explain(req, trust, setting as TrustSetting)
  const { hops, stop, result, from, warnings } = explanation
  // resolveAddr's answer, and the walk proxyaddr.all reports, hop for hop
  expect(result).toEqual(resolveAddr(req, trust))
  const walked = hops.slice(0, stop.index + 1)
  expect(walked.map((hop) => hop.address)).toEqual(proxyaddr.all(req, trust))
  expect(result.ip).toBe(hops[stop.index]?.address)
  expect(result.ips).toEqual(result.ip === undefined ? [] : walked.slice(1).map((hop) => hop.address).reverse())
  // roles: proxies up to the client, ignored after it
  expect(hops.map((hop) => hop.role)).toEqual(hops.map((hop) => {
    if (hop.index < stop.index) return 'proxy'
    return hop.index === stop.index ? 'client' : 'ignored'
  }))
  expect(hops.every((hop, k) => hop.index === k)).toBe(true)
  for (const hop of walked.slice(0, -1)) expect(hop.trusted).toBe(true)
  expect(hops[0]?.trusted).not.toBe(undefined)
  if (stop.reason === 'untrusted') expect(hops[stop.index]?.trusted).toBe(false)
  // origins
  expect(from.ip === 'socket').toBe(stop.index === 0)
  expect(from.ips === undefined).toBe(result.ips.length === 0)
  expect(from.host === undefined).toBe(result.host === undefined)
  expect(from.hostname === undefined).toBe(result.hostname === undefined)
  expect(from.secure).toBe(from.protocol)
  const headers = (req.headers ?? {}) as Record<string, string | undefined>
  if (from.protocol === 'socket') expect(result.protocol).toBe(socketProtocol(req))
  if (from.protocol === 'x-forwarded-proto') expect(headers['x-forwarded-proto']?.toLowerCase()).toContain(result.protocol.toLowerCase())
  if (from.host === 'host') expect(result.host).toBe(headers.host)
  if (from.host === ':authority') expect(result.host).toBe(headers[':authority'])
  if (from.host === 'x-forwarded-host') expect(headers['x-forwarded-host']).toContain(result.host)
  // warnings: known codes, one line each
  for (const warning of warnings) {
    expect(warning.message).not.toMatch(/\n/)
    expect(warning.fix).not.toMatch(/\n/)
  }
  const once = warnings.map((w) => w.code).filter((code) => code !== 'ENTRY_NOT_AN_ADDRESS' && !code.startsWith('SETTING_'))
  expect(new Set(once).size).toBe(once.length)
}

describe('explain on generated requests', () => {
  it('agrees with resolveAddr and proxyaddr.all on every request, in Express mode (2,000 generated)', () => {
    fc.assert(fc.property(requestWithTrust, ([setting, r]) => {
      checkExplanation(r, compileTrust(setting as TrustSetting), setting)
    }), { numRuns: 2000 })
  })

  it('agrees with resolveAddr and proxyaddr.all on every request, with options (2,000 generated)', () => {
    fc.assert(fc.property(optionCase, ([[setting, generated], options, extra]) => {
      const r = { ...generated, headers: { ...generated.headers, ...extra } }
      let trust: TrustFn
      try {
        trust = compileTrust(setting as TrustSetting, options)
      } catch {
        // strict addresses refuse odd spellings in a setting
        fc.pre(false)
        return
      }
      checkExplanation(r, trust, setting)
    }), { numRuns: 2000 })
  })

  it('lints any setting, valid or not, without throwing (1,000 generated)', () => {
    fc.assert(fc.property(anyTrustSetting, (setting) => {
      for (const warning of lintSetting(setting as TrustSetting)) expect(warning.code).toMatch(/^(SETTING_|TRUST_ALL$|HOP_COUNT$)/)
    }), { numRuns: 1000 })
  })
})

describe('explain with forwardedPort, forwardedPrefix and allowedHosts', () => {
  const PEER = '10.0.0.1'
  const options: TrustOptions = { hostAndProto: 'aligned', forwardedPort: true, forwardedPrefix: true, allowedHosts: ['shop.example'] }
  const trust = compileTrust('10.0.0.0/8', options)
  const base = { host: 'own.example', 'x-forwarded-for': '203.0.113.9' }

  it('names X-Forwarded-Port and -Prefix as the origins of port and prefix, and shows the headers', () => {
    const why = explain(requestFrom(PEER, { ...base, 'x-forwarded-host': 'shop.example', 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/shop' }), trust)
    expect(why.result).toMatchObject({ host: 'shop.example', port: 8443, prefix: '/shop' })
    expect(why.from).toMatchObject({ host: 'x-forwarded-host', port: 'x-forwarded-port', prefix: 'x-forwarded-prefix' })
    expect(why.headers).toMatchObject({ 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/shop' })
    expect(why.warnings.map((w) => w.code)).toEqual([])
  })

  it('says why an invalid port or prefix is ignored, escaping and shortening what the client wrote', () => {
    const long = `/${'a'.repeat(10_000)}`
    const why = explain(requestFrom(PEER, { ...base, 'x-forwarded-port': '+80', 'x-forwarded-prefix': long }), trust)
    expect(why.result).toMatchObject({ port: undefined, prefix: undefined })
    expect(why.from).toMatchObject({ port: undefined, prefix: undefined })
    expect(why.warnings).toEqual([
      {
        code: 'FORWARDED_VALUE_INVALID',
        message: 'the X-Forwarded-Port value "+80" is not a port from 1 to 65535 in plain decimal: ignored, port is undefined',
        fix: 'Have the proxy that writes X-Forwarded-Port send a port from 1 to 65535 in plain decimal; a value like this may come from a client',
      },
      {
        code: 'FORWARDED_VALUE_INVALID',
        message: `the X-Forwarded-Prefix value "${long.substring(0, 100)}"… (10001 characters) is not a path prefix with one leading /, no //, no . or .. segments, no query, backslash, comma, space or control character, at most 1024 characters: ignored, prefix is undefined`,
        fix: 'Have the proxy that writes X-Forwarded-Prefix send a path prefix with one leading /, no //, no . or .. segments, no query, backslash, comma, space or control character, at most 1024 characters; a value like this may come from a client',
      },
    ])
  })

  it('escapes control characters of a refused prefix', () => {
    const why = explain(requestFrom(PEER, { ...base, 'x-forwarded-prefix': '/a\u001b[31mb' }), trust)
    expect(why.warnings[0]?.message).toContain('"/a\\x1b[31mb"')
  })

  it('says a forwarded host outside allowedHosts is ignored, and where host is from instead', () => {
    const why = explain(requestFrom(PEER, { ...base, 'x-forwarded-host': 'evil.example' }), trust)
    expect(why.result.host).toBe('own.example')
    expect(why.from.host).toBe('host')
    expect(why.warnings).toEqual([{
      code: 'HOST_NOT_ALLOWED',
      message: 'the forwarded host "evil.example" (X-Forwarded-Host) is not in allowedHosts: ignored, host is from Host, "own.example"',
      fix: 'If the host is yours, add it (or *. and its parent) to allowedHosts; if not, a client or a misconfigured proxy wrote it, and ignoring it is right',
    }])
  })

  it('names Forwarded as the source of a refused host=, and an undefined host when Host is not valid', () => {
    const forwarded = compileTrust('10.0.0.0/8', { source: 'forwarded', allowedHosts: ['shop.example'] })
    const why = explain(requestFrom(PEER, { host: 'bad host', forwarded: 'for=203.0.113.9;host=evil.example' }), forwarded)
    expect(why.result.host).toBe(undefined)
    expect(why.warnings.map((w) => w.message)).toEqual([
      'the forwarded host "evil.example" (Forwarded) is not in allowedHosts: ignored, host is undefined (no valid Host)',
    ])
  })

  it('reads nothing from an untrusted peer, and warns of nothing it did not read', () => {
    const why = explain(requestFrom('203.0.113.50', { ...base, 'x-forwarded-host': 'evil.example', 'x-forwarded-port': '0', 'x-forwarded-prefix': '//evil' }), trust)
    expect(why.result).toMatchObject({ ip: '203.0.113.50', host: 'own.example', port: undefined, prefix: undefined })
    expect(why.warnings.map((w) => w.code)).not.toContain('FORWARDED_VALUE_INVALID')
    expect(why.warnings.map((w) => w.code)).not.toContain('HOST_NOT_ALLOWED')
  })
})
