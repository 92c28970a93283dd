// fuzz-run.test.ts: what the fuzz runs share (scripts/fuzz-run.mjs): their whole-number flags, read and
// checked with the errors each run prints, and the seeded generator that makes a run repeatable.

import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module of the scripts, without declarations
import { seeded, wholeFlags } from '../../scripts/fuzz-run.mjs'

const FLAGS = { count: { fallback: 2_000, min: 1 }, seed: { fallback: 0x5eed } }
const argv = process.argv

/** wholeFlags(FLAGS) as a run started with `args` reads them. */
function flagsOf(args: readonly string[]): Record<string, number> {
  process.argv = [argv[0] as string, 'fuzz.mjs', ...args]
  return (wholeFlags as (flags: typeof FLAGS) => Record<string, number>)(FLAGS)
}

afterEach(() => {
  process.argv = argv
})

describe('wholeFlags', () => {
  it.each([
    { name: 'the fallbacks when no flag is given', args: [], expected: { count: 2_000, seed: 0x5eed } },
    { name: 'each flag given, in either spelling', args: ['--count', '7', '--seed=-3'], expected: { count: 7, seed: -3 } },
    { name: 'the least count allowed', args: ['--count', '1'], expected: { count: 1, seed: 0x5eed } },
  ])('$name', ({ args, expected }) => {
    expect(flagsOf(args)).toEqual(expected)
  })

  it.each([
    { name: 'error: a count below its least', args: ['--count', '0'], message: 'invalid --count "0": expected a whole number of at least 1' },
    { name: 'error: a count that is not a number', args: ['--count', 'x'], message: 'invalid --count "x": expected a whole number of at least 1' },
    { name: 'error: a fraction', args: ['--count', '1.5'], message: 'invalid --count "1.5": expected a whole number of at least 1' },
    { name: 'error: a seed beyond the safe integers', args: ['--seed', '1e300'], message: 'invalid --seed "1e300": expected a whole number' },
  ])('$name', ({ args, message }) => {
    expect(() => flagsOf(args)).toThrow(new TypeError(message))
  })

  it('error: an unknown flag is refused, as parseArgs refuses it', () => {
    expect(() => flagsOf(['--bogus', '1'])).toThrow("Unknown option '--bogus'")
  })
})

describe('seeded', () => {
  type Generator = { random: () => number, int: (n: number) => number, pick: <T>(list: readonly T[]) => T }
  const make = seeded as (seed: number) => Generator

  it('gives the same draws for the same seed, and other draws for another', () => {
    const draws = (seed: number) => { const g = make(seed); return Array.from({ length: 20 }, () => g.random()) }
    expect(draws(42)).toEqual(draws(42))
    expect(draws(42)).not.toEqual(draws(43))
  })

  it('draws numbers in [0, 1), whole numbers below n, and elements of the list', () => {
    const g = make(7)
    const list = ['a', 'b', 'c'] as const
    for (let k = 0; k < 10_000; k++) {
      const r = g.random()
      expect(r >= 0 && r < 1).toBe(true)
      const n = g.int(5)
      expect(Number.isInteger(n) && n >= 0 && n < 5).toBe(true)
      expect(list).toContain(g.pick(list))
    }
  })
})
