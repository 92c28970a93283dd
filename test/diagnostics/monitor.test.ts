// monitor.test.ts: createMonitor, warnings from live traffic: each live code under its condition and
// not without it, once per code, nothing once every code has fired, process.emitWarning by default,
// and the errors of a bad setup.

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

const XFF = { host: 'shop.example', 'x-forwarded-for': '203.0.113.5' }

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
    { name: 'not PEER_WITHOUT_ADDRESS with trustSocketless', setting: 'loopback', options: { trustSocketless: true }, req: requestFrom(undefined, XFF), codes: [] },
    {
      name: 'PEER_WITHOUT_ADDRESS with trustSocketless, for a TCP client that has hung up',
      setting: 'loopback', options: { trustSocketless: true }, req: { socket: { remoteAddress: undefined, destroyed: true }, headers: {} }, codes: ['PEER_WITHOUT_ADDRESS'],
    },
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
    { name: 'nothing for a request that is not there', setting: 'loopback', req: null as unknown as RequestLike, codes: [] },
  ]

  it.each(cases)('$name', ({ setting, options, req, codes }) => {
    expect(watch(setting, [req], options).map((w) => w.code)).toEqual(codes)
  })

  it('names the public peer and what it sent', () => {
    expect(watch(true, [requestFrom('198.51.100.20', { ...XFF, 'x-forwarded-proto': 'https' })])).toEqual([{
      code: 'TRUST_ALL_WITH_HEADERS',
      message: 'trust is true and the peer "198.51.100.20", a public address, sent X-Forwarded-For, X-Forwarded-Proto: the client wrote the leftmost values, so it chooses its own ip, host and protocol',
      fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
    }])
    expect(watch(2, [requestFrom('2001:db8::7', XFF)])).toEqual([{
      code: 'HOP_COUNT',
      message: 'trust is a hop count (2): right only while every request passes exactly that many proxies; the peer "2001:db8::7", a public address, sent X-Forwarded-For: if clients reach the app directly, they choose their own ip',
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    }])
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

  it('never fails a request: what onWarning throws is caught', () => {
    const monitor = createMonitor(compileTrust('loopback'), { onWarning: () => { throw new Error('boom') } })
    expect(() => monitor(requestFrom(undefined))).not.toThrow()
  })
})

describe('createMonitor: a predicate from another copy of the package', () => {
  it('reports only PEER_WITHOUT_ADDRESS, which the predicate\'s own answer shows: the options are that copy\'s', async () => {
    vi.resetModules()
    const other = await import('../../src/index.js')
    vi.resetModules()
    const seen: WarningCode[] = []
    const monitor = createMonitor(other.compileTrust('10.0.0.1', { source: 'forwarded' }), { onWarning: (w) => seen.push(w.code) })
    monitor(requestFrom('10.0.0.2', XFF))
    monitor(requestFrom(undefined, {}))
    expect(seen).toEqual(['PEER_WITHOUT_ADDRESS'])
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
