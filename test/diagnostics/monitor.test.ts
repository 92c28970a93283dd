// monitor.test.ts: createMonitor, warnings from live traffic: each live code under its condition and
// not without it (through monitor(req) and monitor.resolve alike), once per code, nothing once every
// code has fired, process.emitWarning by default, and the errors of a bad setup; and, as properties
// over hostile requests and option sets, that monitor(req) never calls a custom function, never
// throws and never changes an answer.
//
// Runs: RUNS below per property (each test name states its count). The seed is fixed so that every
// run checks the same inputs; set FC_SEED to explore others.

import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import type { RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { createMonitor, type Monitor, type MonitorOptions } from '../../src/diagnostics/monitor.js'
import type { Warning, WarningCode } from '../../src/diagnostics/warnings.js'
import { requestFrom } from '../fixtures/unit-requests.js'

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

/** The warnings a fresh monitor gives for `requests`, in order. */
function watch(setting: TrustSetting, requests: readonly RequestLike[], options?: TrustOptions): Warning[] {
  const seen: Warning[] = []
  const monitor = createMonitor(compileTrust(setting, options), { onWarning: (w) => seen.push(w) })
  for (const req of requests) monitor(req)
  return seen
}

const SEED = process.env.FC_SEED === undefined ? 20_261_206 : Number(process.env.FC_SEED)
const RUNS = 3_000

const XFF = { host: 'shop.example', 'x-forwarded-for': '203.0.113.5' }
const SECRET = 'proof-0123456789abcdef'
const PROOF: TrustOptions = { edgeProof: { header: 'X-Origin-Verify', values: [SECRET] } }

describe('createMonitor: the live codes', () => {
  interface LiveCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options?: TrustOptions
    readonly req: RequestLike
    readonly codes: readonly WarningCode[]
  }

  const cases: readonly LiveCase[] = [
    { name: 'none for a request through a trusted proxy', setting: 'loopback', req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'https' }), codes: [] },
    { name: 'none for a direct request without forwarding headers', setting: 'loopback', req: requestFrom('203.0.113.9', { host: 'shop.example' }), codes: [] },
    { name: 'TRUST_ALL_WITH_HEADERS: true, a public peer with X-Forwarded-For', setting: true, req: requestFrom('198.51.100.20', XFF), codes: ['TRUST_ALL_WITH_HEADERS'] },
    { name: 'not TRUST_ALL_WITH_HEADERS: true, a loopback peer (the proxy on the same machine)', setting: true, req: requestFrom('127.0.0.1', XFF), codes: [] },
    { name: 'not TRUST_ALL_WITH_HEADERS: true, a public peer without forwarding headers', setting: true, req: requestFrom('198.51.100.20', { host: 'shop.example' }), codes: [] },
    { name: 'HOP_COUNT: a count, a public peer with X-Forwarded-Proto', setting: 1, req: requestFrom('198.51.100.20', { 'x-forwarded-proto': 'https' }), codes: ['HOP_COUNT'] },
    { name: 'not HOP_COUNT: a count, a private peer', setting: 1, req: requestFrom('10.0.0.2', XFF), codes: [] },
    { name: 'not HOP_COUNT: a count of zero trusts nobody, whose headers are ignored', setting: 0, req: requestFrom('198.51.100.20', XFF), codes: [] },
    { name: 'UNTRUSTED_PEER_WITH_HEADERS: a private peer not trusted', setting: '10.0.0.1', req: requestFrom('10.0.0.2', XFF), codes: ['UNTRUSTED_PEER_WITH_HEADERS'] },
    { name: 'UNTRUSTED_PEER_WITH_HEADERS: an RFC 6598 peer not trusted', setting: 'loopback', req: requestFrom('100.64.0.7', XFF), codes: ['UNTRUSTED_PEER_WITH_HEADERS'] },
    { name: 'UNTRUSTED_PEER_WITH_HEADERS: a mapped loopback peer not trusted', setting: '10.0.0.1', req: requestFrom('::ffff:127.0.0.1', XFF), codes: ['UNTRUSTED_PEER_WITH_HEADERS'] },
    {
      name: 'UNTRUSTED_PEER_WITH_HEADERS: a single-address header that is not one address',
      setting: '10.0.0.1', options: { source: { header: 'X-Real-IP' } }, req: requestFrom('10.0.0.2', { 'x-real-ip': 'a, b' }), codes: ['UNTRUSTED_PEER_WITH_HEADERS'],
    },
    { name: 'not UNTRUSTED_PEER_WITH_HEADERS: a public peer, a client forging the header', setting: 'loopback', req: requestFrom('203.0.113.9', XFF), codes: [] },
    { name: 'not UNTRUSTED_PEER_WITH_HEADERS: a private peer with empty entries only', setting: '10.0.0.1', req: requestFrom('10.0.0.2', { 'x-forwarded-for': ' , ' }), codes: [] },
    { name: 'PEER_WITHOUT_ADDRESS: a unix socket, not trusted', setting: 'loopback', req: requestFrom(undefined, { host: 'shop.example' }), codes: ['PEER_WITHOUT_ADDRESS'] },
    { name: 'PEER_WITHOUT_ADDRESS: no socket at all', setting: 'loopback', req: { headers: {} }, codes: ['PEER_WITHOUT_ADDRESS'] },
    { name: 'PEER_WITHOUT_ADDRESS: a socket on a unix-socket server (its address is a path)', setting: 'loopback', req: { socket: { remoteAddress: undefined, server: { address: () => '/run/app.sock' } }, headers: {} } as RequestLike, codes: ['PEER_WITHOUT_ADDRESS'] },
    { name: 'PEER_WITHOUT_ADDRESS: an empty peer address (a shim)', setting: 'loopback', req: requestFrom('', { host: 'shop.example' }), codes: ['PEER_WITHOUT_ADDRESS'] },
    { name: 'not PEER_WITHOUT_ADDRESS with trustSocketless', setting: 'loopback', options: { trustSocketless: true }, req: requestFrom(undefined, XFF), codes: [] },
    { name: 'not PEER_WITHOUT_ADDRESS: a TCP client that has hung up (the socket is destroyed, its address lost, not absent)', setting: 'loopback', req: { socket: { remoteAddress: undefined, destroyed: true }, headers: XFF }, codes: [] },
    {
      name: 'not PEER_WITHOUT_ADDRESS with trustSocketless either: a TCP client that has hung up is not trusted, and not reported',
      setting: 'loopback', options: { trustSocketless: true }, req: { socket: { remoteAddress: undefined, destroyed: true }, headers: {} }, codes: [],
    },
    {
      name: 'not PEER_WITHOUT_ADDRESS: a socket without an address that an IP listener accepted (a peer reset before Node closed the socket)',
      setting: 'loopback', req: { socket: { remoteAddress: undefined, server: { address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 8080 }) } }, headers: {} } as RequestLike, codes: [],
    },
    { name: 'UNTRUSTED_PEER_WITH_HEADERS under false: a local peer (the fix says what never to trust)', setting: false, req: requestFrom('172.17.0.1', XFF), codes: ['UNTRUSTED_PEER_WITH_HEADERS'] },
    { name: 'not TRUST_ALL_WITH_HEADERS: source forwarded and only X-Forwarded-Host and -Proto, which it never reads', setting: true, options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { host: 'shop.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }), codes: [] },
    { name: 'not HOP_COUNT: source forwarded and only X-Forwarded-Host and -Proto, which it never reads', setting: 1, options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { host: 'shop.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }), codes: [] },
    { name: 'TRUST_ALL_WITH_HEADERS: source forwarded and a Forwarded element', setting: true, options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { forwarded: 'for=198.51.100.7;proto=https' }), codes: ['TRUST_ALL_WITH_HEADERS'] },
    { name: 'TRUST_ALL_WITH_HEADERS: source X-Real-IP and X-Forwarded-Host alone, which it reads', setting: true, options: { source: { header: 'X-Real-IP' } }, req: requestFrom('203.0.113.9', { 'x-forwarded-host': 'evil.example' }), codes: ['TRUST_ALL_WITH_HEADERS'] },
    { name: 'PROTO_NOT_HTTP: edgeProof, a peer in range with the proof', setting: 'loopback', options: PROOF, req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'javascript', 'x-origin-verify': SECRET }), codes: ['PROTO_NOT_HTTP'] },
    { name: 'not PROTO_NOT_HTTP: edgeProof, a peer in range without the proof (the walk does not trust it)', setting: 'loopback', options: PROOF, req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'javascript' }), codes: [] },
    { name: 'not PROTO_NOT_HTTP: edgeProof, a peer in range with a wrong proof', setting: 'loopback', options: PROOF, req: requestFrom('127.0.0.1', { 'x-forwarded-proto': 'javascript', 'x-origin-verify': 'not-the-secret-at-all' }), codes: [] },
    { name: 'HOP_COUNT: edgeProof, a public peer with the proof', setting: 1, options: PROOF, req: requestFrom('203.0.113.9', { ...XFF, 'x-origin-verify': SECRET }), codes: ['HOP_COUNT'] },
    { name: 'not HOP_COUNT: edgeProof, a public peer without the proof, which the walk does not trust', setting: 1, options: PROOF, req: requestFrom('203.0.113.9', XFF), codes: [] },
    { name: 'not TRUST_ALL_WITH_HEADERS: edgeProof, a public peer without the proof', setting: true, options: PROOF, req: requestFrom('203.0.113.9', XFF), codes: [] },
    { name: 'not UNTRUSTED_PEER_WITH_HEADERS: edgeProof, a local peer without the proof did not come through your edge', setting: '10.0.0.1', options: PROOF, req: requestFrom('10.0.0.2', XFF), codes: [] },
    { name: 'not PEER_WITHOUT_ADDRESS: edgeProof, a socketless peer without the proof', setting: 'loopback', options: { ...PROOF, trustSocketless: true }, req: { headers: {} }, codes: [] },
    { name: 'not FORWARDED_MALFORMED: edgeProof, from a peer in range without the proof', setting: 'loopback', options: { ...PROOF, source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for=[::1]' }), codes: [] },
    { name: 'FORWARDED_MALFORMED: edgeProof, from a peer in range with the proof', setting: 'loopback', options: { ...PROOF, source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for=[::1]', 'x-origin-verify': SECRET }), codes: ['FORWARDED_MALFORMED'] },
    { name: 'PROTO_NOT_HTTP: a trusted peer sends HTTPS', setting: 'loopback', req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'HTTPS' }), codes: ['PROTO_NOT_HTTP'] },
    { name: 'PROTO_NOT_HTTP: an empty first value, which protocol is', setting: 'loopback', req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': ',https' }), codes: ['PROTO_NOT_HTTP'] },
    { name: 'not PROTO_NOT_HTTP: an odd value after the first, which no answer reads', setting: 'loopback', req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'https,' }), codes: [] },
    {
      name: 'not PROTO_NOT_HTTP: aligned mode normalises HTTPS to https, a right answer',
      setting: 'loopback', options: { hostAndProto: 'aligned' }, req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'HTTPS' }), codes: [],
    },
    { name: 'not PROTO_NOT_HTTP: a list of http and https', setting: 'loopback', req: requestFrom('127.0.0.1', { ...XFF, 'x-forwarded-proto': 'https, http' }), codes: [] },
    { name: 'not PROTO_NOT_HTTP: from an untrusted peer', setting: 'loopback', req: requestFrom('203.0.113.9', { 'x-forwarded-proto': 'HTTPS' }), codes: [] },
    {
      name: 'not PROTO_NOT_HTTP: with source forwarded, which never reads it',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('127.0.0.1', { 'x-forwarded-proto': 'HTTPS' }), codes: [],
    },
    {
      name: 'FORWARDED_MALFORMED: the trusted peer sent a malformed element',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for=[::1]' }), codes: ['FORWARDED_MALFORMED'],
    },
    {
      name: 'FORWARDED_MALFORMED: damage reached past a trusted element',
      setting: 'loopback, 10.0.0.0/8', options: { source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for="oops, for=10.0.0.2' }), codes: ['FORWARDED_MALFORMED'],
    },
    {
      name: 'not FORWARDED_MALFORMED: a client\'s damage left of the first untrusted element',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for="oops, for=203.0.113.5' }), codes: [],
    },
    {
      name: 'not FORWARDED_MALFORMED: from an untrusted peer',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('203.0.113.9', { forwarded: 'for=[::1]' }), codes: [],
    },
    {
      name: 'not FORWARDED_MALFORMED: a well-formed header',
      setting: 'loopback', options: { source: 'forwarded' }, req: requestFrom('127.0.0.1', { forwarded: 'for=203.0.113.5' }), codes: [],
    },
  ]

  it.each(cases)('$name', ({ setting, options, req, codes }) => {
    expect(watch(setting, [req], options).map((w) => w.code)).toEqual(codes)
    // monitor.resolve, which watches the walk that answers, says the same
    const seen: WarningCode[] = []
    const trust = compileTrust(setting, options)
    expect(createMonitor(trust, { onWarning: (w) => seen.push(w.code) }).resolve(req)).toEqual(resolveAddr(req, trust))
    expect(seen).toEqual(codes)
  })

  it('nothing for a request that is not there', () => {
    expect(watch('loopback', [null as unknown as RequestLike]).map((w) => w.code)).toEqual([])
  })

  it('names the public peer and what it sent', () => {
    expect(watch(true, [requestFrom('198.51.100.20', { ...XFF, 'x-forwarded-proto': 'https' })])).toEqual([{
      code: 'TRUST_ALL_WITH_HEADERS',
      message: 'trust is true and the peer "198.51.100.20", a public address, sent X-Forwarded-For, X-Forwarded-Proto: the client wrote the leftmost values, so it chooses its own ip, host and protocol',
      fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
    }])
    // with the Forwarded source X-Forwarded-Proto is never read, so it is not named
    expect(watch(true, [requestFrom('198.51.100.20', { forwarded: 'for=203.0.113.5', 'x-forwarded-proto': 'https' })], { source: 'forwarded' })[0]?.message)
      .toBe('trust is true and the peer "198.51.100.20", a public address, sent Forwarded: the client wrote the leftmost values, so it chooses its own ip, host and protocol')
    expect(watch(2, [requestFrom('2001:db8::7', XFF)])).toEqual([{
      code: 'HOP_COUNT',
      message: 'trust is a hop count (2): right only while every request passes exactly that many proxies; the peer "2001:db8::7", a public address, sent X-Forwarded-For: if clients reach the app directly, they choose their own ip',
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    }])
  })

  it('UNTRUSTED_PEER_WITH_HEADERS under a setting that trusts no proxy: the fix never says to trust an address every client arrives from', () => {
    const noProxy = {
      code: 'UNTRUSTED_PEER_WITH_HEADERS',
      message: 'the peer "172.17.0.1", a local address, is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address',
      fix: "The setting trusts no proxy: if a proxy of yours forwards to the app, trust its address or subnet, but never an address every client arrives from (a NAT gateway, Docker's bridge gateway behind a published port), which would let every client choose its ip; if no proxy of yours is in front, ignoring the header is right",
    }
    for (const setting of [false, [], 0, -1] as const) expect(watch(setting, [requestFrom('172.17.0.1', XFF)])).toEqual([noProxy])
    // a setting that names proxies: one more is the likely fix
    expect(watch('10.0.0.1', [requestFrom('172.17.0.1', XFF)])[0]?.fix)
      .toBe('If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right')
  })
})

describe('createMonitor: once per code, and then nothing', () => {
  it('reports each code once, however often it shows', () => {
    const forgotten = requestFrom('10.0.0.2', XFF)
    const odd = requestFrom('10.0.0.1', { ...XFF, 'x-forwarded-proto': 'HTTPS' })
    const codes = watch('10.0.0.1', [forgotten, odd, forgotten, odd, requestFrom('10.0.0.1', { 'x-forwarded-proto': 'Http' })]).map((w) => w.code)
    expect(codes).toEqual(['UNTRUSTED_PEER_WITH_HEADERS', 'PROTO_NOT_HTTP'])
  })

  it('never calls a custom function on its own: it checks a request only with the walk\'s answers', () => {
    const calls: (string | undefined)[] = []
    const custom: TrustFn = (addr) => {
      calls.push(addr)
      return addr === '10.0.0.1'
    }
    const seen: WarningCode[] = []
    const monitor = createMonitor(custom, { onWarning: (w) => seen.push(w.code) })
    monitor(requestFrom('10.0.0.2', XFF))
    monitor(requestFrom(undefined, {}))
    expect(calls).toEqual([])
    expect(seen).toEqual([])
    // with the walk's answer (resolve) or the caller's (peer), it checks
    monitor.resolve(requestFrom('10.0.0.2', XFF))
    monitor.peer(requestFrom(undefined, {}), false)
    monitor.peer(requestFrom('10.0.0.1', { 'x-forwarded-proto': 'ftp' }), true)
    expect(seen).toEqual(['UNTRUSTED_PEER_WITH_HEADERS', 'PEER_WITHOUT_ADDRESS', 'PROTO_NOT_HTTP'])
    expect(calls).toEqual(['10.0.0.2'])
  })

  it('resolve asks a custom function exactly what resolveAddr asks, and answers as it does', () => {
    const asked = (into: string[]): TrustFn => (addr, i) => {
      into.push(`${addr ?? '-'}@${i}`)
      return i < 2
    }
    const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.5, 10.0.0.3, 10.0.0.2, 10.0.0.1', 'x-forwarded-proto': 'HTTPS' })
    for (const options of [undefined, { source: 'forwarded' as const }, { hostAndProto: 'aligned' as const }]) {
      const walk: string[] = []
      const watched: string[] = []
      const expected = resolveAddr(req, compileTrust(asked(walk), options))
      const monitor = createMonitor(compileTrust(asked(watched), options), { onWarning: () => undefined })
      expect(monitor.resolve(req)).toEqual(expected)
      expect(watched).toEqual(walk)
    }
  })

  it('looks at a request once, however many getters call it', () => {
    const seen: WarningCode[] = []
    const monitor = createMonitor(compileTrust('10.0.0.1'), { onWarning: (w) => seen.push(w.code) })
    const req = requestFrom('10.0.0.1', { 'x-forwarded-proto': 'HTTPS' })
    monitor(req)
    monitor(req)
    expect(monitor.resolve(req)).toEqual(resolveAddr(req, compileTrust('10.0.0.1')))
    monitor.peer(req, true)
    expect(seen).toEqual(['PROTO_NOT_HTTP'])
  })

  it('resolve and peer: a request without a socket comes from a peer without an address', () => {
    for (const look of [(m: Monitor) => m.resolve({ headers: {} }), (m: Monitor) => m.peer({ headers: {} }, false)]) {
      const seen: WarningCode[] = []
      look(createMonitor(compileTrust('loopback'), { onWarning: (w) => seen.push(w.code) }))
      expect(seen).toEqual(['PEER_WITHOUT_ADDRESS'])
    }
  })

  it('never throws, and answers as resolveAddr: a custom function that throws beyond the hops the walk asks', () => {
    // the walk asks hop 0 only: the element left of it is malformed
    const fn: TrustFn = (_addr, i) => {
      if (i >= 1) throw new Error('asked too far')
      return true
    }
    const trust = compileTrust(fn, { source: 'forwarded' })
    const req = requestFrom('127.0.0.1', { forwarded: 'for="bad, for=10.0.0.1' })
    const seen: WarningCode[] = []
    const monitor = createMonitor(trust, { onWarning: (w) => seen.push(w.code) })
    expect(() => monitor(req)).not.toThrow()
    expect(monitor.resolve(req)).toEqual(resolveAddr(req, trust))
    expect(seen).toEqual(['FORWARDED_MALFORMED'])
  })

  it('says nothing of damage left of the first untrusted hop, which no walk reads', () => {
    const seen: WarningCode[] = []
    const monitor = createMonitor(compileTrust('loopback', { source: 'forwarded' }), { onWarning: (w) => seen.push(w.code) })
    const req = requestFrom('127.0.0.1', { forwarded: `for="${'x'.repeat(16_384)}, for=203.0.113.5` })
    monitor(req)
    monitor.resolve(requestFrom('127.0.0.1', { forwarded: `for="${'x'.repeat(16_384)}, for=203.0.113.5` }))
    expect(seen).toEqual([])
  })

  it('asks a compiled predicate again only when the peer changes', () => {
    const seen: WarningCode[] = []
    const monitor = createMonitor(compileTrust('10.0.0.1'), { onWarning: (w) => seen.push(w.code) })
    monitor(requestFrom('10.0.0.1', { 'x-forwarded-proto': 'https' }))
    monitor(requestFrom('10.0.0.1', { 'x-forwarded-proto': 'HTTPS' }))
    monitor(requestFrom('10.0.0.2', XFF))
    monitor(requestFrom(undefined, {}))
    monitor(requestFrom(undefined, {}))
    expect(seen).toEqual(['PROTO_NOT_HTTP', 'UNTRUSTED_PEER_WITH_HEADERS', 'PEER_WITHOUT_ADDRESS'])
  })

  it('never fails a request: a custom predicate that throws is never called by the monitor itself', () => {
    const monitor = createMonitor(() => { throw new Error('boom') }, { onWarning: () => undefined })
    expect(() => monitor(requestFrom('10.0.0.2', XFF))).not.toThrow()
    expect(() => monitor.peer(requestFrom('10.0.0.2', XFF), false)).not.toThrow()
  })

  it('a request looked at again once its connection has closed (HTTP/2 streams interleave) reports nothing more', () => {
    const seen: WarningCode[] = []
    const monitor = createMonitor(compileTrust('loopback'), { onWarning: (w) => seen.push(w.code) })
    const socket: { remoteAddress: string | undefined, destroyed: boolean } = { remoteAddress: '127.0.0.1', destroyed: false }
    const cancelled = { socket, headers: XFF }
    monitor(cancelled)
    monitor(requestFrom('127.0.0.1', XFF))
    // the stream is cancelled: Node's socket proxy then has no address, and says it is destroyed
    socket.remoteAddress = undefined
    socket.destroyed = true
    expect(monitor.resolve(cancelled)).toEqual(resolveAddr(cancelled, compileTrust('loopback')))
    monitor.peer(cancelled, false)
    expect(seen).toEqual([])
  })

  it('never fails a request: what onWarning throws is caught', () => {
    const monitor = createMonitor(compileTrust('loopback'), { onWarning: () => { throw new Error('boom') } })
    expect(() => monitor(requestFrom(undefined))).not.toThrow()
  })
})

describe('createMonitor: where warnings go by default', () => {
  it('process.emitWarning, with the type TrustProxyWarning, the code, and the fix as detail', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    createMonitor(compileTrust('loopback'))(requestFrom(undefined))
    expect(emitted).toHaveBeenCalledWith(
      'the socket has no peer address (a unix socket, a closed connection or a test shim) and is not trusted: ip is not an address, and no forwarding header is read',
      {
        type: 'TrustProxyWarning',
        code: 'PEER_WITHOUT_ADDRESS',
        detail: 'Behind a proxy on a unix socket, set trustSocketless: true (--trust-socketless); otherwise pass the real socket',
      },
    )
  })

  it('nowhere, where there is no process (a runtime without one)', () => {
    vi.stubGlobal('process', undefined)
    const monitor = createMonitor(compileTrust('loopback'))
    expect(() => monitor(requestFrom(undefined))).not.toThrow()
  })
})

describe('createMonitor: errors', () => {
  it('error: a trust setting that is not compiled', () => {
    expect(() => createMonitor('loopback' as unknown as TrustFn)).toThrow(new TypeError('trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust'))
  })

  it('error: options that are not an object', () => {
    expect(() => createMonitor(compileTrust(true), 'loud' as unknown as MonitorOptions))
      .toThrow(new TypeError('invalid option options: "loud" (expected an object)'))
  })

  it('error: an unknown option', () => {
    expect(() => createMonitor(compileTrust(true), { onwarning: () => undefined } as unknown as MonitorOptions))
      .toThrow(new TypeError('unknown option: onwarning'))
  })

  it('error: an onWarning that is not a function', () => {
    expect(() => createMonitor(compileTrust(true), { onWarning: true } as unknown as MonitorOptions))
      .toThrow(new TypeError('invalid option onWarning: true (expected a function)'))
  })
})

// ---------------------------------------------------------------------------------------------------
// Properties: what monitor(req) never does

const SOCKET_PEERS = ['127.0.0.1', '::1', '10.0.0.2', '172.17.0.1', '203.0.113.9', '2001:db8::9', '', '\u009b31m', '10.0.0.1, 1.2.3.4']

/** Every kind of socket a request may come with: an address, none (a unix socket), closed, absent. */
const socketOfKind: fc.Arbitrary<Record<string, unknown> | undefined> = fc.oneof(
  fc.constantFrom(...SOCKET_PEERS).map((remoteAddress) => ({ remoteAddress })),
  fc.constant({ remoteAddress: undefined }),
  fc.constant({ remoteAddress: undefined, destroyed: true }),
  fc.constant({ remoteAddress: undefined, server: { address: () => '/run/app.sock' } }),
  fc.constant({ remoteAddress: undefined, server: { address: () => ({ address: '127.0.0.1', port: 80 }) } }),
  fc.constant(undefined),
)

/** A header value a client may send: addresses, lists, junk, controls, repeated lines. */
const hostileValue: fc.Arbitrary<string | string[]> = fc.oneof(
  fc.constantFrom('198.51.100.7', '198.51.100.7, 10.0.0.3', '10.0.0.3, 127.0.0.1', 'for=198.51.100.7, for=10.0.0.1', 'for="[::1]";proto=https', 'for="oops, for=10.0.0.2',
    'for=_hidden;host=evil.example', 'unknown', 'https', 'HTTPS', 'javascript', ',https', ' , ', SECRET, `${SECRET}, ${SECRET}`),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom('198.51.100.7', 'for=10.0.0.1', 'https', ''), { minLength: 1, maxLength: 3 }),
)

const HEADER_NAMES = ['x-forwarded-for', 'forwarded', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-origin-verify', 'host'] as const

const hostileRequest: fc.Arbitrary<RequestLike> = fc.tuple(
  socketOfKind,
  fc.dictionary(fc.constantFrom(...HEADER_NAMES), hostileValue, { maxKeys: 6 }),
).map(([socket, headers]) => (socket === undefined ? { headers } : { socket, headers }) as RequestLike)

/** Option sets that change how the peer is decided and what is read. */
const optionSet: fc.Arbitrary<TrustOptions> = fc.record({
  source: fc.constantFrom(undefined, 'x-forwarded-for' as const, 'forwarded' as const, { header: 'X-Real-IP' }),
  trustSocketless: fc.boolean(),
  edgeProof: fc.constantFrom(undefined, PROOF.edgeProof),
  hostAndProto: fc.constantFrom(undefined, 'aligned' as const),
  addresses: fc.constantFrom(undefined, 'strict' as const),
  maxForwarded: fc.constantFrom(undefined, 1),
}, { requiredKeys: [] })

/** How a custom function fails: never, for every hop, or past the socket peer (a lookup that throws). */
const THROWS = ['never', 'always', 'past the peer'] as const

describe('createMonitor: what monitor(req) never does (properties)', () => {
  it(`never calls a custom function, never throws, and leaves the answer to the walk (${RUNS.toLocaleString('en')} generated)`, async () => {
    vi.resetModules()
    const other = await import('../../src/index.js')
    vi.resetModules()
    fc.assert(fc.property(hostileRequest, optionSet, fc.constantFrom(...THROWS), fc.boolean(), (req, options, throws, otherCopy) => {
      const calls: [string | undefined, number][] = []
      const fn: TrustFn = (addr, i) => {
        calls.push([addr, i])
        if (throws === 'always' || (throws === 'past the peer' && i > 0)) throw new Error(`lookup failed for ${String(addr)}`)
        return i < 2
      }
      const trust = (otherCopy ? other.compileTrust : compileTrust)(fn, options)
      // an onWarning that throws too: the monitor catches it
      const monitor = createMonitor(trust, { onWarning: () => { throw new Error('onWarning failed') } })
      monitor(req)
      expect(calls).toEqual([])
      // the walk that answers calls the function as resolveAddr does, and throws what it throws
      const outcome = (f: () => unknown): unknown => {
        try {
          return f()
        } catch (error) {
          return (error as Error).message
        }
      }
      const expected = outcome(() => resolveAddr(req, trust))
      const asked = calls.splice(0)
      expect(outcome(() => monitor.resolve(req))).toEqual(expected)
      expect(calls).toEqual(asked)
    }), { numRuns: RUNS, seed: SEED })
  })

  it(`with a compiled setting, never throws and answers as resolveAddr, whether it warns or not (${RUNS.toLocaleString('en')} generated)`, () => {
    const settings: TrustSetting[] = [true, false, 0, 1, 2, 'loopback', 'loopback, 10.0.0.0/8', '203.0.113.0/24', ['::1', '172.16.0.0/12']]
    fc.assert(fc.property(hostileRequest, optionSet, fc.constantFrom(...settings), (req, options, setting) => {
      const trust = compileTrust(setting, options)
      const monitor = createMonitor(trust, { onWarning: () => { throw new Error('onWarning failed') } })
      monitor(req)
      expect(createMonitor(trust, { onWarning: () => undefined }).resolve(req)).toEqual(resolveAddr(req, trust))
    }), { numRuns: RUNS, seed: SEED })
  })
})
