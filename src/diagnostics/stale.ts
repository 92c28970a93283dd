// stale.ts: how old the provider snapshots a setting uses are, and the RANGES_STALE warning when
// one is older than a provider's list stays right.

import { compiledOf, type TrustFn } from '../core/compile.js'
import type { SnapshotUse } from '../core/ranges.js'
import type { Warning } from './explain.js'

/** A provider snapshot the setting uses, with its age. */
export interface SnapshotAge extends SnapshotUse {
  /** Whole days from the retrieval day to now (UTC). */
  readonly days: number
}

/**
 * How many days old a snapshot may be before RANGES_STALE: half a year without a refresh means a
 * list that may trust addresses the provider has since given up, or miss new ones.
 */
export const STALE_DAYS = 180

const DAY_MS = 86_400_000

/** The provider snapshots a predicate's setting uses; none for a function compileTrust did not build. */
export function snapshotsOf(trust: TrustFn): readonly SnapshotUse[] {
  return compiledOf(trust)?.snapshots ?? []
}

/** The snapshots with their ages at `now` (milliseconds since the epoch). */
export function snapshotAges(snapshots: readonly SnapshotUse[], now: number): SnapshotAge[] {
  return snapshots.map((snapshot) => ({
    ...snapshot,
    days: Math.floor((now - Date.parse(`${snapshot.retrieved}T00:00:00Z`)) / DAY_MS),
  }))
}

/**
 * A snapshot's age in words: `101 days ago`, `1 day ago`, `today`, or, for a day still to come
 * (the file's date or this machine's clock is wrong), `in 3 days, a day still to come`.
 */
export function ageText(days: number): string {
  if (days < 0) return `in ${-days} ${days === -1 ? 'day' : 'days'}, a day still to come`
  if (days === 0) return 'today'
  return `${days} ${days === 1 ? 'day' : 'days'} ago`
}

/**
 * RANGES_STALE for each snapshot older than `STALE_DAYS`, and for each dated after today: its age
 * is unknown, so it cannot be vouched for (a file dated 2999-12-31 would otherwise never go stale).
 */
export function staleRanges(ages: readonly SnapshotAge[]): Warning[] {
  return ages.filter((age) => age.days > STALE_DAYS || age.days < 0).map((age) => ({
    code: 'RANGES_STALE',
    message: age.days < 0
      ? `range ${age.name} is a ${age.provider} snapshot dated ${age.retrieved}, ${ageText(age.days)}: its age is unknown (the file's date or this machine's clock is wrong)`
      : `range ${age.name} is a ${age.provider} snapshot retrieved ${age.retrieved}, ${age.days} days ago (more than ${STALE_DAYS})`,
    fix: `refresh it: proxy-trust ranges fetch ${age.provider} --out ranges.json, and load the file with loadRanges or --ranges`,
  }))
}
