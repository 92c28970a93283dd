// render.test.ts: the renderers on chains of any length: text and HTML keep the first hops, those
// around the client and the last ones, with a count for the rest; JSON keeps every hop.

import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { explain, type Explanation } from '../../src/diagnostics/explain.js'
import { renderHtml, renderJson, renderText, shownHops } from '../../src/diagnostics/render.js'
import { requestFrom } from '../fixtures/unit-requests.js'

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
