// explain.ts: why one request resolves as it does: each hop and the rule that decided its trust,
// where the walk stopped, which header each answer came from, and warnings about the setting.

import { addressSpan, addressSpanEnd, formatAddress, Kind, parseAddress, parseRange, type Range } from '../core/address.js'
import { isValidHost, normalizeProtocol } from '../core/authority.js'
import { compiledOf, reasonFor, type Shape, type TrustFn, type TrustSetting } from '../core/compile.js'
import { otherCopy } from '../core/copies.js'
import { EXPRESS, type ResolvedOptions } from '../core/options.js'
import { headerValue, type RequestLike } from '../core/request.js'
import { answersOf, type ResolvedAddr } from '../core/resolve.js'
import type { ForwardedElement } from '../core/rfc7239.js'
import { hopsOf, type SourceEnd } from '../core/sources/hops.js'
import { entryFromRight } from '../core/sources/xff.js'
import { Decision, presentAddress, walkHops, WalkRecord, type Rule } from '../core/walk.js'
import { snapshotAges, snapshotsOf, staleRanges, type SnapshotAge } from './stale.js'

/** The stable identifiers of the warnings `explain` and `lintSetting` give. */
export type WarningCode =
  /** The setting is `true` and the request carries forwarding headers: the client picks its own ip. */
  | 'TRUST_ALL_WITH_HEADERS'
  /** The request carries forwarded addresses, but the socket peer is not trusted: they are ignored. */
  | 'UNTRUSTED_PEER_WITH_HEADERS'
  /** X-Forwarded-Host or -Proto came from an untrusted peer: ignored. */
  | 'HOST_PROTO_FROM_UNTRUSTED'
  /** The setting is a hop count, which is right only while every chain has that length. */
  | 'HOP_COUNT'
  /** The socket has no peer address (a unix socket, a closed connection, a test shim). */
  | 'PEER_WITHOUT_ADDRESS'
  /** A hop the walk reached is not an IP address. */
  | 'ENTRY_NOT_AN_ADDRESS'
  /** An X-Forwarded-Proto value is not exactly `http` or `https`. */
  | 'PROTO_NOT_HTTP'
  /** The request carries a forwarding header that the configured source does not read. */
  | 'UNREAD_FORWARDING_HEADER'
  /** A malformed Forwarded element ended the walk. */
  | 'FORWARDED_MALFORMED'
  /** The walk ended at `maxForwarded` Forwarded elements. */
  | 'FORWARDED_LIMIT'
  /** A setting entry is an address in an unusual spelling (`'1'` is 0.0.0.1, `0177.0.0.1` is 127.0.0.1). */
  | 'SETTING_ODD_ADDRESS'
  /** A setting subnet has host bits set (`10.0.0.1/8` means 10.0.0.0/8). */
  | 'SETTING_HOST_BITS'
  /** A provider snapshot the setting uses was retrieved more than 180 days ago. */
  | 'RANGES_STALE'

/** Something in a setting or a request that is probably not what was meant. */
export interface Warning {
  readonly code: WarningCode
  /** What is wrong, in one line. */
  readonly message: string
  /** What to do about it, in one line. */
  readonly fix: string
}

/**
 * A hop's part in the walk: `proxy`, trusted and walked past; `client`, where the walk stopped (its
 * address is `ip`); `ignored`, beyond the client, never read.
 */
export type HopRole = 'proxy' | 'client' | 'ignored'

/** One hop of a request, as the walk met it. */
export interface ExplainedHop {
  /** 0 is the socket peer, 1 the nearest entry of the source (the rightmost), and so on. */
  readonly index: number
  /** Where the hop was read: `socket`, `x-forwarded-for`, `forwarded` or the single-address header's name. */
  readonly from: string
  /** The text as received (the socket's address, the header entry, the `for=` value); undefined when there is none. */
  readonly received: string | undefined
  /** The address as `ip` and `ips` give it (without a port, normalised when asked); undefined when there is none. */
  readonly address: string | undefined
  /** Whether the hop holds an IP address, by the address rules in force. */
  readonly valid: boolean
  /** What the trust setting answered; undefined when the walk did not ask (the last entry, or beyond the client). */
  readonly trusted: boolean | undefined
  /** The rule that decided (`10.0.0.0/8`, `hop 1 < 2`, `no range matched`, …), or why nothing was asked. */
  readonly reason: string
  readonly role: HopRole
}

/**
 * Why the walk stopped: `untrusted`, the hop was not trusted; `end`, no entry lies beyond it;
 * `malformed`, a malformed Forwarded element or single-address header value ends what can be read;
 * `limit`, `maxForwarded` Forwarded elements were read.
 */
export type StopReason = 'untrusted' | 'end' | 'malformed' | 'limit'

/** Where the walk stopped. */
export interface WalkStop {
  /** The index of the client's hop. */
  readonly index: number
  readonly reason: StopReason
  /** The same in words, one line. */
  readonly message: string
}

/**
 * Where each answer came from: `socket`, `x-forwarded-for`, `forwarded`, `x-forwarded-host`,
 * `x-forwarded-proto`, `host`, `:authority` or a single-address header's name; undefined where the
 * answer is undefined (or `ips` is empty).
 */
export interface Origins {
  readonly ip: string | undefined
  readonly ips: string | undefined
  readonly host: string | undefined
  readonly hostname: string | undefined
  readonly protocol: string
  readonly secure: string
}

/** How one request resolves, and why. */
export interface Explanation {
  /** Where hops after the socket are read: `x-forwarded-for`, `forwarded` or a header's name. */
  readonly source: string
  /** The forwarding-related headers of the request as received (those present): what the hops were read from. */
  readonly headers: Readonly<Record<string, string>>
  /** Every hop, the socket peer first, in walk order; entries beyond the client are listed as `ignored`. */
  readonly hops: readonly ExplainedHop[]
  readonly stop: WalkStop
  /** `resolveAddr(req, trust)` itself. */
  readonly result: ResolvedAddr
  /** The header each part of `result` came from. */
  readonly from: Origins
  /** The provider snapshots the setting's range names stand for, with the day each was retrieved. */
  readonly ranges: readonly SnapshotAge[]
  /** The setting's warnings (when it was given), then the request's, then stale snapshots'. */
  readonly warnings: readonly Warning[]
}

const scratch = new Int32Array(4)
const strictScratch = new Int32Array(4)

/**
 * Explain how `resolveAddr(req, trust)` answers for one request: every hop with the rule that
 * decided its trust, where the walk stopped and why, the header each answer came from, and warnings.
 * The answers are `resolveAddr`'s own, from the same walk, which `explain` watches hop by hop; the
 * hops beyond the client are then read from the same source, to be listed. Options come with
 * `trust` (`compileTrust(setting, options)`); pass the `setting` too to have its entries checked
 * (`lintSetting`). Never throws on what the request holds; a custom trust function is called as the
 * walk calls it, once per hop asked. The cost is linear in the hops.
 *
 * @throws {TypeError} `req argument is required`, `trust argument is required` (a function).
 * @example
 * const setting = 'loopback, 10.0.0.0/8'
 * const why = explain(req, compileTrust(setting), setting)
 * why.stop // { index: 2, reason: 'untrusted', message: 'hop 2 (203.0.113.5) is not trusted: it is the client' }
 */
export function explain(req: RequestLike, trust: TrustFn, setting?: TrustSetting): Explanation {
  if (!req) throw new TypeError('req argument is required')
  if (typeof trust !== 'function') throw new TypeError('trust argument is required')
  const compiled = compiledOf(trust)
  // compiled by another copy of this package: only that copy knows its options
  const other = compiled === undefined ? otherCopy(trust) : undefined
  if (other !== undefined) return other.explain(req, setting) as Explanation
  const rule: Rule = compiled ?? { shape: undefined, call: trust, options: EXPRESS }
  const { options } = rule
  const source = options.source === 'header' ? options.header : options.source
  const lenient = !options.strict && options.source === 'x-forwarded-for'

  const record = new WalkRecord()
  const next = hopsOf(req, options)
  const result = answersOf(req, options, walkHops(req, rule, next, record))
  // the hops beyond those the walk read, from the same source, to list them as ignored
  while (next.next()) record.add(next.received, next.text, next.element)
  const count = record.received.length

  const hops: ExplainedHop[] = []
  let stop: WalkStop | undefined
  for (let i = 0; i < count; i++) {
    const received = record.received[i]
    const text = record.texts[i]
    const kind = parseAddress(text, scratch, 0, -1, options.strict)
    const address = presentAddress(text, kind, scratch, options, lenient)
    const from = i === 0 ? 'socket' : source
    const valid = kind !== Kind.Invalid
    if (stop !== undefined) {
      hops.push({ index: i, from, received, address, valid, trusted: undefined, reason: 'beyond the client: not read', role: 'ignored' })
      continue
    }
    if (i > 0 && i === count - 1) {
      hops.push({ index: i, from, received, address, valid, trusted: undefined, reason: 'the last entry: not asked', role: 'client' })
      stop = { index: i, reason: 'end', message: `no more entries: hop ${i} is the client` }
      continue
    }
    // the walk decided every hop up to here: hop 0 always, as Express asks it before reading
    // X-Forwarded-Host and -Proto, then each hop with a successor until one is untrusted
    const decision = record.decisions[i] as Decision
    const trusted = (decision & 1) === 1
    const reason = ruleOf(trust, rule, decision, text, i)
    if (trusted && count > 1) {
      hops.push({ index: i, from, received, address, valid, trusted, reason, role: 'proxy' })
      continue
    }
    hops.push({ index: i, from, received, address, valid, trusted, reason, role: 'client' })
    stop = count === 1
      ? { index: 0, reason: 'end', message: 'no forwarded addresses: the socket peer is the client' }
      : { index: i, reason: 'untrusted', message: `hop ${i} (${shown(received)}) is not trusted: it is the client` }
  }
  // a single-address header that is not one address
  const junk = options.source === 'header' && next.end === 'malformed' ? next.received : undefined
  const walkStop = endOfList(options, next.end, junk, stop as WalkStop)
  if (junk !== undefined) {
    hops.push({
      index: count, from: source, received: junk, address: undefined, valid: false,
      trusted: undefined, reason: 'not a single IP address', role: 'ignored',
    })
  }

  const peerTrusted = (hops[0] as ExplainedHop).trusted === true
  const from = originsOf(req, options, result, walkStop.index, record.elements[walkStop.index], peerTrusted, source)
  const warnings: Warning[] = setting === undefined ? [] : lintSetting(setting)
  for (const warning of requestWarnings(req, {
    options, shape: compiled?.shape, hops, stop: walkStop, peerTrusted, entries: count - 1, junk,
  })) warnings.push(warning)
  const ranges = snapshotAges(snapshotsOf(trust), Date.now())
  for (const warning of staleRanges(ranges)) warnings.push(warning)
  return { source, headers: forwardingHeaders(req, options), hops, stop: walkStop, result, from, ranges, warnings }
}

/** The rule that decided a hop, in words. */
function ruleOf(trust: TrustFn, rule: Rule, decision: Decision, text: string | undefined, i: number): string {
  if (decision === Decision.NotAnAddress) return 'not an IP address'
  if (decision === Decision.Socketless) return 'trustSocketless: a socket without an address'
  // a shaped predicate is answered again for its words, which calls nothing; a custom function was
  // called once, by the walk
  return rule.shape === undefined ? 'custom function' : reasonFor(trust, text, i).rule
}

/**
 * The stop, told more precisely when the source ended early: a single-address header that is not
 * one address, a malformed Forwarded element, the `maxForwarded` cap.
 */
function endOfList(options: ResolvedOptions, end: SourceEnd, junk: string | undefined, stop: WalkStop): WalkStop {
  if (stop.reason !== 'end' || end === 'end') return stop
  if (junk !== undefined) {
    return { index: 0, reason: 'malformed', message: `${options.header} is not a single IP address: it is ignored, the socket peer is the client` }
  }
  if (end === 'malformed') {
    return { index: stop.index, reason: 'malformed', message: `a malformed Forwarded element ends the list: hop ${stop.index} is the client, the elements left of it are ignored` }
  }
  return { index: stop.index, reason: 'limit', message: `maxForwarded (${options.maxForwarded}) elements read: hop ${stop.index} is the client, the rest of the header is not read` }
}

/** The headers a reader of the explanation needs to see, as received. */
function forwardingHeaders(req: RequestLike, options: ResolvedOptions): Record<string, string> {
  const names = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'host']
  if (options.source === 'header') names.push(options.header)
  const headers: Record<string, string> = {}
  for (const name of names) {
    const value = headerValue(req.headers, name)
    if (value !== '') headers[name] = value
  }
  return headers
}

/**
 * Which header each answer came from, following resolve.ts's choices: Express's leftmost
 * X-Forwarded-Host/-Proto when the peer is trusted, or, when aligned, the values written by the
 * proxy at the hop where the walk stopped.
 */
function originsOf(
  req: RequestLike, options: ResolvedOptions, result: ResolvedAddr, stop: number,
  element: ForwardedElement | undefined, peerTrusted: boolean, source: string,
): Origins {
  const ip = stop === 0 ? 'socket' : source
  const ips = result.ips.length === 0 ? undefined : source
  const own = headerValue(req.headers, 'host') === '' ? ':authority' : 'host'
  let host: string
  let protocol: string
  if (!options.aligned && options.source !== 'forwarded') {
    protocol = peerTrusted && headerValue(req.headers, 'x-forwarded-proto') !== '' ? 'x-forwarded-proto' : 'socket'
    host = peerTrusted && headerValue(req.headers, 'x-forwarded-host') !== '' ? 'x-forwarded-host' : own
  } else {
    let forwardedProto: string | undefined
    let forwardedHost: string | undefined
    if (stop > 0 && options.source === 'forwarded') {
      forwardedProto = element?.proto
      forwardedHost = element?.host
    } else if (stop > 0) {
      forwardedProto = entryFromRight(headerValue(req.headers, 'x-forwarded-proto'), stop)
      forwardedHost = entryFromRight(headerValue(req.headers, 'x-forwarded-host'), stop)
    }
    const forwarded = options.source === 'forwarded'
    const protoHeader = forwarded ? 'forwarded' : 'x-forwarded-proto'
    const hostHeader = forwarded ? 'forwarded' : 'x-forwarded-host'
    protocol = forwardedProto !== undefined && normalizeProtocol(forwardedProto) !== undefined ? protoHeader : 'socket'
    host = forwardedHost !== undefined && isValidHost(forwardedHost) ? hostHeader : own
  }
  const hostFrom = result.host === undefined ? undefined : host
  return { ip, ips, host: hostFrom, hostname: result.hostname === undefined ? undefined : hostFrom, protocol, secure: protocol }
}

/** A value for messages: quoted text, or `no address`. */
function shown(text: string | undefined): string {
  return text === undefined ? 'no address' : JSON.stringify(text)
}

/** The socket peer, for messages. */
function peerName(peer: string | undefined): string {
  return peer === undefined ? 'the peer without an address' : `the peer ${JSON.stringify(peer)}`
}

/** The display name of a header. */
const DISPLAY: Readonly<Record<string, string>> = {
  'x-forwarded-for': 'X-Forwarded-For',
  'forwarded': 'Forwarded',
  'x-forwarded-host': 'X-Forwarded-Host',
  'x-forwarded-proto': 'X-Forwarded-Proto',
}

function display(name: string): string {
  return DISPLAY[name] ?? name
}

/** What the warnings about a request are drawn from. */
interface Walk {
  readonly options: ResolvedOptions
  readonly shape: Shape | undefined
  readonly hops: readonly ExplainedHop[]
  readonly stop: WalkStop
  readonly peerTrusted: boolean
  /** How many hops the source gave after the socket. */
  readonly entries: number
  /** A single-address header value that is not one address. */
  readonly junk: string | undefined
}

/** The warnings about one request. */
function requestWarnings(req: RequestLike, walk: Walk): Warning[] {
  const { options, shape, hops, stop, peerTrusted, entries, junk } = walk
  const warnings: Warning[] = []
  const peer = (hops[0] as ExplainedHop).received
  const addressHeader = options.source === 'header' ? options.header : options.source
  const carries = entries > 0 || junk !== undefined
  const hostProto = ['x-forwarded-host', 'x-forwarded-proto'].filter((name) => headerValue(req.headers, name) !== '')

  if ((peer === undefined || peer === '') && !options.trustSocketless) {
    warnings.push({
      code: 'PEER_WITHOUT_ADDRESS',
      message: 'the socket has no peer address (a unix socket, a closed connection or a test shim)',
      fix: 'Behind a proxy on a unix socket, set trustSocketless: true (--trust-socketless); otherwise pass the real socket',
    })
  }

  const sent = [...(carries ? [addressHeader] : []), ...hostProto]
  if (shape?.kind === 'all' && sent.length > 0) {
    warnings.push({
      code: 'TRUST_ALL_WITH_HEADERS',
      message: `trust is true and the request carries ${sent.map(display).join(', ')}: the client wrote the leftmost values, so it chooses its own ip, host and protocol`,
      fix: "Trust your proxies by address or subnet (e.g. 'loopback, 10.0.0.0/8'), never true on a server clients can reach",
    })
  }

  if (!peerTrusted && carries) {
    warnings.push({
      code: 'UNTRUSTED_PEER_WITH_HEADERS',
      message: `${peerName(peer)} is not trusted, so ${display(addressHeader)} is ignored and ip is the peer's address`,
      fix: 'If the peer is your proxy, add its address or subnet to the trust setting; if not, ignoring the header is right',
    })
  }

  if (!peerTrusted && hostProto.length > 0 && options.source !== 'forwarded') {
    warnings.push({
      code: 'HOST_PROTO_FROM_UNTRUSTED',
      message: `${hostProto.map(display).join(' and ')} came from ${peerName(peer)}, which is not trusted: ignored, host is from Host and protocol from the socket`,
      fix: 'Trust the proxy that sets them, or have your edge proxy overwrite what clients send',
    })
  }

  if (shape?.kind === 'hops' && shape.hops > 0) {
    const short = entries < shape.hops
      ? `; this request has ${entries} ${entries === 1 ? 'entry' : 'entries'}, fewer than the count, so its leftmost (client-written) entry is taken`
      : ''
    warnings.push({
      code: 'HOP_COUNT',
      message: `trust is a hop count (${shape.hops}): right only while every request passes exactly that many proxies${short}`,
      fix: 'Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length',
    })
  }

  for (const hop of hops) {
    if (hop.index === 0 || hop.valid || (hop.role === 'ignored' && hop.index <= entries)) continue
    // in compatible X-Forwarded-For mode a client entry is returned as it stands
    const returned = hop.role === 'client' && hop.address !== undefined
    warnings.push({
      code: 'ENTRY_NOT_AN_ADDRESS',
      message: `hop ${hop.index} (${hop.from} ${shown(hop.received)}) is not an IP address${returned ? ': ip is that text as it stands' : ''}`,
      fix: notAddressFix(hop, options),
    })
  }

  const proto = headerValue(req.headers, 'x-forwarded-proto')
  if (proto !== '' && peerTrusted && options.source !== 'forwarded') {
    const odd = proto.split(',').map((value) => value.trim()).find((value) => value !== 'http' && value !== 'https')
    if (odd !== undefined) {
      warnings.push({
        code: 'PROTO_NOT_HTTP',
        message: `X-Forwarded-Proto holds ${JSON.stringify(odd)}, not "http" or "https"${options.aligned ? '' : ': protocol is compared exactly, so secure may be wrong'}`,
        fix: 'Have the proxy send exactly http or https (nginx: proxy_set_header X-Forwarded-Proto $scheme)',
      })
    }
  }

  const unread = unreadHeader(req, options)
  if (unread !== undefined) {
    warnings.push({
      code: 'UNREAD_FORWARDING_HEADER',
      message: `the request carries ${display(unread)}, which is not read: the source is ${display(addressHeader)}`,
      fix: `If your proxy writes ${display(unread)}, read it: source: '${unread}' (--source ${unread})`,
    })
  }

  if (stop.reason === 'malformed' && options.source === 'forwarded') {
    warnings.push({
      code: 'FORWARDED_MALFORMED',
      message: 'a malformed Forwarded element ended the walk: it and every element left of it are ignored',
      fix: 'Have each proxy write RFC 7239 elements (for=192.0.2.1;proto=https, IPv6 quoted: for="[2001:db8::1]")',
    })
  }
  if (stop.reason === 'limit') {
    warnings.push({
      code: 'FORWARDED_LIMIT',
      message: `the walk ended after maxForwarded (${options.maxForwarded}) Forwarded elements, all trusted`,
      fix: 'Raise maxForwarded if your chain is really that long; otherwise a client is padding the header',
    })
  }
  return warnings
}

/** The one-line fix for a hop that is not an address. */
function notAddressFix(hop: ExplainedHop, options: ResolvedOptions): string {
  const text = hop.received ?? ''
  const start = addressSpan(text, 0, text.length)
  const end = addressSpanEnd(text, 0, text.length)
  const port = start !== 0 || end !== text.length
  if (options.source === 'x-forwarded-for' && !options.ports && port && parseAddress(text, scratch, start, end) !== Kind.Invalid) {
    return 'The entry carries a port: accept ports with ports: true (--ports)'
  }
  if (options.source === 'forwarded') {
    return 'The proxy hides this hop (unknown, an obfuscated name, no for=): the walk cannot go past it'
  }
  return 'Have the proxy that writes it send a plain IP address; anything else may come from the client'
}

/** A forwarding header the request carries that the source does not read, when the source's own is absent. */
function unreadHeader(req: RequestLike, options: ResolvedOptions): string | undefined {
  const own = options.source === 'header' ? options.header : options.source
  if (headerValue(req.headers, own) !== '') return undefined
  return ['x-forwarded-for', 'forwarded'].find((name) => name !== own && headerValue(req.headers, name) !== '')
}

/**
 * Check a trust setting's entries for spellings that compile but probably mean something else:
 * addresses in unusual spellings that proxy-addr accepts (`'1'` is 0.0.0.1, not a hop count;
 * `0177.0.0.1` is 127.0.0.1) and subnets with host bits set (`10.0.0.1/8` is 10.0.0.0/8). Only
 * string and array settings have entries. Never throws: entries that do not compile are left to
 * `compileTrust` to report.
 *
 * @example
 * lintSetting('1') // [{ code: 'SETTING_ODD_ADDRESS', message: 'setting entry "1" is read as the address 0.0.0.1', … }]
 */
export function lintSetting(setting: TrustSetting): Warning[] {
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
        message: `setting entry ${JSON.stringify(entry)} is read as the address ${meant}${count ? ', not as a hop count' : ''}`,
        fix: count
          ? `For a hop count pass the number ${entry}, not a string; for an address write ${meant}`
          : `Write it as ${meant}, or compile with addresses: 'strict' to refuse such spellings`,
      })
    }
    const network = slash === -1 ? undefined : networkOf(entry, slash, kind)
    if (network !== undefined) {
      const one = `${text}/${kind === Kind.V6 ? 128 : 32}`
      warnings.push({
        code: 'SETTING_HOST_BITS',
        message: `setting entry ${JSON.stringify(entry)} has host bits set: it means ${network}`,
        fix: `Write the network address, ${network}, or ${one} for the one host`,
      })
    }
  }
  return warnings
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
