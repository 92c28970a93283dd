// providers.ts: the providers `proxy-trust ranges fetch` knows: each one's official URLs, the parser
// of its official format, and the checks a fetched list must pass before it is written.

import { parseRange, type Range } from '../core/address.js'
import type { RangeSnapshot } from '../core/ranges.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../core/snapshots.js'

/** A provider's subnets by family, in the order its list gives them. */
export interface Subnets {
  readonly v4: readonly string[]
  readonly v6: readonly string[]
}

/** What `ranges fetch` knows of one provider. */
export interface Provider {
  /** The name on the command line, and the range name the written file gives it. */
  readonly name: string
  /** The official URLs, in the order `parse` takes their bodies (and `--url` replaces them). */
  readonly urls: readonly string[]
  /** What each URL holds, for messages (`IPv4`, `IPv6`, `ip-ranges.json`). */
  readonly parts: readonly string[]
  /** The snapshot this package ships, which a fetched list is checked against. */
  readonly snapshot: RangeSnapshot
  /** Read the bodies of `urls`; throws an Error saying what is wrong with them. */
  readonly parse: (bodies: readonly string[]) => Subnets
}

/** Split subnets by family, each checked to be an address or subnet. */
function byFamily(entries: readonly string[], where: string): Subnets {
  const v4: string[] = []
  const v6: string[] = []
  for (const entry of entries) {
    let range: Range
    try {
      range = parseRange(entry, true)
    } catch (error) {
      throw new Error(`${where}: ${JSON.stringify(entry)} is not a subnet (${(error as Error).message})`)
    }
    const list = range.family === 4 ? v4 : v6
    if (!list.includes(entry)) list.push(entry)
  }
  return { v4, v6 }
}

/** One subnet per line, as Cloudflare's ips-v4 and ips-v6 are; blank lines are skipped. */
export function parseLines(body: string, family: 4 | 6, where: string): readonly string[] {
  const entries = body.split('\n').map((line) => line.trim()).filter((line) => line !== '')
  const { v4, v6 } = byFamily(entries, where)
  const wrong = family === 4 ? v6 : v4
  if (wrong.length > 0) throw new Error(`${where}: ${JSON.stringify(wrong[0])} is not an IPv${family} subnet`)
  return family === 4 ? v4 : v6
}

function parseJson(body: string, where: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch (error) {
    throw new Error(`${where}: not JSON (${(error as Error).message})`)
  }
}

function stringsOf(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw new Error(`${where}: expected a list of strings`)
  }
  return value as string[]
}

/** Fastly's public IP list: `{ "addresses": [IPv4…], "ipv6_addresses": [IPv6…] }`. */
export function parseFastly(body: string): Subnets {
  const json = parseJson(body, 'public-ip-list') as { addresses?: unknown; ipv6_addresses?: unknown } | null
  const v4 = parseLines(stringsOf(json?.addresses, 'addresses').join('\n'), 4, 'addresses')
  const v6 = parseLines(stringsOf(json?.ipv6_addresses, 'ipv6_addresses').join('\n'), 6, 'ipv6_addresses')
  return { v4, v6 }
}

/**
 * AWS's ip-ranges.json: IPv4 `prefixes` whose service is `CLOUDFRONT_ORIGIN_FACING` (the addresses
 * CloudFront connects to origins from), and IPv6 `ipv6_prefixes` whose service is `CLOUDFRONT` or
 * `CLOUDFRONT_ORIGIN_FACING` (AWS lists few IPv6 prefixes as origin-facing; CloudFront reaches IPv6
 * origins from its own IPv6 space). Format: https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html
 */
export function parseCloudFront(body: string): Subnets {
  const json = parseJson(body, 'ip-ranges.json') as { prefixes?: unknown; ipv6_prefixes?: unknown } | null
  const records = (value: unknown, where: string): Record<string, unknown>[] => {
    if (!Array.isArray(value)) throw new Error(`ip-ranges.json: expected a list in ${where}`)
    return value.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
  }
  const v4 = records(json?.prefixes, 'prefixes')
    .filter((entry) => entry.service === 'CLOUDFRONT_ORIGIN_FACING')
    .map((entry) => String(entry.ip_prefix))
  const v6 = records(json?.ipv6_prefixes, 'ipv6_prefixes')
    .filter((entry) => entry.service === 'CLOUDFRONT' || entry.service === 'CLOUDFRONT_ORIGIN_FACING')
    .map((entry) => String(entry.ipv6_prefix))
  return { v4: parseLines(v4.join('\n'), 4, 'prefixes'), v6: parseLines(v6.join('\n'), 6, 'ipv6_prefixes') }
}

/** The row of Google's firewall-rules page that lists the global external Application Load Balancer's ranges. */
const GOOGLE_ROW = '| Global external Application Load Balancer |'

/**
 * Google's load-balancing firewall rules page, as Markdown: the subnets in the row of the global
 * external Application Load Balancer (health check ranges, and the GFE proxy ranges, which are the
 * same for instance group and zonal NEG backends).
 */
export function parseGoogleLoadBalancers(body: string): Subnets {
  const row = body.split('\n').find((line) => line.startsWith(GOOGLE_ROW))
  if (row === undefined) throw new Error(`firewall rules page: no row starting ${JSON.stringify(GOOGLE_ROW)}`)
  const found = row.match(/[0-9A-Fa-f:.]+\/[0-9]{1,3}/g) ?? []
  return byFamily(found, 'firewall rules page')
}

/** The providers, in `ranges list` order. */
export const PROVIDERS: readonly Provider[] = [
  {
    name: 'cloudflare',
    urls: ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6'],
    parts: ['IPv4', 'IPv6'],
    snapshot: cloudflare,
    parse: ([v4 = '', v6 = '']) => ({ v4: parseLines(v4, 4, 'ips-v4'), v6: parseLines(v6, 6, 'ips-v6') }),
  },
  {
    name: 'fastly',
    urls: ['https://api.fastly.com/public-ip-list'],
    parts: ['public-ip-list'],
    snapshot: fastly,
    parse: ([body = '']) => parseFastly(body),
  },
  {
    name: 'cloudfront',
    urls: ['https://ip-ranges.amazonaws.com/ip-ranges.json'],
    parts: ['ip-ranges.json'],
    snapshot: cloudfront,
    parse: ([body = '']) => parseCloudFront(body),
  },
  {
    name: 'google-lb',
    urls: ['https://docs.cloud.google.com/load-balancing/docs/firewall-rules.md.txt'],
    parts: ['firewall rules page'],
    snapshot: googleLoadBalancers,
    parse: ([body = '']) => parseGoogleLoadBalancers(body),
  },
]

/**
 * Ranges no public provider's list may hold: RFC 6890's special-purpose blocks that a proxy on the
 * internet cannot connect from (this host, private, shared, loopback, link-local, multicast,
 * reserved; unspecified, loopback, unique local, link-local, multicast).
 */
const SPECIAL = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', 'ff00::/8',
].map((note) => ({ note, range: parseRange(note) as Subnet }))

/** A range that holds addresses: IPv4 or IPv6. */
type Subnet = Exclude<Range, { readonly family: 0 }>

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

/** Fetched lists may shrink to half or grow to twice the snapshot's size; beyond that, something is wrong. */
export const CHANGE_BOUND = 2

/**
 * Check a fetched list before it is written: at least one subnet, no /0, nothing special-purpose
 * (private, loopback, …), and a size within `CHANGE_BOUND` of `previous`. Returns the problem, or
 * undefined when there is none.
 */
export function checkSubnets(subnets: Subnets, previous: Subnets): string | undefined {
  const all = [...subnets.v4, ...subnets.v6]
  if (all.length === 0) return 'the list is empty'
  for (const entry of all) {
    const range = parseRange(entry, true)
    // proxy-addr 2.0.8 matches nothing with a mapped subnet shorter than /96
    if (range.family === 0) return `${entry} matches no address`
    if (range.prefix === 0) return `${entry} is a whole address family`
    const special = SPECIAL.find((known) => overlaps(range, known.range))
    if (special !== undefined) return `${entry} overlaps ${special.note}, which no public proxy connects from`
  }
  const before = previous.v4.length + previous.v6.length
  if (all.length * CHANGE_BOUND < before || all.length > before * CHANGE_BOUND) {
    return `${all.length} subnets against ${before} before, beyond a factor of ${CHANGE_BOUND}: check the list at its source`
  }
  return undefined
}
