// compile.ts: trust settings into trust predicates, with Express's `trust proxy` semantics and
// proxy-addr 2.0.8's errors. Everything a setting implies is worked out here, once; the predicates
// only parse and compare numbers.

import { buildTable, holdsAddress, Kind, matchingLabel, parseAddress, parseRange, zoneOf, type Range, type RangeTable } from './address.js'
import { shareProtocol } from './copies.js'
import { EXPRESS } from './express.js'
import { describeValue, resolveOptions, type ResolvedOptions, type TrustOptions } from './options.js'
import { compileRanges, type NamedRange, type SnapshotUse } from './ranges.js'
import type { LiveCell } from '../ranges/live.js'

/**
 * A trust predicate: is the address at hop `i` (0 is the socket peer, 1 the rightmost
 * X-Forwarded-For entry, and so on) a proxy whose word is trusted? `addr` is `undefined` when the
 * socket has no address.
 */
export type TrustFn = (addr: string | undefined, i: number) => boolean

/** Every value Express's `trust proxy` setting accepts. */
export type TrustSetting = TrustFn | boolean | number | string | readonly string[] | null | undefined

/**
 * The shape of a predicate built here, so that a walk can answer without calling it or cutting
 * strings. Custom functions have no shape and are called exactly as Express calls them.
 */
export type Shape =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'table'; readonly table: RangeTable; readonly strict: boolean }

/** What `compileTrust` knows of a predicate it built. */
export interface Compiled {
  /** How to answer without calling the predicate; undefined for a custom function. */
  readonly shape: Shape | undefined
  /** The custom function a predicate wraps (itself otherwise): the one the walk calls. */
  readonly call: TrustFn
  readonly options: ResolvedOptions
  /** The provider snapshots the setting's range names stand for, in the setting's order (none when absent). */
  readonly snapshots?: readonly SnapshotUse[]
  /** For a setting that names a watched list: what rebuilds its table after a swap (kept alive here). */
  readonly rebuild?: () => void
}

/**
 * Where a predicate built here keeps what is known of it: a property of the function itself, under a
 * symbol private to this copy of the package, so that looking it up per request is one property load.
 * Functions from elsewhere (custom predicates, another install or version of this package) have none;
 * those from another copy carry that copy's protocol instead (see copies.ts), which the entries of
 * `resolveAddr`, `proxyaddr` and `explain` delegate to.
 */
const COMPILED: unique symbol = Symbol('proxy-trust compiled predicate')

type Marked = TrustFn & { readonly [COMPILED]?: Compiled }

/** What this module knows of a predicate, or undefined for a function it did not build. */
export function compiledOf(trust: TrustFn): Compiled | undefined {
  return (trust as Marked)[COMPILED]
}

function mark(trust: TrustFn, compiled: Compiled): TrustFn {
  Object.defineProperty(trust, COMPILED, { value: compiled })
  shareProtocol(trust)
  return trust
}

function withShape(trust: TrustFn, shape: Shape, snapshots: readonly SnapshotUse[] = []): TrustFn {
  return mark(trust, { shape, call: trust, options: EXPRESS, snapshots })
}

/** Trusts every address (`true`). */
export const trustAll: TrustFn = withShape(() => true, { kind: 'all' })

/** Trusts nothing (`false`, `[]`). */
export const trustNone: TrustFn = withShape(() => false, { kind: 'none' })

/**
 * The named ranges, as proxy-addr 2.0.8 defines them.
 * loopback: RFC 1122 section 3.2.1.3 and RFC 4291 section 2.5.3; linklocal: RFC 3927 and RFC 4291
 * section 2.5.6; uniquelocal: RFC 1918 and RFC 4193.
 */
const NAMED_RANGES: ReadonlyMap<string, readonly string[]> = new Map([
  ['linklocal', ['169.254.0.0/16', 'fe80::/10']],
  ['loopback', ['127.0.0.1/8', '::1/128']],
  ['uniquelocal', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
])

/**
 * Names that `extendedRanges: true` adds. private: the three above together; cgnat: RFC 6598 shared
 * address space, which carrier-grade NAT and some cloud load balancers use.
 */
const EXTENDED_RANGES: ReadonlyMap<string, readonly string[]> = new Map([
  ['private', [...NAMED_RANGES.values()].flat()],
  ['cgnat', ['100.64.0.0/10']],
])

function parseAll(names: ReadonlyMap<string, readonly string[]>): Map<string, NamedRange> {
  return new Map([...names].map(([name, notes]) => [name, {
    ranges: notes.map((note) => parseRange(note)),
    labels: notes.map((note) => `${name} (${note})`),
    snapshot: undefined,
  }]))
}

// parsed by the first compile, not when the module loads: `require` pays nothing for them
let namedRanges: Map<string, NamedRange> | undefined
let extendedRanges: Map<string, NamedRange> | undefined

/** The range names a setting may use: Express's three, and with `extendedRanges` the others too. */
function rangeNames(extended: boolean): Map<string, NamedRange> {
  namedRanges ??= parseAll(NAMED_RANGES)
  if (!extended) return namedRanges
  return (extendedRanges ??= new Map([...namedRanges, ...parseAll(EXTENDED_RANGES)]))
}

const scratch = new Int32Array(4)

function trustTable(table: RangeTable, strict: boolean, snapshots: readonly SnapshotUse[]): TrustFn {
  if (table.v4.length === 0 && table.v6.length === 0) return trustNone
  return withShape(
    (addr) => holdsAddress(table, addr, 0, -1, strict, scratch),
    { kind: 'table', table, strict },
    snapshots,
  )
}

/**
 * The text of an entry that proxy-addr 2.0.8 parses as an address or subnet: a string, or a `String`
 * object, which its `parseipNotation` reads through the same `lastIndexOf`, `substring` and ipaddr.js
 * calls as the string it holds. Undefined for anything else.
 */
function entryText(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry
  if (typeof entry !== 'object' || entry === null) return undefined
  try {
    // the brand check: only a String object (from any realm) has a [[StringData]] to give
    return String.prototype.valueOf.call(entry)
  } catch {
    return undefined
  }
}

/**
 * The key proxy-addr 2.0.8 looks a range name up by: `hasOwnProperty` converts any entry to a property
 * key, so `['loopback']` (a nested array) and an object whose `toString()` says `loopback` name the
 * range too. Undefined for a value that cannot be converted (`Object.create(null)`; proxy-addr throws).
 */
function nameOf(entry: unknown): string | undefined {
  try {
    return String(entry)
  } catch {
    return undefined
  }
}

/**
 * proxy-addr's `compile(val)`: a string (one entry; no comma splitting) or an array of entries, each
 * an IP address, a CIDR or netmask subnet, or a range name, into a predicate. As in proxy-addr, a
 * `String` object is read as its string, and any entry whose string form is a range name (a nested
 * array `['loopback']`) names that range.
 *
 * @throws {TypeError} `argument is required`, `unsupported trust argument`,
 *   `invalid IP address: <value>`, `invalid range on address: <value>`.
 */
export function compileList(val: unknown, options: ResolvedOptions = EXPRESS, user?: ReadonlyMap<string, NamedRange>): TrustFn {
  if (!val) throw new TypeError('argument is required')
  let entries: readonly unknown[]
  if (typeof val === 'string') {
    entries = [val]
  } else if (Array.isArray(val)) {
    entries = val
  } else {
    throw new TypeError('unsupported trust argument')
  }

  const names = rangeNames(options.extendedRanges)
  const { ranges, labels, snapshots, cells } = collect(entries, names, user, options)
  if (cells.length === 0) return trustTable(buildTable(ranges, labels, options.matchZones), options.strict, snapshots)
  return trustLive(() => collect(entries, names, user, options), options, snapshots)
}

/** The ranges and labels of a setting's entries, the snapshots they use, and whether one is watched. */
function collect(entries: readonly unknown[], names: ReadonlyMap<string, NamedRange>, user: ReadonlyMap<string, NamedRange> | undefined, options: ResolvedOptions): {
  ranges: Range[]; labels: string[]; snapshots: SnapshotUse[]; cells: LiveCell[]
} {
  const ranges: Range[] = []
  const labels: string[] = []
  const snapshots: SnapshotUse[] = []
  const cells: LiveCell[] = []
  for (const entry of entries) {
    const text = entryText(entry)
    const key = text ?? nameOf(entry)
    const found = key === undefined ? undefined : user?.get(key) ?? names.get(key)
    // a watched list is read as it is in force now (at compile time, and again after each swap)
    if (found?.live !== undefined) cells.push(found.live.cell)
    const named = found?.live === undefined ? found : found.live.current()
    if (named) {
      for (let k = 0; k < named.ranges.length; k++) {
        ranges.push(named.ranges[k] as Range)
        labels.push(named.labels[k] as string)
      }
      if (named.snapshot !== undefined && !snapshots.includes(named.snapshot)) snapshots.push(named.snapshot)
    } else if (text === undefined) {
      throw new TypeError('invalid IP address: ' + describeValue(entry))
    } else {
      ranges.push(parseRange(text, options.strict))
      labels.push(text)
    }
  }
  return { ranges, labels, snapshots, cells }
}

/**
 * A table predicate over a setting that names a watched list: the same shape and the same per-request
 * code as a static table, reading the table from its shape, whose `table` each swap replaces by one
 * assignment (built before it, outside any request). A walk reads the shape synchronously, so a
 * request sees the table before a swap or after it, never a mix.
 */
function trustLive(build: () => ReturnType<typeof collect>, options: ResolvedOptions, snapshots: readonly SnapshotUse[]): TrustFn {
  const first = build()
  const shape: { kind: 'table'; table: RangeTable; strict: boolean } = { kind: 'table', table: buildTable(first.ranges, first.labels, options.matchZones), strict: options.strict }
  const rebuild = (): void => {
    const now = build()
    shape.table = buildTable(now.ranges, now.labels, options.matchZones)
  }
  for (const cell of new Set(first.cells)) cell.subscribe(rebuild)
  const trust: TrustFn = (addr) => holdsAddress(shape.table, addr, 0, -1, shape.strict, scratch)
  // the record holds `rebuild`, which the cells hold only weakly: it lives as long as the predicate
  return mark(trust, { shape, call: trust, options: EXPRESS, snapshots, rebuild })
}

/**
 * Compile an Express `trust proxy` setting into a trust predicate, exactly as Express 4 and 5 do.
 *
 * - a function: returned as it is;
 * - `true`: trust every hop (the leftmost X-Forwarded-For entry becomes the client address);
 * - a number `n`: trust the first `n` hops (`(addr, i) => i < n`);
 * - a string: comma-separated entries, each trimmed;
 * - an array of entries: IP addresses, subnets (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`) and the names
 *   `loopback`, `linklocal`, `uniquelocal`;
 * - `false`, `null`, `undefined`: trust nothing.
 *
 * `options` opt into behaviour beyond Express (see `TrustOptions`); `resolveAddr` and this package's
 * `proxyaddr` read them from the predicate. Without options the answers are Express's.
 *
 * @throws {TypeError} proxy-addr's messages, naming the offending value:
 *   `invalid IP address: <value>`, `invalid range on address: <value>`, `unsupported trust argument`;
 *   and for options `invalid option <name>: <value> (expected …)`, `unknown option: <name>`.
 * @example
 * const trust = compileTrust('loopback, 10.0.0.0/8')
 * trust('10.1.2.3', 1) // true
 */
export function compileTrust(setting: TrustSetting, options?: TrustOptions): TrustFn {
  const resolved = resolveOptions(options)
  const user = compileRanges(options?.ranges, resolved.strict)
  const base = compileSetting(setting, resolved, user)
  if (resolved === EXPRESS) return base
  return withOptions(base, resolved)
}

function compileSetting(setting: TrustSetting, options: ResolvedOptions, user: ReadonlyMap<string, NamedRange> | undefined): TrustFn {
  if (typeof setting === 'function') return setting
  if (setting === true) return trustAll
  if (typeof setting === 'number') {
    const hops = setting
    return withShape((_addr, i) => i < hops, { kind: 'hops', hops })
  }
  if (typeof setting === 'string') return compileList(setting.split(',').map((entry) => entry.trim()), options, user)
  return compileList(setting || [], options, user)
}

/**
 * A new predicate that carries `options`, so that the same setting compiled with and without options
 * never shares one. It does not trust a missing peer address for `trustSocketless` by itself: asked
 * `trust(undefined, 0)` (as Express's `protocol` and `host` getters ask), it cannot tell a unix
 * socket from a TCP client that has hung up; the walks, which see the socket, decide that.
 */
function withOptions(base: TrustFn, options: ResolvedOptions): TrustFn {
  const known = compiledOf(base)
  const call = known ? known.call : base
  const trust: TrustFn = (addr, i) => call(addr, i)
  return mark(trust, { shape: known?.shape, call, options, snapshots: known?.snapshots ?? [] })
}

/** Whether `addr` at hop `i` is trusted, answered from the shape when there is one. */
export function isTrusted(trust: TrustFn, shape: Shape | undefined, addr: string | undefined, i: number): boolean {
  if (shape === undefined) return trust(addr, i)
  return holds(shape, i, addr, 0, -1)
}

/**
 * Whether a shaped predicate holds for hop `i`, whose address is `s.slice(start, end)` (`end` -1:
 * to the end of `s`), without cutting the string.
 */
export function holds(shape: Shape, i: number, s: string | undefined, start: number, end: number): boolean {
  switch (shape.kind) {
    case 'all':
      return true
    case 'none':
      return false
    case 'hops':
      return i < shape.hops
    case 'table':
      return holdsAddress(shape.table, s, start, end, shape.strict, scratch)
  }
}

/** Why a predicate answered as it did for hop `i`: the rule that decided, in words. */
export interface Reason {
  readonly trusted: boolean
  /** `trust all`, `trust nothing`, `hop 1 < 2`, `loopback (127.0.0.1/8)`, `10.0.0.0/8`, `no range matched`, `not an IP address`, `custom function`. */
  readonly rule: string
}

/** Ask `trust` about `addr` at hop `i` and say which rule decided. */
export function reasonFor(trust: TrustFn, addr: string | undefined, i: number): Reason {
  const compiled = compiledOf(trust)
  const shape = compiled?.shape
  if (shape === undefined) return { trusted: Boolean(trust(addr, i)), rule: 'custom function' }
  switch (shape.kind) {
    case 'all':
      return { trusted: true, rule: 'trust all' }
    case 'none':
      return { trusted: false, rule: 'trust nothing' }
    case 'hops':
      return i < shape.hops
        ? { trusted: true, rule: `hop ${i} < ${shape.hops}` }
        : { trusted: false, rule: `hop ${i} >= ${shape.hops}` }
    case 'table': {
      const kind = parseAddress(addr, scratch, 0, -1, shape.strict)
      if (kind === Kind.Invalid) return { trusted: false, rule: 'not an IP address' }
      const zone = kind === Kind.V6 && shape.table.v6Zones !== undefined ? zoneOf(addr as string, 0, (addr as string).length) : ''
      const label = matchingLabel(shape.table, kind, scratch, zone)
      return label === undefined ? { trusted: false, rule: 'no range matched' } : { trusted: true, rule: label }
    }
  }
}
