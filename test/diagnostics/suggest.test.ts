// suggest.test.ts: the suggested setting explain gives, case by case and as a property: compiling
// it and resolving the same request gives the first address from the right that is neither
// loopback, private, link-local nor a provider's; it is never `true` or a count; a direct public
// client gets none.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { cloudflare, googleLoadBalancers } from '../../src/core/snapshots.js'
import { explain } from '../../src/diagnostics/explain.js'
import { renderHtml, renderText } from '../../src/diagnostics/render.js'
import { suggest } from '../../src/diagnostics/suggest.js'

function req(peer: string | undefined, headers: Record<string, string> = {}) {
  return { socket: { remoteAddress: peer }, headers }
}

function suggestionOf(peer: string | undefined, headers: Record<string, string> = {}, setting: TrustSetting = false, options?: TrustOptions) {
  return explain(req(peer, headers), compileTrust(setting, options)).suggestion
}

describe('suggestion', () => {
  it.each([
    ['a local proxy: loopback', '127.0.0.1', { 'x-forwarded-for': '203.0.113.5' }, ['loopback'], "app.set('trust proxy', ['loopback'])\n// ip becomes 203.0.113.5 (now 127.0.0.1)"],
    ['a private chain: each kind once, in walk order', '10.0.0.1', { 'x-forwarded-for': '203.0.113.5, fe80::1, 127.0.0.1, 10.0.0.2' }, ['uniquelocal', 'loopback', 'linklocal'], "app.set('trust proxy', ['uniquelocal', 'loopback', 'linklocal'])\n// ip becomes 203.0.113.5 (now 10.0.0.1)"],
    ['forged entries left of the client are not trusted', '127.0.0.1', { 'x-forwarded-for': '10.9.9.9, 203.0.113.5' }, ['loopback'], "app.set('trust proxy', ['loopback'])\n// ip becomes 203.0.113.5 (now 127.0.0.1)"],
    ['only private hops: the leftmost is the client, not trusted itself', '127.0.0.1', { 'x-forwarded-for': '10.0.0.7' }, ['loopback'], "app.set('trust proxy', ['loopback'])\n// ip becomes 10.0.0.7 (now 127.0.0.1)"],
    ['a non-address entry is the client: it is not an address to trust', '127.0.0.1', { 'x-forwarded-for': 'unknown' }, ['loopback'], "app.set('trust proxy', ['loopback'])\n// ip becomes (not an address) (now 127.0.0.1)"],
  ])('%s', (_name, peer, headers, setting, code) => {
    expect(suggestionOf(peer, headers)).toEqual({ setting, code })
  })

  it('names the provider and imports its snapshot', () => {
    expect(suggestionOf('173.245.48.1', { 'x-forwarded-for': '203.0.113.5' })).toEqual({
      setting: ['cloudflare'],
      options: { ranges: { cloudflare } },
      code: [
        "// a hop is Cloudflare: platform('cloudflare') sets this up from its documentation",
        "import { cloudflare } from 'proxy-trust/ranges'",
        "import { trustProxy } from 'proxy-trust/express'",
        "trustProxy(app, ['cloudflare'], { ranges: { cloudflare } })",
        '// ip becomes 203.0.113.5 (now 173.245.48.1)',
      ].join('\n'),
    })
  })

  it('writes a provider whose name is not an identifier with its export', () => {
    const suggestion = suggestionOf('35.191.0.9', { 'x-forwarded-for': '203.0.113.5, 34.120.1.1' })
    // 34.120.1.1 is the load balancer's own public address, which no range holds: it is the client here
    expect(suggestion?.setting).toEqual(['google-lb'])
    expect(suggestion?.options).toEqual({ ranges: { 'google-lb': googleLoadBalancers } })
    expect(suggestion?.code).toContain("trustProxy(app, ['google-lb'], { ranges: { 'google-lb': googleLoadBalancers } })")
    expect(suggestion?.code).toContain("import { googleLoadBalancers } from 'proxy-trust/ranges'")
  })

  it('keeps the source the request was read from: a header with a port, Forwarded', () => {
    const header = suggestionOf('127.0.0.1', { 'cloudfront-viewer-address': '203.0.113.5:443' }, false, { source: { header: 'CloudFront-Viewer-Address', port: true } })
    expect(header).toEqual({
      setting: ['loopback'],
      options: { source: { header: 'cloudfront-viewer-address', port: true } },
      code: "import { trustProxy } from 'proxy-trust/express'\ntrustProxy(app, ['loopback'], { source: { header: \"cloudfront-viewer-address\", port: true } })\n// ip becomes 203.0.113.5 (now 127.0.0.1)",
    })
    const plain = suggestionOf('127.0.0.1', { 'x-real-ip': '203.0.113.5' }, false, { source: { header: 'X-Real-IP' } })
    expect(plain?.options).toEqual({ source: { header: 'x-real-ip' } })
    const forwarded = suggestionOf('127.0.0.1', { forwarded: 'for=203.0.113.5' }, false, { source: 'forwarded' })
    expect(forwarded?.options).toEqual({ source: 'forwarded' })
    expect(forwarded?.code).toContain("trustProxy(app, ['loopback'], { source: 'forwarded' })")
  })

  it.each([
    ['a direct public client', '203.0.113.5', { 'x-forwarded-for': '10.0.0.1' }],
    ['a peer without an address', undefined, { 'x-forwarded-for': '203.0.113.5' }],
    ['nothing forwarded', '127.0.0.1', {}],
  ])('none for %s', (_name, peer, headers) => {
    expect(suggestionOf(peer, headers)).toBeUndefined()
  })

  it('none when the setting in use already gives that client and draws no warning about itself', () => {
    expect(suggestionOf('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, '10.0.0.0/8')).toBeUndefined()
    // the same client under `true`, which draws TRUST_ALL: the narrower setting is suggested
    expect(suggestionOf('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, true)?.setting).toEqual(['uniquelocal'])
  })

  it('none when a single-address header is not one address (the walk ignores it)', () => {
    expect(suggestionOf('127.0.0.1', { 'x-real-ip': 'junk' }, 'loopback', { source: { header: 'x-real-ip' } })).toBeUndefined()
  })

  it('is shown in the text and HTML renders, escaped', () => {
    const why = explain(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.5' }), compileTrust(false))
    const context = { trust: 'false', options: {} }
    expect(renderText(why, context, false)).toContain("\nsuggested setting:\n  app.set('trust proxy', ['loopback'])\n  // ip becomes 203.0.113.5 (now 127.0.0.1)\n")
    expect(renderHtml(why, context)).toContain('<pre class="suggestion"><code>app.set(&#39;trust proxy&#39;, [&#39;loopback&#39;])')
    const none = explain(req('203.0.113.5'), compileTrust(false))
    expect(renderText(none, context, false)).not.toContain('suggested')
    expect(renderHtml(none, context)).not.toContain('Suggested')
  })

  it('takes hops directly too', () => {
    expect(suggest([], 'x-forwarded-for', undefined)).toBeUndefined()
  })
})

/** Addresses by kind: those a careful operator trusts, and the others. */
const LOCAL = ['127.0.0.1', '::1', '10.0.0.1', '172.16.5.4', '192.168.1.1', 'fd00::5', 'fe80::1', '169.254.0.9', '::ffff:10.1.2.3']
const PROVIDER = ['173.245.48.9', '2606:4700::1', '151.101.1.1', '130.176.0.5', '35.191.3.3', '130.211.0.7']
const OTHER = ['203.0.113.5', '198.51.100.7', '8.8.8.8', '2001:db8::5', '100.64.0.1', '::ffff:203.0.113.9']
const JUNK = ['unknown', 'abc', '1.2.3']
const TRUSTED = new Set([...LOCAL, ...PROVIDER])

const hop = (junk: boolean) => fc.oneof(
  fc.constantFrom(...LOCAL), fc.constantFrom(...PROVIDER), fc.constantFrom(...OTHER),
  ...(junk ? [fc.constantFrom(...JUNK)] : []),
)
const setting: fc.Arbitrary<TrustSetting> = fc.constantFrom<TrustSetting>(false, true, 1, 3, 'loopback', 'uniquelocal, loopback')

describe('suggestion (property)', () => {
  it('compiled and resolved, gives the first address from the right that no trusted kind holds; never true or a count', () => {
    fc.assert(fc.property(hop(false), fc.array(hop(true), { maxLength: 6 }), setting, (peer, entries, current) => {
      const request = req(peer, entries.length === 0 ? {} : { 'x-forwarded-for': entries.join(', ') })
      const explanation = explain(request, compileTrust(current))
      const { suggestion } = explanation
      if (!TRUSTED.has(peer)) {
        expect(suggestion).toBeUndefined()
        return
      }
      if (entries.length === 0) {
        expect(suggestion).toBeUndefined()
        return
      }
      const fromRight = [...entries].reverse()
      const expected = fromRight.find((entry) => !TRUSTED.has(entry)) ?? entries[0]
      if (suggestion === undefined) {
        // only when the setting in use already gives that client and draws no warning about itself
        expect(resolveAddr(request, compileTrust(current)).ip).toBe(expected)
        expect(current === true || typeof current === 'number').toBe(false)
        return
      }
      const { setting: suggested, options } = suggestion
      expect(Array.isArray(suggested) && suggested.every((name) => typeof name === 'string')).toBe(true)
      expect(resolveAddr(request, compileTrust(suggested, options)).ip).toBe(expected)
    }), { numRuns: 2000, seed: 0x5e6 })
  })
})
