// warnings.ts: the warning rules, written once for the three places that give them: lintSetting (a
// setting alone), explain (one request, in full) and createMonitor (live traffic, only what cannot
// be a false alarm). Each rule states a claim its inputs make true.

import { formatAddress, Kind, parseAddress, parseRange, type Range } from '../core/address.js'
import { compileTrust, type Shape, type TrustFn, type TrustSetting } from '../core/compile.js'
import type { ResolvedOptions } from '../core/options.js'
import { headerValue, type RequestLike } from '../core/request.js'
import { quoted } from './escape.js'

/** The stable identifiers of the warnings `lintSetting`, `explain` and `createMonitor` give. */
export type WarningCode =
  /** The setting is `true`: every hop is trusted, so a client can choose its own ip. */
  | 'TRUST_ALL'
  /** The setting is `true` and the request carries forwarding headers: the client picks its own ip. */
  | 'TRUST_ALL_WITH_HEADERS'
  /** The request carries forwarded addresses, but the socket peer is not trusted: they are ignored. */
  | 'UNTRUSTED_PEER_WITH_HEADERS'
  /** X-Forwarded-Host or -Proto came from an untrusted peer: ignored. */
  | 'HOST_PROTO_FROM_UNTRUSTED'
  /** The setting is a hop count, which is right only while every chain has that length. */
  | 'HOP_COUNT'
  /** The socket has no peer address and is not trusted (a unix socket, a closed connection, a test shim). */
  | 'PEER_WITHOUT_ADDRESS'
  /** A hop the walk reached is not an IP address. */
  | 'ENTRY_NOT_AN_ADDRESS'
  /** An X-Forwarded-Proto value from a trusted peer is not exactly `http` or `https`. */
  | 'PROTO_NOT_HTTP'
  /** The request carries a forwarding header that the configured source does not read, and not the source's own. */
  | 'UNREAD_FORWARDING_HEADER'
  /** The request carries both `Forwarded` and `X-Forwarded-For`: only one is read, whichever the source. */
  | 'FORWARDED_AND_X_FORWARDED_FOR'
  /** Aligned host or protocol fell back to the socket's although forwarded values were present. */
  | 'ALIGNED_FALLBACK'
  /** A malformed Forwarded element ended the walk. */
  | 'FORWARDED_MALFORMED'
  /** The walk ended at `maxForwarded` Forwarded elements. */
  | 'FORWARDED_LIMIT'
  /** A setting entry is an address in an unusual spelling (`'1'` is 0.0.0.1, `0177.0.0.1` is 127.0.0.1). */
  | 'SETTING_ODD_ADDRESS'
  /** A setting subnet has host bits set (`10.0.0.1/8` means 10.0.0.0/8). */
  | 'SETTING_HOST_BITS'
  /** A setting subnet of prefix 0 (`0.0.0.0/0`, `::/0`): every address of its family is trusted, as with `true`. */
  | 'SETTING_WHOLE_FAMILY'
  /** A provider snapshot the setting uses was retrieved more than 180 days ago. */
  | 'RANGES_STALE'
  /** A forwarded host from a trusted proxy is not in `allowedHosts`: host is the request's own. */
  | 'HOST_NOT_ALLOWED'
  /** An X-Forwarded-Port or -Prefix value from a trusted proxy is not valid: port or prefix is undefined. */
  | 'FORWARDED_VALUE_INVALID'

/** Something in a setting or a request that is probably not what was meant. */
export interface Warning {
  readonly code: WarningCode
  /** What is wrong, in one line. */
  readonly message: string
  /** What to do about it, in one line. */
  readonly fix: string
}

const scratch = new Int32Array(4)
const strictScratch = new Int32Array(4)

/** The display name of a header. */
const DISPLAY: Readonly<Record<string, string>> = {
  'x-forwarded-for': 'X-Forwarded-For',
  'forwarded': 'Forwarded',
  'x-forwarded-host': 'X-Forwarded-Host',
  'x-forwarded-proto': 'X-Forwarded-Proto',
  'x-forwarded-port': 'X-Forwarded-Port',
  'x-forwarded-prefix': 'X-Forwarded-Prefix',
}

/** A header's name as people write it (`X-Forwarded-For`); other names as given. */
export function display(name: string): string {
  return DISPLAY[name] ?? name
}

/**
 * A value for messages: quoted, with every control, bidirectional code point, quote and backslash
 * escaped (`quoted` in escape.ts), so that a message that reaches a log or a terminal is driven by
 * nothing a client wrote; or `no address`.
 */
export function shown(text: string | undefined): string {
  return text === undefined ? 'no address' : quoted(text)
}

/** The socket peer, for messages. */
function peerName(peer: string | undefined): string {
  return peer === undefined || peer === '' ? 'the peer without an address' : `the peer ${quoted(peer)}`
}

/** The loopback, link-local, unique-local and shared (RFC 6598) ranges: where a forgotten proxy lives. */
const localPeer: TrustFn = compileTrust('private, cgnat', { extendedRanges: true })

/** Whether `peer` is an address in none of the local ranges (a client on the internet, or a CDN). */
export function isPublicPeer(peer: string | undefined): boolean {
  return parseAddress(peer, scratch) !== Kind.Invalid && !localPeer(peer, 0)
}

/** Whether `peer` is a loopback, link-local, unique-local or RFC 6598 address. */
export function isLocalPeer(peer: string | undefined): boolean {
  return localPeer(peer, 0)
}

// ---------------------------------------------------------------------------------------------------
// The rules. Each returns its warning; the callers decide when it applies.

export function trustAll(): Warning {
  return {
    code: 'TRUST_ALL',
    message: 'trust is true: every hop is trusted, so whoever sends X-Forwarded-For, -Host or -Proto chooses its own ip, host and protocol',
    fix: TRUST_ALL_FIX,
  }
}

const TRUST_ALL_FIX = "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach"

/** `sent`: the headers the request carries, by name. `peer`: named when the check is live (a public peer). */
export function trustAllWithHeaders(sent: readonly string[], peer?: string): Warning {
  const from = peer === undefined ? 'the request carries' : `${peerName(peer)}, a public address, sent`
  return {
    code: 'TRUST_ALL_WITH_HEADERS',
    message: `trust is true and ${from} ${sent.map(display).join(', ')}: the client wrote the leftmost values, so it chooses its own ip, host and protocol`,
    fix: TRUST_ALL_FIX,
  }
}

const HOP_COUNT_FIX = 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length'

/**
 * A hop count, as Express reads it (`i < n`). `note`: what a request adds (the walk reached its
 * leftmost entry; a public peer sent headers).
 */
export function hopCount(n: number, note = ''): Warning {
  if (!(n > 0)) {
    return {
      code: 'HOP_COUNT',
      message: `trust is the hop count ${n}, which Express reads as i < ${n}: no hop is trusted, as with false`,
      fix: 'Write false to trust nothing, or the number of proxies in front of the app',
    }
  }
  if (n === Infinity) {
    return {
      code: 'HOP_COUNT',
      message: `trust is the hop count ${n}, which Express reads as i < ${n}: every hop is trusted, as with true${note}`,
      fix: HOP_COUNT_FIX,
    }
  }
  const reading = Number.isInteger(n) ? '' : `, which Express reads as i < ${n}: the first ${Math.ceil(n)} hops are trusted`
  return {
    code: 'HOP_COUNT',
    message: `trust is a hop count (${n})${reading}: right only while every request passes exactly that many proxies${note}`,
    fix: HOP_COUNT_FIX,
  }
}

/** The note for a request whose walk reached its leftmost entry before the count ran out. */
export function leftmostNote(entries: number): string {
  return `; this request has ${entries} ${entries === 1 ? 'entry' : 'entries'}, fewer than the count, so the walk took its leftmost entry, which a client can write`
}

/** The note for a hop count met live by a public peer with forwarding headers. */
export function publicPeerNote(peer: string, sent: readonly string[]): string {
  return `; ${peerName(peer)}, a public address, sent ${sent.map(display).join(', ')}: if clients reach the app directly, they choose their own ip`
}

export function peerWithoutAddress(): Warning {
  return {
    code: 'PEER_WITHOUT_ADDRESS',
    message: 'the socket has no peer address (a unix socket, a closed connection or a test shim) and is not trusted: ip is not an address, and no forwarding header is read',
    fix: 'Behind a proxy on a unix socket, set trustSocketless: true (--trust-socketless); otherwise pass the real socket',
  }
}

/**
 * Whether a setting's shape trusts no hop at all (`false`, `[]`, a hop count of 0 or less): it says
 * that no proxy of yours stands in front of the app.
 */
export function trustsNoHop(shape: Shape | undefined): boolean {
  return shape?.kind === 'none' || (shape?.kind === 'hops' && !(shape.hops > 0))
}

/**
 * `noProxy`: the setting trusts no hop (`trustsNoHop`). The usual fix, trusting the peer, is then
 * wrong whenever the peer is an address every client arrives from (a NAT gateway; Docker's userland
 * proxy, which connects to a container from the bridge gateway for a published port: moby/moby#15086,
 * docker/docs#17312): trusting it would let every client choose its own ip, so the fix says so.
 */
export function untrustedPeer(peer: string | undefined, addressHeader: string, noProxy = false): Warning {
  const local = isLocalPeer(peer) ? ', a local address,' : ''
  return {
    code: 'UNTRUSTED_PEER_WITH_HEADERS',
    message: `${peerName(peer)}${local} is not trusted, so ${display(addressHeader)} is ignored and ip is the peer's address`,
    fix: noProxy
      ? 'The setting trusts no proxy: if a proxy of yours forwards to the app, trust its address or subnet, but never an address every client arrives from (a NAT gateway, Docker\'s bridge gateway behind a published port), which would let every client choose its ip; if no proxy of yours is in front, ignoring the header is right'
      : 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
  }
}

/**
 * The X-Forwarded-Host and -Proto headers the request carries that host and protocol are read from:
 * none with the Forwarded source, which reads them from its elements' `host=` and `proto=` and never
 * from these. What a warning counts as sent, or as ignored, is this.
 */
export function hostProtoSent(req: RequestLike, options: ResolvedOptions): string[] {
  if (options.source === 'forwarded') return []
  const names: string[] = []
  if (headerValue(req.headers, 'x-forwarded-host') !== '') names.push('x-forwarded-host')
  if (headerValue(req.headers, 'x-forwarded-proto') !== '') names.push('x-forwarded-proto')
  return names
}

export function hostProtoFromUntrusted(names: readonly string[], peer: string | undefined): Warning {
  return {
    code: 'HOST_PROTO_FROM_UNTRUSTED',
    message: `${names.map(display).join(' and ')} came from ${peerName(peer)}, which is not trusted: ignored, host is from Host and protocol from the socket`,
    fix: 'Trust the proxy that sets them, or have your edge proxy overwrite what clients send',
  }
}

/**
 * The X-Forwarded-Proto value Express's `protocol` is read from (the first, trimmed) when it is not
 * exactly `http` or `https`; undefined when it is, or when there is none. Only that value is read,
 * as `leftmostProtocol` reads it: the values after it change no answer, and may be many.
 */
export function usedProto(header: string): string | undefined {
  if (header === '' || header === 'https' || header === 'http') return undefined
  const comma = header.indexOf(',')
  const value = (comma === -1 ? header : header.substring(0, comma)).trim()
  return value === 'http' || value === 'https' ? undefined : value
}

/**
 * `odd`: the X-Forwarded-Proto value `protocol` was read from, as Express reads it (exactly): only
 * without `hostAndProto: 'aligned'` and the Forwarded source, whose protocols are normalised.
 */
export function protoNotHttp(odd: string): Warning {
  return {
    code: 'PROTO_NOT_HTTP',
    message: `X-Forwarded-Proto holds ${quoted(odd)}, not "http" or "https": protocol is that value, compared exactly, so secure may be wrong`,
    fix: 'Have the proxy send exactly http or https (nginx: proxy_set_header X-Forwarded-Proto $scheme)',
  }
}

export function unreadForwardingHeader(unread: string, addressHeader: string): Warning {
  return {
    code: 'UNREAD_FORWARDING_HEADER',
    message: `the request carries ${display(unread)} and no ${display(addressHeader)}: ${display(unread)} is not read, the source is ${display(addressHeader)}`,
    fix: `If your proxy writes ${display(unread)}, read it: source: '${unread}' (--source ${unread})`,
  }
}

export function bothForwardingHeaders(addressHeader: string): Warning {
  const read = addressHeader === 'forwarded' || addressHeader === 'x-forwarded-for'
    ? `only ${display(addressHeader)} is read`
    : `neither is read (the source is ${addressHeader})`
  return {
    code: 'FORWARDED_AND_X_FORWARDED_FOR',
    message: `the request carries both Forwarded and X-Forwarded-For: ${read}; a client may have written the other, or two proxies disagree`,
    fix: 'Have your proxies write one of the two headers and drop the other at the edge; read the one they write (--source)',
  }
}

/** Why aligned host or protocol fell back, one clause per answer: `protocol is the socket's: …`. */
export function alignedFallback(clauses: readonly string[]): Warning {
  return {
    code: 'ALIGNED_FALLBACK',
    message: `host and protocol are aligned, and forwarded values were present but not used: ${clauses.join('; ')}`,
    fix: 'Have every trusted proxy append to X-Forwarded-Proto and -Host as to X-Forwarded-For (nginx: "$http_x_forwarded_proto, $scheme"), or keep hostAndProto leftmost with a setting that trusts exactly your proxies',
  }
}

/**
 * `host`: the forwarded host refused; `valid`: whether it is a host at all (else it matches no
 * pattern); `from`: the header it came from; `own`: what host is instead.
 */
export function hostNotAllowed(host: string, valid: boolean, from: string, own: string | undefined): Warning {
  return {
    code: 'HOST_NOT_ALLOWED',
    message: `the forwarded host ${quoted(host)} (${display(from)}) is ${valid ? 'not in allowedHosts' : 'not a valid host, so in no allowedHosts pattern'}: ignored, host is ${own === undefined ? 'undefined (no valid Host)' : `from Host, ${quoted(own)}`}`,
    fix: 'If the host is yours, add it (or *. and its parent) to allowedHosts; if not, a client or a misconfigured proxy wrote it, and ignoring it is right',
  }
}

/** The most characters of a refused value a message shows (a 10 KB prefix is not worth printing whole). */
const SHOWN_VALUE = 100

/** `name`: `x-forwarded-port` or `x-forwarded-prefix`; `value`: the text read (from the hop of host and protocol). */
export function forwardedValueInvalid(name: 'x-forwarded-port' | 'x-forwarded-prefix', value: string): Warning {
  const port = name === 'x-forwarded-port'
  const shownValue = value.length > SHOWN_VALUE ? `${quoted(value.substring(0, SHOWN_VALUE))}… (${value.length} characters)` : quoted(value)
  const expected = port
    ? 'a port from 1 to 65535 in plain decimal'
    : 'a path prefix with one leading /, no //, no . or .. segments, no query, backslash, comma, space or control character, at most 1024 characters'
  return {
    code: 'FORWARDED_VALUE_INVALID',
    message: `the ${display(name)} value ${shownValue} is not ${expected}: ignored, ${port ? 'port' : 'prefix'} is undefined`,
    fix: `Have the proxy that writes ${display(name)} send ${expected}; a value like this may come from a client`,
  }
}

export function forwardedMalformed(): Warning {
  return {
    code: 'FORWARDED_MALFORMED',
    message: 'a malformed Forwarded element ended the walk: it and every element left of it are ignored',
    fix: 'Have each proxy write RFC 7239 elements (for=192.0.2.1;proto=https, IPv6 quoted: for="[2001:db8::1]")',
  }
}

export function forwardedLimit(options: ResolvedOptions): Warning {
  return {
    code: 'FORWARDED_LIMIT',
    message: `the walk ended after maxForwarded (${options.maxForwarded}) Forwarded elements, all trusted`,
    fix: 'Raise maxForwarded if your chain is really that long; otherwise a client is padding the header',
  }
}

// ---------------------------------------------------------------------------------------------------
// A setting alone

/** The setting's warnings that its compiled shape shows, for `explain` when the setting is not given. */
export function shapeWarnings(shape: Shape | undefined): Warning[] {
  if (shape?.kind === 'all') return [trustAll()]
  if (shape?.kind === 'hops') return [hopCount(shape.hops)]
  return []
}

/**
 * Check a trust setting for what it shows alone: `true` (`TRUST_ALL`), a hop count (`HOP_COUNT`,
 * with how Express reads a count that is not a positive whole number), addresses in unusual
 * spellings that proxy-addr accepts (`'1'` is 0.0.0.1, not a hop count; `0177.0.0.1` is 127.0.0.1)
 * subnets with host bits set (`10.0.0.1/8` is 10.0.0.0/8) and subnets of prefix 0 (`0.0.0.0/0`,
 * `::/0`: `SETTING_WHOLE_FAMILY`, which trust a whole address family as `true` does). Never throws:
 * entries that do not compile are left to `compileTrust` to report.
 *
 * @example
 * lintSetting('1') // [{ code: 'SETTING_ODD_ADDRESS', message: 'setting entry "1" is read as the address 0.0.0.1, not as a hop count', … }]
 * lintSetting(2)   // [{ code: 'HOP_COUNT', message: 'trust is a hop count (2): right only while every request passes exactly that many proxies', … }]
 */
export function lintSetting(setting: TrustSetting): Warning[] {
  if (setting === true) return [trustAll()]
  if (typeof setting === 'number') return [hopCount(setting)]
  let entries: readonly unknown[]
  if (typeof setting === 'string') entries = setting.split(',').map((entry) => entry.trim())
  else if (Array.isArray(setting)) entries = setting
  else return []

  const warnings: Warning[] = []
  for (const entry of entries) {
    if (typeof entry !== 'string') continue
    const slash = entry.lastIndexOf('/')
    const text = slash === -1 ? entry : entry.substring(0, slash)
    const kind = parseAddress(text, scratch, 0, -1, false)
    // range names and entries that do not compile
    if (kind === Kind.Invalid) continue
    if (parseAddress(text, strictScratch, 0, -1, true) === Kind.Invalid) {
      const meant = formatAddress(kind, scratch, '')
      const count = /^[0-9]+$/.test(entry)
      warnings.push({
        code: 'SETTING_ODD_ADDRESS',
        message: `setting entry ${quoted(entry)} is read as the address ${meant}${count ? ', not as a hop count' : ''}`,
        fix: count
          ? `For a hop count pass the number ${entry}, not a string; for an address write ${meant}`
          : `Write it as ${meant}, or compile with addresses: 'strict' to refuse such spellings`,
      })
    }
    const whole = slash === -1 ? undefined : rangeOf(entry)
    if (whole !== undefined && whole.family !== 0 && whole.prefix === 0) warnings.push(wholeFamily(entry, whole.family))
    const network = slash === -1 ? undefined : networkOf(entry, slash, kind)
    if (network !== undefined) {
      const one = `${text}/${kind === Kind.V6 ? 128 : 32}`
      warnings.push({
        code: 'SETTING_HOST_BITS',
        message: `setting entry ${quoted(entry)} has host bits set: it means ${network}`,
        fix: `Write the network address, ${network}, or ${one} for the one host`,
      })
    }
  }
  return warnings
}

/**
 * A subnet of prefix 0. In the range table an IPv4-mapped IPv6 address is matched as the IPv4 address
 * it holds, so `0.0.0.0/0` (and `::ffff:0.0.0.0/96`) matches every IPv4 and mapped address and `::/0`
 * every other IPv6 address; proxy-addr 2.0.8 refuses both (`invalid range`), this package accepts them.
 */
function wholeFamily(entry: string, family: 4 | 6): Warning {
  const which = family === 4 ? 'IPv4 address (and every IPv4-mapped IPv6 one)' : 'IPv6 address (but the IPv4-mapped ones)'
  return {
    code: 'SETTING_WHOLE_FAMILY',
    message: `setting entry ${quoted(entry)} matches every ${which}: every such hop is trusted, as with true, so a client on one chooses its own ip`,
    fix: "Trust your proxies' own addresses or subnets; no proxy needs a whole address family",
  }
}

/** The network of a subnet entry written with host bits set (`10.0.0.0/8` for `10.0.0.1/8`), or undefined. */
function networkOf(entry: string, slash: number, kind: Kind): string | undefined {
  const range = rangeOf(entry)
  const suffix = entry.substring(slash)
  if (range?.family === 4) {
    const masked = (range.network & maskWord(range.prefix)) >>> 0
    if (masked === range.network >>> 0) return undefined
    const text = formatAddress(Kind.V4, Int32Array.of(0, 0, 0xffff, masked), '')
    return (kind === Kind.Mapped ? '::ffff:' + text : text) + suffix
  }
  if (range?.family === 6) {
    const { network, prefix } = range
    const words = Int32Array.from(network, (word, w) => word & maskWord(prefix - 32 * w))
    if (words.every((word, w) => word === network[w])) return undefined
    return formatAddress(Kind.V6, words, '') + suffix
  }
  return undefined
}

/** `parseRange`, with undefined for an entry it refuses. */
function rangeOf(entry: string): Range | undefined {
  try {
    return parseRange(entry)
  } catch {
    return undefined
  }
}

/** A mask word with the first `bits` bits set (0 to 32). */
function maskWord(bits: number): number {
  if (bits <= 0) return 0
  if (bits >= 32) return -1
  return ~(-1 >>> bits)
}
