// proof.test.ts: the edgeProof option (validated once; values never shown) and the constant-time
// comparison the walk makes with it.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { resolveOptions, type TrustOptions } from '../../src/core/options.js'
import { proven, sameSecret } from '../../src/core/proof.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { SingleAddressHops, withoutPort } from '../../src/core/sources/header.js'
import { describeOptions } from '../../src/diagnostics/render.js'

const SECRET = 'correct-horse-battery-staple'

describe('sameSecret', () => {
  it.each([
    ['equal strings', SECRET, SECRET, true],
    ['a prefix', SECRET.slice(0, 10), SECRET, false],
    ['one character longer', `${SECRET}!`, SECRET, false],
    ['one character changed', `x${SECRET.slice(1)}`, SECRET, false],
    ['empty', '', SECRET, false],
    ['a repetition of a shorter value that equals it cyclically', 'ab', 'abab', false],
  ])('%s', (_name, given, expected, same) => {
    expect(sameSecret(given, expected)).toBe(same)
  })

  it('is string equality, for any strings (property)', () => {
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1 }), (a, b) => sameSecret(a, b) === (a === b)))
    fc.assert(fc.property(fc.string({ minLength: 1 }), (a) => sameSecret(a, a)))
  })
})

describe('proven', () => {
  const options = resolveOptions({ edgeProof: { header: 'X-Origin-Verify', values: ['old-secret-0123456789', SECRET] } })
  it.each([
    ['the current value', { 'x-origin-verify': SECRET }, true],
    ['the value being rotated out', { 'x-origin-verify': 'old-secret-0123456789' }, true],
    ['no header', {}, false],
    ['the header sent twice (Node joins them)', { 'x-origin-verify': `${SECRET}, ${SECRET}` }, false],
    ['a wrong value', { 'x-origin-verify': 'guess' }, false],
  ])('%s', (_name, headers, ok) => {
    expect(proven({ headers }, options)).toBe(ok)
  })
  it('holds for every request when no proof is asked', () => {
    expect(proven({ headers: {} }, resolveOptions({}))).toBe(true)
  })
})

describe('edgeProof option', () => {
  it('is resolved with the header lower-cased and the values frozen', () => {
    const resolved = resolveOptions({ edgeProof: { header: 'X-Origin-Verify', values: [SECRET] } })
    expect(resolved.proofHeader).toBe('x-origin-verify')
    expect(resolved.proofValues).toEqual([SECRET])
    expect(Object.isFrozen(resolved.proofValues)).toBe(true)
  })

  const ERRORS: readonly [string, unknown, string][] = [
    ['error: not an object', 'x-origin-verify', 'invalid option edgeProof: "x-origin-verify" (expected { header, values })'],
    ['error: null', null, 'invalid option edgeProof: null (expected { header, values })'],
    ['error: no header', { values: [SECRET] }, 'invalid option edgeProof.header: undefined (expected a header name)'],
    ['error: a header the walk reads', { header: 'X-Forwarded-For', values: [SECRET] }, 'invalid option edgeProof.header: "X-Forwarded-For" (expected a header of its own, not one the walk reads for addresses, host or protocol)'],
    ['error: no values', { header: 'x-origin-verify', values: [] }, 'invalid option edgeProof.values: expected a non-empty list of secret strings (values are not shown)'],
    ['error: values not a list', { header: 'x-origin-verify', values: SECRET }, 'invalid option edgeProof.values: expected a non-empty list of secret strings (values are not shown)'],
    ['error: a short value, not shown', { header: 'x-origin-verify', values: [SECRET, 'hunter2'] }, 'invalid option edgeProof.values[1]: expected 16 to 256 visible ASCII characters without spaces (the value is not shown)'],
    ['error: a value with a space, not shown', { header: 'x-origin-verify', values: ['correct horse battery staple'] }, 'invalid option edgeProof.values[0]: expected 16 to 256 visible ASCII characters without spaces (the value is not shown)'],
    ['error: a value that is not a string', { header: 'x-origin-verify', values: [1234567890123456] }, 'invalid option edgeProof.values[0]: expected 16 to 256 visible ASCII characters without spaces (the value is not shown)'],
  ]
  it.each(ERRORS)('%s', (_name, edgeProof, message) => {
    expect(() => resolveOptions({ edgeProof } as TrustOptions)).toThrow(new TypeError(message))
  })

  it('error: the header that is the address source', () => {
    expect(() => resolveOptions({ source: { header: 'CF-Connecting-IP' }, edgeProof: { header: 'cf-connecting-ip', values: [SECRET] } }))
      .toThrow(new TypeError('invalid option edgeProof.header: "cf-connecting-ip" (expected a header of its own, not one the walk reads for addresses, host or protocol)'))
  })

  it('a trusted peer without the proof is the client, whatever the setting (hop count, true, a list)', () => {
    for (const setting of [1, true, 'loopback']) {
      const trust = compileTrust(setting, { edgeProof: { header: 'x-origin-verify', values: [SECRET] } })
      const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.5' } }
      expect(resolveAddr(req, trust).ip).toBe('127.0.0.1')
      expect(resolveAddr({ ...req, headers: { ...req.headers, 'x-origin-verify': SECRET } }, trust).ip).toBe('203.0.113.5')
    }
  })

  it('an untrusted peer stays untrusted with the proof', () => {
    const trust = compileTrust('loopback', { edgeProof: { header: 'x-origin-verify', values: [SECRET] } })
    const req = { socket: { remoteAddress: '203.0.113.9' }, headers: { 'x-forwarded-for': '198.51.100.1', 'x-origin-verify': SECRET } }
    expect(resolveAddr(req, trust).ip).toBe('203.0.113.9')
  })

  it('a custom function is asked once per hop, with or without the proof', () => {
    let calls = 0
    const trust = compileTrust(() => {
      calls++
      return true
    }, { edgeProof: { header: 'x-origin-verify', values: [SECRET] } })
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.5' } }
    expect(resolveAddr(req, trust).ip).toBe('127.0.0.1')
    expect(calls).toBe(1)
  })

  it('is never rendered: describeOptions shows the header only', () => {
    expect(describeOptions({ edgeProof: { header: 'x-origin-verify', values: [SECRET] } })).toBe('edgeProof: x-origin-verify (values not shown)')
  })
})

describe('a single-address header with a port (source: { header, port: true })', () => {
  it.each([
    ['IPv4 and port', '198.51.100.10:46532', '198.51.100.10'],
    ['IPv6 unbracketed, as CloudFront writes it', '2001:db8::1:46532', '2001:db8::1'],
    ['IPv6 bracketed', '[2001:db8::1]:443', '2001:db8::1'],
    ['fail: no port', '198.51.100.10', undefined],
    ['fail: an empty port', '198.51.100.10:', undefined],
    ['fail: a port of six digits', '198.51.100.10:123456', undefined],
    ['fail: only a port', ':443', undefined],
  ])('%s', (_name, value, address) => {
    expect(withoutPort(value)).toBe(address)
  })

  it.each([
    ['the address without its port', '198.51.100.10:46532', true, '198.51.100.10', 'end'],
    ['fail: an address that is not one after the port is cut', 'nope:443', false, undefined, 'malformed'],
    ['fail: no port at all', '198.51.100.10', false, undefined, 'malformed'],
  ])('%s', (_name, value, moved, text, end) => {
    const hops = new SingleAddressHops(value, false, true)
    expect(hops.next()).toBe(moved)
    expect(hops.text).toBe(text)
    expect(hops.received).toBe(value)
    expect(hops.end).toBe(end)
  })

  it('resolves through compileTrust', () => {
    const trust = compileTrust('loopback', { source: { header: 'CloudFront-Viewer-Address', port: true } })
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'cloudfront-viewer-address': '2001:db8::5:1234' } }
    expect(resolveAddr(req, trust).ip).toBe('2001:db8::5')
  })

  it.each([
    ['error: a port flag that is not a boolean', { source: { header: 'x', port: 'yes' } }, 'invalid option source.port: "yes" (expected true or false)'],
  ])('%s', (_name, options, message) => {
    expect(() => resolveOptions(options as unknown as TrustOptions)).toThrow(new TypeError(message))
  })
})

describe('edge proof values are never shown (property)', () => {
  it('not by explain, nor by the text, JSON or HTML renders, whatever the request sent', async () => {
    const { explain } = await import('../../src/diagnostics/explain.js')
    const { renderHtml, renderJson, renderText } = await import('../../src/diagnostics/render.js')
    const secret = fc.stringMatching(/^[!-~]{16,40}$/)
    fc.assert(fc.property(secret, fc.boolean(), fc.string(), (value, send, xff) => {
      const options = { edgeProof: { header: 'x-origin-verify', values: [value] } }
      const trust = compileTrust('loopback', options)
      const headers: Record<string, string> = { 'x-forwarded-for': xff }
      if (send) headers['x-origin-verify'] = value
      const why = explain({ socket: { remoteAddress: '127.0.0.1' }, headers }, trust, 'loopback')
      const context = { trust: 'loopback', options }
      for (const text of [JSON.stringify(why), renderText(why, context, false), renderJson(why, context), renderHtml(why, context)]) {
        expect(text.includes(value)).toBe(false)
      }
    }), { numRuns: 300, seed: 0x9f00f })
  })
})
