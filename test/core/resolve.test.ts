// resolve.test.ts: resolveAddr, which answers Express 5's req.ip, ips, host, hostname, protocol and
// secure in one pass.

import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import type { HeadersLike, RequestLike } from '../../src/core/request.js'
import { resolveAddr, type ResolvedAddr } from '../../src/core/resolve.js'
import { requestFrom } from '../fixtures/unit-requests.js'

interface ResolveCase {
  readonly name: string
  readonly setting: TrustSetting
  readonly req: RequestLike
  readonly expected: ResolvedAddr
}

const LOCAL = '127.0.0.1'

/** What Express reports for a direct request to `example.com` over plain HTTP from `peer`. */
function direct(peer: string | undefined): ResolvedAddr {
  return { ip: peer, ips: [], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false }
}

const spoofed: HeadersLike = {
  host: 'example.com',
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
}

const addressCases: readonly ResolveCase[] = [
  {
    name: 'an untrusted peer is the client, and its X-Forwarded-* headers are ignored',
    setting: false, req: requestFrom('203.0.113.1', spoofed), expected: direct('203.0.113.1'),
  },
  {
    name: 'a peer outside the trusted ranges is the client, and its headers are ignored',
    setting: 'loopback', req: requestFrom('203.0.113.1', spoofed), expected: direct('203.0.113.1'),
  },
  {
    name: 'a trusted peer hands over to the X-Forwarded-For entry, host and protocol',
    setting: 'loopback', req: requestFrom(LOCAL, spoofed),
    expected: { ip: '203.0.113.9', ips: ['203.0.113.9'], host: 'evil.example', hostname: 'evil.example', protocol: 'https', secure: true },
  },
  {
    name: 'a walk stops at the first untrusted entry; ips lists the walked entries farthest first',
    setting: 'loopback, 10.0.0.0/8', req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.2, 10.0.0.1' }),
    expected: { ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.2', '10.0.0.1'], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
  },
  {
    name: 'true makes the leftmost entry the client and lists every entry',
    setting: true, req: requestFrom('203.0.113.1', { host: 'example.com', 'x-forwarded-for': '198.51.100.7, 203.0.113.9' }),
    expected: { ip: '198.51.100.7', ips: ['198.51.100.7', '203.0.113.9'], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
  },
  {
    name: 'a hop count trusts that many hops',
    setting: 2, req: requestFrom('203.0.113.1', { host: 'example.com', 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.1' }),
    expected: { ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.1'], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
  },
  {
    name: 'a trusted peer without X-Forwarded-For is the client, and its X-Forwarded-Host/-Proto count',
    setting: 'loopback', req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' }),
    expected: { ip: LOCAL, ips: [], host: 'app.example', hostname: 'app.example', protocol: 'https', secure: true },
  },
  {
    name: 'a hop count of 1 trusts the peer without X-Forwarded-For',
    setting: 1, req: requestFrom('203.0.113.1', { host: 'example.com', 'x-forwarded-proto': 'https' }),
    expected: { ip: '203.0.113.1', ips: [], host: 'example.com', hostname: 'example.com', protocol: 'https', secure: true },
  },
  {
    name: 'entries are trimmed of spaces and empty entries skipped',
    setting: true, req: requestFrom(LOCAL, { 'x-forwarded-for': ' 198.51.100.7 ,, 10.0.0.1 , ' }),
    expected: { ip: '198.51.100.7', ips: ['198.51.100.7', '10.0.0.1'], host: undefined, hostname: undefined, protocol: 'http', secure: false },
  },
  {
    name: 'an entry that is not an address stops a range walk and is the client',
    setting: 'loopback', req: requestFrom(LOCAL, { 'x-forwarded-for': '198.51.100.7, unknown' }),
    expected: { ip: 'unknown', ips: ['unknown'], host: undefined, hostname: undefined, protocol: 'http', secure: false },
  },
  {
    name: 'IPv6 peers and entries',
    setting: 'loopback, fc00::/7', req: requestFrom('::1', { host: '[::1]:3000', 'x-forwarded-for': '2001:db8::9, fd00::1' }),
    expected: { ip: '2001:db8::9', ips: ['2001:db8::9', 'fd00::1'], host: '[::1]:3000', hostname: '[::1]', protocol: 'http', secure: false },
  },
  {
    name: 'a mapped peer is trusted by an IPv4 range',
    setting: 'loopback', req: requestFrom('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }),
    expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: undefined, hostname: undefined, protocol: 'http', secure: false },
  },
  {
    name: 'a socket without an address and true: the leftmost entry, and X-Forwarded-Proto counts',
    setting: true, req: { headers: { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' } },
    expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: undefined, hostname: undefined, protocol: 'https', secure: true },
  },
  {
    name: 'a socket without an address and true, without X-Forwarded-For: undefined, and the peer is trusted',
    setting: true, req: { headers: { host: 'example.com', 'x-forwarded-host': 'app.example' } },
    expected: { ip: undefined, ips: [], host: 'app.example', hostname: 'app.example', protocol: 'http', secure: false },
  },
  {
    name: 'a socket without an address and a range: undefined, untrusted',
    setting: 'loopback', req: { headers: { host: 'example.com', 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' } },
    expected: { ip: undefined, ips: [], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
  },
  {
    name: 'req.connection is read when there is no req.socket',
    setting: 'loopback', req: { connection: { remoteAddress: LOCAL, encrypted: true }, headers: { 'x-forwarded-for': '198.51.100.7' } },
    expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: undefined, hostname: undefined, protocol: 'https', secure: true },
  },
  {
    name: 'a request without headers',
    setting: true, req: { socket: { remoteAddress: LOCAL } },
    expected: { ip: LOCAL, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false },
  },
]

const protocolCases: readonly ResolveCase[] = [
  {
    name: 'an encrypted socket is https',
    setting: false, req: requestFrom(LOCAL, { host: 'example.com' }, true),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'an encrypted socket stays https when the untrusted peer says http',
    setting: false, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 'http' }, true),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'a trusted peer can say http over an encrypted socket',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 'http' }, true),
    expected: direct(LOCAL),
  },
  {
    name: 'a trusted peer without X-Forwarded-Proto leaves the socket protocol',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com' }, true),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'an empty X-Forwarded-Proto leaves the socket protocol',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': '' }, true),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'the first of a comma list is read, trimmed',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': ' https , http' }),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'a single value is trimmed of any whitespace',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': '\thttps ' }),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'the case is kept, so HTTPS is not secure',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 'HTTPS' }),
    expected: { ...direct(LOCAL), protocol: 'HTTPS', secure: false },
  },
  {
    name: 'any value is passed through',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 'gopher' }),
    expected: { ...direct(LOCAL), protocol: 'gopher', secure: false },
  },
  {
    name: 'a value of spaces is the empty protocol',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': '   ' }, true),
    expected: { ...direct(LOCAL), protocol: '', secure: false },
  },
  {
    name: 'an empty first value is the empty protocol',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': ',https' }),
    expected: { ...direct(LOCAL), protocol: '', secure: false },
  },
  {
    name: 'a header given as a list is joined, then its first value read',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': ['https', 'http'] }),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
  {
    name: 'difference: a number header is ignored (Express throws)',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-proto': 1 } as unknown as HeadersLike, true),
    expected: { ...direct(LOCAL), protocol: 'https', secure: true },
  },
]

const hostCases: readonly ResolveCase[] = [
  {
    name: 'Host is read with its port; hostname drops the port',
    setting: false, req: requestFrom(LOCAL, { host: 'example.com:8080' }),
    expected: { ...direct(LOCAL), host: 'example.com:8080', hostname: 'example.com' },
  },
  {
    name: 'an IPv6 literal with a port keeps its brackets in hostname',
    setting: false, req: requestFrom(LOCAL, { host: '[::1]:3000' }),
    expected: { ...direct(LOCAL), host: '[::1]:3000', hostname: '[::1]' },
  },
  {
    name: 'an IPv6 literal without a port is its own hostname',
    setting: false, req: requestFrom(LOCAL, { host: '[2001:db8::1]' }),
    expected: { ...direct(LOCAL), host: '[2001:db8::1]', hostname: '[2001:db8::1]' },
  },
  {
    name: 'quirk (Express): an unclosed bracket is cut at the first colon',
    setting: false, req: requestFrom(LOCAL, { host: '[::1' }),
    expected: { ...direct(LOCAL), host: '[::1', hostname: '[' },
  },
  {
    name: 'quirk (Express): an IPv6 address without brackets is cut at its first colon',
    setting: false, req: requestFrom(LOCAL, { host: '2001:db8::1' }),
    expected: { ...direct(LOCAL), host: '2001:db8::1', hostname: '2001' },
  },
  {
    name: 'a host is not trimmed',
    setting: false, req: requestFrom(LOCAL, { host: ' example.com ' }),
    expected: { ...direct(LOCAL), host: ' example.com ', hostname: ' example.com ' },
  },
  {
    name: 'no Host means no host and no hostname',
    setting: false, req: requestFrom(LOCAL, {}),
    expected: { ...direct(LOCAL), host: undefined, hostname: undefined },
  },
  {
    name: 'an empty Host means no host and no hostname',
    setting: false, req: requestFrom(LOCAL, { host: '' }),
    expected: { ...direct(LOCAL), host: undefined, hostname: undefined },
  },
  {
    name: 'a trusted peer: X-Forwarded-Host replaces Host, port and all',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': 'app.example:8443' }),
    expected: { ...direct(LOCAL), host: 'app.example:8443', hostname: 'app.example' },
  },
  {
    name: 'a trusted peer: the first of a comma list, with trailing spaces trimmed',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': 'a.example  , b.example' }),
    expected: { ...direct(LOCAL), host: 'a.example', hostname: 'a.example' },
  },
  {
    name: 'quirk (Express): the first of a comma list keeps its leading spaces',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': ' a.example,b.example' }),
    expected: { ...direct(LOCAL), host: ' a.example', hostname: ' a.example' },
  },
  {
    name: 'quirk (Express): a single X-Forwarded-Host value is not trimmed',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': ' a.example ' }),
    expected: { ...direct(LOCAL), host: ' a.example ', hostname: ' a.example ' },
  },
  {
    name: 'quirk (Express): an empty first value of a comma list is no host',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': ',b.example' }),
    expected: { ...direct(LOCAL), host: undefined, hostname: undefined },
  },
  {
    name: 'a trusted peer with an empty X-Forwarded-Host: Host is read',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': '' }),
    expected: direct(LOCAL),
  },
  {
    name: 'a trusted peer with an IPv6 literal X-Forwarded-Host',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': '[2001:db8::1]:443' }),
    expected: { ...direct(LOCAL), host: '[2001:db8::1]:443', hostname: '[2001:db8::1]' },
  },
  {
    name: 'a trusted peer with X-Forwarded-Host given as a list: the first value',
    setting: true, req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': ['a.example', 'b.example'] }),
    expected: { ...direct(LOCAL), host: 'a.example', hostname: 'a.example' },
  },
  {
    name: 'an untrusted peer: X-Forwarded-Host is ignored even without Host',
    setting: false, req: requestFrom(LOCAL, { 'x-forwarded-host': 'evil.example' }),
    expected: { ...direct(LOCAL), host: undefined, hostname: undefined },
  },
  {
    name: 'difference: without Host, the HTTP/2 :authority is read (Express reads Host only)',
    setting: false, req: requestFrom(LOCAL, { ':authority': 'example.com:8443' }),
    expected: { ...direct(LOCAL), host: 'example.com:8443', hostname: 'example.com' },
  },
  {
    name: 'Host wins over :authority',
    setting: false, req: requestFrom(LOCAL, { host: 'example.com', ':authority': 'other.example' }),
    expected: direct(LOCAL),
  },
]

describe('resolveAddr', () => {
  describe.each([
    ['ip and ips', addressCases],
    ['protocol and secure', protocolCases],
    ['host and hostname', hostCases],
  ] as const)('%s', (_group, cases) => {
    it.each(cases)('$name', ({ setting, req, expected }) => {
      expect(resolveAddr(req, compileTrust(setting))).toEqual(expected)
    })
  })

  it('asks a custom function about the peer at hop 0 before trusting X-Forwarded-Host/-Proto', () => {
    const calls: [string | undefined, number][] = []
    const custom: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return addr === LOCAL
    }
    const req = requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' })
    expect(resolveAddr(req, custom)).toEqual({ ip: LOCAL, ips: [], host: 'app.example', hostname: 'app.example', protocol: 'https', secure: true })
    expect(calls).toEqual([[LOCAL, 0]])
  })

  it('asks a custom function once per hop when the walk passed the peer', () => {
    const calls: [string | undefined, number][] = []
    const custom: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return i < 2
    }
    const req = requestFrom(LOCAL, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.1', 'x-forwarded-proto': 'https' })
    expect(resolveAddr(req, custom)).toEqual({
      ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.1'], host: undefined, hostname: undefined, protocol: 'https', secure: true,
    })
    expect(calls).toEqual([[LOCAL, 0], ['10.0.0.1', 1], ['203.0.113.9', 2]])
  })

  it('returns a new ips array for every call', () => {
    const trust = compileTrust(true)
    const req = requestFrom(LOCAL, { 'x-forwarded-for': '10.0.0.1' })
    const first = resolveAddr(req, trust)
    expect(resolveAddr(req, trust).ips).not.toBe(first.ips)
  })

  it.each<[string, unknown]>([['null', null], ['undefined', undefined]])('error: a %s request', (_name, req) => {
    expect(() => resolveAddr(req as RequestLike, compileTrust(true))).toThrow(new TypeError('req argument is required'))
  })

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'trust argument is required'],
    ['a setting string', 'loopback', 'trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust'],
    ['true', true, 'trust argument must be a function that compileTrust returned, not the setting true: compile it once at startup, const trust = compileTrust(true), and pass trust'],
    ['an array', ['loopback'], 'trust argument must be a function that compileTrust returned, not the setting ["loopback"]: compile it once at startup, const trust = compileTrust(["loopback"]), and pass trust'],
  ])(
    'error: %s as the predicate, with how to compile it once',
    (_name, trust, message) => {
      expect(() => resolveAddr(requestFrom(LOCAL), trust as TrustFn)).toThrow(new TypeError(message))
    },
  )

  it('checks the request before the predicate', () => {
    expect(() => resolveAddr(null as unknown as RequestLike, undefined as unknown as TrustFn)).toThrow(new TypeError('req argument is required'))
  })
})

describe('resolveAddr with options', () => {
  interface OptionCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options: TrustOptions
    readonly req: RequestLike
    readonly expected: ResolvedAddr
  }

  const chain: HeadersLike = {
    host: 'example.com',
    'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.1',
    'x-forwarded-host': 'client.example, outer.example, inner.example',
    'x-forwarded-proto': 'http, https, http',
  }

  const optionCases: readonly OptionCase[] = [
    {
      name: 'options that keep host and protocol leftmost answer them as Express does',
      setting: 'loopback, 10.0.0.0/8', options: { normalize: true }, req: requestFrom(LOCAL, chain),
      expected: { ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.1'], host: 'client.example', hostname: 'client.example', protocol: 'http', secure: false },
    },
    {
      name: 'aligned: host and protocol come from the entry of the hop where the walk stopped',
      setting: 'loopback, 10.0.0.0/8', options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, chain),
      expected: { ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.1'], host: 'outer.example', hostname: 'outer.example', protocol: 'https', secure: true },
    },
    {
      name: 'aligned: an untrusted peer keeps the socket protocol and Host',
      setting: 'loopback', options: { hostAndProto: 'aligned' }, req: requestFrom('203.0.113.1', chain, true),
      expected: { ip: '203.0.113.1', ips: [], host: 'example.com', hostname: 'example.com', protocol: 'https', secure: true },
    },
    {
      name: 'aligned: a header shorter than the walk leaves the socket protocol and Host',
      setting: true, options: { hostAndProto: 'aligned' },
      req: requestFrom(LOCAL, { host: 'example.com', 'x-forwarded-for': '198.51.100.7, 10.0.0.1', 'x-forwarded-host': 'only.example', 'x-forwarded-proto': 'https' }),
      expected: { ip: '198.51.100.7', ips: ['198.51.100.7', '10.0.0.1'], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
    },
    {
      name: 'aligned: an invalid forwarded host and protocol are ignored',
      setting: true, options: { hostAndProto: 'aligned' },
      req: requestFrom(LOCAL, { host: 'example.com:8080', 'x-forwarded-for': '198.51.100.7', 'x-forwarded-host': 'evil.example:x@good.example', 'x-forwarded-proto': 'gopher' }),
      expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: 'example.com:8080', hostname: 'example.com', protocol: 'http', secure: false },
    },
    {
      name: 'aligned: the protocol is lower-cased, and wss is secure',
      setting: true, options: { hostAndProto: 'aligned' },
      req: requestFrom(LOCAL, { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-host': '[2001:db8::1]:443', 'x-forwarded-proto': ' WSS ' }),
      expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: '[2001:db8::1]:443', hostname: '[2001:db8::1]', protocol: 'wss', secure: true },
    },
    {
      name: 'aligned: an invalid Host is no host',
      setting: false, options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, { host: 'a b' }),
      expected: { ip: LOCAL, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false },
    },
    {
      name: 'aligned: without Host, :authority is read',
      setting: false, options: { hostAndProto: 'aligned' }, req: requestFrom(LOCAL, { ':authority': 'example.com' }),
      expected: { ip: LOCAL, ips: [], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
    },
    {
      name: 'forwarded: host and protocol come from the element of the hop where the walk stopped',
      setting: 'loopback', options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { host: 'example.com', forwarded: 'for=198.51.100.7;host=client.example;proto=http, for=203.0.113.9;host=app.example;proto=https' }),
      expected: { ip: '203.0.113.9', ips: ['203.0.113.9'], host: 'app.example', hostname: 'app.example', protocol: 'https', secure: true },
    },
    {
      name: 'forwarded: an untrusted peer keeps the socket protocol and Host',
      setting: 'loopback', options: { source: 'forwarded' },
      req: requestFrom('203.0.113.1', { host: 'example.com', forwarded: 'for=198.51.100.7;host=app.example;proto=https' }),
      expected: { ip: '203.0.113.1', ips: [], host: 'example.com', hostname: 'example.com', protocol: 'http', secure: false },
    },
    {
      name: 'forwarded: an element without host or proto leaves the socket protocol and Host',
      setting: true, options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { host: 'example.com', forwarded: 'for=198.51.100.7' }, true),
      expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: 'example.com', hostname: 'example.com', protocol: 'https', secure: true },
    },
    {
      name: 'forwarded: a client hop that is not an address is no ip, and leaves ips empty (its first element is never a proxy)',
      setting: true, options: { source: 'forwarded' },
      req: requestFrom(LOCAL, { forwarded: 'for=unknown, for=198.51.100.7' }),
      expected: { ip: undefined, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false },
    },
    {
      name: 'strict: a client entry that is not an address is no ip, and leaves ips empty (its first element is never a proxy)',
      setting: 2, options: { addresses: 'strict' },
      req: requestFrom(undefined, { 'x-forwarded-for': '0, 127.0.0.1' }),
      expected: { ip: undefined, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false },
    },
    {
      name: 'ports: an entry with a port is matched and returned without it',
      setting: 'loopback, 10.0.0.0/8', options: { ports: true },
      req: requestFrom(LOCAL, { 'x-forwarded-for': '198.51.100.7:5678, [2001:db8::9]:443, 10.0.0.1:80' }),
      expected: { ip: '2001:db8::9', ips: ['2001:db8::9', '10.0.0.1'], host: undefined, hostname: undefined, protocol: 'http', secure: false },
    },
  ]

  it.each(optionCases)('$name', ({ setting, options, req, expected }) => {
    expect(resolveAddr(req, compileTrust(setting, options))).toEqual(expected)
  })
})
