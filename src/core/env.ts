// env.ts: `settingFromEnv`: the text of an environment variable (TRUST_PROXY=…) read as the trust
// setting it was meant to give Express, so that `'1'` is a hop count rather than the address
// 0.0.0.1 and `'true'` is not a range name.

import { parseRange } from './address.js'
import type { TrustSetting } from './compile.js'
import { describeValue } from './options.js'
import { compileRanges, type RangeNames, type RangeSnapshot } from './ranges.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from './snapshots.js'

/** Express's range names, which compile without options. */
const EXPRESS_NAMES: readonly string[] = ['loopback', 'linklocal', 'uniquelocal']

/** The providers whose shipped snapshots a name in the value stands for, expanded to their subnets. */
export const PROVIDER_SNAPSHOTS: ReadonlyMap<string, RangeSnapshot> = new Map([
  ['cloudflare', cloudflare], ['fastly', fastly], ['cloudfront', cloudfront], ['google-lb', googleLoadBalancers],
])

/** A hop count as written: a whole number without sign or leading zeros. */
const COUNT = /^(0|[1-9][0-9]{0,8})$/

/** What the value may hold, for its errors. */
const EXPECTED = 'true, false, a hop count such as 1, or addresses, subnets and range names, comma-separated or as a JSON array'

/** Options of `settingFromEnv`. */
export interface SettingFromEnvOptions {
  /**
   * Range names of your own, as `compileTrust`'s `ranges` option takes them: the value may name
   * them, and they are kept as names (compile the setting with the same `ranges`).
   * @default undefined (Express's names and the provider names only)
   */
  readonly ranges?: RangeNames | undefined
}

/**
 * The trust setting an environment variable's text was meant to give Express (`app.set('trust
 * proxy', settingFromEnv(process.env.TRUST_PROXY))`):
 * - unset, empty or blank: `false`;
 * - `true` or `false` (any case): that boolean;
 * - a whole number (`1`): a hop count, never an address;
 * - entries separated by commas, or a JSON array of strings: IP addresses and subnets, written in
 *   full (IPv4 as four decimal numbers: `1` or `10/8` in a list is refused, where proxy-addr would
 *   read 0.0.0.1 and 0.0.0.0/8), Express's range names (`loopback`, `linklocal`, `uniquelocal`), the names
 *   of `options.ranges` (kept as names), and the provider names `cloudflare`, `fastly`, `cloudfront`
 *   and `google-lb` (expanded to their shipped snapshot's subnets, so that Express itself can compile
 *   them). One entry is returned as a string, several as an array.
 * Anything else is refused. Its warnings come from `lintSetting`, as for any setting.
 *
 * @throws {TypeError} `invalid <name>: <value> (expected true, false, a hop count such as 1, or
 *   addresses, subnets and range names, comma-separated or as a JSON array: <why>)`.
 * @example
 * settingFromEnv('1') // 1
 * settingFromEnv('loopback, 10.0.0.0/8') // ['loopback', '10.0.0.0/8']
 * settingFromEnv(process.env.TRUST_PROXY, 'TRUST_PROXY')
 */
export function settingFromEnv(value: string | undefined, name = 'TRUST_PROXY', options: SettingFromEnvOptions = {}): TrustSetting {
  const fail = (why: string): never => {
    throw new TypeError(`invalid ${name}: ${describeValue(value)} (expected ${EXPECTED}: ${why})`)
  }
  if (value === undefined) return false
  if (typeof value !== 'string') fail('not a string')
  const text = value.trim()
  if (text === '') return false
  const lower = text.toLowerCase()
  if (lower === 'true') return true
  if (lower === 'false') return false
  if (COUNT.test(text)) return Number(text)
  // digits alone are a count, never an address (ipaddr.js would read 2130706433 as 127.0.0.1)
  if (/^[0-9]+$/.test(text)) fail('a hop count is written without leading zeros and is below 1000000000')
  const own = new Set((compileRanges(options.ranges, false) ?? new Map()).keys())
  const entries = text.startsWith('[') ? jsonEntries(text, fail) : text.split(',').map((entry) => entry.trim())
  if (entries.length === 0) return false
  const setting: string[] = []
  for (const entry of entries) {
    if (entry === '') fail('an empty entry')
    const snapshot = own.has(entry) ? undefined : PROVIDER_SNAPSHOTS.get(entry)
    if (snapshot !== undefined) {
      setting.push(...snapshot.v4, ...snapshot.v6)
    } else if (own.has(entry) || EXPRESS_NAMES.includes(entry) || isRange(entry, true)) {
      setting.push(entry)
    } else if (isRange(entry, false)) {
      fail(`${JSON.stringify(entry)} is not an address written in full: ${SPELLINGS}`)
    } else {
      const names = [...EXPRESS_NAMES, ...PROVIDER_SNAPSHOTS.keys(), ...own].join(', ')
      fail(`${JSON.stringify(entry)} is not an address, a subnet or a range name (${names})`)
    }
  }
  return setting.length === 1 ? setting[0] as string : setting
}

/** The entries of a JSON array of strings. */
function jsonEntries(text: string, fail: (why: string) => never): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return fail('not valid JSON')
  }
  if (!Array.isArray(parsed) || parsed.some((entry) => typeof entry !== 'string')) fail('a JSON array must hold only strings')
  return (parsed as string[]).map((entry) => entry.trim())
}

/**
 * Why an address must be written in full: proxy-addr (through ipaddr.js) reads other spellings as
 * other addresses, silently. Shared with the platforms' subnet options.
 */
export const SPELLINGS = 'write IPv4 as four decimal numbers, such as 10.0.0.0/8 (ipaddr.js reads 1 as 0.0.0.1, 10/8 as 0.0.0.0/8 and 2130706433 as 127.0.0.1)'

/**
 * Whether an entry is an address or subnet: written in full (`strict`: canonical dotted quads and
 * RFC 4291 IPv6), or in any spelling proxy-addr would read.
 */
export function isRange(entry: string, strict: boolean): boolean {
  try {
    parseRange(entry, strict)
    return true
  } catch {
    return false
  }
}
