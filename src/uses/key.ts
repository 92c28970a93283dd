// key.ts: one canonical key per client for rate limits and logs, from a resolved address: every
// spelling of an address gives the same key, IPv4 embedded in IPv6 gives the IPv4 key, and IPv6
// addresses are grouped by prefix, since one subscriber usually holds a whole /56 or /64.

import { formatAddress, Kind, parseAddress } from '../core/address.js'
import { describeValue } from '../core/options.js'

/** Options for `clientKey`. */
export interface ClientKeyOptions {
  /**
   * The IPv6 prefix length that counts as one client: addresses in the same /56 share a key. 128
   * keys each address on its own. RIPE-690 (IPv6 prefix assignment for end-users) recommends giving
   * each subscriber a /48 or a /56, so that a /64 or a single address lets one subscriber rotate
   * through many keys.
   * @default 56 (as express-rate-limit 8's `ipv6Subnet`)
   */
  readonly ipv6Prefix?: number | undefined
  /**
   * The IPv4 prefix length that counts as one client. 32 keys each address on its own.
   * @default 32
   */
  readonly ipv4Prefix?: number | undefined
}

/** The key of a request whose client address is unknown (`ip` undefined): RFC 7239's word for it. */
export const UNKNOWN_KEY = 'unknown'

const words = new Int32Array(4)

/**
 * A canonical key for the client address `ip` (a resolved `ip`), for rate limiters and logs:
 * - IPv4 as a dotted quad; with `ipv4Prefix` below 32, its network as `198.51.100.0/24`;
 * - IPv4-mapped IPv6 (`::ffff:198.51.100.7`, in any spelling) and the deprecated IPv4-compatible
 *   form written with a dotted quad (`::198.51.100.7`) as that IPv4 address (RFC 4291 section 2.5.5);
 * - other IPv6 as its /`ipv6Prefix` network, RFC 5952 text and the prefix (`2001:db8:1200::/56`),
 *   zone id dropped; with `ipv6Prefix` 128, the address alone;
 * - every spelling proxy-addr accepts as an address (`0177.0.0.1`, `2130706433`, upper-case IPv6)
 *   as the address it stands for;
 * - `undefined` as `'unknown'` (RFC 7239 section 6's word for a client that is not known), and any
 *   other text as it stands (only Express's compatible mode returns text that is no address).
 *
 * Never throws for any `ip`.
 *
 * @throws {TypeError} `invalid option ipv6Prefix: <value> (expected an integer from 0 to 128)`, and
 *   the same for `ipv4Prefix` (0 to 32); `unknown option: <name> (expected ipv6Prefix or ipv4Prefix)`;
 *   `invalid option options: <value> (expected an object)`.
 * @example
 * clientKey('2001:db8:12:3456::1') // '2001:db8:12:3400::/56'
 * clientKey('::ffff:198.51.100.7') // '198.51.100.7'
 * clientKey(resolveAddr(req, trust).ip, { ipv6Prefix: 64 })
 */
export function clientKey(ip: string | undefined, options: ClientKeyOptions = {}): string {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`invalid option options: ${describeValue(options)} (expected an object)`)
  }
  // a misspelt name (or express-rate-limit's `ipv6Subnet`) would leave the default in place unseen;
  // for...in allocates nothing, and the options object is most often empty
  for (const name in options) {
    if (name !== 'ipv6Prefix' && name !== 'ipv4Prefix') throw new TypeError(`unknown option: ${name} (expected ipv6Prefix or ipv4Prefix)`)
  }
  const ipv6Prefix = prefixOption('ipv6Prefix', options.ipv6Prefix, 56, 128)
  const ipv4Prefix = prefixOption('ipv4Prefix', options.ipv4Prefix, 32, 32)
  if (ip === undefined) return UNKNOWN_KEY
  // the RFC 4291 forms (with an embedded dotted quad too), then proxy-addr's other spellings
  let kind = parseAddress(ip, words, 0, -1, true)
  if (kind === Kind.Invalid) kind = parseAddress(ip, words, 0, -1, false)
  if (kind === Kind.Invalid) return ip
  // `::a.b.c.d`, IPv4-compatible (RFC 4291 section 2.5.5.1, deprecated): read as IPv4 only when
  // written with a dotted quad, since `::1` and `::` are in the same /96 and embed no IPv4 address
  if (kind === Kind.V6 && words[0] === 0 && words[1] === 0 && words[2] === 0 && ip.indexOf('.') !== -1) kind = Kind.V4
  if (kind === Kind.V6) {
    if (ipv6Prefix === 128) return formatAddress(Kind.V6, words, '')
    for (let w = 0; w < 4; w++) words[w] = (words[w] as number) & maskOf(ipv6Prefix - 32 * w)
    return `${formatAddress(Kind.V6, words, '')}/${ipv6Prefix}`
  }
  if (ipv4Prefix === 32) return formatAddress(Kind.V4, words, '')
  words[3] = (words[3] as number) & maskOf(ipv4Prefix)
  return `${formatAddress(Kind.V4, words, '')}/${ipv4Prefix}`
}

/** The 32-bit mask of a word with `bits` leading one bits (0 or less: none; 32 or more: all). */
function maskOf(bits: number): number {
  if (bits <= 0) return 0
  return bits >= 32 ? -1 : -1 << (32 - bits)
}

function prefixOption(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`invalid option ${name}: ${describeValue(value)} (expected an integer from 0 to ${max})`)
  }
  return value
}
