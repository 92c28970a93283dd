// express.test.ts: the Express adapter's getters ask a custom trust function what Express's own
// getters ask, getter by getter, on requests built on real Express 4 and 5 applications.

import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { trustProxy, type ExpressApp } from '../../src/adapters/express.js'
import type { TrustFn, Warning } from '../../src/index.js'

const require = createRequire(import.meta.url)

interface App extends ExpressApp {
  get(setting: string): unknown
}

const FLAVORS = [
  { name: 'Express 4', express: require('express4') as () => App },
  { name: 'Express 5', express: require('express5') as () => App },
] as const

type Outcome = { value: unknown } | { error: string }

/** A second instance of the package, as a second install would load: its predicates are foreign here. */
let other: typeof import('../../src/index.js')

beforeAll(async () => {
  vi.resetModules()
  other = await import('../../src/index.js')
  vi.resetModules()
})

function read(req: Record<string, unknown>, getter: string): Outcome {
  try {
    return { value: req[getter] }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** Every getter of a request to `app` from 127.0.0.1, with the calls made to `trust` for each. */
function getters(app: App, trust: TrustFn, headers: Record<string, string>): Record<string, { outcome: Outcome; calls: [string | undefined, number][] }> {
  const result: Record<string, { outcome: Outcome; calls: [string | undefined, number][] }> = {}
  for (const getter of ['ip', 'ips', 'protocol', 'secure', 'hostname', 'host', 'subdomains']) {
    const calls: [string | undefined, number][] = []
    app.set('trust proxy', (addr: string | undefined, i: number) => {
      calls.push([addr, i])
      return trust(addr, i)
    })
    const socket = { remoteAddress: '127.0.0.1', encrypted: false }
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers })
    result[getter] = { outcome: read(req, getter), calls }
  }
  return result
}

/** Trusts loopback and 10.0.0.0/8 by hand, and throws at hop 2, as a buggy user function might. */
const throwsAtHop2: TrustFn = (addr, i) => {
  if (i === 2) throw new Error('lookup failed')
  return addr === '127.0.0.1' || (addr ?? '').startsWith('10.')
}

const HEADERS = {
  host: 'backend:8080',
  'x-forwarded-for': '203.0.113.9, 10.0.0.2, 10.0.0.1',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'shop.example.com',
}

describe.each(FLAVORS)('$name', ({ express }) => {
  function adapted(): App {
    const app = express()
    trustProxy(app, false)
    return app
  }

  it('a custom function that throws past hop 0 makes req.ip and req.ips throw, and no other getter, as in Express', () => {
    const ours = getters(adapted(), throwsAtHop2, HEADERS)
    expect(ours).toStrictEqual(getters(express(), throwsAtHop2, HEADERS))
    expect(Object.fromEntries(Object.entries(ours).map(([name, { outcome }]) => [name, outcome]))).toStrictEqual({
      ip: { error: 'lookup failed' },
      ips: { error: 'lookup failed' },
      protocol: { value: 'https' },
      secure: { value: true },
      hostname: { value: 'shop.example.com' },
      host: { value: 'shop.example.com' },
      subdomains: { value: ['shop'] },
    })
  })

  it('each getter calls a custom function exactly as Express does: req.ip walks, the others ask trust(peer, 0) once', () => {
    const trust: TrustFn = (addr) => addr === '127.0.0.1' || addr === '10.0.0.1'
    const ours = getters(adapted(), trust, HEADERS)
    expect(ours).toStrictEqual(getters(express(), trust, HEADERS))
    expect(ours.ip?.calls).toStrictEqual([['127.0.0.1', 0], ['10.0.0.1', 1], ['10.0.0.2', 2]])
    expect(ours.protocol?.calls).toStrictEqual([['127.0.0.1', 0]])
  })

  it('the host getters ask nothing when there is no X-Forwarded-Host, as in Express', () => {
    const headers = { host: 'backend:8080', 'x-forwarded-for': '203.0.113.9' }
    const ours = getters(adapted(), throwsAtHop2, headers)
    expect(ours).toStrictEqual(getters(express(), throwsAtHop2, headers))
    expect(ours.hostname).toStrictEqual({ outcome: { value: 'backend' }, calls: [] })
  })

  it('a request without a socket asks trust(undefined, 0), as Express 5 reads req.socket.remoteAddress of a socket that has none', () => {
    const app = adapted()
    const calls: [string | undefined, number][] = []
    app.set('trust proxy', (addr: string | undefined, i: number) => {
      calls.push([addr, i])
      return true
    })
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, headers: HEADERS })
    expect([read(req, 'protocol'), calls]).toStrictEqual([{ value: 'https' }, [[undefined, 0]]])
  })

  it('a predicate from another copy of the package keeps its options in every getter: that copy answers', () => {
    const app = express()
    trustProxy(app, other.compileTrust('loopback, 10.0.0.0/8', { hostAndProto: 'aligned', addresses: 'strict' }))
    const headers = { host: 'backend', 'x-forwarded-for': '203.0.113.9, 10.0.0.1, bogus', 'x-forwarded-proto': 'http, https, https', 'x-forwarded-host': 'evil.example, shop.example, inner' }
    const socket = { remoteAddress: '127.0.0.1' }
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers })
    // the walk stops at "bogus" (hop 1, not an address under strict): aligned values are the rightmost
    expect(['ip', 'ips', 'protocol', 'secure', 'hostname'].map((getter) => read(req, getter))).toStrictEqual([
      { value: undefined }, { value: [] }, { value: 'https' }, { value: true }, { value: 'inner' },
    ])
  })

  it("with hostAndProto: 'aligned', host and protocol come from the hop where the walk stops, so they walk", () => {
    const app = express()
    const trust = trustProxy(app, throwsAtHop2, { hostAndProto: 'aligned' })
    const socket = { remoteAddress: '127.0.0.1' }
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers: HEADERS })
    expect(app.get('trust proxy fn')).toBe(trust)
    expect(read(req, 'protocol')).toStrictEqual({ error: 'lookup failed' })
    expect(read(req, 'hostname')).toStrictEqual({ error: 'lookup failed' })
  })

  it('with warn on, one request\'s getters call a custom function exactly as Express\'s do, and the monitor still reports', () => {
    const GETTERS = ['protocol', 'secure', 'hostname', 'subdomains', 'ip', 'ips']
    /** The calls made to `fn` while each getter of one request from `peer` is read in turn. */
    const sequence = (app: App, calls: string[], peer: string): Outcome[] => {
      calls.length = 0
      const socket = { remoteAddress: peer, encrypted: false }
      const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers: { ...HEADERS, 'x-forwarded-proto': 'HTTPS' } })
      return GETTERS.map((getter) => read(req, getter))
    }
    const recorder = (calls: string[]): TrustFn => (addr, i) => {
      calls.push(`${addr ?? '-'}@${i}`)
      return addr === '127.0.0.1' || addr === '10.0.0.1'
    }
    const theirs: string[] = []
    const plain = express()
    plain.set('trust proxy', recorder(theirs))
    const ours: string[] = []
    const seen: Warning[] = []
    const app = express()
    trustProxy(app, recorder(ours), { warn: (warning) => seen.push(warning) })
    for (const peer of ['127.0.0.1', '10.0.0.9']) {
      expect(sequence(app, ours, peer)).toStrictEqual(sequence(plain, theirs, peer))
      expect(ours).toStrictEqual(theirs)
    }
    expect(theirs.length).toBeGreaterThan(0)
    expect(seen.map((w) => w.code)).toEqual(['PROTO_NOT_HTTP', 'UNTRUSTED_PEER_WITH_HEADERS'])
  })

  it("with hostAndProto: 'aligned', HTTPS from a trusted proxy is https, and the monitor says nothing of it", () => {
    const app = express()
    const seen: Warning[] = []
    trustProxy(app, 'loopback', { hostAndProto: 'aligned', warn: (warning) => seen.push(warning) })
    const socket = { remoteAddress: '127.0.0.1' }
    const headers = { host: 'backend', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'HTTPS' }
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers })
    expect([read(req, 'protocol'), read(req, 'secure'), read(req, 'ip')]).toStrictEqual([{ value: 'https' }, { value: true }, { value: '203.0.113.9' }])
    expect(seen).toEqual([])
  })

  it("with hostAndProto: 'aligned' and warn off, host and protocol come from resolveAddr's walk alone", () => {
    const app = express()
    trustProxy(app, 'loopback', { hostAndProto: 'aligned', warn: false })
    const socket = { remoteAddress: '127.0.0.1' }
    const headers = { host: 'backend', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'HTTPS', 'x-forwarded-host': 'shop.example' }
    const req = Object.assign(Object.create(app.request) as Record<string, unknown>, { app, socket, connection: socket, headers })
    expect([read(req, 'protocol'), read(req, 'hostname')]).toStrictEqual([{ value: 'https' }, { value: 'shop.example' }])
  })

  it('an app that reads req.ip alone is watched with a custom function too, from the walk\'s own answers', () => {
    const recorder = (calls: string[]): TrustFn => (addr, i) => {
      calls.push(`${addr ?? '-'}@${i}`)
      return addr === '127.0.0.1'
    }
    const theirs: string[] = []
    const plain = express()
    plain.set('trust proxy', recorder(theirs))
    const ours: string[] = []
    const seen: string[] = []
    const app = express()
    trustProxy(app, recorder(ours), { warn: (warning) => seen.push(warning.code) })
    const ipOf = (target: App, peer: string, headers: Record<string, string>): Outcome => {
      const socket = { remoteAddress: peer }
      return read(Object.assign(Object.create(target.request) as Record<string, unknown>, { app: target, socket, connection: socket, headers }), 'ip')
    }
    const requests: [string, Record<string, string>][] = [
      ['10.0.0.9', { host: 'backend' }],
      ['10.0.0.9', { host: 'backend', 'x-forwarded-for': ' , ' }],
      ['10.0.0.9', { host: 'backend', 'x-forwarded-for': '203.0.113.9' }],
      ['127.0.0.1', { host: 'backend', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'HTTPS' }],
    ]
    for (const [peer, headers] of requests) expect(ipOf(app, peer, headers)).toStrictEqual(ipOf(plain, peer, headers))
    expect(ours).toStrictEqual(theirs)
    expect(seen).toEqual(['UNTRUSTED_PEER_WITH_HEADERS', 'PROTO_NOT_HTTP'])
  })
})
