// express.ts: Express's options, those of a predicate compiled without any. A module of its own so
// that Express's requests, which need only this, never load the options' checks (options.ts).

import type { ResolvedOptions } from './options.js'

/** Express's behaviour: the walk takes its exact, fast path when it sees this object. */
export const EXPRESS: ResolvedOptions = Object.freeze({
  source: 'x-forwarded-for',
  header: '',
  headerPort: false,
  ports: false,
  aligned: false,
  strict: false,
  normalize: false,
  extendedRanges: false,
  matchZones: false,
  trustSocketless: false,
  maxForwarded: 32,
  proofHeader: '',
  proofValues: Object.freeze([]),
  forwardedPort: false,
  forwardedPrefix: false,
  allowedHosts: null,
})
