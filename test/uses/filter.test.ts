// filter.test.ts: the allow and deny lists and the proxy-only check, compiled and asked directly;
// the frameworks and node:http over real sockets are in guards.test.ts.

import fc from 'fast-check'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { explain } from '../../src/diagnostics/explain.js'
import type { RequestLike } from '../../src/core/request.js'
import { compileIpFilter, compileTrustedPeerCheck, pathOf, type IpFilterOptions, type TrustedPeerOptions } from '../../src/uses/filter.js'

describe('compileIpFilter', () => {
  const both: IpFilterOptions = { allow: ['10.0.0.0/8', '198.51.100.7'], deny: '10.9.0.0/16, 10.0.0.1' }
  it.each([
    { name: 'an allowed client', options: both, ip: '10.1.2.3', decision: { allowed: true, list: 'allow', rule: '10.0.0.0/8' } },
    { name: 'a single allowed address', options: both, ip: '198.51.100.7', decision: { allowed: true, list: 'allow', rule: '198.51.100.7' } },
    { name: 'deny wins over allow', options: both, ip: '10.9.1.1', decision: { allowed: false, list: 'deny', rule: '10.9.0.0/16' } },
    { name: 'outside the allow list', options: both, ip: '203.0.113.5', decision: { allowed: false, list: undefined, rule: 'not in the allow list (no range matched)' } },
    { name: 'an IPv4-mapped address matches its IPv4 entry', options: both, ip: '::ffff:10.1.2.3', decision: { allowed: true, list: 'allow', rule: '10.0.0.0/8' } },
    { name: 'range names', options: { allow: 'loopback' }, ip: '127.0.0.9', decision: { allowed: true, list: 'allow', rule: 'loopback (127.0.0.1/8)' } },
    { name: 'extended range names, with extendedRanges', options: { deny: 'cgnat', extendedRanges: true }, ip: '100.64.1.1', decision: { allowed: false, list: 'deny', rule: 'cgnat (100.64.0.0/10)' } },
    { name: 'a deny list alone lets the rest in', options: { deny: ['203.0.113.0/24'] }, ip: '198.51.100.7', decision: { allowed: true, list: undefined, rule: 'not in the deny list' } },
    { name: 'fail: an unknown client with an allow list is refused', options: both, ip: undefined, decision: { allowed: false, list: undefined, rule: 'not in the allow list (not an IP address)' } },
    { name: 'fail: text that is no address with an allow list is refused', options: both, ip: 'evil', decision: { allowed: false, list: undefined, rule: 'not in the allow list (not an IP address)' } },
    { name: 'an unknown client with a deny list alone is let in', options: { deny: '10.0.0.0/8' }, ip: undefined, decision: { allowed: true, list: undefined, rule: 'not in the deny list' } },
    { name: 'no lists: everyone', options: {}, ip: '203.0.113.5', decision: { allowed: true, list: undefined, rule: 'not in the deny list' } },
    { name: 'a zoned allow entry lets in its address on its own interface', options: { allow: 'fe80::1%eth0' }, ip: 'fe80::1%eth0', decision: { allowed: true, list: 'allow', rule: 'fe80::1%eth0' } },
    { name: 'fail: a zoned allow entry refuses the same address on another interface (another machine)', options: { allow: 'fe80::1%eth0' }, ip: 'fe80::1%eth1', decision: { allowed: false, list: undefined, rule: 'not in the allow list (no range matched)' } },
    { name: 'fail: a zoned allow entry refuses the address without a zone (its interface unknown)', options: { allow: ['fe80::1%eth0'] }, ip: 'fe80::1', decision: { allowed: false, list: undefined, rule: 'not in the allow list (no range matched)' } },
    { name: 'an allow entry without a zone lets in its addresses on every interface', options: { allow: 'fe80::/10' }, ip: 'fe80::1%eth1', decision: { allowed: true, list: 'allow', rule: 'fe80::/10' } },
    { name: 'fail: a zoned deny entry refuses its address on every interface, and without a zone', options: { deny: 'fe80::1%eth0' }, ip: 'fe80::1%eth1', decision: { allowed: false, list: 'deny', rule: 'fe80::1%eth0' } },
  ])('$name', ({ options, ip, decision }) => {
    const filter = compileIpFilter(options)
    expect(filter.explain(ip)).toEqual(decision)
    expect(filter.allows(ip)).toBe(decision.allowed)
    expect(filter.status).toBe(403)
  })

  it('takes another status', () => {
    expect(compileIpFilter({ deny: '10.0.0.0/8', status: 404 }).status).toBe(404)
  })

  it.each([
    { name: 'error: allow is not a list', options: { allow: true }, message: 'invalid option allow: true (expected an address, subnet or range name, or a list of them)' },
    { name: 'error: deny holds a number', options: { deny: ['10.0.0.1', 7] }, message: 'invalid option deny: ["10.0.0.1",7] (expected an address, subnet or range name, or a list of them)' },
    { name: 'error: an entry that is no address', options: { allow: ['10.0.0.300'] }, message: 'invalid IP address: 10.0.0.300' },
    { name: 'error: status below 400', options: { status: 302 }, message: 'invalid option status: 302 (expected an HTTP status from 400 to 599)' },
    { name: 'error: status not an integer', options: { status: 403.5 }, message: 'invalid option status: 403.5 (expected an HTTP status from 400 to 599)' },
    { name: 'error: options not an object', options: null, message: 'invalid option options: null (expected an object)' },
    { name: 'error: a misspelt allow, which would leave no list and let every client in', options: { alow: ['10.0.0.0/8'] }, message: 'unknown option: alow (expected allow, deny, status, ranges or extendedRanges)' },
    { name: 'error: a compileTrust option the lists do not take', options: { deny: '10.0.0.0/8', zones: 'match' }, message: 'unknown option: zones (expected allow, deny, status, ranges or extendedRanges)' },
  ])('$name', ({ options, message }) => {
    expect(() => compileIpFilter(options as unknown as IpFilterOptions)).toThrow(new TypeError(message))
  })

  it('a zoned allow entry lets in only its own zone, a zoned deny entry refuses every zone (generated)', () => {
    const zone = fc.stringMatching(/^[0-9a-zA-Z]{1,8}$/)
    // link-local addresses, where zones are used (IPv4-mapped ones are matched as IPv4, without zones)
    const linkLocal = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 4, maxLength: 4 }).map((groups) => `fe80::${groups.map((g) => g.toString(16)).join(':')}`)
    fc.assert(fc.property(linkLocal, zone, fc.option(zone, { nil: undefined }), (address, entryZone, clientZone) => {
      const client = clientZone === undefined ? address : `${address}%${clientZone}`
      expect(compileIpFilter({ allow: `${address}%${entryZone}` }).allows(client)).toBe(clientZone === entryZone)
      expect(compileIpFilter({ deny: `${address}%${entryZone}` }).allows(client)).toBe(false)
    }), { numRuns: 500 })
  })

  it('allows and explain always agree, and never throw (generated addresses and text)', () => {
    const filter = compileIpFilter(both)
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 30 }), fc.constant(undefined)), (ip) => {
      expect(filter.allows(ip)).toBe(filter.explain(ip).allowed)
    }), { numRuns: 3000 })
  })
})

const SECRET = 'proof-0123456789abcdef'
const PROOF = { header: 'X-Origin-Verify', values: [SECRET] }

describe('compileTrustedPeerCheck', () => {
  const from = (remoteAddress: string | undefined, extra: Record<string, unknown> = {}): RequestLike => ({ socket: { remoteAddress, ...extra }, headers: {} })
  const proved = (remoteAddress: string, proof: string | undefined): RequestLike =>
    ({ socket: { remoteAddress }, headers: proof === undefined ? {} : { 'x-origin-verify': proof } })
  const trust = compileTrust('10.0.0.0/8')
  const withProof = compileTrust('10.0.0.0/8', { edgeProof: PROOF })
  it.each([
    { name: 'a trusted proxy', trust, options: {}, req: from('10.0.0.2'), path: '/', admitted: true },
    { name: 'fail: a direct client', trust, options: {}, req: from('203.0.113.5'), path: '/', admitted: false },
    { name: 'a direct client to an exempt path', trust, options: { paths: ['/healthz'] }, req: from('203.0.113.5'), path: '/healthz', admitted: true },
    { name: 'fail: a direct client to a path that only starts like an exempt one', trust, options: { paths: ['/healthz'] }, req: from('203.0.113.5'), path: '/healthz/x', admitted: false },
    { name: 'an allowed peer (a health checker)', trust, options: { allow: '192.0.2.10' }, req: from('192.0.2.10'), path: '/', admitted: true },
    { name: 'a hop count trusts every peer', trust: compileTrust(1), options: {}, req: from('203.0.113.5'), path: '/', admitted: true },
    { name: 'a custom function is asked about hop 0', trust: ((addr: string | undefined, i: number) => i === 0 && addr === '192.0.2.1') as TrustFn, options: {}, req: from('192.0.2.1'), path: '/', admitted: true },
    { name: 'fail: a socket without an address', trust, options: {}, req: from(undefined), path: '/', admitted: false },
    { name: 'fail: a request without a socket matches no allowed peer', trust, options: { allow: '192.0.2.10' }, req: { headers: {} }, path: '/', admitted: false },
    { name: 'a unix socket with trustSocketless', trust: compileTrust('10.0.0.0/8', { trustSocketless: true }), options: {}, req: { headers: {} }, path: '/', admitted: true },
    { name: 'fail: a closed TCP socket with trustSocketless', trust: compileTrust('10.0.0.0/8', { trustSocketless: true }), options: {}, req: from(undefined, { destroyed: true }), path: '/', admitted: false },
    { name: 'fail: a closed TCP socket with trustSocketless and a custom function that refuses a missing address', trust: compileTrust((addr: string | undefined) => addr !== undefined, { trustSocketless: true }), options: {}, req: from(undefined, { destroyed: true }), path: '/', admitted: false },
    { name: 'a socket of a server listening on a path (a unix socket) with trustSocketless', trust: compileTrust('10.0.0.0/8', { trustSocketless: true }), options: {}, req: from(undefined, { server: { address: () => '/run/app.sock' } }), path: '/', admitted: true },
    { name: 'fail: a socket without an address whose server listens on an IP address, with trustSocketless', trust: compileTrust('10.0.0.0/8', { trustSocketless: true }), options: {}, req: from(undefined, { server: { address: () => ({ address: '0.0.0.0', port: 80 }) } }), path: '/', admitted: false },
    { name: 'edgeProof: a peer in range whose request carries the proof', trust: withProof, options: {}, req: proved('10.0.0.2', SECRET), path: '/', admitted: true },
    { name: 'fail: edgeProof: a peer in range without the proof (another tenant of the same edge)', trust: withProof, options: {}, req: proved('10.0.0.2', undefined), path: '/', admitted: false },
    { name: 'fail: edgeProof: a peer in range with a wrong proof', trust: withProof, options: {}, req: proved('10.0.0.2', 'proof-wrong-0123456789'), path: '/', admitted: false },
    { name: 'fail: edgeProof: a direct client that has the proof is still not in range', trust: withProof, options: {}, req: proved('203.0.113.5', SECRET), path: '/', admitted: false },
    { name: 'edgeProof: an allowed peer needs no proof (a health checker)', trust: withProof, options: { allow: '192.0.2.10' }, req: proved('192.0.2.10', undefined), path: '/', admitted: true },
    { name: 'edgeProof: an exempt path needs no proof', trust: withProof, options: { paths: ['/healthz'] }, req: proved('10.0.0.2', undefined), path: '/healthz', admitted: true },
    { name: 'fail: edgeProof with a hop count: a peer without the proof', trust: compileTrust(1, { edgeProof: PROOF }), options: {}, req: proved('203.0.113.5', undefined), path: '/', admitted: false },
    { name: 'edgeProof and trustSocketless: a unix socket with the proof', trust: compileTrust('10.0.0.0/8', { edgeProof: PROOF, trustSocketless: true }), options: {}, req: { headers: { 'x-origin-verify': SECRET } }, path: '/', admitted: true },
    { name: 'fail: edgeProof and trustSocketless: a unix socket without the proof', trust: compileTrust('10.0.0.0/8', { edgeProof: PROOF, trustSocketless: true }), options: {}, req: { headers: {} }, path: '/', admitted: false },
  ])('$name', ({ trust: predicate, options, req, path, admitted }) => {
    expect(compileTrustedPeerCheck(predicate, options as TrustedPeerOptions).admits(req, path)).toBe(admitted)
  })

  it.each([
    { name: 'error: trust is not a function', trust: 'loopback', options: {}, message: 'requireTrustedPeer: trust must be a function from compileTrust(setting, options), got "loopback"' },
    { name: 'error: a path without a leading slash', trust, options: { paths: ['healthz'] }, message: 'invalid option paths: ["healthz"] (expected a list of paths starting with /)' },
    { name: 'error: paths not a list', trust, options: { paths: '/healthz' }, message: 'invalid option paths: "/healthz" (expected a list of paths starting with /)' },
    { name: 'error: a bad status', trust, options: { status: 200 }, message: 'invalid option status: 200 (expected an HTTP status from 400 to 599)' },
  ])('$name', ({ trust: predicate, options, message }) => {
    expect(() => compileTrustedPeerCheck(predicate as TrustFn, options as TrustedPeerOptions)).toThrow(new TypeError(message))
  })
})

describe("compileTrustedPeerCheck: another copy's predicate", () => {
  /** A second instance of the package, as a second install would load: its predicates are foreign here. */
  let other: typeof import('../../src/index.js')
  beforeAll(async () => {
    vi.resetModules()
    other = await import('../../src/index.js')
    vi.resetModules()
  })
  const proved = (proof: string | undefined): RequestLike =>
    ({ socket: { remoteAddress: '10.0.0.2' }, headers: proof === undefined ? {} : { 'x-origin-verify': proof } })

  it.each([
    { name: 'that copy decides its peer with its own options: with the proof', proof: SECRET, admitted: true },
    { name: 'fail: that copy decides its peer with its own options: without the proof', proof: undefined, admitted: false },
  ])('$name', ({ proof, admitted }) => {
    const check = compileTrustedPeerCheck(other.compileTrust('10.0.0.0/8', { edgeProof: PROOF }))
    expect(check.admits(proved(proof), '/')).toBe(admitted)
  })

  it.each([
    { name: 'a mark whose explain throws: the predicate is asked as a custom function', explain: () => { throw new Error('broken copy') } },
    { name: 'a mark whose explain answers nothing usable: likewise', explain: () => 'nothing' },
  ])('$name', ({ explain: broken }) => {
    const calls: [string | undefined, number][] = []
    const fn = (addr: string | undefined, i: number): boolean => {
      calls.push([addr, i])
      return addr === '10.0.0.2'
    }
    Object.defineProperty(fn, Symbol.for('proxy-trust.compiled'), {
      value: { protocol: 1, resolve: () => undefined, ip: () => undefined, all: () => [], explain: broken },
    })
    const check = compileTrustedPeerCheck(fn)
    expect([check.admits(proved(undefined), '/'), calls]).toEqual([true, [['10.0.0.2', 0]]])
  })
})

describe('compileTrustedPeerCheck, generated', () => {
  it("admits exactly the peers the walk trusts at hop 0 (explain's hop 0), for generated settings, option sets and requests", () => {
    const settings = fc.constantFrom<TrustSetting>('10.0.0.0/8', 'loopback, 10.0.0.1', 1, true, false, (addr: string | undefined) => addr === undefined || addr === '10.0.0.1')
    const options = fc.record({
      trustSocketless: fc.constantFrom(undefined, true),
      edgeProof: fc.constantFrom(undefined, PROOF),
      addresses: fc.constantFrom<TrustOptions['addresses']>(undefined, 'strict'),
      source: fc.constantFrom<TrustOptions['source']>(undefined, 'forwarded'),
      hostAndProto: fc.constantFrom<TrustOptions['hostAndProto']>(undefined, 'aligned'),
    }, { requiredKeys: [] })
    const sockets = fc.oneof(
      fc.constantFrom('10.0.0.1', '10.0.0.2', '127.0.0.1', '203.0.113.5', '::ffff:10.0.0.2', 'bogus').map((remoteAddress) => ({ remoteAddress })),
      fc.constant(undefined),
      fc.constant({ remoteAddress: undefined, destroyed: true }),
      fc.constant({ remoteAddress: undefined, server: { address: () => '/run/app.sock' } }),
      fc.constant({ remoteAddress: undefined, server: { address: () => ({ address: '127.0.0.1', port: 80 }) } }),
    )
    const headers = fc.record({ 'x-origin-verify': fc.constantFrom(SECRET, 'proof-wrong-0123456789', `${SECRET}, ${SECRET}`), 'x-forwarded-for': fc.constantFrom('198.51.100.7', '198.51.100.7, 10.0.0.1') }, { requiredKeys: [] })
    fc.assert(fc.property(settings, options, sockets, headers, (setting, given, socket, sent) => {
      const trust = compileTrust(setting, Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as TrustOptions)
      const req: RequestLike = socket === undefined ? { headers: sent } : { socket, headers: sent }
      expect(compileTrustedPeerCheck(trust).admits(req, '/')).toBe(explain(req, trust).hops[0]?.trusted === true)
    }), { numRuns: 3000 })
  })


  it('admits never throws, whatever the socket holds', () => {
    const check = compileTrustedPeerCheck(compileTrust('10.0.0.0/8', { trustSocketless: true }), { allow: 'loopback', paths: ['/healthz'] })
    fc.assert(fc.property(fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), fc.boolean(), fc.string({ maxLength: 20 }), (remoteAddress, destroyed, path) => {
      expect(typeof check.admits({ socket: { remoteAddress, destroyed } }, path)).toBe('boolean')
    }), { numRuns: 2000 })
  })
})

describe('pathOf', () => {
  it.each([
    { url: '/healthz?x=1', path: '/healthz' },
    { url: '/a/b', path: '/a/b' },
    { url: undefined, path: '/' },
  ])('$url', ({ url, path }) => {
    expect(pathOf(url)).toBe(path)
  })
})
