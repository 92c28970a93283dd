// render.test.ts: the renderers on chains of any length (text and HTML keep the first hops, those
// around the client and the last ones, with a count for the rest; JSON keeps every hop), and the HTML
// page: the client and why at the top with the setting in use and the suggested one or the fixes, the
// chain drawn in traffic order, the hop table with `received` only where it differs, the playground.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { explain, type Explanation } from '../../src/diagnostics/explain.js'
import { renderHtml, renderJson, renderPlayground, renderText, settingText, shownHops } from '../../src/diagnostics/render.js'
import type { Suggestion } from '../../src/diagnostics/suggest.js'
import { requestFrom } from '../fixtures/unit-requests.js'
import { chainSteps } from '../fixtures/whoami-page.js'

const context = { trust: '10.0.0.0/8', options: {} }

/** A proxy address for entry `k`, distinct for the first 65,536. */
function proxy(k: number): string {
  return `10.0.${(k >> 8) & 255}.${k & 255}`
}

/**
 * The explanation of a request whose X-Forwarded-For holds `length` entries, with the client
 * (203.0.113.9) at hop `client` (the entries right of it proxies, those left of it more proxies).
 */
function chain(length: number, client: number): Explanation {
  const entries = Array.from({ length }, (_, k) => (length - k === client ? '203.0.113.9' : proxy(k)))
  return explain(requestFrom('10.0.0.1', { 'x-forwarded-for': entries.join(',') }), compileTrust('10.0.0.0/8'), '10.0.0.0/8')
}

/** The hop numbers of a rendered text table, and its elision lines. */
function tableRows(text: string): string[] {
  const table = text.substring(text.indexOf('  #'), text.indexOf('\nstop ('))
  return table.split('\n').slice(1).filter((line) => line !== '').map((line) => {
    const match = /^ {2}(\d+) /.exec(line)
    return match ? (match[1] as string) : line.trim()
  })
}

describe('renderers on long chains', () => {
  it('shows a chain of 200 hops whole', () => {
    const rows = tableRows(renderText(chain(199, 199), context, false))
    expect(rows).toHaveLength(200)
    expect(rows.at(-1)).toBe('199')
  })

  it('keeps the first 50 hops, the 25 each side of the client and the last 50 of a longer one, with counts', () => {
    const explanation = chain(299, 76)
    expect(explanation.hops).toHaveLength(300)
    const rows = tableRows(renderText(explanation, context, false))
    const numbers = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => String(from + k))
    expect(rows).toEqual([
      ...numbers(0, 50), '... 1 hop not shown ...', ...numbers(51, 102), '... 148 hops not shown ...', ...numbers(250, 300),
    ])
  })

  it('renders 130,000 hops without overflowing the stack, and JSON keeps them all', () => {
    const explanation = chain(130_000, 130_000)
    const text = renderText(explanation, context, true)
    expect(text).toContain('... 129901 hops not shown ...')
    expect(text).toContain('stop (end): no more entries: hop 130000 is the client\n')
    expect(text).toContain('... 129900 addresses not shown ...')
    const html = renderHtml(explanation, context)
    expect(html).toContain('<tr class="elided"><td colspan="8">... 129901 hops not shown ...</td></tr>')
    expect(html.match(/<tr class="hop /g)).toHaveLength(100)
    const json = JSON.parse(renderJson(explanation, context)) as Explanation
    expect(json.hops).toHaveLength(130_001)
    expect(json.result.ips).toHaveLength(130_000)
  })

  it('shownHops keeps the client\'s neighbourhood wherever it is', () => {
    const explanation = chain(1000, 500)
    const shown = shownHops(explanation.hops, explanation.stop.index)
    expect(shown.map((row) => ('elided' in row ? `-${row.elided}` : row.index)).filter((row) => typeof row === 'string'))
      .toEqual(['-425', '-425'])
    expect(shown.some((row) => 'index' in row && row.index === 500 && row.role === 'client')).toBe(true)
  })
})

/** The explanation of one request from `peer` with `headers`, under `setting` and `options`. */
function explained(peer: string | undefined, headers: Record<string, string>, setting: string, options: TrustOptions = {}): Explanation {
  return explain(requestFrom(peer, headers), compileTrust(setting, options), setting)
}

/** The sentence under the heading that says why the client is who it is. */
function why(html: string): string {
  return (/<p class="why" id="why">(.*?)<\/p>/.exec(html)?.[1] ?? '').replace(/<\/?code>/g, '')
}

describe('the HTML page', () => {
  const context = { trust: '10.0.0.0/8', options: {} }

  it('draws the chain in traffic order: ignored hops, the client, each proxy from the farthest, this server', () => {
    const html = renderHtml(explained('10.0.0.1', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9, 10.0.0.2' }, '10.0.0.0/8'), context)
    expect(chainSteps(html)).toEqual(['ignored 198.51.100.7', 'client 203.0.113.9', 'proxy 10.0.0.2', 'proxy 10.0.0.1', 'server'])
    expect(html).toContain('<li class="step client" data-hop="2" aria-current="true"><span class="badge">client: you</span> <span class="hopno">hop 2</span> ')
    expect(html).toContain('<span class="origin">in x-forwarded-for, written by hop 1 (10.0.0.2)</span><span class="sr">; </span><span class="verdict untrusted">not trusted: no range matched</span>')
    expect(html).toContain('<span class="origin">the connection to this server</span><span class="sr">; </span><span class="verdict trusted">trusted: 10.0.0.0/8</span>')
    expect(html).toContain('<span class="origin">in x-forwarded-for, left of the client: anyone could have written it</span><span class="sr">; </span><span class="verdict unasked">beyond the client: not read</span>')
  })

  it('draws a long chain with the hops it leaves out counted, in traffic order', () => {
    const steps = chainSteps(renderHtml(chain(299, 76), context))
    expect(steps).toHaveLength(300 - 149 + 2 + 1)
    expect(steps[0]).toBe('ignored 10.0.0.0')
    expect(steps.filter((step) => step.startsWith('elided'))).toEqual(['elided', 'elided'])
    expect(steps.at(-2)).toBe('proxy 10.0.0.1')
    expect(steps.at(-1)).toBe('server')
  })

  it.each([
    ['the peer untrusted', explained('203.0.113.1', { 'x-forwarded-for': '1.2.3.4' }, '10.0.0.0/8'),
      'The setting does not trust the peer that connected (203.0.113.1), so it is the client and every forwarding header is ignored.'],
    ['one proxy trusted, the next hop not', explained('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' }, '10.0.0.0/8'),
      'The setting trusts the proxy that connected but not hop 1 (203.0.113.9), so that is the client; nothing left of it is read.'],
    ['two proxies trusted, the next hop not', explained('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.2' }, '10.0.0.0/8'),
      'The setting trusts the 2 proxies nearest this server but not hop 2 (203.0.113.9), so that is the client; nothing left of it is read.'],
    ['a trusted peer that names nobody', explained('127.0.0.1', {}, 'loopback'),
      'The peer that connected (127.0.0.1) is trusted, but names nobody before it, so it is the client.'],
    ['the last entry reached', explained('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, '10.0.0.0/8'),
      'The setting trusts the proxy that connected, and nothing lies beyond hop 1 (203.0.113.9), so that is the client.'],
    ['a malformed Forwarded element', explained('10.0.0.1', { forwarded: 'for=10.0.0.2, for="bad' }, '10.0.0.0/8', { source: 'forwarded' }),
      'What lies beyond hop 0 (10.0.0.1) cannot be read, so the walk stopped there: that is the client.'],
    ['maxForwarded reached', explained('10.0.0.1', { forwarded: 'for=203.0.113.1, for=10.0.0.3, for=10.0.0.2' }, '10.0.0.0/8', { source: 'forwarded', maxForwarded: 1 }),
      'The walk read as many Forwarded elements as it may and stopped at hop 1 (10.0.0.2): that is the client.'],
  ])('says why in one sentence: %s', (_name, explanation, sentence) => {
    expect(why(renderHtml(explanation, context))).toBe(sentence)
  })

  it('shows the setting in use at the top, and the warnings\' fixes when there is no suggestion', () => {
    const html = renderHtml(explained('10.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'HTTPS' }, '10.0.0.0/8'), context)
    const top = html.substring(html.indexOf('<main>'), html.indexOf('<h2 id="chain-title">'))
    expect(top).toContain('<dt>Setting in use</dt><dd><code id="setting">10.0.0.0/8</code> <span class="muted">options: none (Express); source: x-forwarded-for</span></dd>')
    expect(top).toMatch(/<dt>To fix<\/dt><dd><ul class="fixes"><li>[^<]+<\/li><\/ul><\/dd>/)
    expect(top).not.toContain('Suggested')
  })

  it('lists three fixes at the top and counts the rest, each fix once', () => {
    const base = explained('10.0.0.1', {}, '10.0.0.0/8')
    const warning = (fix: string) => ({ code: 'HOP_COUNT' as const, message: 'm', fix })
    const html = renderHtml({ ...base, warnings: ['a', 'b', 'a', 'c', 'd', 'e'].map(warning) }, context)
    expect(html).toContain('<ul class="fixes"><li>a</li><li>b</li><li>c</li><li class="more">and 2 more, with the warnings below</li></ul>')
    expect(renderHtml({ ...base, warnings: ['a', 'b', 'c'].map(warning) }, context)).toContain('<ul class="fixes"><li>a</li><li>b</li><li>c</li></ul>')
  })

  it('shows neither a suggestion nor fixes when nothing is wrong', () => {
    const html = renderHtml(explained('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' }, '10.0.0.0/8'), context)
    expect(html).not.toContain('<dt>To fix</dt>')
    expect(html).not.toContain('<dt>Suggested</dt>')
  })

  it.each<[string, Suggestion, string]>([
    ['a list with the code to paste', { setting: ['cloudflare', 'loopback'], options: { source: 'forwarded' }, code: "trustProxy(app, ['cloudflare', 'loopback'], { source: 'forwarded' })\n// ip becomes 203.0.113.5" },
      '<dt>Suggested</dt><dd class="suggested"><code id="suggestion">cloudflare, loopback</code><pre class="suggestion"><code>trustProxy(app, [&#39;cloudflare&#39;, &#39;loopback&#39;], { source: &#39;forwarded&#39; })\n// ip becomes 203.0.113.5</code></pre></dd>'],
    ['code a client wrote into is escaped', { setting: ['loopback'], code: "app.set('trust proxy', ['loopback'])\n// ip becomes <b>x</b>" },
      '<code>app.set(&#39;trust proxy&#39;, [&#39;loopback&#39;])\n// ip becomes &#60;b&#62;x&#60;/b&#62;</code>'],
  ])('shows a suggested setting, when the explanation carries one, in place of the fixes: %s', (_name, suggestion, expected) => {
    const explanation = { ...explained('10.0.0.1', { 'x-forwarded-proto': 'HTTPS' }, '10.0.0.0/8'), suggestion }
    const html = renderHtml(explanation, context)
    expect(html).toContain(expected)
    expect(html).not.toContain('<dt>To fix</dt>')
  })

  it.each([
    ['a list', ['loopback', '10.0.0.0/8'], 'loopback, 10.0.0.0/8'],
    ['a hop count', 2, '2'],
    ['true', true, 'true'],
    ['a custom function', () => true, 'a custom function'],
  ] as const)('writes a setting as one line: %s', (_name, setting, text) => {
    expect(settingText(setting)).toBe(text)
  })

  it('shows what was received in the hop table only where it differs from the address', () => {
    const html = renderHtml(explained('10.0.0.1', { 'x-forwarded-for': '203.0.113.9:1234' }, '10.0.0.0/8', { ports: true }), context)
    expect(html).toContain('<td>0</td><td>proxy</td><td class="name">socket</td><td>10.0.0.1</td><td class="none"></td>')
    expect(html).toContain('<td>1</td><td>client</td><td class="name">x-forwarded-for</td><td>203.0.113.9</td><td>203.0.113.9:1234</td>')
    expect(html).toContain('<code class="addr">203.0.113.9</code> <span class="received">received as <code>203.0.113.9:1234</code></span>')
  })

  it('escapes what a client wrote in the chain, the why and the form', () => {
    const fields = { trust: '"><script>1</script>', remote: '<b>', headers: 'X-Forwarded-For: <img src=x>\n</textarea><script>' }
    const explanation = explained('127.0.0.1', { 'x-forwarded-for': '<img src=x>' }, 'loopback')
    for (const html of [renderHtml(explanation, { trust: '<b>', options: {} }, { kind: 'playground', fields }), renderPlayground(fields, '<script>')]) {
      expect(html).not.toMatch(/<(?:script|img|b>)/)
      expect(html).not.toContain('</textarea><script>')
    }
  })

  it('adds a button to the playground on the whoami page, and the filled form on the playground\'s', () => {
    const explanation = explained('127.0.0.1', {}, 'loopback')
    expect(renderHtml(explanation, context)).not.toContain('<form')
    expect(renderHtml(explanation, context, { kind: 'whoami' }))
      .toContain('<form class="again" method="get" action="/explain"><button type="submit">Explain another request</button></form>')
    const played = renderHtml(explanation, context, { kind: 'playground', fields: { trust: 'loopback', remote: '127.0.0.1', headers: 'X-Forwarded-For: 1.2.3.4' } })
    expect(played).toContain('<title>proxy-trust playground: 127.0.0.1</title>')
    expect(played).toContain('<h1>The client is <code id="ip">127.0.0.1</code></h1>')
    expect(played).toContain('<input id="remote" name="remote" value="127.0.0.1" autocomplete="off" spellcheck="false">')
    expect(played).toContain('<textarea id="headers" name="headers" rows="6" spellcheck="false">X-Forwarded-For: 1.2.3.4</textarea>')
  })

  it('shows the playground\'s form alone, with what is wrong when there is something', () => {
    const fields = { trust: 'lookback', remote: '', headers: '' }
    expect(renderPlayground(fields)).not.toContain('class="error"')
    expect(renderPlayground(fields, 'invalid --trust "lookback"')).toContain('<p class="error" role="alert">invalid --trust &#34;lookback&#34;</p>')
  })
})

describe('the playground\'s pages, whatever the fields hold (property)', () => {
  // the markup is the template's alone: any text in the fields (tags, quotes, closing tags, controls)
  // adds no <, > or " to the page, so it can open no element and leave no attribute
  const markup = (html: string): string => html.replace(/[^<>"]/g, '')
  const text = fc.string({ unit: fc.oneof(fc.constantFrom('<', '>', '"', "'", '&', '/', '\n', '\u009b', '\u202e', 'a', ' ', ':'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })), maxLength: 40 })
  const fieldsOf = fc.record({ trust: text, remote: text, headers: text })
  const empty = { trust: '', remote: '', headers: '' }
  const explanation = explained('127.0.0.1', {}, 'loopback')

  it('the form alone, and with an error, has the markup of an empty one', () => {
    const bare = markup(renderPlayground(empty))
    const failed = markup(renderPlayground(empty, ''))
    fc.assert(fc.property(fieldsOf, text, (fields, error) => {
      expect(markup(renderPlayground(fields))).toBe(bare)
      expect(markup(renderPlayground(fields, error))).toBe(failed)
    }), { seed: 24, numRuns: 300 })
  })

  it('the explained page with the form has the markup of one with empty fields', () => {
    const bare = markup(renderHtml(explanation, { trust: '', options: {} }, { kind: 'playground', fields: empty }))
    fc.assert(fc.property(fieldsOf, (fields) => {
      expect(markup(renderHtml(explanation, { trust: fields.trust, options: {} }, { kind: 'playground', fields }))).toBe(bare)
    }), { seed: 24, numRuns: 300 })
  })
})
