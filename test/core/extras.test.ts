// extras.test.ts: X-Forwarded-Port, X-Forwarded-Prefix and allowed hosts: the validators, the
// allowedHosts list compiled once, and the answers resolveAddr gives with the options.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { compileAllowedHosts, hostAllowed, isValidPrefix, MAX_PREFIX, parsePort } from '../../src/core/extras.js'
import { describeValue, type TrustOptions } from '../../src/core/options.js'
import type { HeadersLike } from '../../src/core/request.js'
import { resolveAddr, type ResolvedAddr } from '../../src/core/resolve.js'
import { requestFrom } from '../fixtures/unit-requests.js'

describe('parsePort', () => {
  it.each<[string, number | undefined]>([
    ['1', 1], ['80', 80], ['443', 443], ['65535', 65535],
    ['0', undefined], ['00', undefined], ['080', undefined], ['65536', undefined], ['99999', undefined], ['100000', undefined],
    ['+80', undefined], ['-1', undefined], ['80 ', undefined], [' 80', undefined], ['8 0', undefined], ['', undefined],
    ['0x50', undefined], ['1e3', undefined], ['80.0', undefined], ['443, 80', undefined], ['٨٠', undefined],
  ])('%j reads as %s', (text, expected) => {
    expect(parsePort(text)).toBe(expected)
  })
})

describe('isValidPrefix', () => {
  it.each<[string, boolean]>([
    ['/', true], ['/app', true], ['/app/', true], ['/a/b/c', true], ['/a%20b', true], ["/a-b_c.d~e!$&'()*+;=:@", true],
    ['/.well-known', true], ['/a..b', true], ['/...', true],
    ['', false], ['app', false], ['//evil.example', false], ['/a//b', false], ['/a/../b', false], ['/..', false], ['/.', false],
    ['/a/./b', false], ['/a/%2e%2e/b', false], ['/a/%2E%2e', false], ['/%2e', false], ['/a/.%2e/b', false],
    ['http://x', false], ['/http://x', false], ['\\x', false], ['/a\\b', false], ['/a\u0000b', false], ['/a\nb', false], ['/a\u007fb', false],
    ['/a b', false], ['/a?b', false], ['/a#b', false], ['/a,b', false], ['/é', false], ['/a%zz', false], ['/a%2', false], ['/a%', false],
    ['/a"b', false], ['/a<b', false],
  ])('%j: %s', (text, expected) => {
    expect(isValidPrefix(text)).toBe(expected)
  })

  it(`takes at most ${MAX_PREFIX} characters`, () => {
    expect(isValidPrefix(`/${'a'.repeat(MAX_PREFIX - 1)}`)).toBe(true)
    expect(isValidPrefix(`/${'a'.repeat(MAX_PREFIX)}`)).toBe(false)
  })
})

describe('compileAllowedHosts and hostAllowed', () => {
  const allowed = compileAllowedHosts(['Shop.Example', '*.shop.example', '[2001:db8::1]', '192.0.2.1'], describeValue)

  it.each<[string, boolean]>([
    ['shop.example', true], ['SHOP.example', true], ['shop.example:8443', true], ['a.shop.example', true], ['a.b.shop.example:80', true],
    ['[2001:db8::1]', true], ['[2001:db8::1]:443', true], ['192.0.2.1:80', true],
    ['evil.example', false], ['shop.example.evil', false], ['evilshop.example', false], ['.shop.example', false],
    ['evil.com/x.shop.example', false], ['a.shop.example:99999', false], ['user@shop.example', false], ['', false],
    ['[2001:db8::2]', false], ['shop.example.', false],
  ])('%j: %s', (host, expected) => {
    expect(hostAllowed(allowed, host)).toBe(expected)
  })

  it('matches a *. pattern below the name, never the name itself (as ASP.NET Core)', () => {
    const sub = compileAllowedHosts(['*.shop.example'], describeValue)
    expect(hostAllowed(sub, 'shop.example')).toBe(false)
    expect(hostAllowed(sub, 'www.shop.example')).toBe(true)
  })

  it.each<[string, unknown, string]>([
    ['error: not a list', 'shop.example', `invalid option allowedHosts: "shop.example" (expected a non-empty list of host names such as ['shop.example', '*.shop.example'])`],
    ['error: an empty list', [], `invalid option allowedHosts: [] (expected a non-empty list of host names such as ['shop.example', '*.shop.example'])`],
    ['error: a number', [1], 'invalid option allowedHosts[0]: 1 (expected a host name of at most 255 characters)'],
    ['error: too long', ['a', 'b'.repeat(256)], `invalid option allowedHosts[1]: "${'b'.repeat(256)}" (expected a host name of at most 255 characters)`],
    ['error: a lone *', ['*'], 'invalid option allowedHosts[0]: "*" (expected a host name: a lone * would allow every host, so leave allowedHosts out instead)'],
    ['error: a port', ['shop.example:443'], 'invalid option allowedHosts[0]: "shop.example:443" (expected a host name without a port: ports are not matched)'],
    ['error: an IPv6 literal with a port', ['[::1]:80'], 'invalid option allowedHosts[0]: "[::1]:80" (expected a host name without a port: ports are not matched)'],
    ['error: a path', ['shop.example/x'], `invalid option allowedHosts[0]: "shop.example/x" (expected a host name ('shop.example'), '*.' and a name ('*.shop.example'), or an IPv6 literal in brackets)`],
    ['error: a wildcard inside', ['a.*.example'], `invalid option allowedHosts[0]: "a.*.example" (expected a host name ('shop.example'), '*.' and a name ('*.shop.example'), or an IPv6 literal in brackets)`],
    ['error: a wildcard IPv6 literal', ['*.[::1]'], `invalid option allowedHosts[0]: "*.[::1]" (expected a host name ('shop.example'), '*.' and a name ('*.shop.example'), or an IPv6 literal in brackets)`],
    ['error: a non-ASCII name', ['bücher.example'], `invalid option allowedHosts[0]: "bücher.example" (expected a host name ('shop.example'), '*.' and a name ('*.shop.example'), or an IPv6 literal in brackets)`],
  ])('%s', (_name, given, message) => {
    expect(() => compileTrust('loopback', { allowedHosts: given } as TrustOptions)).toThrow(new TypeError(message))
  })
})

describe('resolveAddr with forwardedPort, forwardedPrefix and allowedHosts', () => {
  const PEER = '10.0.0.1'
  const own = { host: 'own.example' }
  const chain: HeadersLike = {
    ...own,
    'x-forwarded-for': '198.51.100.7, 203.0.113.9',
    'x-forwarded-host': 'client.example, shop.example',
    'x-forwarded-proto': 'http, https',
    'x-forwarded-port': '1, 443',
    'x-forwarded-prefix': '/client, /shop',
  }
  const ALIGNED: TrustOptions = { hostAndProto: 'aligned', forwardedPort: true, forwardedPrefix: true }
  const LEFTMOST: TrustOptions = { forwardedPort: true, forwardedPrefix: true }

  interface Case {
    readonly name: string
    readonly options: TrustOptions
    readonly peer?: string
    readonly headers: HeadersLike
    readonly expected: Partial<ResolvedAddr>
  }
  const cases: readonly Case[] = [
    { name: 'aligned: port and prefix come from the hop of host and protocol', options: ALIGNED, headers: chain,
      expected: { ip: '203.0.113.9', host: 'shop.example', protocol: 'https', port: 443, prefix: '/shop' } },
    { name: 'aligned: an untrusted peer\'s values are never read', options: ALIGNED, peer: '203.0.113.50', headers: chain,
      expected: { ip: '203.0.113.50', host: 'own.example', port: undefined, prefix: undefined } },
    { name: 'aligned: a trusted peer without X-Forwarded-For gives no hop to read from', options: ALIGNED,
      headers: { ...own, 'x-forwarded-port': '443', 'x-forwarded-prefix': '/shop' }, expected: { port: undefined, prefix: undefined } },
    { name: 'aligned: a header shorter than the walk has no value at the hop', options: ALIGNED,
      headers: { ...own, 'x-forwarded-for': '203.0.113.9, 10.0.0.2', 'x-forwarded-port': '443', 'x-forwarded-prefix': '/shop' },
      expected: { ip: '203.0.113.9', port: undefined, prefix: undefined } },
    { name: 'aligned: invalid values at the hop are ignored', options: ALIGNED,
      headers: { ...chain, 'x-forwarded-port': '443, 65536', 'x-forwarded-prefix': '/ok, /a/../b' }, expected: { port: undefined, prefix: undefined } },
    { name: 'leftmost: a single value from a trusted peer is read', options: LEFTMOST,
      headers: { ...own, 'x-forwarded-for': '203.0.113.9', 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/shop' }, expected: { port: 8443, prefix: '/shop' } },
    { name: 'leftmost: a list is not read, since its leftmost value may be the client\'s', options: LEFTMOST, headers: chain,
      expected: { port: undefined, prefix: undefined } },
    { name: 'leftmost: an untrusted peer\'s values are never read', options: LEFTMOST, peer: '203.0.113.50',
      headers: { ...own, 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/shop' }, expected: { port: undefined, prefix: undefined } },
    { name: 'leftmost: no header, no value', options: LEFTMOST, headers: own, expected: { port: undefined, prefix: undefined } },
    { name: 'only the option asked for is answered', options: { forwardedPort: true }, headers: { ...own, 'x-forwarded-port': '8443', 'x-forwarded-prefix': '/shop' },
      expected: { port: 8443 } },
    { name: 'allowedHosts: an allowed forwarded host is kept (aligned)', options: { hostAndProto: 'aligned', allowedHosts: ['*.example'] }, headers: chain,
      expected: { host: 'shop.example', hostname: 'shop.example' } },
    { name: 'allowedHosts: a forwarded host outside the list falls back to Host (aligned)', options: { hostAndProto: 'aligned', allowedHosts: ['client.example'] }, headers: chain,
      expected: { host: 'own.example', hostname: 'own.example', protocol: 'https' } },
    { name: 'allowedHosts: the fallback Host is validated when aligned', options: { hostAndProto: 'aligned', allowedHosts: ['client.example'] },
      headers: { ...chain, host: 'bad host' }, expected: { host: undefined, hostname: undefined } },
    { name: 'allowedHosts: a forwarded host outside the list falls back to Host (leftmost)', options: { allowedHosts: ['shop.example'] },
      headers: { host: 'own.example:8080', 'x-forwarded-host': 'evil.example' }, expected: { host: 'own.example:8080', hostname: 'own.example' } },
    { name: 'allowedHosts: leftmost falls back to a missing Host as Express reads it', options: { allowedHosts: ['shop.example'] },
      headers: { 'x-forwarded-host': 'evil.example' }, expected: { host: undefined, hostname: undefined } },
    { name: 'allowedHosts: an invalid forwarded host is never allowed (leftmost reads it raw)', options: { allowedHosts: ['*.shop.example'] },
      headers: { ...own, 'x-forwarded-host': 'evil.com/x.shop.example' }, expected: { host: 'own.example' } },
    { name: 'allowedHosts: an empty first X-Forwarded-Host value stays undefined, as in Express', options: { allowedHosts: ['shop.example'] },
      headers: { ...own, 'x-forwarded-host': ', shop.example' }, expected: { host: undefined } },
    { name: 'allowedHosts: Host itself is not filtered', options: { allowedHosts: ['shop.example'] }, peer: '203.0.113.50',
      headers: { host: 'other.example', 'x-forwarded-host': 'shop.example' }, expected: { host: 'other.example' } },
    { name: 'allowedHosts: Forwarded host= outside the list falls back to Host', options: { source: 'forwarded', allowedHosts: ['shop.example'] },
      headers: { ...own, forwarded: 'for=203.0.113.9;host=evil.example' }, expected: { ip: '203.0.113.9', host: 'own.example' } },
    { name: 'allowedHosts: Forwarded host= in the list is kept', options: { source: 'forwarded', allowedHosts: ['shop.example'] },
      headers: { ...own, forwarded: 'for=203.0.113.9;host="SHOP.example:443"' }, expected: { host: 'SHOP.example:443', hostname: 'SHOP.example' } },
  ]

  it.each(cases)('$name', ({ options, peer, headers, expected }) => {
    const answer = resolveAddr(requestFrom(peer ?? PEER, headers), compileTrust('10.0.0.0/8', options))
    expect(answer).toMatchObject(expected)
    for (const key of ['port', 'prefix'] as const) expect(key in answer, key).toBe(key in expected)
  })

  it.each<[string, TrustOptions, string]>([
    ['error: forwardedPort: 1', { forwardedPort: 1 } as unknown as TrustOptions, 'invalid option forwardedPort: 1 (expected true or false)'],
    ['error: forwardedPrefix: "yes"', { forwardedPrefix: 'yes' } as unknown as TrustOptions, 'invalid option forwardedPrefix: "yes" (expected true or false)'],
    ['error: forwardedPort with the Forwarded source', { source: 'forwarded', forwardedPort: true },
      "invalid option forwardedPort: true (expected false with source 'forwarded', whose header has no port or prefix parameter (RFC 7239 section 5): read the port from host, or use source 'x-forwarded-for')"],
    ['error: forwardedPrefix with the Forwarded source', { source: 'forwarded', forwardedPrefix: true },
      "invalid option forwardedPrefix: true (expected false with source 'forwarded', whose header has no port or prefix parameter (RFC 7239 section 5): read the port from host, or use source 'x-forwarded-for')"],
  ])('%s', (_name, options, message) => {
    expect(() => compileTrust('loopback', options)).toThrow(new TypeError(message))
  })

  it('options that are off keep Express\'s path', () => {
    const trust = compileTrust('loopback', { forwardedPort: false, forwardedPrefix: false })
    expect(resolveAddr(requestFrom('127.0.0.1', { 'x-forwarded-port': '443' }), trust)).not.toHaveProperty('port')
  })
})

// ---------------------------------------------------------------------------------------------------
// Generated: against an oracle written without the library's scanners (split on commas), over
// chains where trusted proxies and clients both write X-Forwarded-For, -Host, -Port and -Prefix.

const PROPERTY_RUNS = 20_000
const SEED = process.env.FC_SEED === undefined ? 20_261_206 : Number(process.env.FC_SEED)

/** Values a proxy or a client may write, hostile ones among them. */
const portText = fc.oneof(fc.integer({ min: 0, max: 70_000 }).map(String), fc.constantFrom('+80', '080', '80 ', ' 443', '0x50', '1e3', '٨٠'))
const prefixText = fc.oneof(
  fc.constantFrom('/', '/app', '/app/', '//evil.example', '/a/../b', '/%2e%2e', 'http://x', '\\x', '/a\u0001b', '/a b', '/a?x', `/${'a'.repeat(MAX_PREFIX)}`),
  fc.string({ unit: fc.constantFrom('/', 'a', '.', '%', '2', 'e', ':', '@', '\\', '\u0007', '?', 'é'), minLength: 1, maxLength: 12 }),
)
const hostText = fc.constantFrom('shop.example', 'a.shop.example', 'SHOP.EXAMPLE:8443', 'evil.example', 'evil.com/x.shop.example', '[::1]', 'a b')
const hopText = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.9.9.9', '203.0.113.5', '198.51.100.7', 'junk')

/** A header the way proxies that append write it; absent now and then. */
function listOf(entry: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> {
  return fc.option(fc.array(entry, { minLength: 1, maxLength: 4 }).map((values) => values.join(', ')), { nil: undefined, freq: 6 })
}

const extrasCase = fc.record({
  peer: fc.constantFrom('10.0.0.1', '10.0.0.3', '203.0.113.50'),
  aligned: fc.boolean(),
  allowed: fc.boolean(),
  headers: fc.record({
    host: fc.constantFrom('own.example', 'own.example:8080', 'bad host'),
    'x-forwarded-for': listOf(hopText),
    'x-forwarded-host': listOf(hostText),
    'x-forwarded-port': listOf(portText),
    'x-forwarded-prefix': listOf(prefixText),
  }),
})

/** The nth entry from the right of a list, trimmed, by splitting it. */
function nthFromRight(header: string | undefined, n: number): string | undefined {
  if (header === undefined || header === '') return undefined
  const entries = header.split(',').map((entry) => entry.trim())
  return n >= 1 && n <= entries.length ? entries[entries.length - n] : undefined
}

describe('port, prefix and host never come from a hop the walk did not trust', () => {
  it(`answers as the hop the walk stopped at says, and only with valid values (${PROPERTY_RUNS.toLocaleString('en')} generated)`, () => {
    const TRUSTED = (addr: string | undefined): boolean => addr !== undefined && /^10\.\d+\.\d+\.\d+$/.test(addr)
    fc.assert(fc.property(extrasCase, ({ peer, aligned, allowed, headers }) => {
      const clean = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>
      const options: TrustOptions = {
        hostAndProto: aligned ? 'aligned' : 'leftmost', forwardedPort: true, forwardedPrefix: true,
        ...(allowed && { allowedHosts: ['shop.example', '*.shop.example'] }),
      }
      const answer = resolveAddr(requestFrom(peer, clean), compileTrust('10.0.0.0/8', options))

      // the walk, by hand: from the peer leftwards while the hop is trusted and has a successor
      const xff = headers['x-forwarded-for']
      const entries = xff === undefined ? [] : xff.split(',').map((entry) => entry.trim())
      let stop = 0
      while (stop < entries.length && TRUSTED(stop === 0 ? peer : entries[entries.length - stop])) stop++
      const peerTrusted = TRUSTED(peer)

      // the text read: aligned, the entry at the stop; leftmost, a single value from a trusted peer
      const read = (name: 'x-forwarded-port' | 'x-forwarded-prefix' | 'x-forwarded-host'): string | undefined => {
        if (aligned) return stop > 0 ? nthFromRight(headers[name], stop) : undefined
        const value = headers[name]
        return peerTrusted && value !== undefined && value !== '' && !value.includes(',') ? value.trim() : undefined
      }
      const port = read('x-forwarded-port')
      const expectedPort = port !== undefined && /^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65_535 ? Number(port) : undefined
      expect(answer.port).toBe(expectedPort)
      const prefix = read('x-forwarded-prefix')
      if (answer.prefix !== undefined) {
        expect(answer.prefix).toBe(prefix)
        expect(isValidPrefix(answer.prefix)).toBe(true)
        // the validator's promise, restated without it
        expect(answer.prefix).toMatch(/^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+;=:@/%]*$/)
        expect(answer.prefix.includes('//')).toBe(false)
        expect(answer.prefix.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment))).toBe(false)
      } else if (prefix !== undefined) {
        expect(isValidPrefix(prefix)).toBe(false)
      }
      // host: a forwarded value only from a trusted peer, and only an allowed one when a list is given
      if (!peerTrusted) expect(answer.host === headers.host || answer.host === undefined).toBe(true)
      if (allowed && answer.host !== headers.host && answer.host !== undefined) {
        expect(answer.hostname?.toLowerCase()).toMatch(/^(.+\.)?shop\.example$/)
      }
    }), { numRuns: PROPERTY_RUNS, seed: SEED })
  })
})
