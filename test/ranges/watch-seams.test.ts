// watch-seams.test.ts: a watcher whose fetch is replaced (vi.doMock of the module it imports) to
// settle in the very turn the watcher is closed in. A mock of a module reaches only the modules
// vitest loads itself, so this file is not run against the built package (vitest.built.config.ts).

import { describe, expect, it, vi } from 'vitest'
import type { RangeSnapshot } from '../../src/core/ranges.js'
import { fastly } from '../../src/core/snapshots.js'
import type { WatchedRanges } from '../../src/ranges/watch.js'

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('the schedule', () => {
  it('ignores a refresh whose fetch settles in the turn the watcher is closed in', async () => {
    let watcher: WatchedRanges | undefined
    let fetched = 0
    vi.resetModules()
    vi.doMock('../../src/ranges/fetch.js', async (original) => ({
      ...await original<typeof import('../../src/ranges/fetch.js')>(),
      fetchList: () => {
        fetched++
        // close() runs after the fetch has settled, before the refresh reads what it got
        queueMicrotask(() => watcher?.close())
        return Promise.resolve({ status: 'ok', subnets: { v4: [...fastly.v4, '203.0.113.0/24'], v6: fastly.v6 }, urls: ['https://settled.test/'], validators: [{}] })
      },
    }))
    try {
      const mocked = await import('../../src/ranges/watch.js')
      watcher = mocked.watchRanges(['fastly'], { interval: 1000, jitter: 0 })
      const events: unknown[] = []
      watcher.on('update', (event) => events.push(event))
      await until(() => fetched === 1)
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
      expect([events, (watcher as WatchedRanges & { fastly: RangeSnapshot }).fastly.source]).toEqual([[], fastly.source])
    } finally {
      vi.doUnmock('../../src/ranges/fetch.js')
      vi.resetModules()
    }
  })
})
