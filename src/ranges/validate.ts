// validate.ts: the one check every provider list passes, whatever its origin (a shipped snapshot,
// `ranges fetch`, a `loadRanges` file, a `watchRanges` refresh): no range wider than a provider
// publishes, nothing special-purpose, and a size within a bound of the list it replaces.

import { parseRange, type Range } from '../core/address.js'
import { visible } from '../diagnostics/escape.js'

/** A provider's subnets by family, in the order its list gives them. */
export interface Subnets {
  readonly v4: readonly string[]
  readonly v6: readonly string[]
}

/**
 * The widest subnet a provider list may hold, by family. No CDN or load balancer publishes an IPv4
 * block wider than a /8 (a whole former class A, the unit IANA allocated to registries:
 * https://www.iana.org/assignments/ipv4-address-space; the widest in the shipped snapshots is
 * Cloudflare's /13) or an IPv6 block wider than a /16 (IANA allocates /12 blocks to the regional
 * registries, https://www.iana.org/assignments/ipv6-unicast-address-assignments, and networks get
 * far smaller ones; the widest in the shipped snapshots is a /29). A wider entry trusts whole
 * swathes of the internet, so that any client there picks its own address: `2000::/3` is every
 * global IPv6 address.
 */
export const WIDEST = { 4: 8, 6: 16 } as const

/**
 * Ranges no public provider's list may hold: IANA's special-purpose registries (RFC 6890,
 * https://www.iana.org/assignments/iana-ipv4-special-registry and iana-ipv6-special-registry) for
 * the blocks a proxy on the internet cannot connect from, and the translation and tunnelling
 * prefixes, behind which any IPv4 (or tunnelled) client would be trusted. The documentation blocks
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are left out: they route nowhere,
 * so trusting them trusts no one, and examples and tests use them. Of the IPv6 registry
 * (https://www.iana.org/assignments/iana-ipv6-special-registry) the table holds every block it marks
 * not globally reachable but the documentation ones, among them benchmarking 2001:2::/48 (RFC 5180,
 * IPv6's 198.18.0.0/15), the dummy prefix 100:0:0:1::/64 (RFC 9780) and the SRv6 segment
 * identifiers 5f00::/16 (RFC 9602: identifiers a segment-routing domain keeps inside itself).
 */
const SPECIAL: readonly { readonly note: string; readonly why: string }[] = [
  { note: '0.0.0.0/8', why: '"this network", RFC 791' },
  { note: '10.0.0.0/8', why: 'private, RFC 1918' },
  { note: '100.64.0.0/10', why: 'shared address space, RFC 6598' },
  { note: '127.0.0.0/8', why: 'loopback, RFC 1122' },
  { note: '169.254.0.0/16', why: 'link-local, RFC 3927' },
  { note: '172.16.0.0/12', why: 'private, RFC 1918' },
  { note: '192.0.0.0/24', why: 'IETF protocol assignments, RFC 6890' },
  { note: '192.88.99.0/24', why: '6to4 relay anycast, RFC 7526' },
  { note: '192.168.0.0/16', why: 'private, RFC 1918' },
  { note: '198.18.0.0/15', why: 'benchmarking, RFC 2544' },
  { note: '224.0.0.0/4', why: 'multicast, RFC 5771' },
  { note: '240.0.0.0/4', why: 'reserved, RFC 1112' },
  { note: '::/128', why: 'unspecified, RFC 4291' },
  { note: '::1/128', why: 'loopback, RFC 4291' },
  { note: '64:ff9b::/96', why: 'IPv4/IPv6 translation, RFC 6052' },
  { note: '64:ff9b:1::/48', why: 'local-use IPv4/IPv6 translation, RFC 8215' },
  { note: '100::/64', why: 'discard-only, RFC 6666' },
  { note: '100:0:0:1::/64', why: 'dummy prefix, RFC 9780' },
  { note: '2001::/32', why: 'Teredo, RFC 4380' },
  { note: '2001:2::/48', why: 'benchmarking, RFC 5180' },
  { note: '2001:10::/28', why: 'ORCHID, RFC 4843' },
  { note: '2001:20::/28', why: 'ORCHIDv2, RFC 7343' },
  { note: '2002::/16', why: '6to4, RFC 3056' },
  { note: '5f00::/16', why: 'SRv6 segment identifiers, RFC 9602' },
  { note: 'fc00::/7', why: 'unique local, RFC 4193' },
  { note: 'fe80::/10', why: 'link-local, RFC 4291' },
  { note: 'ff00::/8', why: 'multicast, RFC 4291' },
]

/** A range that holds addresses: IPv4 or IPv6. */
type Subnet = Exclude<Range, { readonly family: 0 }>

// (the IPv4-mapped block, ::ffff:0:0/96, is refused apart: parseRange stores a mapped subnet as IPv4)
const SPECIAL_RANGES = SPECIAL.map(({ note, why }) => ({ note, why, range: parseRange(note) as Subnet }))

/** Whether two subnets share any address (never across families). */
function overlaps(a: Subnet, b: Subnet): boolean {
  const prefix = Math.min(a.prefix, b.prefix)
  if (a.family === 4 && b.family === 4) return prefix === 0 || (a.network ^ b.network) >>> (32 - prefix) === 0
  if (a.family === 6 && b.family === 6) {
    for (let word = 0; word < 4 && prefix > word * 32; word++) {
      const bits = Math.min(32, prefix - word * 32)
      if ((((a.network[word] as number) ^ (b.network[word] as number)) >>> (32 - bits)) !== 0) return false
    }
    return true
  }
  return false
}

/**
 * What is wrong with one entry of a provider list, or undefined: not a subnet, a mapped subnet that
 * matches nothing, wider than `WIDEST`, or overlapping a special-purpose block.
 */
export function entryProblem(entry: string): string | undefined {
  let range: Range
  try {
    range = parseRange(entry, true)
  } catch (error) {
    return `${visible(JSON.stringify(entry))} is not a subnet (${visible((error as Error).message)})`
  }
  // proxy-addr 2.0.8 matches nothing with a mapped subnet shorter than /96
  if (range.family === 0) return `${entry} matches no address`
  // a mapped subnet (::ffff:a.b.c.d/n, n >= 96) was stored as IPv4: it is the mapped block
  if (range.family === 4 && entry.includes(':')) return `${entry} overlaps ::ffff:0:0/96 (IPv4-mapped, RFC 4291), which no public proxy connects from`
  if (range.prefix < WIDEST[range.family]) {
    return `${entry} is wider than a provider publishes (IPv${range.family} subnets must be /${WIDEST[range.family]} or longer)`
  }
  const special = SPECIAL_RANGES.find((known) => overlaps(range, known.range))
  if (special !== undefined) return `${entry} overlaps ${special.note} (${special.why}), which no public proxy connects from`
  return undefined
}

/**
 * The one check of a provider list's entries: at least one subnet, each of its family, and none with
 * an `entryProblem`. Returns the first problem, or undefined. Linear in the list's length.
 */
export function listProblem(subnets: Subnets): string | undefined {
  if (subnets.v4.length + subnets.v6.length === 0) return 'the list is empty'
  for (const [family, entries] of [[4, subnets.v4], [6, subnets.v6]] as const) {
    for (const entry of entries) {
      const problem = entryProblem(entry)
      if (problem !== undefined) return problem
      if (parseRange(entry, true).family !== family) return `${entry} is not an IPv${family} subnet`
    }
  }
  return undefined
}

/** A list may shrink to half or grow to twice the size of the list it replaces; beyond, something is wrong. */
export const CHANGE_BOUND = 2

/** What changed between two lists of one provider. */
export interface ListChange {
  /** Subnets in the new list and not the old, in the new list's order. */
  readonly added: readonly string[]
  /** Subnets in the old list and not the new, in the old list's order. */
  readonly removed: readonly string[]
  /** The new size and the old. */
  readonly size: number
  readonly before: number
  /** Whether the size changed by more than `CHANGE_BOUND`, which only an explicit acceptance lets through. */
  readonly beyond: boolean
}

/** The change from `previous` to `next`; linear (sets, not nested scans). */
export function changeOf(previous: Subnets, next: Subnets): ListChange {
  const old = [...previous.v4, ...previous.v6]
  const now = [...next.v4, ...next.v6]
  const had = new Set(old)
  const has = new Set(now)
  const size = has.size
  const before = had.size
  return {
    added: now.filter((entry) => !had.has(entry)),
    removed: old.filter((entry) => !has.has(entry)),
    size,
    before,
    beyond: size * CHANGE_BOUND < before || size > before * CHANGE_BOUND,
  }
}

/** The change as an operator reads it: sizes, then each added and removed subnet on its own line. */
export function describeChange(change: ListChange): string {
  const lines = [`${change.size} subnets against ${change.before} before (${change.added.length} added, ${change.removed.length} removed)`]
  for (const entry of change.added) lines.push(`  + ${entry}`)
  for (const entry of change.removed) lines.push(`  - ${entry}`)
  return lines.join('\n')
}
