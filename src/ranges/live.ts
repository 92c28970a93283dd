// live.ts: a provider list that changes while predicates compiled from it keep answering: the cell
// `watchRanges` swaps a validated list into, and that the predicates compiled with it subscribe to,
// so that a swap rebuilds each one's table once (never per request) and replaces it in one
// assignment, which no request can observe halfway: a walk runs synchronously, between swaps.

import type { RangeSnapshot } from '../core/ranges.js'

/**
 * The property under which a watched value carries its cell. A registered symbol: the core bundle
 * and `proxy-trust/ranges` each load this module, and the symbol, not the module instance, is what
 * ties a value `watchRanges` made to the cell the core subscribes to.
 */
export const LIVE: unique symbol = Symbol.for('proxy-trust.live-range-list')

/** A list that can change: its current snapshot, and the tables built from it. */
export class LiveCell {
  #snapshot: RangeSnapshot
  // weak: a predicate no longer used is collected with its table, the cell keeps no table alive
  readonly #subscribers = new Set<WeakRef<() => void>>()

  constructor(snapshot: RangeSnapshot) {
    this.#snapshot = snapshot
  }

  /** The list in force. */
  get snapshot(): RangeSnapshot {
    return this.#snapshot
  }

  /** Call `rebuild` after each swap, for as long as something else holds `rebuild`. */
  subscribe(rebuild: () => void): void {
    this.#subscribers.add(new WeakRef(rebuild))
  }

  /** Put `snapshot` in force (already validated), and rebuild every table built from the cell. */
  swap(snapshot: RangeSnapshot): void {
    this.#snapshot = snapshot
    for (const ref of this.#subscribers) {
      const rebuild = ref.deref()
      if (rebuild === undefined) this.#subscribers.delete(ref)
      else rebuild()
    }
  }
}

/** The cell a value of the `ranges` option carries, when `watchRanges` made it. */
export function liveOf(value: object): LiveCell | undefined {
  return (value as { readonly [LIVE]?: LiveCell })[LIVE]
}

/**
 * The value `watchRanges` gives for a provider: a snapshot whose fields read the cell's current list,
 * so that it passes the `ranges` option's checks as any snapshot does, and carries its cell.
 */
export function liveValue(cell: LiveCell): RangeSnapshot {
  const value = {
    get name() { return cell.snapshot.name },
    get source() { return cell.snapshot.source },
    get retrieved() { return cell.snapshot.retrieved },
    get v4() { return cell.snapshot.v4 },
    get v6() { return cell.snapshot.v6 },
  }
  Object.defineProperty(value, LIVE, { value: cell })
  return value
}
