// providers.ts: the providers `ranges fetch` and `watchRanges` know: each one's official URLs and
// the parser of its official format. Every parser is linear in the body's length (no regular
// expression that can backtrack, no nested scan); what a list may hold is validate.ts's to say.
// A body is the provider server's text: what a message quotes of it is escaped (`visible`),
// so that a listener that logs `error.message` logs no control the server chose.

import { parseRange, type Range } from '../core/address.js'
import { visible } from '../diagnostics/escape.js'
import type { RangeSnapshot } from '../core/ranges.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../core/snapshots.js'
import type { Subnets } from './validate.js'

export type { Subnets } from './validate.js'

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

/** Split subnets by family, each checked to be an address or subnet, duplicates dropped (a set: linear). */
function byFamily(entries: readonly string[], where: string): Subnets {
  const v4: string[] = []
  const v6: string[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    if (seen.has(entry)) continue
    seen.add(entry)
    let range: Range
    try {
      range = parseRange(entry, true)
    } catch (error) {
      throw new Error(`${where}: ${visible(JSON.stringify(entry))} is not a subnet (${visible((error as Error).message)})`)
    }
    ;(range.family === 4 ? v4 : v6).push(entry)
  }
  return { v4, v6 }
}

/** One subnet per line, as Cloudflare's ips-v4 and ips-v6 are; blank lines are skipped. */
export function parseLines(body: string, family: 4 | 6, where: string): readonly string[] {
  const entries = body.split('\n').map((line) => line.trim()).filter((line) => line !== '')
  const { v4, v6 } = byFamily(entries, where)
  const wrong = family === 4 ? v6 : v4
  if (wrong.length > 0) throw new Error(`${where}: ${visible(JSON.stringify(wrong[0]))} is not an IPv${family} subnet`)
  return family === 4 ? v4 : v6
}

function parseJson(body: string, where: string): unknown {
  try {
    return JSON.parse(body) as unknown
  } catch (error) {
    // V8's message quotes the text around the error
    throw new Error(`${where}: not JSON (${visible((error as Error).message)})`)
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

/** Whether a character code may be part of a subnet written in a page: hex digits, `.`, `:` and `/`. */
function subnetChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x3a) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) || c === 0x2e || c === 0x2f /* 0-9 : A-F a-f . / */
}

/** A whole run that is a subnet: anchored at both ends, and with no nested repetition, so linear. */
const PREFIX = /^[0-9A-Fa-f:.]+\/[0-9]{1,3}$/

/**
 * The words of `text` written as subnets (`130.211.0.0/22`, `2600:2d00:1:b029::/64`): runs of subnet
 * characters, each taken whole when it is an address, a slash and one to three digits. One pass over
 * the text, then an anchored test of each run, so the time is linear in the text's length (an
 * unanchored global pattern restarts at every character of a long run, which is quadratic).
 */
export function subnetsIn(text: string): string[] {
  const found: string[] = []
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && subnetChar(text.charCodeAt(i))) {
      if (start === -1) start = i
      continue
    }
    if (start !== -1) {
      const word = text.substring(start, i)
      if (PREFIX.test(word)) found.push(word)
      start = -1
    }
  }
  return found
}

/**
 * Google's load-balancing firewall rules page, as Markdown: the subnets in the row of the global
 * external Application Load Balancer (health check ranges, and the GFE proxy ranges, which are the
 * same for instance group and zonal NEG backends).
 */
export function parseGoogleLoadBalancers(body: string): Subnets {
  const row = body.split('\n').find((line) => line.startsWith(GOOGLE_ROW))
  if (row === undefined) throw new Error(`firewall rules page: no row starting ${JSON.stringify(GOOGLE_ROW)}`)
  return byFamily(subnetsIn(row), 'firewall rules page')
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

/** The edit distance between two short names (Levenshtein), for suggestions. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, k) => k)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let k = 1; k <= b.length; k++) {
      next.push(Math.min((row[k] as number) + 1, (next[k - 1] as number) + 1, (row[k - 1] as number) + (a[i - 1] === b[k - 1] ? 0 : 1)))
    }
    row = next
  }
  return row[b.length] as number
}

/**
 * The provider named `name`, or a UsageError-ready message: `unknown provider "cloudfare": did you
 * mean cloudflare? expected …` when one provider's name is within two edits of it.
 */
export function providerNamed(name: string): Provider | string {
  const provider = PROVIDERS.find((known) => known.name === name)
  if (provider !== undefined) return provider
  const expected = PROVIDERS.map((known) => known.name).join(', ')
  // the distance costs the argument's length times a provider name's (at most ten): linear
  const near = PROVIDERS.find((known) => distance(name.toLowerCase(), known.name) <= 2)
  const hint = near === undefined ? '' : ` did you mean ${near.name}?`
  return `unknown provider ${JSON.stringify(name)}:${hint} expected ${expected}`
}
