// ranges-file.ts: `loadRanges(file)`, reading the JSON file of range names that
// `proxy-trust ranges fetch` writes (or one written by hand), validated as the `ranges` option is.

import { readFileSync } from 'node:fs'
import { compileRanges, type RangeNames } from './ranges.js'

/**
 * Read a JSON file of range names: an object whose keys are range names and whose values are
 * lists of addresses and subnets or provider snapshots, as `proxy-trust ranges fetch --out FILE`
 * writes it. Validates it as `compileTrust` validates the `ranges` option, so that a bad file
 * fails at start-up, not later.
 *
 * @throws {TypeError} `invalid ranges file <file>: <why>` (unreadable, not JSON, or a bad range).
 * @example
 * const trust = compileTrust('loopback, cloudflare', { ranges: loadRanges('ranges.json') })
 */
export function loadRanges(file: string | URL): RangeNames {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown
    compileRanges(value, false)
  } catch (error) {
    throw new TypeError(`invalid ranges file ${String(file)}: ${(error as Error).message}`)
  }
  return value as RangeNames
}
