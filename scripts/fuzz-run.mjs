// fuzz-run.mjs: what the fuzz runs share (scripts/fuzz.mjs, scripts/fuzz-ranges.mjs and
// test/proxy-protocol/fuzz.mjs): their whole-number flags (`--count`, `--seed`, and any other a run
// takes), read and checked once, and the seeded generator that makes a run repeatable, so that the
// same seed gives the same cases in every run.

import { parseArgs } from 'node:util'

/**
 * The whole-number flags of a run, read from the command line (unknown flags throw, as parseArgs
 * does with `strict`): each `--name N` given, else its `fallback`. A flag with `min` takes no smaller
 * number; one without takes any safe integer (a seed may be negative). A value that is not one
 * throws a TypeError naming the flag and the value, e.g. `invalid --count "x": expected a whole
 * number of at least 1`.
 *
 * @param {Record<string, { fallback: number, min?: number }>} flags in the order they are checked
 * @returns {Record<string, number>}
 * @example
 * const { count, seed } = wholeFlags({ count: { fallback: 2_000, min: 1 }, seed: { fallback: 0x5eed } })
 */
export function wholeFlags(flags) {
  const options = Object.fromEntries(Object.keys(flags).map((name) => [name, { type: 'string' }]))
  const { values } = parseArgs({ options, strict: true })
  return Object.fromEntries(Object.entries(flags).map(([name, { fallback, min }]) => {
    const text = values[name]
    const n = text === undefined ? fallback : Number(text)
    if (!Number.isSafeInteger(n) || n < (min ?? Number.NEGATIVE_INFINITY)) {
      const least = min !== undefined && min > 0 ? ` of at least ${min}` : ''
      throw new TypeError(`invalid --${name} ${JSON.stringify(text)}: expected a whole number${least}`)
    }
    return [name, n]
  }))
}

/**
 * mulberry32, a small seeded generator (its 32-bit state is `seed >>> 0`), with the two draws every
 * run makes of it: `int(n)`, a whole number below n, and `pick(list)`, one element of a list.
 *
 * @param {number} seed
 * @example
 * const { random, int, pick } = seeded(0x5eed)
 */
export function seeded(seed) {
  let state = seed >>> 0
  function random() {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(random() * n)
  const pick = (list) => list[int(list.length)]
  return { random, int, pick }
}
