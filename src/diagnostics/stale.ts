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

/** RANGES_STALE for each snapshot older than `STALE_DAYS`. */
export function staleRanges(ages: readonly SnapshotAge[]): Warning[] {
  return ages.filter((age) => age.days > STALE_DAYS).map((age) => ({
    code: 'RANGES_STALE',
    message: `range ${age.name} is a ${age.provider} snapshot retrieved ${age.retrieved}, ${age.days} days ago (more than ${STALE_DAYS})`,
    fix: `refresh it: proxy-trust ranges fetch ${age.provider} --out ranges.json, and load the file with loadRanges or --ranges`,
  }))
}
