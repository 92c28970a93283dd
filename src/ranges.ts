// ranges.ts: the `proxy-trust/ranges` entry: provider snapshots to pass as the `ranges` option,
// `loadRanges` for the file `proxy-trust ranges fetch` writes, and the provider-list check.

export { cloudflare, fastly, cloudfront, googleLoadBalancers } from './core/snapshots.js'
export { loadRanges } from './ranges/file.js'
export { CHANGE_BOUND, WIDEST } from './ranges/validate.js'
export type { RangeNames, RangeSnapshot, RangeValue } from './core/ranges.js'
