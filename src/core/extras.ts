// extras.ts: the forwarded fields beyond address, host and protocol: X-Forwarded-Port and
// X-Forwarded-Prefix (the `forwardedPort` and `forwardedPrefix` options), and the `allowedHosts`
// list a forwarded host must be in. Validated values only; a value that fails is ignored, never
// returned, and nothing here throws per request.

import { hexValue } from './address.js'
import { isValidHost } from './authority.js'
import { headerValue, type RequestLike } from './request.js'
import { entryFromRight } from './sources/xff.js'

/** The longest X-Forwarded-Prefix read, in characters: a path prefix longer than this is not a mount point. */
export const MAX_PREFIX = 1024

/** The longest allowed-host pattern: a domain name is at most 255 octets (RFC 1035 section 2.3.4), an IPv6 literal less. */
const MAX_PATTERN = 255

/**
 * A port as X-Forwarded-Port should carry it: `1`–`65535` in decimal, without sign, leading zero,
 * space or anything else; undefined otherwise.
 *
 * @example parsePort('443') // 443
 * @example parsePort('0443') // undefined
 */
export function parsePort(value: string): number | undefined {
  const length = value.length
  if (length < 1 || length > 5 || value.charCodeAt(0) === 0x30) return undefined /* 0 */
  let port = 0
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined /* 0-9 */
    port = port * 10 + c - 0x30
  }
  return port <= 65535 ? port : undefined
}

/**
 * Whether `value` is a path prefix safe to put in front of the application's own paths: RFC 3986's
 * path-absolute, narrowed.
 *
 *   path-absolute = "/" [ segment-nz *( "/" segment ) ] ; pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
 *
 * It starts with one `/` and never holds `//` (which a browser reads as a network-path reference to
 * another host, RFC 3986 section 4.2), so it has no scheme or authority; no segment is `.` or `..`,
 * written plainly or percent-encoded (`%2e`), so that it cannot climb out of the mount point; it
 * holds no query, fragment, backslash, space, control character, comma (the list separator) or
 * non-ASCII character; it is at most `MAX_PREFIX` characters. A trailing `/` is allowed.
 *
 * @example isValidPrefix('/shop') // true
 * @example isValidPrefix('/a/../b') // false
 */
export function isValidPrefix(value: string): boolean {
  const length = value.length
  if (length < 1 || length > MAX_PREFIX || value.charCodeAt(0) !== 0x2f) return false /* / */
  let segment = 1
  for (let i = 1; i <= length; i++) {
    const c = i === length ? 0x2f : value.charCodeAt(i)
    if (c === 0x2f) { /* / */
      // an empty segment is `//`, except the trailing slash itself
      if (i === segment && i !== length) return false
      if (isDotSegment(value, segment, i)) return false
      segment = i + 1
      continue
    }
    if (c === 0x25) { /* % */
      if (hexValue(value.charCodeAt(i + 1)) < 0 || hexValue(value.charCodeAt(i + 2)) < 0) return false
      i += 2
      continue
    }
    if (!isPathChar(c)) return false
  }
  return true
}

/** `.` or `..`, each dot written plainly or as `%2e` / `%2E`. */
function isDotSegment(value: string, start: number, end: number): boolean {
  let dots = 0
  let i = start
  while (i < end) {
    if (value.charCodeAt(i) === 0x2e) { /* . */
      i += 1
    } else if (value.charCodeAt(i) === 0x25 && value.charCodeAt(i + 1) === 0x32 && (value.charCodeAt(i + 2) | 0x20) === 0x65) { /* %2e */
      i += 3
    } else {
      return false
    }
    dots++
  }
  return dots === 1 || dots === 2
}

/** unreserved / sub-delims without "," / ":" / "@" */
function isPathChar(c: number): boolean {
  const lower = c | 0x20
  if ((lower >= 0x61 && lower <= 0x7a) || (c >= 0x30 && c <= 0x39)) return true /* a-z A-Z 0-9 */
  // - . _ ~ ! $ & ' ( ) * + ; = : @
  return c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e || c === 0x21 || c === 0x24 || (c >= 0x26 && c <= 0x2b) ||
    c === 0x3b || c === 0x3d || c === 0x3a || c === 0x40
}

/** The `allowedHosts` option compiled: exact names, and the suffixes of `*.` patterns (with their dot). */
export interface AllowedHosts {
  readonly exact: ReadonlySet<string>
  readonly suffixes: readonly string[]
}

/**
 * The `allowedHosts` option validated and compiled, as ASP.NET Core's `AllowedHosts` reads its list
 * (https://learn.microsoft.com/en-us/dotnet/api/microsoft.aspnetcore.builder.forwardedheadersoptions.allowedhosts):
 * host names without a port, compared case-insensitively; `*.shop.example` matches every name that
 * ends in `.shop.example` (`a.shop.example`, `a.b.shop.example`), not `shop.example` itself; IPv6
 * literals in brackets. Unlike ASP.NET, a lone `*` is refused (leave the option out to allow every
 * host) and names are ASCII (write an internationalised name in its punycode form, `xn--…`).
 * `describe` renders a value for the error message.
 *
 * @throws {TypeError} `invalid option allowedHosts: <value> (expected …)`, `invalid option allowedHosts[k]: <value> (…)`.
 * @example compileAllowedHosts(['shop.example', '*.shop.example'], String)
 */
export function compileAllowedHosts(given: unknown, describe: (value: unknown) => string): AllowedHosts {
  if (!Array.isArray(given) || given.length === 0) {
    throw new TypeError(`invalid option allowedHosts: ${describe(given)} (expected a non-empty list of host names such as ['shop.example', '*.shop.example'])`)
  }
  const exact = new Set<string>()
  const suffixes: string[] = []
  given.forEach((pattern: unknown, k) => {
    const fail = (why: string): never => {
      throw new TypeError(`invalid option allowedHosts[${k}]: ${describe(pattern)} (${why})`)
    }
    if (typeof pattern !== 'string' || pattern.length > MAX_PATTERN) return fail(`expected a host name of at most ${MAX_PATTERN} characters`)
    if (pattern === '*') fail('expected a host name: a lone * would allow every host, so leave allowedHosts out instead')
    const wildcard = pattern.startsWith('*.')
    const name = wildcard ? pattern.substring(2) : pattern
    // a port is not matched: Host names the same site on every port (ASP.NET Core's list excludes ports too)
    if (name.lastIndexOf(':') > name.lastIndexOf(']')) fail('expected a host name without a port: ports are not matched')
    if (!isValidHost(name) || (wildcard && name.charCodeAt(0) === 0x5b)) { /* [ */
      fail("expected a host name ('shop.example'), '*.' and a name ('*.shop.example'), or an IPv6 literal in brackets")
    }
    const lower = name.toLowerCase()
    if (wildcard) suffixes.push(`.${lower}`)
    else exact.add(lower)
  })
  return Object.freeze({ exact, suffixes: Object.freeze(suffixes) })
}

/**
 * Whether a forwarded host is in the list: a valid host (see `isValidHost`), whose name without its
 * port is one of the exact names or ends in one of the suffixes, case-insensitively.
 */
export function hostAllowed(allowed: AllowedHosts, host: string): boolean {
  if (!isValidHost(host)) return false
  const offset = host.charCodeAt(0) === 0x5b ? host.indexOf(']') + 1 : 0 /* [ */
  const colon = host.indexOf(':', offset)
  const name = (colon === -1 ? host : host.substring(0, colon)).toLowerCase()
  if (allowed.exact.has(name)) return true
  for (const suffix of allowed.suffixes) {
    if (name.length > suffix.length && name.endsWith(suffix)) return true
  }
  return false
}

/**
 * The X-Forwarded-Port or -Prefix text a trusted proxy wrote, or undefined: `aligned`, the value at
 * `hop` from the right (the same hop as host and protocol; none when the walk did not pass the
 * peer); otherwise (`hostAndProto: 'leftmost'`) the header when the peer is trusted and it holds one
 * value only, since with several the leftmost may be the client's own.
 */
export function forwardedText(req: RequestLike, name: string, aligned: boolean, hop: number, peerTrusted: boolean): string | undefined {
  if (aligned) return hop > 0 ? entryFromRight(headerValue(req.headers, name), hop) : undefined
  if (!peerTrusted) return undefined
  const value = headerValue(req.headers, name)
  return value === '' || value.indexOf(',') !== -1 ? undefined : value.trim()
}
