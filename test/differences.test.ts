// differences.test.ts: every deliberate difference from proxy-addr 2.0.8 and Express, one named case
// each, run against the real packages so that each case shows both behaviours.

import { createRequire } from 'node:module'
import proxyAddr from 'proxy-addr'
import { describe, expect, it } from 'vitest'
import { compileTrust, fromFetch, proxyaddr, resolveAddr, type RequestLike } from '../src/index.js'

const require = createRequire(import.meta.url)
const expressUtils = require('express5/lib/utils.js') as { compileTrust: (value: unknown) => (addr: unknown, i: number) => boolean }
const express5 = require('express5') as () => { set(name: string, value: unknown): void; request: object }

type Outcome = { ok: true; value: unknown } | { ok: false; type: string; message: string }

function outcome(run: () => unknown): Outcome {
  try {
    return { ok: true, value: run() }
  } catch (error) {
    const e = error as Error
    return { ok: false, type: e.constructor.name, message: e.message }
  }
}

describe('settings', () => {
  it.each([
    { setting: '0.0.0.0/0', inside: '203.0.113.9', outside: '2001:db8::1' },
    { setting: '::/0', inside: '2001:db8::1', outside: '203.0.113.9' },
    { setting: '10.0.0.0/0.0.0.0', inside: '198.51.100.7', outside: 'fe80::1' },
    { setting: '192.0.2.1/00', inside: '8.8.8.8', outside: '::1' },
  ])('a prefix of zero ($setting) means the whole family, where proxy-addr throws', ({ setting, inside, outside }) => {
    expect(outcome(() => proxyAddr.compile(setting))).toEqual({
      ok: false, type: 'TypeError', message: `invalid range on address: ${setting}`,
    })
    const trust = compileTrust(setting)
    expect(trust(inside, 1)).toBe(true)
    // a prefix of zero covers one family only: the cross-family rules still hold
    expect(trust(outside, 1)).toBe(false)
  })

  it.each([
    { entry: 1, text: 'invalid IP address: 1', theirs: 'note.lastIndexOf is not a function' },
    { entry: null, text: 'invalid IP address: null', theirs: "Cannot read properties of null (reading 'lastIndexOf')" },
    { entry: { a: 1 }, text: 'invalid IP address: {"a":1}', theirs: 'note.lastIndexOf is not a function' },
  ])('a non-string entry ($entry) throws a TypeError naming it, where proxy-addr crashes', ({ entry, text, theirs }) => {
    expect(outcome(() => proxyAddr.compile([entry] as unknown as string[]))).toEqual({ ok: false, type: 'TypeError', message: theirs })
    expect(outcome(() => compileTrust([entry] as unknown as string[]))).toEqual({ ok: false, type: 'TypeError', message: text })
  })

  it('a nested array entry is named as the array it is, where proxy-addr prints its string form', () => {
    const nested = [['10.0.0.1']] as unknown as string[]
    expect(outcome(() => proxyAddr.compile(nested))).toEqual({ ok: false, type: 'TypeError', message: 'invalid IP address: 10.0.0.1' })
    expect(outcome(() => compileTrust(nested))).toEqual({ ok: false, type: 'TypeError', message: 'invalid IP address: ["10.0.0.1"]' })
  })

  it('the same settings compile the same way through Express and through this package', () => {
    // a guard for the cases above: the generic path is Express's own
    expect(expressUtils.compileTrust('loopback')('127.0.0.1', 0)).toBe(compileTrust('loopback')('127.0.0.1', 0))
  })
})

describe('request shapes', () => {
  const trust = compileTrust('loopback')

  it('a request without socket or connection has an undefined peer, where proxy-addr throws', () => {
    const req = { headers: { 'x-forwarded-for': '203.0.113.9' } } as unknown as RequestLike
    expect(outcome(() => proxyAddr(req as never, 'loopback'))).toMatchObject({ ok: false, type: 'TypeError' })
    expect(proxyaddr(req, trust)).toBeUndefined()
    expect(resolveAddr(req, trust)).toMatchObject({ ip: undefined, ips: [], protocol: 'http' })
  })

  it('a request without headers is a request with none, where proxy-addr throws', () => {
    const req = { socket: { remoteAddress: '127.0.0.1' } } as RequestLike
    expect(outcome(() => proxyAddr(req as never, 'loopback'))).toMatchObject({ ok: false, type: 'TypeError' })
    expect(proxyaddr(req, trust)).toBe('127.0.0.1')
    expect(resolveAddr(req, trust)).toMatchObject({ ip: '127.0.0.1', host: undefined })
  })

  it('an X-Forwarded-For given as a list is joined with ", " as Node joins repeated lines, where proxy-addr throws', () => {
    const listed = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': ['203.0.113.9', '198.51.100.7'] } }
    const joined = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' } }
    expect(outcome(() => proxyAddr(listed as never, 'loopback'))).toMatchObject({ ok: false, type: 'TypeError' })
    expect(proxyaddr(listed, trust)).toBe(proxyAddr(joined as never, 'loopback'))
    expect(proxyaddr.all(listed, trust)).toEqual(proxyAddr.all(joined as never, 'loopback'))
  })

  it('a header value that is neither a string nor a list counts as absent, where Express\'s hostname throws', () => {
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': 42, host: {} } } as unknown as RequestLike
    // proxy-addr reads no entries from a number: the same answer
    expect(proxyAddr(req as never, 'loopback')).toBe('127.0.0.1')
    const app = express5()
    app.set('trust proxy', 'loopback')
    const expressReq = Object.assign(Object.create(app.request) as object, { app, socket: req.socket, headers: req.headers })
    expect(outcome(() => (expressReq as unknown as { hostname: unknown }).hostname)).toMatchObject({ ok: false, type: 'TypeError' })
    expect(resolveAddr(req, trust)).toMatchObject({ ip: '127.0.0.1', ips: [], host: undefined, hostname: undefined })
  })

  it('an HTTP/2 request without Host takes its host from :authority (Express reports none)', () => {
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { ':authority': 'example.com:8443' } }
    expect(resolveAddr(req, trust)).toMatchObject({ host: 'example.com:8443', hostname: 'example.com' })
    // an HTTP/1 request cannot carry a header named :authority, so no Express answer changes
    const withHost = { socket: { remoteAddress: '127.0.0.1' }, headers: { host: 'a.example', ':authority': 'b.example' } }
    expect(resolveAddr(withHost, trust).host).toBe('a.example')
  })

  it('a Fetch Headers object is read through get(), which joins repeated values', () => {
    const headers = new Headers([['x-forwarded-for', '203.0.113.9'], ['x-forwarded-for', '198.51.100.7']])
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers }
    expect(resolveAddr(req, trust).ip).toBe('198.51.100.7')
    const fetched = fromFetch(new Request('https://example.com/', { headers }), { remoteAddress: '127.0.0.1' })
    expect(resolveAddr(fetched, trust)).toMatchObject({ ip: '198.51.100.7', protocol: 'https', host: 'example.com' })
  })

  it('resolveAddr wants a compiled predicate, and says so, where a setting would be compiled on every request', () => {
    expect(outcome(() => resolveAddr({ headers: {} }, 'loopback' as never))).toEqual({
      ok: false, type: 'TypeError', message: 'trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust',
    })
  })
})
