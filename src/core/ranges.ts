// ranges.ts: user-defined range names (the `ranges` option), validated once at compile time into
// the ranges and labels a setting's names expand to, with the provider snapshots a setting uses.

import { parseRange, type Range } from './address.js'
import { describeValue } from './options.js'
import { liveOf, type LiveCell } from '../ranges/live.js'
import { listProblem } from '../ranges/validate.js'

/**
 * A provider's published address list as retrieved on one day, from `proxy-trust/ranges` or
 * written by `proxy-trust ranges fetch`.
 */
export interface RangeSnapshot {
  /** The provider, as `proxy-trust ranges list` names it (`cloudflare`). */
  readonly name: string
  /** Where the list was read: the provider's official URL (or URLs, space-separated). */
  readonly source: string
  /** The day the list was retrieved, `YYYY-MM-DD` (UTC). */
  readonly retrieved: string
  /** IPv4 subnets. */
  readonly v4: readonly string[]
  /** IPv6 subnets. */
  readonly v6: readonly string[]
}

/** What a range name stands for: addresses and subnets, or a provider snapshot. */
export type RangeValue = readonly string[] | RangeSnapshot

/** The `ranges` option: range names (lower-case tokens) and what each stands for. */
export type RangeNames = Readonly<Record<string, RangeValue>>

/** A provider snapshot a setting uses, through the range name it was given. */
export interface SnapshotUse {
  /** The range name in the setting (`cdn` in `ranges: { cdn: cloudflare }`). */
  readonly name: string
  /** The provider (`cloudflare`). */
  readonly provider: string
  readonly source: string
  readonly retrieved: string
}

/** A range name compiled once: its ranges, the labels explanations show, and its snapshot. */
export interface NamedRange {
  readonly ranges: readonly Range[]
  readonly labels: readonly string[]
  readonly snapshot: SnapshotUse | undefined
  /**
   * For a list `watchRanges` keeps current: its cell, and the name compiled again from the list in
   * force (after a swap; the list was validated before it was swapped in).
   */
  readonly live?: { readonly cell: LiveCell; readonly current: () => NamedRange }
}

/** The names built into every setting (Express's three) and those `extendedRanges` adds. */
export const BUILT_IN_NAMES: ReadonlySet<string> = new Set(['loopback', 'linklocal', 'uniquelocal', 'private', 'cgnat'])

/** A range name: a lower-case token, as the built-in names are. */
const NAME = /^[a-z][a-z0-9_-]*$/

/** A calendar day, `YYYY-MM-DD`. */
const DAY = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/

function fail(what: string, value: unknown, expected: string): never {
  throw new TypeError(`invalid ${what}: ${describeValue(value)} (expected ${expected})`)
}

/** Whether `text` is a calendar day as YYYY-MM-DD: the pattern, and a day the month has (no 2025-02-31). */
function isDay(text: string): boolean {
  if (!DAY.test(text)) return false
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text)
}

/** Whether a value has the shape of a snapshot (rather than a list of entries). */
function isSnapshot(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Validate the `ranges` option and compile each name. Names are lower-case tokens that may not
 * shadow a built-in name; each value is a non-empty list of addresses and subnets, or a snapshot
 * whose `v4` holds IPv4 subnets and `v6` IPv6 ones.
 *
 * @throws {TypeError} `invalid option ranges: …`, `invalid range name: …`, `invalid range <name>: …`,
 *   `invalid range <name> entry: …` (with the address error: `invalid IP address: …`).
 */
export function compileRanges(ranges: unknown, strict: boolean): ReadonlyMap<string, NamedRange> | undefined {
  if (ranges === undefined) return undefined
  if (!isSnapshot(ranges)) fail('option ranges', ranges, 'an object of range names')
  const compiled = new Map<string, NamedRange>()
  for (const [name, value] of Object.entries(ranges)) {
    if (!NAME.test(name)) fail('range name', name, 'a lower-case token: a-z, then a-z, 0-9, - or _')
    if (BUILT_IN_NAMES.has(name)) fail('range name', name, 'a name that is not built in')
    compiled.set(name, compileValue(name, value, strict))
  }
  return compiled
}

function compileValue(name: string, value: unknown, strict: boolean): NamedRange {
  if (Array.isArray(value)) {
    if (value.length === 0) fail(`range ${name}`, value, 'addresses and subnets, or a snapshot')
    return { ...compileEntries(name, value, strict, 0), snapshot: undefined }
  }
  if (!isSnapshot(value)) fail(`range ${name}`, value, 'addresses and subnets, or a snapshot')
  const cell = liveOf(value)
  if (cell !== undefined) return liveNamed(name, cell, strict)
  const { name: provider, source, retrieved, v4, v6 } = value
  if (typeof provider !== 'string' || !NAME.test(provider.toLowerCase())) fail(`range ${name} name`, provider, 'the provider\'s name')
  if (typeof source !== 'string' || source === '') fail(`range ${name} source`, source, 'the URL the list came from')
  if (typeof retrieved !== 'string' || !isDay(retrieved)) fail(`range ${name} retrieved`, retrieved, 'a day as YYYY-MM-DD')
  if (!Array.isArray(v4)) fail(`range ${name} v4`, v4, 'a list of IPv4 subnets')
  if (!Array.isArray(v6)) fail(`range ${name} v6`, v6, 'a list of IPv6 subnets')
  if (v4.length + v6.length === 0) fail(`range ${name}`, value, 'a snapshot with at least one subnet')
  const four = compileEntries(name, v4, strict, 4)
  const six = compileEntries(name, v6, strict, 6)
  // a provider's list, wherever it came from, passes the one check (too wide, special-purpose)
  const problem = listProblem({ v4: v4 as string[], v6: v6 as string[] })
  if (problem !== undefined) throw new TypeError(`invalid range ${name}: ${problem} (a provider's list never holds it; check the list at its source)`)
  return {
    ranges: [...four.ranges, ...six.ranges],
    labels: [...four.labels, ...six.labels],
    snapshot: { name, provider, source, retrieved },
  }
}

/** The ranges of a list of entries; `family` 4 or 6 requires that family, 0 takes either. */
function compileEntries(name: string, entries: readonly unknown[], strict: boolean, family: 0 | 4 | 6): Omit<NamedRange, 'snapshot'> {
  const ranges: Range[] = []
  const labels: string[] = []
  for (const entry of entries) {
    if (typeof entry !== 'string') fail(`range ${name} entry`, entry, 'an address or subnet')
    let range: Range
    try {
      range = parseRange(entry, strict)
    } catch (error) {
      throw new TypeError(`invalid range ${name} entry: ${describeValue(entry)} (${(error as Error).message})`)
    }
    if (family !== 0 && range.family !== family) fail(`range ${name} entry`, entry, `an IPv${family} subnet in v${family}`)
    ranges.push(range)
    labels.push(`${name} (${entry})`)
  }
  return { ranges, labels }
}

/**
 * A watched list under `name`: compiled from the list in force now and again after each swap, with a
 * snapshot use whose source and day are read when asked (so that ages and RANGES_STALE are live).
 */
function liveNamed(name: string, cell: LiveCell, strict: boolean): NamedRange {
  const snapshot: SnapshotUse = {
    name,
    provider: cell.snapshot.name,
    get source() { return cell.snapshot.source },
    get retrieved() { return cell.snapshot.retrieved },
  }
  const current = (): NamedRange => ({ ...compileValue(name, { ...cell.snapshot }, strict), snapshot, live: { cell, current } })
  return current()
}
