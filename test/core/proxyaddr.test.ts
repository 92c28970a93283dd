// proxyaddr.test.ts: the proxy-addr 2.0.8 API (`proxyaddr(req, trust)`, `.all(req, [trust])`,
// `.compile(val)`), with its arguments, its answers and its exact errors.

import { describe, expect, it } from 'vitest'
import { compileList, compileTrust, type TrustFn } from '../../src/core/compile.js'
import * as api from '../../src/index.js'
import { proxyaddr, type ProxyAddrTrust } from '../../src/core/proxyaddr.js'
import type { RequestLike } from '../../src/core/request.js'
import { forwardedFrom } from '../fixtures/unit-requests.js'

const LOCAL = '127.0.0.1'

/** A trust argument as a caller without types could pass it. */
function untyped(value: unknown): ProxyAddrTrust {
  return value as ProxyAddrTrust
}

interface AddrCase {
  readonly name: string
  readonly req: RequestLike
  readonly trust: ProxyAddrTrust
  readonly addr: string | undefined
  readonly all: readonly (string | undefined)[]
}

const chain = forwardedFrom(LOCAL, '198.51.100.7, 203.0.113.9, 10.0.0.1')

const addrCases: readonly AddrCase[] = [
  { name: 'a string entry trusts that address', req: chain, trust: LOCAL, addr: '10.0.0.1', all: [LOCAL, '10.0.0.1'] },
  { name: 'a named range', req: chain, trust: 'loopback', addr: '10.0.0.1', all: [LOCAL, '10.0.0.1'] },
  { name: 'a CIDR string', req: chain, trust: '127.0.0.0/8', addr: '10.0.0.1', all: [LOCAL, '10.0.0.1'] },
  { name: 'an array of entries', req: chain, trust: ['loopback', '10.0.0.0/8'], addr: '203.0.113.9', all: [LOCAL, '10.0.0.1', '203.0.113.9'] },
  { name: 'an array trusting every hop stops at the leftmost entry', req: chain, trust: ['0.0.0.0/1', '128.0.0.0/1'], addr: '198.51.100.7', all: [LOCAL, '10.0.0.1', '203.0.113.9', '198.51.100.7'] },
  { name: 'an untrusted peer is the answer', req: chain, trust: '10.0.0.0/8', addr: LOCAL, all: [LOCAL] },
  { name: 'a function is called as the predicate', req: chain, trust: (_addr, i) => i < 2, addr: '203.0.113.9', all: [LOCAL, '10.0.0.1', '203.0.113.9'] },
  { name: 'a compiled predicate', req: chain, trust: compileTrust(1), addr: '10.0.0.1', all: [LOCAL, '10.0.0.1'] },
  { name: 'no header: the peer', req: forwardedFrom(LOCAL), trust: 'loopback', addr: LOCAL, all: [LOCAL] },
  { name: 'entries are split like forwarded 0.2.0 does', req: forwardedFrom(LOCAL, ' ,198.51.100.7 ,, \t10.0.0.1 '), trust: 'loopback', addr: '\t10.0.0.1', all: [LOCAL, '\t10.0.0.1'] },
  { name: 'a mapped peer is trusted by an IPv4 entry', req: forwardedFrom('::ffff:127.0.0.1', '198.51.100.7'), trust: 'loopback', addr: '198.51.100.7', all: ['::ffff:127.0.0.1', '198.51.100.7'] },
  { name: 'req.connection is read without req.socket', req: { connection: { remoteAddress: LOCAL }, headers: { 'x-forwarded-for': '198.51.100.7' } }, trust: 'loopback', addr: '198.51.100.7', all: [LOCAL, '198.51.100.7'] },
  { name: 'difference: no socket at all is an undefined peer (proxy-addr throws)', req: { headers: { 'x-forwarded-for': '198.51.100.7' } }, trust: 'loopback', addr: undefined, all: [undefined] },
]

describe('proxyaddr(req, trust)', () => {
  it.each(addrCases)('$name', ({ req, trust, addr }) => {
    expect(proxyaddr(req, trust)).toBe(addr)
  })

  interface ErrorCase {
    readonly name: string
    readonly req: unknown
    readonly trust: unknown
    readonly message: string
  }

  const errorCases: readonly ErrorCase[] = [
    { name: 'error: no request', req: undefined, trust: 'loopback', message: 'req argument is required' },
    { name: 'error: a null request', req: null, trust: 'loopback', message: 'req argument is required' },
    { name: 'error: the request is checked before the trust argument', req: null, trust: 5, message: 'req argument is required' },
    { name: 'error: no trust argument', req: chain, trust: undefined, message: 'trust argument is required' },
    { name: 'error: an empty string', req: chain, trust: '', message: 'trust argument is required' },
    { name: 'error: false', req: chain, trust: false, message: 'trust argument is required' },
    { name: 'error: 0', req: chain, trust: 0, message: 'trust argument is required' },
    { name: 'error: null', req: chain, trust: null, message: 'trust argument is required' },
    { name: 'error: a number is no hop count here', req: chain, trust: 5, message: 'unsupported trust argument' },
    { name: 'error: true is not trust-everything here', req: chain, trust: true, message: 'unsupported trust argument' },
    { name: 'error: an object', req: chain, trust: {}, message: 'unsupported trust argument' },
    { name: 'error: a string that is not an address', req: chain, trust: 'foo', message: 'invalid IP address: foo' },
    { name: 'error: a string is one entry, not a comma list', req: chain, trust: 'loopback, 10.0.0.1', message: 'invalid IP address: loopback, 10.0.0.1' },
    { name: 'error: a bad range', req: chain, trust: '10.0.0.1/33', message: 'invalid range on address: 10.0.0.1/33' },
    { name: 'error: a bad entry in an array', req: chain, trust: ['loopback', 'foo'], message: 'invalid IP address: foo' },
    { name: 'error: a bad setting is reported even when there is no header', req: forwardedFrom(LOCAL), trust: 'foo', message: 'invalid IP address: foo' },
    { name: 'difference: a non-string array entry names the value (proxy-addr: note.lastIndexOf is not a function)', req: chain, trust: [5], message: 'invalid IP address: 5' },
  ]

  it.each(errorCases)('$name', ({ req, trust, message }) => {
    expect(() => proxyaddr(req as RequestLike, untyped(trust))).toThrow(new TypeError(message))
  })

  it('calls a function for every address but the last, stopping at the first untrusted', () => {
    const calls: [string | undefined, number][] = []
    const trust: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return addr !== '203.0.113.9'
    }
    expect(proxyaddr(chain, trust)).toBe('203.0.113.9')
    expect(calls).toEqual([[LOCAL, 0], ['10.0.0.1', 1], ['203.0.113.9', 2]])
  })
})

describe('proxyaddr.all(req, [trust])', () => {
  it.each(addrCases)('$name', ({ req, trust, all }) => {
    expect(proxyaddr.all(req, trust)).toEqual(all)
  })

  it.each<[string, unknown]>([['omitted', undefined], ['null', null], ['an empty string', ''], ['false', false], ['0', 0]])(
    'lists every address, the peer first, when the trust argument is %s',
    (_name, trust) => {
      expect(proxyaddr.all(chain, untyped(trust))).toEqual([LOCAL, '10.0.0.1', '203.0.113.9', '198.51.100.7'])
    },
  )

  it('lists every address without a second argument', () => {
    expect(proxyaddr.all(forwardedFrom(LOCAL, 'a, b'))).toEqual([LOCAL, 'b', 'a'])
  })

  it('lists the peer alone without the header', () => {
    expect(proxyaddr.all(forwardedFrom('::1'))).toEqual(['::1'])
  })

  it('returns a new array for every call', () => {
    expect(proxyaddr.all(chain)).not.toBe(proxyaddr.all(chain))
  })

  it.each<[string, unknown, unknown, string]>([
    ['error: no request, in forwarded 0.2.0 words', undefined, 'loopback', 'argument req is required'],
    ['error: a null request', null, undefined, 'argument req is required'],
    ['error: a number', chain, 5, 'unsupported trust argument'],
    ['error: true', chain, true, 'unsupported trust argument'],
    ['error: an object', chain, {}, 'unsupported trust argument'],
    ['error: a string that is not an address', chain, 'foo', 'invalid IP address: foo'],
    ['error: a bad range', chain, '::1/129', 'invalid range on address: ::1/129'],
  ])('%s', (_name, req, trust, message) => {
    expect(() => proxyaddr.all(req as RequestLike, untyped(trust))).toThrow(new TypeError(message))
  })
})

describe('proxyaddr.compile(val)', () => {
  it('is compileList', () => {
    expect(proxyaddr.compile).toBe(compileList)
  })

  it('compiles a string as one entry', () => {
    const trust = proxyaddr.compile('loopback')
    expect([trust(LOCAL, 0), trust('::1', 1), trust('10.0.0.1', 0)]).toEqual([true, true, false])
  })

  it('compiles an array of entries', () => {
    const trust = proxyaddr.compile(['10.0.0.0/8', 'fe80::/10'])
    expect([trust('10.0.0.1', 0), trust('fe80::1', 0), trust(LOCAL, 0)]).toEqual([true, true, false])
  })

  it.each<[string, unknown, string]>([
    ['error: an empty string', '', 'argument is required'],
    ['error: undefined', undefined, 'argument is required'],
    ['error: a comma list in a string', '10.0.0.1, 10.0.0.2', 'invalid IP address: 10.0.0.1, 10.0.0.2'],
    ['error: a number', 1, 'unsupported trust argument'],
    ['error: an empty entry', [''], 'invalid IP address: '],
  ])('%s', (_name, val, message) => {
    expect(() => proxyaddr.compile(val as string)).toThrow(new TypeError(message))
  })
})

describe('proxyaddr with a predicate compiled with options', () => {
  it('walks with the options, so that Express honours them through proxyaddr', () => {
    const trust = compileTrust('loopback', { ports: true })
    const req = forwardedFrom(LOCAL, '198.51.100.7:5678, 127.0.0.2:80')
    expect(proxyaddr(req, trust)).toBe('198.51.100.7')
    expect(proxyaddr.all(req, trust)).toEqual([LOCAL, '127.0.0.2', '198.51.100.7'])
  })

  it('answers as Express when the options change nothing', () => {
    const trust = compileTrust('loopback', {})
    const req = forwardedFrom(LOCAL, '198.51.100.7:5678, 127.0.0.2:80')
    expect(proxyaddr(req, trust)).toBe('127.0.0.2:80')
  })

  it('lists a chain of 200,000 hops walked with options, one push per hop (a spread into one call overflows the stack)', () => {
    const req = forwardedFrom(LOCAL, Array.from({ length: 200_000 }, (_, k) => `10.${k >> 16}.${(k >> 8) & 255}.${k & 255}`).join(','))
    const all = proxyaddr.all(req, compileTrust(true, { ports: true }))
    expect(all).toHaveLength(200_001)
    expect([all[0], all[1], all[200_000]]).toEqual([LOCAL, '10.3.13.63', '10.0.0.0'])
  })
})

describe('the ESM entry', () => {
  it('exports the proxy-addr function itself as proxyaddr', () => {
    expect(api.proxyaddr).toBe(proxyaddr)
    expect(typeof api.proxyaddr).toBe('function')
  })

  it('carries all and compile on proxyaddr', () => {
    expect(typeof api.proxyaddr.all).toBe('function')
    expect(api.proxyaddr.compile).toBe(compileList)
    expect(api.proxyaddr.all(forwardedFrom(LOCAL, '10.0.0.1'))).toEqual([LOCAL, '10.0.0.1'])
  })

  it('exports compileTrust and resolveAddr beside it', () => {
    expect(api.compileTrust).toBe(compileTrust)
    expect(api.resolveAddr(forwardedFrom(LOCAL, '10.0.0.1'), api.compileTrust('loopback')).ip).toBe('10.0.0.1')
  })
})
