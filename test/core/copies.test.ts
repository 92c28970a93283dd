// copies.test.ts: a predicate keeps its meaning in another copy of this package (another install,
// another version, the other build): that copy's resolveAddr, proxyaddr, proxyaddr.all and explain
// delegate to the copy that compiled it, through the protocol under Symbol.for('proxy-trust.compiled').

import { beforeAll, describe, expect, it, vi } from 'vitest'
import * as here from '../../src/index.js'
import type { TrustOptions } from '../../src/core/options.js'
import type { RequestLike } from '../../src/core/request.js'
import type { ResolvedAddr } from '../../src/core/resolve.js'
import { requestFrom } from '../fixtures/unit-requests.js'

type Api = typeof here

/** A second instance of every module of the package, as a second install would load. */
let other: Api

beforeAll(async () => {
  vi.resetModules()
  other = await import('../../src/index.js')
  vi.resetModules()
})

const KEY = Symbol.for('proxy-trust.compiled')

/** The request of the report: a loopback peer, a Forwarded element, and an X-Forwarded-For the client wrote. */
const REPRO = requestFrom('127.0.0.1', {
  host: 'example.com',
  forwarded: 'for=203.0.113.9;proto=https',
  'x-forwarded-for': '6.6.6.6',
})

interface OptionCase {
  readonly name: string
  readonly setting: string
  readonly options: TrustOptions
  readonly req: RequestLike
  /** Part of what resolveAddr answers with the options; without them it answers otherwise. */
  readonly expected: Partial<ResolvedAddr>
}

const OPTION_CASES: readonly OptionCase[] = [
  { name: 'source: forwarded', setting: 'loopback', options: { source: 'forwarded' }, req: REPRO, expected: { ip: '203.0.113.9', protocol: 'https' } },
  {
    name: 'source: { header }', setting: 'loopback', options: { source: { header: 'X-Real-IP' } },
    req: requestFrom('127.0.0.1', { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '6.6.6.6' }), expected: { ip: '203.0.113.9' },
  },
  {
    name: 'ports', setting: 'loopback', options: { ports: true },
    req: requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.9:5678' }), expected: { ip: '203.0.113.9' },
  },
  {
    name: 'normalize', setting: 'loopback', options: { normalize: true },
    req: requestFrom('127.0.0.1', { 'x-forwarded-for': '2001:DB8:0:0:0:0:0:1' }), expected: { ip: '2001:db8::1' },
  },
  {
    name: 'addresses: strict', setting: 'loopback', options: { addresses: 'strict' },
    req: requestFrom('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 0177.0.0.1' }), expected: { ip: undefined, ips: [] },
  },
  {
    name: 'hostAndProto: aligned', setting: 'loopback', options: { hostAndProto: 'aligned' },
    req: requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https, http' }), expected: { ip: '203.0.113.9', protocol: 'http' },
  },
]

describe('the second copy is a copy', () => {
  it('has functions of its own', () => {
    expect(other.compileTrust).not.toBe(here.compileTrust)
    expect(other.resolveAddr).not.toBe(here.resolveAddr)
  })
})

describe.each([
  { name: 'compiled here, answered by the other copy', compiling: () => here, answering: () => other },
  { name: 'compiled by the other copy, answered here', compiling: () => other, answering: () => here },
])('$name', ({ compiling, answering }) => {
  it('the report\'s request gives the Forwarded address, not the X-Forwarded-For the client chose', () => {
    const trust = compiling().compileTrust('loopback', { source: 'forwarded' })
    const api = answering()
    expect(api.proxyaddr(REPRO, trust)).toBe('203.0.113.9')
    expect(api.proxyaddr.all(REPRO, trust)).toEqual(['127.0.0.1', '203.0.113.9'])
    expect(api.resolveAddr(REPRO, trust)).toMatchObject({ ip: '203.0.113.9', ips: ['203.0.113.9'], protocol: 'https' })
    expect(api.explain(REPRO, trust).stop).toMatchObject({ index: 1 })
    expect(api.explain(REPRO, trust).hops.map((hop) => hop.address)).toEqual(['127.0.0.1', '203.0.113.9'])
  })

  it.each(OPTION_CASES)('$name: every entry answers as the compiling copy does', ({ setting, options, req, expected }) => {
    const trust = compiling().compileTrust(setting, options)
    const own = compiling()
    const api = answering()
    // the options matter here: without them the answer is another
    expect(own.resolveAddr(req, own.compileTrust(setting))).not.toMatchObject(expected)
    expect(api.resolveAddr(req, trust)).toMatchObject(expected)
    expect(api.proxyaddr(req, trust)).toBe(own.proxyaddr(req, trust))
    expect(api.proxyaddr.all(req, trust)).toEqual(own.proxyaddr.all(req, trust))
    expect(api.resolveAddr(req, trust)).toEqual(own.resolveAddr(req, trust))
    expect(api.explain(req, trust, setting)).toEqual(own.explain(req, trust, setting))
  })

  it('a predicate without options answers as Express does', () => {
    const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' })
    const trust = compiling().compileTrust('loopback, 10.0.0.0/8')
    const api = answering()
    expect(api.proxyaddr(req, trust)).toBe('203.0.113.9')
    expect(api.proxyaddr.all(req, trust)).toEqual(['127.0.0.1', '10.0.0.1', '203.0.113.9'])
    expect(api.resolveAddr(req, trust)).toMatchObject({ ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.1'] })
  })

  it('explain checks the setting it is given in the compiling copy', () => {
    const trust = compiling().compileTrust(true, { source: 'forwarded' })
    const codes = answering().explain(REPRO, trust, true).warnings.map((warning) => warning.code)
    expect(codes).toContain('TRUST_ALL_WITH_HEADERS')
  })
})

describe('the protocol', () => {
  it('is defined under Symbol.for(\'proxy-trust.compiled\'), protocol 1, on every compiled predicate', () => {
    const settings = [true, false, 2, 'loopback', ['10.0.0.0/8']] as const
    for (const setting of settings) {
      const value = (here.compileTrust(setting) as unknown as Record<symbol, unknown>)[KEY]
      expect(value).toMatchObject({ protocol: 1 })
      const members = value as Record<string, unknown>
      expect(['resolve', 'ip', 'all', 'explain'].map((name) => typeof members[name])).toEqual(['function', 'function', 'function', 'function'])
    }
    expect((here.proxyaddr.compile('loopback') as unknown as Record<symbol, unknown>)[KEY]).toMatchObject({ protocol: 1 })
  })

  it('is not enumerable, so that copying or logging a predicate does not show it', () => {
    const trust = here.compileTrust('loopback', { source: 'forwarded' })
    expect(Object.getOwnPropertySymbols(trust).filter((symbol) => Object.getOwnPropertyDescriptor(trust, symbol)?.enumerable)).toEqual([])
  })

  it('a later protocol that keeps protocol 1\'s members is delegated to', () => {
    const calls: string[] = []
    const resolved = { ip: 'from the other copy', ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false }
    const explained = { result: resolved, hops: [], from: 'the other copy' }
    const trust = Object.assign(() => false, {
      [KEY]: {
        protocol: 2,
        resolve: () => (calls.push('resolve'), resolved),
        ip: () => (calls.push('ip'), 'from the other copy'),
        all: () => (calls.push('all'), ['from', 'the other copy']),
        explain: (_req: unknown, setting: unknown) => (calls.push(`explain ${String(setting)}`), explained),
      },
    })
    expect(here.resolveAddr(REPRO, trust)).toBe(resolved)
    expect(here.proxyaddr(REPRO, trust)).toBe('from the other copy')
    expect(here.proxyaddr.all(REPRO, trust)).toEqual(['from', 'the other copy'])
    expect(here.explain(REPRO, trust, 'loopback')).toBe(explained)
    expect(calls).toEqual(['resolve', 'ip', 'all', 'explain loopback'])
  })

  it.each([
    { name: 'null', value: null },
    { name: 'a number', value: 1 },
    { name: 'an object without a protocol number', value: { protocol: '1' } },
    { name: 'protocol 0', value: { protocol: 0 } },
    { name: 'protocol 1 without its members', value: { protocol: 1 } },
    { name: 'protocol 1 with members that are not functions', value: { protocol: 1, resolve: 1, ip: 'x', all: [], explain: {} } },
  ])('fail: a function with $name under the key is a custom function, called as Express calls it', ({ value }) => {
    const asked: number[] = []
    const trust = Object.assign((_addr: string | undefined, i: number) => (asked.push(i), i < 1), { [KEY]: value })
    const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' })
    expect(here.proxyaddr(req, trust)).toBe('10.0.0.1')
    expect(here.resolveAddr(req, trust).ip).toBe('10.0.0.1')
    expect(here.explain(req, trust).stop).toMatchObject({ index: 1 })
    expect(asked.length).toBeGreaterThan(0)
  })
})

describe('a protocol that gives no usable answer: the predicate is asked as a custom function', () => {
  /** The request, and what every entry point answers when `trust` (i < 1) is asked as Express asks a function. */
  const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' })
  const AS_CUSTOM = { ip: '10.0.0.1', all: ['127.0.0.1', '10.0.0.1'], resolved: '10.0.0.1', stop: 1 }

  /** A predicate trusting hop 0 only, carrying `members` as its protocol 1 (each member gets `trust`). */
  function marked(members: (trust: here.TrustFn) => Record<string, unknown>): here.TrustFn {
    const trust = ((_addr: string | undefined, i: number) => i < 1) as here.TrustFn
    Object.defineProperty(trust, KEY, { value: { protocol: 1, ...members(trust) } })
    return trust
  }

  /** What resolveAddr, proxyaddr, proxyaddr.all and explain answer with `trust`; none may throw. */
  function answers(trust: here.TrustFn): typeof AS_CUSTOM {
    return {
      ip: here.proxyaddr(req, trust) as string,
      all: here.proxyaddr.all(req, trust) as string[],
      resolved: here.resolveAddr(req, trust).ip as string,
      stop: here.explain(req, trust).stop.index,
    }
  }

  it.each([
    { name: 'a number', value: 42 },
    { name: 'null', value: null },
    { name: 'an empty object', value: {} },
    { name: 'a list holding a number', value: ['127.0.0.1', 1] },
    { name: 'an empty list', value: [] },
    { name: 'a promise', value: Promise.resolve('203.0.113.9') },
    { name: 'a resolveAddr answer without secure', value: { ip: '1.2.3.4', ips: [], host: undefined, hostname: undefined, protocol: 'http' } },
  ])('fail: members that answer with $name are not believed', ({ value }) => {
    const trust = marked(() => ({ resolve: () => value, ip: () => value, all: () => value, explain: () => value }))
    expect(answers(trust)).toEqual(AS_CUSTOM)
  })

  it('fail: members that throw do not make a request throw', () => {
    const trust = marked(() => {
      const fail = (): never => { throw new Error('the other copy failed') }
      return { resolve: fail, ip: fail, all: fail, explain: fail }
    })
    expect(answers(trust)).toEqual(AS_CUSTOM)
  })

  it('fail: a protocol that calls back into itself is asked once, not until the stack overflows', () => {
    let calls = 0
    const trust = marked((self) => ({
      resolve: (r: RequestLike) => (calls++, here.resolveAddr(r, self)),
      ip: (r: RequestLike) => (calls++, here.proxyaddr(r, self)),
      all: (r: RequestLike) => (calls++, here.proxyaddr.all(r, self)),
      explain: (r: RequestLike) => (calls++, here.explain(r, self)),
    }))
    // each member's call back is answered as for a custom function, and that answer is the member's
    expect(answers(trust)).toEqual(AS_CUSTOM)
    expect(calls).toBe(4)
  })

  it('a protocol calling back for another predicate is still handed over', () => {
    const real = other.compileTrust('loopback', { source: 'forwarded' })
    const trust = marked(() => ({
      resolve: (r: RequestLike) => here.resolveAddr(r, real),
      ip: (r: RequestLike) => here.proxyaddr(r, real),
      all: (r: RequestLike) => here.proxyaddr.all(r, real),
      explain: (r: RequestLike) => here.explain(r, real),
    }))
    expect(here.proxyaddr(REPRO, trust)).toBe('203.0.113.9')
    expect(here.resolveAddr(REPRO, trust).ip).toBe('203.0.113.9')
  })
})

describe('explain', () => {
  it.each([
    { name: 'error: no request', req: undefined, trust: here.compileTrust('loopback'), message: 'req argument is required' },
    { name: 'error: a trust that is not a function', req: REPRO, trust: 'loopback', message: 'trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust' },
  ])('$name', ({ req, trust, message }) => {
    expect(() => here.explain(req as unknown as RequestLike, trust as unknown as here.TrustFn)).toThrow(new TypeError(message))
  })
})
