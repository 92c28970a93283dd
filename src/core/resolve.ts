// resolve.ts: one request's ip, ips, host, hostname, protocol and secure, equal to Express 5's getters
// for the same trust setting.

import { normalizeProtocol, isValidHost } from './authority.js'
import { compiledOf, isTrusted, type TrustFn } from './compile.js'
import { DECLINED, handOver, isResolved, otherCopy } from './copies.js'
import { forwardedText, hostAllowed, isValidPrefix, parsePort } from './extras.js'
import { EXPRESS } from './express.js'
import { describeValue, type ResolvedOptions } from './options.js'
import { headerValue, socketOf, type RequestLike } from './request.js'
import { hopsOf } from './sources/hops.js'
import { entryFromRight } from './sources/xff.js'
import { walk, walkHops, type Walked } from './walk.js'

/** What Express 5's request getters report, computed in one pass. */
export interface ResolvedAddr {
  /** The client address: where the walk stopped (`req.ip`). `undefined` when the socket has none. */
  readonly ip: string | undefined
  /**
   * The addresses walked, farthest first, socket peer left out (`req.ips`): its first element is
   * `ip`. Empty when the peer is untrusted, and when `ip` is undefined because the hop where the walk
   * stopped is not an address (strict addresses, Forwarded, a single-address header).
   */
  readonly ips: string[]
  /** `X-Forwarded-Host` (first value) when the peer is trusted, else `Host`; with any port (`req.host`). */
  readonly host: string | undefined
  /** `host` without its port; IPv6 literals keep their brackets (`req.hostname`). */
  readonly hostname: string | undefined
  /** `X-Forwarded-Proto` (first value, trimmed) when the peer is trusted, else from the socket (`req.protocol`). */
  readonly protocol: string
  /** `protocol === 'https'` (`req.secure`). */
  readonly secure: boolean
  /** With `forwardedPort: true`: the valid X-Forwarded-Port a trusted proxy wrote, else undefined; absent without the option. */
  readonly port?: number | undefined
  /** With `forwardedPrefix: true`: the valid X-Forwarded-Prefix a trusted proxy wrote, else undefined; absent without the option. */
  readonly prefix?: string | undefined
}

/**
 * Resolve who sent a request, over which protocol, to which host, exactly as Express 5's `req.ip`,
 * `req.ips`, `req.host`, `req.hostname`, `req.protocol` and `req.secure` would with
 * `app.set('trust proxy', setting)` and `trust = compileTrust(setting)`. Never throws on what the
 * request holds.
 *
 * @throws {TypeError} `req argument is required`, `trust argument is required` (none given), and for a
 *   setting given in place of its predicate, `trust argument must be a function that compileTrust
 *   returned, not the setting <value>: …` (see `trustArgumentError`).
 * @example
 * const trust = compileTrust('loopback')
 * http.createServer((req, res) => res.end(resolveAddr(req, trust).ip))
 */
export function resolveAddr(req: RequestLike, trust: TrustFn): ResolvedAddr {
  if (!req) throw new TypeError('req argument is required')
  if (typeof trust !== 'function') throw trustArgumentError(trust)
  const compiled = compiledOf(trust)
  if (compiled === undefined) {
    // compiled by another copy of this package: only that copy knows its options
    const other = otherCopy(trust)
    const resolved = other === undefined ? DECLINED : handOver(trust, () => other.resolve(req), isResolved)
    if (resolved !== DECLINED) return resolved
  } else if (compiled.options !== EXPRESS) {
    return answersOf(req, compiled.options, walkHops(req, compiled, hopsOf(req, compiled.options), null))
  }

  const shape = compiled?.shape
  const addrs: (string | undefined)[] = []
  const ip = walk(req, trust, compiled, addrs)
  // Express asks trust(peer, 0) before reading X-Forwarded-Host and -Proto; a walk that moved past
  // the peer has answered that already
  const peerTrusted = addrs.length > 1 || isTrusted(trust, shape, addrs[0], 0)
  const ips: string[] = []
  for (let k = addrs.length - 1; k > 0; k--) ips.push(addrs[k] as string)
  return leftmost(req, ip, ips, peerTrusted, null)
}

/**
 * The error for a trust argument that is not a function: none given, or a setting passed where its
 * compiled predicate belongs (`resolveAddr(req, 'loopback')`), which would have to be compiled on
 * every request; the message says how to compile it once.
 *
 * @example
 * trustArgumentError('loopback').message
 * // 'trust argument must be a function that compileTrust returned, not the setting "loopback": compile it once at startup, const trust = compileTrust("loopback"), and pass trust'
 */
export function trustArgumentError(trust: unknown): TypeError {
  if (trust === undefined || trust === null) return new TypeError('trust argument is required')
  const setting = describeValue(trust)
  return new TypeError(`trust argument must be a function that compileTrust returned, not the setting ${setting}: compile it once at startup, const trust = compileTrust(${setting}), and pass trust`)
}

/**
 * Which of its inputs `answersOf` took host and protocol from, for a reader that shows it
 * (explain): filled only when one is passed, so that resolving pays nothing for it. The choice is
 * made once, where the answer is made.
 */
export class AnswerSources {
  /** Whether protocol is a forwarded value (X-Forwarded-Proto, or Forwarded's proto=) rather than the socket's. */
  protocol = false
  /** Whether host is a forwarded value (X-Forwarded-Host, or Forwarded's host=) rather than Host or :authority. */
  host = false
  /** A forwarded host that `allowedHosts` refused (host is then the request's own). */
  refusedHost: string | undefined = undefined
  /** The X-Forwarded-Port text read (port is its value when valid); undefined when none was read. */
  portText: string | undefined = undefined
  /** The X-Forwarded-Prefix text read (prefix is it when valid); undefined when none was read. */
  prefixText: string | undefined = undefined
}

/** The answers for host and protocol as Express gives them, from whether the socket peer is trusted. */
function leftmost(req: RequestLike, ip: string | undefined, ips: string[], peerTrusted: boolean, sources: AnswerSources | null): ResolvedAddr {
  const protocol = leftmostProtocol(req, peerTrusted)
  const host = leftmostHost(req, peerTrusted)
  if (sources !== null) {
    // what leftmostProtocol and leftmostHost read: the header, when the peer is trusted and it is set
    sources.protocol = peerTrusted && headerValue(req.headers, 'x-forwarded-proto') !== ''
    sources.host = peerTrusted && headerValue(req.headers, 'x-forwarded-host') !== ''
  }
  return { ip, ips, host, hostname: host === undefined ? undefined : hostnameOf(host), protocol, secure: protocol === 'https' }
}

/**
 * Express's `req.protocol` once it has asked `trust(peer, 0)`: the first X-Forwarded-Proto value,
 * trimmed, when the peer is trusted, else the socket's own protocol.
 */
export function leftmostProtocol(req: RequestLike, peerTrusted: boolean): string {
  const socketProtocol = ownProtocol(req)
  if (!peerTrusted) return socketProtocol
  const header = headerValue(req.headers, 'x-forwarded-proto') || socketProtocol
  const comma = header.indexOf(',')
  return (comma === -1 ? header : header.substring(0, comma)).trim()
}

/**
 * Express 5's `req.host` once it has asked `trust(peer, 0)` (which it asks only when
 * X-Forwarded-Host is set): the first X-Forwarded-Host value when the peer is trusted, else `Host`.
 */
export function leftmostHost(req: RequestLike, peerTrusted: boolean): string | undefined {
  let host = headerValue(req.headers, 'x-forwarded-host')
  if (!host || !peerTrusted) {
    host = ownHost(req)
  } else {
    const comma = host.indexOf(',')
    if (comma !== -1) host = host.substring(0, comma).trimEnd()
  }
  return host || undefined
}

function ownProtocol(req: RequestLike): string {
  const socket = socketOf(req)
  return socket && socket.encrypted ? 'https' : 'http'
}

/** The Host header; for HTTP/2, whose requests may carry only `:authority`, that pseudo-header. */
function ownHost(req: RequestLike): string {
  return headerValue(req.headers, 'host') || headerValue(req.headers, ':authority')
}

/**
 * The answers a walk with `options` gives (`explain` builds its result with this too, passing
 * `sources` to learn which input each of host and protocol came from). Every hop
 * walked past is an address or, in lenient mode, text; only the hop where the walk stopped can have
 * none, and then `ips` is empty, so that its first element is never a proxy taken for the client.
 */
export function answersOf(req: RequestLike, options: ResolvedOptions, walked: Walked, sources: AnswerSources | null = null): ResolvedAddr {
  const ips: string[] = []
  if (walked.ip !== undefined) for (let k = walked.addrs.length - 1; k > 0; k--) ips.push(walked.addrs[k] as string)
  if (!options.aligned && options.source !== 'forwarded') {
    const answer = leftmost(req, walked.ip, ips, walked.peerTrusted, sources)
    if (options.allowedHosts === null && !options.forwardedPort && !options.forwardedPrefix) return answer
    const hostForwarded = walked.peerTrusted && headerValue(req.headers, 'x-forwarded-host') !== ''
    return withExtras(req, options, answer, walked, hostForwarded, sources)
  }

  // the values written by the outermost trusted proxy: the hop where the walk stopped
  const hop = walked.addrs.length - 1
  let forwardedProto: string | undefined
  let forwardedHost: string | undefined
  if (hop > 0 && options.source === 'forwarded') {
    forwardedProto = walked.element?.proto
    forwardedHost = walked.element?.host
  } else if (hop > 0) {
    forwardedProto = entryFromRight(headerValue(req.headers, 'x-forwarded-proto'), hop)
    forwardedHost = entryFromRight(headerValue(req.headers, 'x-forwarded-host'), hop)
  }
  const forwardedProtocol = forwardedProto === undefined ? undefined : normalizeProtocol(forwardedProto)
  const protocol = forwardedProtocol ?? ownProtocol(req)
  let host: string | undefined = forwardedHost
  const hostForwarded = host !== undefined && isValidHost(host)
  if (!hostForwarded) {
    const own = ownHost(req)
    host = isValidHost(own) ? own : undefined
  }
  if (sources !== null) {
    sources.protocol = forwardedProtocol !== undefined
    sources.host = hostForwarded
  }
  const answer: ResolvedAddr = {
    ip: walked.ip,
    ips,
    host,
    hostname: host === undefined ? undefined : hostnameOf(host),
    protocol,
    secure: protocol === 'https' || protocol === 'wss',
  }
  if (options.allowedHosts === null && !options.forwardedPort && !options.forwardedPrefix) return answer
  return withExtras(req, options, answer, walked, hostForwarded, sources)
}

/**
 * The answer with `allowedHosts` applied to a forwarded host, and `port` and `prefix` added when
 * asked: read from the hop host and protocol came from (`forwardedText`), kept only when valid.
 */
function withExtras(req: RequestLike, options: ResolvedOptions, answer: ResolvedAddr, walked: Walked, hostForwarded: boolean, sources: AnswerSources | null): ResolvedAddr {
  let { host, hostname } = answer
  if (options.allowedHosts !== null && hostForwarded && host !== undefined && !hostAllowed(options.allowedHosts, host)) {
    // as the request's own host is read in each mode: validated when aligned, as it stands otherwise
    const own = ownHost(req)
    const refused = host
    const validated = options.aligned || options.source === 'forwarded'
    host = (validated ? isValidHost(own) : own !== '') ? own : undefined
    hostname = host === undefined ? undefined : hostnameOf(host)
    if (sources !== null) {
      sources.host = false
      sources.refusedHost = refused
    }
  }
  const hop = walked.addrs.length - 1
  const portText = options.forwardedPort ? forwardedText(req, 'x-forwarded-port', options.aligned, hop, walked.peerTrusted) : undefined
  const prefixText = options.forwardedPrefix ? forwardedText(req, 'x-forwarded-prefix', options.aligned, hop, walked.peerTrusted) : undefined
  if (sources !== null) {
    sources.portText = portText
    sources.prefixText = prefixText
  }
  return {
    ...answer,
    host,
    hostname,
    ...(options.forwardedPort && { port: portText === undefined ? undefined : parsePort(portText) }),
    ...(options.forwardedPrefix && { prefix: prefixText !== undefined && isValidPrefix(prefixText) ? prefixText : undefined }),
  }
}

/** A host without its port, as Express reads it: after an IPv6 literal's `]`, up to the first `:`. */
export function hostnameOf(host: string): string {
  const offset = host.charCodeAt(0) === 0x5b ? host.indexOf(']') + 1 : 0 /* [ */
  const colon = host.indexOf(':', offset)
  return colon === -1 ? host : host.substring(0, colon)
}
