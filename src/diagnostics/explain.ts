// explain.ts: why one request resolves as it does: each hop and the rule that decided its trust,
// where the walk stopped, which header each answer came from, and warnings about the setting.

import { addressSpan, addressSpanEnd, Kind, parseAddress } from '../core/address.js'
import { isValidHost } from '../core/authority.js'
import { compiledOf, reasonFor, type Shape, type TrustFn, type TrustSetting } from '../core/compile.js'
import { DECLINED, handOver, isExplanation, otherCopy } from '../core/copies.js'
import { EXPRESS } from '../core/express.js'
import type { ResolvedOptions } from '../core/options.js'
import { headerValue, proxyProtocolOf, type RequestLike } from '../core/request.js'
import { AnswerSources, answersOf, trustArgumentError, type ResolvedAddr } from '../core/resolve.js'
import { parseForwarded, type ForwardedElement } from '../core/rfc7239.js'
import { hopsOf, type SourceEnd } from '../core/sources/hops.js'
import { entryFromRight } from '../core/sources/xff.js'
import { Decision, presentAddress, walkHops, WalkRecord, type Rule } from '../core/walk.js'
import { snapshotAges, snapshotsOf, staleRanges, type SnapshotAge } from './stale.js'
import { suggest, type Suggestion } from './suggest.js'
import {
  alignedFallback, bothForwardingHeaders, display, forwardedLimit, forwardedMalformed, forwardedValueInvalid, hopCount, hostNotAllowed, hostProtoFromUntrusted,
  hostProtoSent, leftmostNote, lintSetting, peerWithoutAddress, protoNotHttp, shapeWarnings, shown, trustAllWithHeaders, trustsNoHop,
  unreadForwardingHeader, untrustedPeer, usedProto, type Warning,
} from './warnings.js'
import { quoted } from './escape.js'

/** The warnings about the setting itself: under them a suggestion is shown even when it keeps the client. */
const SETTING_CODES: ReadonlySet<string> = new Set(['TRUST_ALL', 'TRUST_ALL_WITH_HEADERS', 'HOP_COUNT', 'SETTING_ODD_ADDRESS', 'SETTING_HOST_BITS'])

export { lintSetting, type Warning, type WarningCode } from './warnings.js'

/**
 * A hop's part in the walk: `proxy`, trusted and walked past; `client`, where the walk stopped (its
 * address is `ip`); `ignored`, beyond the client, never read.
 */
export type HopRole = 'proxy' | 'client' | 'ignored'

/** One hop of a request, as the walk met it. */
export interface ExplainedHop {
  /** 0 is the socket peer, 1 the nearest entry of the source (the rightmost), and so on. */
  readonly index: number
  /**
   * Where the hop was read: `socket`, `proxy-protocol` (hop 0 announced by a PROXY header, see
   * `Explanation.connection`), `x-forwarded-for`, `forwarded` or the single-address header's name.
   */
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
 * Where each answer came from: `socket`, `proxy-protocol`, `x-forwarded-for`, `forwarded`, `x-forwarded-host`,
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
  /** With `forwardedPort`: `x-forwarded-port` when `port` is set, else undefined. */
  readonly port?: string | undefined
  /** With `forwardedPrefix`: `x-forwarded-prefix` when `prefix` is set, else undefined. */
  readonly prefix?: string | undefined
}

/**
 * The balancer in front of the socket peer, when the connection began with a PROXY protocol header
 * that named the client (`acceptProxyProtocol`): hop 0 is then the announced client, read from
 * `proxy-protocol`, and this is the hop before it.
 */
export interface ConnectionHop {
  readonly from: 'proxy-protocol'
  /** 1 or 2. */
  readonly version: 1 | 2
  /** The balancer's TCP address, which sent the header. */
  readonly balancer: string | undefined
  /** The rule of `acceptProxyProtocol`'s `from` that trusted the balancer. */
  readonly reason: string
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
  /** The narrowest setting that would give the client this request shows (see suggest.ts); absent when there is none. */
  readonly suggestion?: Suggestion
  /** Present when a PROXY protocol header named hop 0: the balancer that sent it. */
  readonly connection?: ConnectionHop
}

const scratch = new Int32Array(4)

/**
 * Explain how `resolveAddr(req, trust)` answers for one request: every hop with the rule that
 * decided its trust, where the walk stopped and why, the header each answer came from, and warnings.
 * The answers are `resolveAddr`'s own, from the same walk, which `explain` watches hop by hop; the
 * hops beyond the client are then read from the same source, to be listed. Options come with
 * `trust` (`compileTrust(setting, options)`); pass the `setting` too to have its entries checked
 * (`lintSetting`). Never throws on what the request holds; a custom trust function is called as the
 * walk calls it, once per hop asked. The cost is linear in the hops.
 *
 * @throws {TypeError} `req argument is required`, and `trustArgumentError`'s for a trust that is not a function.
 * @example
 * const setting = 'loopback, 10.0.0.0/8'
 * const why = explain(req, compileTrust(setting), setting)
 * why.stop // { index: 2, reason: 'untrusted', message: 'hop 2 (203.0.113.5) is not trusted: it is the client' }
 */
export function explain(req: RequestLike, trust: TrustFn, setting?: TrustSetting): Explanation {
  if (!req) throw new TypeError('req argument is required')
  if (typeof trust !== 'function') throw trustArgumentError(trust)
  const compiled = compiledOf(trust)
  // compiled by another copy of this package: only that copy knows its options
  const other = compiled === undefined ? otherCopy(trust) : undefined
  const explained = other === undefined ? DECLINED : handOver(trust, () => other.explain(req, setting), isExplanation)
  if (explained !== DECLINED) return explained as Explanation
  const rule: Rule = compiled ?? { shape: undefined, call: trust, options: EXPRESS }
  const { options } = rule
  const source = options.source === 'header' ? options.header : options.source
  const lenient = !options.strict && options.source === 'x-forwarded-for'
  const proxied = proxyProtocolOf(req)
  // the socket's peer came from a PROXY header: hop 0 is read from it, the balancer stands before it
  const peerFrom = proxied?.applied === true ? 'proxy-protocol' : 'socket'

  const record = new WalkRecord()
  const next = hopsOf(req, options)
  const sources = new AnswerSources()
  const result = answersOf(req, options, walkHops(req, rule, next, record), sources)
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
    const from = i === 0 ? peerFrom : source
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
    // a trusted peer is the client only because nothing lies beyond it: say so beside the rule
    hops.push({ index: i, from, received, address, valid, trusted, reason: trusted ? `${reason}, but no forwarded address lies beyond it` : reason, role: 'client' })
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
  const from = originsOf(req, options, result, walkStop.index, sources, source, peerFrom)
  const warnings = warningsOf(req, {
    options, shape: compiled?.shape, hops, stop: walkStop, peerTrusted, entries: count - 1, junk, from,
    element: record.elements[walkStop.index], sources, result,
  }, setting)
  // a peer the setting trusts but without the edge proof: the fix is the proof, not the setting
  // (for a peer without an address, not trustSocketless either, which may be set already)
  if (record.decisions[0] === Decision.Unproven) {
    warnings.forEach((warning, k) => {
      if (warning.code === 'UNTRUSTED_PEER_WITH_HEADERS') warnings[k] = { ...warning, fix: `The peer is in the trusted ranges but lacks ${options.proofHeader}: if it is your edge, have it send that header; if not (another customer's configuration), ignoring the headers is right` }
      if (warning.code === 'PEER_WITHOUT_ADDRESS') warnings[k] = { ...warning, fix: `The setting trusts this peer but the request lacks ${options.proofHeader}: if it comes through your edge, have the edge send that header; if not, the peer is rightly the client` }
    })
  }
  const ranges = snapshotAges(snapshotsOf(trust), Date.now())
  for (const warning of staleRanges(ranges)) warnings.push(warning)
  const header = options.headerPort ? { header: options.header, port: true } : { header: options.header }
  // a setting that is right for this request and draws no warning of its own needs no replacement
  const quiet = !warnings.some((warning) => SETTING_CODES.has(warning.code))
  const suggestion = suggest(hops, options.source === 'header' ? header : options.source, result.ip, quiet)
  const explanation: Explanation = { source, headers: forwardingHeaders(req, options), hops, stop: walkStop, result, from, ranges, warnings, ...(suggestion && { suggestion }) }
  if (proxied?.applied !== true) return explanation
  const connection: ConnectionHop = { from: 'proxy-protocol', version: proxied.header.version, balancer: proxied.peer.address, reason: proxied.rule }
  // the warnings that name the peer say where its address came from
  const via = ` (the peer's address came in a PROXY protocol header from ${proxied.peer.address ?? 'a peer without an address'}, trusted by ${proxied.rule})`
  const named = warnings.map((w) => (PEER_WARNINGS.has(w.code) ? { ...w, message: w.message + via } : w))
  return { ...explanation, warnings: named, connection }
}

/** The warnings whose message names the socket peer. */
const PEER_WARNINGS: ReadonlySet<string> = new Set(['UNTRUSTED_PEER_WITH_HEADERS', 'HOST_PROTO_FROM_UNTRUSTED'])

/** The rule that decided a hop, in words. */
function ruleOf(trust: TrustFn, rule: Rule, decision: Decision, text: string | undefined, i: number): string {
  if (decision === Decision.NotAnAddress) return 'not an IP address'
  if (decision === Decision.Socketless) return 'trustSocketless: a socket without an address'
  // the proof's value is never shown: only that the header did not prove the edge
  if (decision === Decision.Unproven) return `${ruleOf(trust, rule, Decision.Trusted, text, i)}, but the request lacks the edgeProof ${rule.options.proofHeader}: not your edge`
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
  if (options.forwardedPort) names.push('x-forwarded-port')
  if (options.forwardedPrefix) names.push('x-forwarded-prefix')
  const headers: Record<string, string> = {}
  for (const name of names) {
    const value = headerValue(req.headers, name)
    if (value !== '') headers[name] = value
  }
  return headers
}

/**
 * Which header each answer came from: the choice `answersOf` made (`sources`), named. Forwarded
 * values come from X-Forwarded-Host and -Proto, or from the Forwarded element where the walk
 * stopped; the others from Host (or `:authority`) and the socket.
 */
function originsOf(req: RequestLike, options: ResolvedOptions, result: ResolvedAddr, stop: number, sources: AnswerSources, source: string, peerFrom: string): Origins {
  const ip = stop === 0 ? peerFrom : source
  const ips = result.ips.length === 0 ? undefined : source
  const forwarded = options.source === 'forwarded'
  const protoHeader = forwarded ? 'forwarded' : 'x-forwarded-proto'
  const hostHeader = forwarded ? 'forwarded' : 'x-forwarded-host'
  const own = headerValue(req.headers, 'host') === '' ? ':authority' : 'host'
  const protocol = sources.protocol ? protoHeader : 'socket'
  const host = sources.host ? hostHeader : own
  const hostFrom = result.host === undefined ? undefined : host
  return {
    ip, ips, host: hostFrom, hostname: result.hostname === undefined ? undefined : hostFrom, protocol, secure: protocol,
    ...(options.forwardedPort && { port: result.port === undefined ? undefined : 'x-forwarded-port' }),
    ...(options.forwardedPrefix && { prefix: result.prefix === undefined ? undefined : 'x-forwarded-prefix' }),
  }
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
  readonly from: Origins
  /** The element of the hop where the walk stopped, with `source: 'forwarded'`. */
  readonly element: ForwardedElement | undefined
  /** What `answersOf` read for host, port and prefix. */
  readonly sources: AnswerSources
  readonly result: ResolvedAddr
}

/**
 * The setting's warnings (`lintSetting(setting)`, or what the compiled shape shows when the setting
 * is not given), restated where the request says more, then the request's own.
 */
function warningsOf(req: RequestLike, walk: Walk, setting: TrustSetting | undefined): Warning[] {
  const own = requestWarnings(req, walk)
  const { shape, stop, entries } = walk
  const settings = setting === undefined ? shapeWarnings(shape) : lintSetting(setting)
  const restated = settings.flatMap((warning): Warning[] => {
    // TRUST_ALL_WITH_HEADERS says the same of this request
    if (warning.code === 'TRUST_ALL' && own.some((w) => w.code === 'TRUST_ALL_WITH_HEADERS')) return []
    // the walk took the leftmost entry only when it got there with the count not yet used up
    if (warning.code === 'HOP_COUNT' && shape?.kind === 'hops' && stop.reason === 'end' && entries >= 1 && stop.index === entries && entries < shape.hops) {
      return [hopCount(shape.hops, leftmostNote(entries))]
    }
    return [warning]
  })
  return [...restated, ...own]
}

/** The warnings about one request. */
function requestWarnings(req: RequestLike, walk: Walk): Warning[] {
  const { options, shape, hops, stop, peerTrusted, entries, junk } = walk
  const warnings: Warning[] = []
  const peer = (hops[0] as ExplainedHop).received
  const addressHeader = options.source === 'header' ? options.header : options.source
  const carries = entries > 0 || junk !== undefined
  // X-Forwarded-Host and -Proto count only where they are read (never with the Forwarded source)
  const hostProto = hostProtoSent(req, options)

  if ((peer === undefined || peer === '') && !peerTrusted) warnings.push(peerWithoutAddress())

  const sent = [...(carries ? [addressHeader] : []), ...hostProto]
  if (shape?.kind === 'all' && sent.length > 0) warnings.push(trustAllWithHeaders(sent))

  if (!peerTrusted && carries) warnings.push(untrustedPeer(peer, addressHeader, trustsNoHop(shape)))

  if (!peerTrusted && hostProto.length > 0) warnings.push(hostProtoFromUntrusted(hostProto, peer))

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

  // aligned and Forwarded protocols are normalised (HTTPS is https): only Express's exact reading can be wrong
  const odd = peerTrusted && !options.aligned && options.source !== 'forwarded' ? usedProto(headerValue(req.headers, 'x-forwarded-proto')) : undefined
  if (odd !== undefined) warnings.push(protoNotHttp(odd))

  const aligned = alignedClauses(req, walk)
  if (aligned.length > 0) warnings.push(alignedFallback(aligned))
  const { refusedHost, portText, prefixText } = walk.sources
  if (refusedHost !== undefined) {
    warnings.push(hostNotAllowed(refusedHost, isValidHost(refusedHost), options.source === 'forwarded' ? 'forwarded' : 'x-forwarded-host', walk.result.host))
  }
  if (portText !== undefined && walk.result.port === undefined) warnings.push(forwardedValueInvalid('x-forwarded-port', portText))
  if (prefixText !== undefined && walk.result.prefix === undefined) warnings.push(forwardedValueInvalid('x-forwarded-prefix', prefixText))

  const unread = unreadHeader(req, options)
  if (unread !== undefined) warnings.push(unreadForwardingHeader(unread, addressHeader))
  if (headerValue(req.headers, 'forwarded') !== '' && headerValue(req.headers, 'x-forwarded-for') !== '') {
    warnings.push(bothForwardingHeaders(addressHeader))
  }

  // an untrusted peer's Forwarded is never read: nothing malformed in it ended anything
  if (stop.reason === 'malformed' && options.source === 'forwarded' && peerTrusted) warnings.push(forwardedMalformed())
  if (stop.reason === 'limit') warnings.push(forwardedLimit(options))
  return warnings
}

/**
 * With aligned host and protocol (`hostAndProto: 'aligned'`, or the Forwarded source), the answers
 * that fell back to the socket's own although the request carried forwarded values, each with why.
 * Only for a trusted peer: an untrusted one's values are rightly ignored (HOST_PROTO_FROM_UNTRUSTED).
 */
function alignedClauses(req: RequestLike, walk: Walk): string[] {
  const { options, stop, peerTrusted, from, element } = walk
  const forwarded = options.source === 'forwarded'
  if (!peerTrusted || (!options.aligned && !forwarded)) return []
  const clauses: string[] = []
  const parts: ['protocol' | 'host', 'proto' | 'host'][] = [['protocol', 'proto'], ['host', 'host']]
  for (const [answer, name] of parts) {
    const header = `x-forwarded-${name}`
    const used = forwarded ? from[answer] === 'forwarded' : from[answer] === header
    // a valid host that allowedHosts refused is HOST_NOT_ALLOWED's to tell
    if (used || (answer === 'host' && walk.sources.refusedHost !== undefined)) continue
    const present = forwarded
      ? parseForwarded(headerValue(req.headers, 'forwarded'), options.maxForwarded).elements.some((e) => e[name] !== undefined)
      : headerValue(req.headers, header) !== ''
    if (!present) continue
    const fallback = answer === 'protocol' ? "protocol is the socket's" : 'host is from Host'
    let why: string
    if (stop.index === 0) {
      why = 'no forwarded address was read, so no value lines up with the client'
    } else if (forwarded) {
      const value = element?.[name]
      why = value === undefined
        ? `the Forwarded element at hop ${stop.index} has no ${name}=`
        : `the ${name}= at hop ${stop.index}, ${quoted(value)}, is not valid`
    } else {
      const value = entryFromRight(headerValue(req.headers, header), stop.index)
      why = value === undefined
        ? `${display(header)} has fewer values than the ${stop.index} hops walked (a proxy set it rather than appended to it)`
        : `the ${display(header)} value at hop ${stop.index}, ${quoted(value)}, is not valid`
    }
    clauses.push(`${fallback}: ${why}`)
  }
  return clauses
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

/** A forwarding address header the request carries that the source does not read, when the source's own is absent. */
function unreadHeader(req: RequestLike, options: ResolvedOptions): string | undefined {
  const own = options.source === 'header' ? options.header : options.source
  if (headerValue(req.headers, own) !== '') return undefined
  return ['x-forwarded-for', 'forwarded'].find((name) => name !== own && headerValue(req.headers, name) !== '')
}
