// entry.test.ts: what the `proxy-trust/ranges` entry gives, from its source.

import { describe, expect, it } from 'vitest'
import * as entry from '../../src/ranges.js'

describe('proxy-trust/ranges', () => {
  it('exports the snapshots, loadRanges, watchRanges and the bounds of a provider list', () => {
    expect(Object.keys(entry).sort()).toEqual(['CHANGE_BOUND', 'FETCH_TIMEOUT_MS', 'MAX_BODY_BYTES', 'WIDEST', 'WatchedRanges', 'cloudflare', 'cloudfront', 'fastly', 'googleLoadBalancers', 'loadRanges', 'watchRanges'])
    expect([entry.CHANGE_BOUND, entry.WIDEST, entry.MAX_BODY_BYTES, entry.FETCH_TIMEOUT_MS]).toEqual([2, { 4: 8, 6: 16 }, 16 * 1024 * 1024, 30_000])
  })
})
