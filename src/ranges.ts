// ranges.ts: the `proxy-trust/ranges` entry: provider snapshots to pass as the `ranges` option,
// `loadRanges` for the file `proxy-trust ranges fetch` writes, `watchRanges` to keep lists current
// in a running process, and the bounds every provider list is checked against.

export { cloudflare, fastly, cloudfront, googleLoadBalancers } from './core/snapshots.js'
export { loadRanges } from './ranges/file.js'
export { watchRanges, WatchedRanges, type WatchOptions, type WatchEvents, type UpdateEvent, type ErrorEvent, type StaleEvent } from './ranges/watch.js'
export { CHANGE_BOUND, WIDEST } from './ranges/validate.js'
export { MAX_BODY_BYTES, FETCH_TIMEOUT_MS } from './ranges/fetch.js'
export type { RangeNames, RangeSnapshot, RangeValue } from './core/ranges.js'
