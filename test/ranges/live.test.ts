// live.test.ts: the cell a watched list lives in: a swap rebuilds each table compiled from it, and a
// predicate no longer referenced is let go (the cell holds it weakly).

import fc from 'fast-check'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { cloudflare } from '../../src/core/snapshots.js'
import { LiveCell, liveValue } from '../../src/ranges/live.js'

// the collector, to show that the cell does not keep a predicate alive
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('LiveCell', () => {
  it('rebuilds the table of every predicate compiled from it, in one swap', () => {
    const cell = new LiveCell(cloudflare)
    const ranges = { cdn: liveValue(cell) }
    const one = compileTrust('cdn', { ranges })
    const two = compileTrust('loopback, cdn', { ranges, extendedRanges: true })
    cell.swap({ ...cloudflare, v4: ['203.0.113.0/24'], v6: [] })
    expect([one('203.0.113.9', 1), two('203.0.113.9', 1), two('127.0.0.1', 1), one('173.245.48.1', 1)]).toEqual([true, true, true, false])
  })

  it('lets a predicate that is no longer referenced be collected, and forgets it', async () => {
    const cell = new LiveCell(cloudflare)
    let rebuilt = 0
    ;(() => {
      // what a compiled predicate gives the cell: a rebuild only the predicate holds
      const held = { rebuild: (): void => { rebuilt++ } }
      cell.subscribe(held.rebuild)
      cell.swap(cloudflare)
    })()
    expect(rebuilt).toBe(1)
    // a WeakRef's target is kept to the end of the current job: collect after it
    await new Promise((resolve) => setTimeout(resolve, 0))
    gc()
    cell.swap(cloudflare)
    cell.swap(cloudflare)
    expect(rebuilt).toBe(1)
  })
})

describe('a watched predicate against static ones (property)', () => {
  // subnets a list is drawn from, and addresses inside and outside them
  const SUBNETS = ['173.245.48.0/20', '103.21.244.0/22', '198.51.100.0/24', '203.0.113.0/24', '2400:cb00::/32', '2606:4700::/32']
  const ADDRESSES = ['173.245.48.9', '103.21.244.1', '198.51.100.7', '203.0.113.5', '192.0.2.1', '2400:cb00::1', '2606:4700::9', '2001:db8::1', '127.0.0.1']
  const list = fc.subarray(SUBNETS, { minLength: 1 }).map((entries) => ({ ...cloudflare, v4: entries.filter((entry) => !entry.includes(':')), v6: entries.filter((entry) => entry.includes(':')) }))
  const step = fc.oneof(
    list.map((snapshot) => ({ swap: snapshot })),
    fc.tuple(fc.constantFrom(...ADDRESSES), fc.array(fc.constantFrom(...ADDRESSES), { maxLength: 4 })).map(([peer, chain]) => ({ peer, chain })),
  )

  it('answers every request as a predicate compiled from the list in force at that moment, through any sequence of swaps', () => {
    fc.assert(fc.property(list, fc.array(step, { maxLength: 30 }), fc.boolean(), (first, steps, forwarded) => {
      const cell = new LiveCell(first)
      const options = forwarded ? { source: 'forwarded' as const } : {}
      const watched = compileTrust('loopback, cdn', { ...options, ranges: { cdn: liveValue(cell) } })
      let current = first
      for (const next of steps) {
        if ('swap' in next) {
          cell.swap(next.swap)
          current = next.swap
          continue
        }
        const header = forwarded ? { forwarded: next.chain.map((hop) => `for="${hop.includes(':') ? `[${hop}]` : hop}"`).join(', ') } : { 'x-forwarded-for': next.chain.join(', ') }
        const req = { socket: { remoteAddress: next.peer }, headers: header }
        const fixed = compileTrust('loopback, cdn', { ...options, ranges: { cdn: current } })
        if (JSON.stringify(resolveAddr(req, watched)) !== JSON.stringify(resolveAddr(req, fixed))) return false
      }
      return true
    }))
  })
})
