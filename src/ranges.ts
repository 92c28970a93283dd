// ranges.ts: the `proxy-trust/ranges` entry: provider snapshots to pass as the `ranges` option,
// and `loadRanges` for the file `proxy-trust ranges fetch` writes.

export { cloudflare, fastly, cloudfront, googleLoadBalancers } from './core/snapshots.js'
export { loadRanges } from './core/ranges-file.js'
export type { RangeNames, RangeSnapshot, RangeValue } from './core/ranges.js'
