// stale.test.ts: the ages of the provider snapshots a setting uses, RANGES_STALE past 180 days, and
// how explain and its renderings show them.

import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import type { RangeSnapshot } from '../../src/core/ranges.js'
import { explain } from '../../src/diagnostics/explain.js'
import { renderHtml, renderText } from '../../src/diagnostics/render.js'
import { ageText, snapshotAges, snapshotsOf, staleRanges, STALE_DAYS } from '../../src/diagnostics/stale.js'

const DAY = 86_400_000

/** The day `days` before now, as YYYY-MM-DD. */
function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY).toISOString().substring(0, 10)
}

function snapshot(retrieved: string): RangeSnapshot {
  return { name: 'examplecdn', source: 'https://cdn.example/ips', retrieved, v4: ['198.51.100.0/24'], v6: [] }
}

const request = { socket: { remoteAddress: '198.51.100.7' }, headers: { 'x-forwarded-for': '203.0.113.5' } }

describe('snapshotsOf', () => {
  it('gives the snapshots a compiled setting uses, and none for a custom function', () => {
    expect(snapshotsOf(compileTrust('cdn', { ranges: { cdn: snapshot('2026-01-02') } })).map((use) => use.retrieved)).toEqual(['2026-01-02'])
    expect(snapshotsOf(() => true)).toEqual([])
  })
})

describe('snapshotAges', () => {
  it('counts whole days from the retrieval day (UTC)', () => {
    const now = Date.parse('2026-12-01T23:59:00Z')
    const use = { name: 'cdn', provider: 'examplecdn', source: 'https://cdn.example/ips' }
    expect(snapshotAges([{ ...use, retrieved: '2026-12-01' }, { ...use, retrieved: '2026-06-04' }], now).map((age) => age.days)).toEqual([0, 180])
  })
})

describe('staleRanges', () => {
  const use = { name: 'cdn', provider: 'examplecdn', source: 'https://cdn.example/ips', retrieved: '2026-01-01' }
  it.each([
    ['a snapshot of today', 0, 0],
    ['a snapshot 180 days old', STALE_DAYS, 0],
    ['a snapshot 181 days old', STALE_DAYS + 1, 1],
  ])('%s gives %#', (_name, days, count) => {
    expect(staleRanges([{ ...use, days }])).toHaveLength(count)
  })

  it('says which name, which provider, which day, and how to refresh it', () => {
    expect(staleRanges([{ ...use, days: 334 }])).toEqual([{
      code: 'RANGES_STALE',
      message: 'range cdn is a examplecdn snapshot retrieved 2026-01-01, 334 days ago (more than 180)',
      fix: 'refresh it: proxy-trust ranges fetch examplecdn --out ranges.json, and load the file with loadRanges or --ranges',
    }])
  })
})

describe('explain with provider snapshots', () => {
  it('shows the snapshots the setting uses, and no warning while they are fresh', () => {
    const retrieved = daysAgo(10)
    const why = explain(request, compileTrust('cdn', { ranges: { cdn: snapshot(retrieved) } }), 'cdn')
    expect(why.ranges).toEqual([{ name: 'cdn', provider: 'examplecdn', source: 'https://cdn.example/ips', retrieved, days: 10 }])
    expect(why.hops[0]?.reason).toBe('cdn (198.51.100.0/24)')
    expect(why.warnings).toEqual([])
  })

  it('warns RANGES_STALE, after the other warnings, when one is older than 180 days', () => {
    const trust = compileTrust('cdn, office', { ranges: { cdn: snapshot('2020-01-01'), office: ['10.0.0.0/8'] } })
    const why = explain({ socket: { remoteAddress: '192.0.2.1' }, headers: { 'x-forwarded-for': '203.0.113.5' } }, trust)
    expect(why.warnings.map((warning) => warning.code)).toEqual(['UNTRUSTED_PEER_WITH_HEADERS', 'RANGES_STALE'])
  })

  it('warns RANGES_STALE for a snapshot dated after today, whose age is unknown, and shows it as to come', () => {
    const trust = compileTrust('cdn', { ranges: { cdn: snapshot('2999-12-31') } })
    const why = explain(request, trust, 'cdn')
    const days = -(why.ranges[0]?.days as number)
    expect(days).toBeGreaterThan(300_000)
    expect(why.warnings).toEqual([{
      code: 'RANGES_STALE',
      message: `range cdn is a examplecdn snapshot dated 2999-12-31, in ${days} days, a day still to come: its age is unknown (the file's date or this machine's clock is wrong)`,
      fix: 'refresh it: proxy-trust ranges fetch examplecdn --out ranges.json, and load the file with loadRanges or --ranges',
    }])
    expect(renderText(why, { trust: 'cdn', options: {} }, false)).toContain(`ranges: cdn (examplecdn, retrieved 2999-12-31, in ${days} days, a day still to come)`)
  })

  it.each([
    [-2, 'in 2 days, a day still to come'],
    [-1, 'in 1 day, a day still to come'],
    [0, 'today'],
    [1, '1 day ago'],
    [101, '101 days ago'],
  ])('ageText(%i) is %j', (days, text) => {
    expect(ageText(days)).toBe(text)
  })

  it('shows none for a setting without snapshots', () => {
    expect(explain(request, compileTrust('loopback')).ranges).toEqual([])
  })

  it('puts them on a line of the text and in the page\'s footer', () => {
    const retrieved = daysAgo(3)
    const why = explain(request, compileTrust('cdn', { ranges: { cdn: snapshot(retrieved) } }))
    const context = { trust: 'cdn', options: { ranges: { cdn: snapshot(retrieved) } } }
    expect(renderText(why, context, false).split('\n').slice(0, 2)).toEqual([
      'trust: cdn    options: ranges: cdn    source: x-forwarded-for',
      `ranges: cdn (examplecdn, retrieved ${retrieved}, 3 days ago)`,
    ])
    expect(renderHtml(why, context)).toContain(`· ranges: cdn (examplecdn, retrieved ${retrieved}, 3 days ago)</footer>`)
    expect(renderHtml(explain(request, compileTrust('loopback')), { trust: 'loopback', options: {} })).not.toContain('ranges:')
  })
})
