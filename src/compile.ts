// compile.ts: trust settings into trust predicates, with Express's `trust proxy` semantics and
// proxy-addr 2.0.8's errors. Everything a setting implies is worked out here, once; the predicates
// only parse and compare numbers.

import { buildTable, inTable, parseAddress, parseRange, type Range, type RangeTable } from './address.js'

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
  | { readonly kind: 'table'; readonly table: RangeTable }

const shapes = new WeakMap<TrustFn, Shape>()

/** The shape of a predicate built by this module, or undefined for any other function. */
export function shapeOf(trust: TrustFn): Shape | undefined {
  return shapes.get(trust)
}

function withShape(trust: TrustFn, shape: Shape): TrustFn {
  shapes.set(trust, shape)
  return trust
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

const namedRanges = new Map<string, readonly Range[]>()
for (const [name, notes] of NAMED_RANGES) namedRanges.set(name, notes.map(parseRange))

const scratch = new Int32Array(4)

function trustTable(table: RangeTable): TrustFn {
  if (table.v4.length === 0 && table.v6.length === 0) return trustNone
  return withShape(
    (addr) => inTable(table, parseAddress(addr, scratch), scratch),
    { kind: 'table', table },
  )
}

/** A readable rendering of a value that is not a string, for error messages. */
function describe(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/**
 * proxy-addr's `compile(val)`: a string (one entry; no comma splitting) or an array of entries, each
 * an IP address, a CIDR or netmask subnet, or a range name, into a predicate.
 *
 * @throws {TypeError} `argument is required`, `unsupported trust argument`,
 *   `invalid IP address: <value>`, `invalid range on address: <value>`.
 */
export function compileList(val: unknown): TrustFn {
  if (!val) throw new TypeError('argument is required')
  let entries: readonly unknown[]
  if (typeof val === 'string') {
    entries = [val]
  } else if (Array.isArray(val)) {
    entries = val
  } else {
    throw new TypeError('unsupported trust argument')
  }

  const ranges: Range[] = []
  for (const entry of entries) {
    if (typeof entry !== 'string') throw new TypeError('invalid IP address: ' + describe(entry))
    const named = namedRanges.get(entry)
    if (named) ranges.push(...named)
    else ranges.push(parseRange(entry))
  }
  return trustTable(buildTable(ranges))
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
 * @throws {TypeError} proxy-addr's messages, naming the offending value:
 *   `invalid IP address: <value>`, `invalid range on address: <value>`, `unsupported trust argument`.
 * @example
 * const trust = compileTrust('loopback, 10.0.0.0/8')
 * trust('10.1.2.3', 1) // true
 */
export function compileTrust(setting: TrustSetting): TrustFn {
  if (typeof setting === 'function') return setting
  if (setting === true) return trustAll
  if (typeof setting === 'number') {
    const hops = setting
    return withShape((_addr, i) => i < hops, { kind: 'hops', hops })
  }
  if (typeof setting === 'string') return compileList(setting.split(',').map((entry) => entry.trim()))
  return compileList(setting || [])
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
      return inTable(shape.table, parseAddress(s, scratch, start, end), scratch)
  }
}

