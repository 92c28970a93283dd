// escape.test.ts: no control or bidirectional code point a request carries reaches a terminal raw:
// the escapes themselves, then every renderer and the command line, over random code points.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { main, type Io } from '../../src/cli/command.js'
import { compileTrust } from '../../src/core/compile.js'
import { escapeHtml, escapeHtmlLines, hasControls, jsonSafe, printable, quoted, visible } from '../../src/diagnostics/escape.js'
import { explain } from '../../src/diagnostics/explain.js'
import { renderHtml, renderJson, renderText } from '../../src/diagnostics/render.js'
import { requestFrom } from '../fixtures/unit-requests.js'

/** Every code point a terminal acts on: C0, DEL, C1 and the bidirectional controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/
/** The same, but for line ends, which the renderers write themselves. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

const CONTROL_POINTS = [
  ...Array.from({ length: 0x20 }, (_, k) => k), 0x7f,
  ...Array.from({ length: 0x20 }, (_, k) => 0x80 + k),
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]

/** Text mixing plain characters, controls of every kind, quotes and backslashes. */
const hostileText = fc.array(fc.oneof(
  fc.constantFrom(...CONTROL_POINTS),
  fc.constantFrom(0x22, 0x5c, 0x2c, 0x3b, 0x3d, 0x20), /* " \ , ; = space */
  fc.integer({ min: 0x20, max: 0x7e }),
  fc.integer({ min: 0xa0, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
), { maxLength: 24 }).map((points) => String.fromCodePoint(...points))

describe('escapes', () => {
  it.each([
    ['ESC', '\x1b[2J', '\\x1b[2J'],
    ['CSI (C1)', 'a\x9b31m', 'a\\x9b31m'],
    ['NEL (C1)', '\x85', '\\x85'],
    ['DEL', '\x7f', '\\x7f'],
    ['NUL', '\x00', '\\x00'],
    ['line ends and tabs', 'a\r\n\tb', 'a\\r\\n\\tb'],
    ['right-to-left override', 'abc\u202edef', 'abc\\u202edef'],
    ['first strong isolate', '\u2068x\u2069', '\\u2068x\\u2069'],
    ['plain text as it is', 'shop.example "a" \\b', 'shop.example "a" \\b'],
    ['other Unicode as it is', 'é 中 \u200b 😀', 'é 中 \u200b 😀'],
  ])('visible shows %s as %j', (_name, text, shown) => {
    expect(visible(text)).toBe(shown)
  })

  it.each([
    ['a plain value as it is', '10.0.0.1', '10.0.0.1'],
    ['none as -', undefined, '-'],
    ['empty as ""', '', '""'],
    ['a value with a control quoted and escaped', '1.2.3.4\x9b"\\', '"1.2.3.4\\x9b\\"\\\\"'],
    ['a bidirectional override quoted', '\u202e1.2.3.4', '"\\u202e1.2.3.4"'],
  ])('printable shows %s', (_name, text, shown) => {
    expect(printable(text)).toBe(shown)
  })

  it('quoted always quotes, escaping quotes and backslashes', () => {
    expect(quoted('/a"b\\')).toBe('"/a\\"b\\\\"')
  })

  it('jsonSafe writes DEL, C1 and the bidirectional controls as \\u escapes, the same value once parsed', () => {
    const value = { text: 'a\x7f\x9b\u202e\u2066b', n: 1 }
    const json = jsonSafe(JSON.stringify(value))
    expect(json).toBe('{"text":"a\\u007f\\u009b\\u202e\\u2066b","n":1}')
    expect(JSON.parse(json)).toEqual(value)
  })

  it.each([
    ['keeps line feeds and reads CR LF as one break', 'a: 1\r\nb: 2\nc', 'a: 1\nb: 2\nc'],
    ['escapes each line as escapeHtml does', '<b>\u202e\n\x9b31m', '&#60;b&#62;\\u202e\n\\x9b31m'],
    ['a lone CR is a control, shown', 'a\rb', 'a\\rb'],
  ])('escapeHtmlLines %s', (_name, text, expected) => {
    expect(escapeHtmlLines(text)).toBe(expected)
  })

  it('escapeHtml writes the five HTML metacharacters as references', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;')
  })

  it('escapeHtml shows C1 controls and bidirectional overrides as the terminal does, never raw', () => {
    expect(escapeHtml('a\x9b31m\u202e<b>\u2066')).toBe('a\\x9b31m\\u202e&#60;b&#62;\\u2066')
  })

  it('property: visible, printable and quoted never leave a control raw; jsonSafe keeps the value', () => {
    fc.assert(fc.property(hostileText, (text) => {
      expect(visible(text)).not.toMatch(RAW_CONTROL)
      expect(printable(text)).not.toMatch(RAW_CONTROL)
      expect(quoted(text)).not.toMatch(RAW_CONTROL)
      expect(hasControls(text)).toBe(RAW_CONTROL.test(text))
      const json = jsonSafe(JSON.stringify(text))
      expect(json).not.toMatch(RAW_CONTROL)
      expect(JSON.parse(json)).toBe(text)
      // a plain value is shown as it is, so that the common case reads naturally
      if (!RAW_CONTROL.test(text) && text !== '') expect(printable(text)).toBe(text)
    }), { numRuns: 2000 })
  })
})

describe('renderers and the command line escape what a request carries', () => {
  const settings = [true, 'loopback', 2] as const

  it('property: text, JSON, HTML and every warning never hold a raw control, HTML never a value as it stands', () => {
    fc.assert(fc.property(
      fc.constantFrom(...settings), hostileText, hostileText, hostileText, hostileText, fc.boolean(),
      (setting, xff, host, proto, forwarded, strict) => {
        const options = strict ? { preset: 'strict' as const } : {}
        const req = requestFrom('127.0.0.1', {
          'x-forwarded-for': `${xff}, 127.0.0.1`, 'x-forwarded-host': host, 'x-forwarded-proto': proto, host, forwarded,
        })
        const explanation = explain(req, compileTrust(setting, options), setting)
        const context = { trust: xff, options }
        expect(renderText(explanation, context, false)).not.toMatch(RAW_CONTROL_BUT_NEWLINE)
        expect(renderHtml(explanation, context)).not.toMatch(RAW_CONTROL_BUT_NEWLINE)
        // the warnings themselves, whatever sink they reach (process.emitWarning, a log, a body)
        for (const w of explanation.warnings) expect(w.message + w.fix).not.toMatch(RAW_CONTROL)
        // with colour, the only ESC is the renderer's own SGR sequences
        // eslint-disable-next-line no-control-regex
        expect(renderText(explanation, context, true).replace(/\x1b\[\d+m/g, '')).not.toMatch(RAW_CONTROL_BUT_NEWLINE)
        const json = renderJson(explanation, context)
        expect(json).not.toMatch(RAW_CONTROL_BUT_NEWLINE)
        expect((JSON.parse(json) as { headers: Record<string, string> }).headers['x-forwarded-host']).toBe(host || undefined)
        // every value is escaped: a tag written into any of them never appears as a tag
        const tagged = renderHtml(explain(requestFrom('127.0.0.1', {
          'x-forwarded-for': `<img src=x>${xff}, 127.0.0.1`, host: `<img src=x>${host}`, forwarded: `<img src=x>${forwarded}`,
        }), compileTrust(setting, options), setting), { trust: `<img src=x>${xff}`, options })
        expect(tagged).not.toContain('<img')
      },
    ), { numRuns: 300 })
  })

  it('explain text shows a C1 CSI and a right-to-left override from headers as escapes', () => {
    const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '\x9b2J\u202e1.2.3.4' })
    const text = renderText(explain(req, compileTrust('loopback'), 'loopback'), { trust: 'loopback', options: {} }, false)
    expect(text).toContain('  x-forwarded-for: "\\x9b2J\\u202e1.2.3.4"\n')
    expect(text).toContain('stop (end): no more entries: hop 1 is the client\n')
    expect(text).toContain('  ip        "\\x9b2J\\u202e1.2.3.4"  from x-forwarded-for\n')
    // a warning quoting the entry
    expect(text).toContain(' hop 1 (x-forwarded-for "\\x9b2J\\u202e1.2.3.4") is not an IP address')
  })

  it('explain JSON writes them as \\u escapes', () => {
    const req = requestFrom('127.0.0.1', { 'x-forwarded-for': '\x9b2J\u202e1.2.3.4' })
    const json = renderJson(explain(req, compileTrust('loopback'), 'loopback'), { trust: 'loopback', options: {} })
    expect(json).toContain('"x-forwarded-for": "\\u009b2J\\u202e1.2.3.4"')
  })

  it.each([
    { name: 'an unknown command', argv: ['\x9b2J\u202e'], line: 'proxy-trust: unknown command "\\x9b2J\\u202e": expected explain, serve or ranges (see proxy-trust --help)\n' },
    { name: 'an unknown option', argv: ['explain', '--\x9bx'], line: 'proxy-trust: unknown option \'--\\x9bx\' (see proxy-trust explain --help)\n' },
    { name: 'a bad setting', argv: ['explain', '--trust', '10.0.0.1\x85'], line: 'proxy-trust: invalid --trust "10.0.0.1\\x85": invalid IP address: 10.0.0.1\\x85\n' },
  ])('CLI errors show $name escaped', async ({ argv, line }) => {
    let stderr = ''
    const io: Io = {
      stdout: { write: () => true }, stderr: { write: (text: string) => (stderr += text) }, env: {},
      onSignal: () => () => undefined, version: () => '0.0.0',
    }
    expect(await main(argv, io)).toBe(2)
    expect(stderr).toBe(line)
  })

  it('CLI explain output keeps a header\'s C1 bytes escaped', async () => {
    let stdout = ''
    const io: Io = {
      stdout: { write: (text: string) => (stdout += text), isTTY: true }, stderr: { write: () => true }, env: {},
      onSignal: () => () => undefined, version: () => '0.0.0',
    }
    expect(await main(['explain', '--trust', 'loopback', '--remote', '127.0.0.1', '--header', 'X-Forwarded-For: \x9b31m'], io)).toBe(0)
    expect(stdout).toContain('"\\x9b31m"')
    expect(stdout).not.toContain('\x9b')
  })
})
