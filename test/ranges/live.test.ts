// live.test.ts: the cell a watched list lives in: a swap rebuilds each table compiled from it, and a
// predicate no longer referenced is let go (the cell holds it weakly).

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
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
