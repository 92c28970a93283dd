// attributes.ts: one request's answer as the OpenTelemetry HTTP server span attributes that name the
// client, the server and the scheme, so that traces name the client the walk found, not the one a
// header claims.
//
// Attribute names and meanings: OpenTelemetry semantic conventions, HTTP spans, "HTTP server"
// (https://github.com/open-telemetry/semantic-conventions/blob/main/docs/http/http-spans.md):
// `client.address` is "the IP address of the original client behind all proxies, if known (e.g.
// from Forwarded#for, X-Forwarded-For, or a similar header). Otherwise, the immediate client peer
// address"; `server.address` / `server.port` come from "the original host which may be passed by the
// reverse proxy in the Forwarded#host, X-Forwarded-Host, or a similar header", else `:authority`, else
// `Host` ("Setting server.address and server.port attributes"); `network.peer.address` is the socket.

import { Kind, parseAddress } from '../core/address.js'
import { normalizeProtocol, isValidHost } from '../core/authority.js'
import { compiledOf, type TrustFn } from '../core/compile.js'
import { hostnameOf, type ResolvedAddr } from '../core/resolve.js'
import { socketOf, type RequestLike } from '../core/request.js'
import { parseNode } from '../core/rfc7239.js'
import { hopsOf } from '../core/sources/hops.js'

/** The attribute names, as strings: nothing from OpenTelemetry is imported at run time. */
export const CLIENT_ADDRESS = 'client.address'
export const CLIENT_PORT = 'client.port'
export const SERVER_ADDRESS = 'server.address'
export const SERVER_PORT = 'server.port'
export const URL_SCHEME = 'url.scheme'

/**
 * The attributes one request's answer gives. A key whose value is `undefined` is still present, so
 * that merged over what an instrumentation read from the headers itself (`Object.assign`, as
 * `@opentelemetry/instrumentation-http` merges its `startIncomingSpanHook` result) it removes that
 * value rather than leaving a client-chosen one in place: the SDK's `setAttribute` skips `undefined`.
 */
// a type, not an interface, so that it is assignable to OpenTelemetry's `Attributes` (an index signature)
export type SpanAttributes = {
  readonly 'client.address': string | undefined
  readonly 'client.port': number | undefined
  readonly 'server.address'?: string | undefined
  readonly 'server.port'?: number | undefined
  readonly 'url.scheme'?: string
}

const scratch = new Int32Array(4)

/** The client attributes of a request with no answer: each removes the instrumentation's own. */
export const NO_CLIENT: SpanAttributes = Object.freeze({ [CLIENT_ADDRESS]: undefined, [CLIENT_PORT]: undefined })
/** The server attributes of a request with no answer. */
export const NO_SERVER: Omit<SpanAttributes, typeof CLIENT_ADDRESS | typeof CLIENT_PORT> = Object.freeze({ [SERVER_ADDRESS]: undefined, [SERVER_PORT]: undefined })

/**
 * The span attributes for `req` from its answer `answer = resolveAddr(req, trust)`: `client.address`
 * the resolved `ip`, `client.port` where the hop that named the client carries one, and, with
 * `server` (default true), `server.address` and `server.port` from the resolved host (`server.port`
 * the answer's `port` when `forwardedPort` gave one) and `url.scheme` from the resolved protocol. A host that is not an RFC 3986 host (with `hostAndProto:
 * 'leftmost'`, Express's, a trusted proxy's X-Forwarded-Host is passed on as it stands) gives no
 * server attributes; a protocol other than http, https, ws and wss gives the socket's own.
 */
export function spanAttributesOf(req: RequestLike, trust: TrustFn, answer: ResolvedAddr, server: boolean): SpanAttributes {
  // client.address is an IP address: with Express's compatible addresses and a setting that walks
  // past any text (`true`, a hop count), `ip` can be a client entry that is none
  const ip = parseAddress(answer.ip, scratch) === Kind.Invalid ? undefined : answer.ip
  const client = { [CLIENT_ADDRESS]: ip, [CLIENT_PORT]: ip === undefined ? undefined : clientPortOf(req, trust, answer) }
  if (!server) return client
  const scheme = normalizeProtocol(answer.protocol) ?? (socketOf(req)?.encrypted === true ? 'https' : 'http')
  const host = answer.host
  if (host === undefined || !isValidHost(host)) {
    return { ...client, [SERVER_ADDRESS]: undefined, [SERVER_PORT]: undefined, [URL_SCHEME]: scheme }
  }
  const hostname = hostnameOf(host)
  // an IPv6 literal is named without its brackets: server.address is "IP address" when not a name
  const address = hostname.charCodeAt(0) === 0x5b ? hostname.substring(1, hostname.length - 1) : hostname /* [ */
  // with forwardedPort, the X-Forwarded-Port a trusted proxy wrote is the port the client used (the
  // Host beside it may be the proxy's own upstream, `backend:3000`), as `resolveAddr` answers it
  const port = answer.port ?? (host.length > hostname.length ? portNumber(host.substring(hostname.length + 1)) : DEFAULT_PORTS[scheme])
  return { ...client, [SERVER_ADDRESS]: address, [SERVER_PORT]: port, [URL_SCHEME]: scheme }
}

/**
 * Each scheme's default port, for a host without one: what the instrumentation itself records for a
 * `Host` without a port (its `parseHostHeader` gives 80 for http and 443 for https), and RFC 6455
 * section 3 for ws and wss.
 */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443 }

/**
 * The client's port, where the hop that named the client carries one: the socket's own port when the
 * client is the socket peer; a Forwarded `for=` node's port (RFC 7239 section 6, `"[2001:db8::1]:4711"`)
 * with `source: 'forwarded'`; an X-Forwarded-For entry's port with `ports: true`. Only the hops the
 * walk read are read again, up to and including the client's, never one left of it.
 */
export function clientPortOf(req: RequestLike, trust: TrustFn, answer: ResolvedAddr): number | undefined {
  if (answer.ip === undefined) return undefined
  // ips holds every hop walked after the socket peer, the client's first: its length is the client's hop
  const hop = answer.ips.length
  if (hop === 0) {
    const port = (socketOf(req) as { readonly remotePort?: unknown } | null | undefined)?.remotePort
    return typeof port === 'number' ? port : undefined
  }
  // a predicate from another copy of this package keeps its options there: no port is known here
  const options = compiledOf(trust)?.options
  if (options === undefined || options.source === 'header' || (options.source === 'x-forwarded-for' && !options.ports)) return undefined
  const hops = hopsOf(req, options)
  for (let k = 0; k < hop; k++) hops.next()
  const received = hops.received as string
  if (options.source === 'forwarded') {
    const port = parseNode(received).port
    return port === undefined ? undefined : portNumber(port)
  }
  // with ports, the hop's text is the entry without its port: `1.2.3.4:80`, `[2001:db8::1]:443`
  if (hops.text === received) return undefined
  return portNumber(received.substring(received.lastIndexOf(':') + 1))
}

/**
 * A port written in digits, 1 to 65535; anything else (an obfuscated `_p1`, an empty text) is none.
 * The sources already hold a port to five digits (RFC 7239 section 6 `port = 1*5DIGIT`).
 */
function portNumber(text: string): number | undefined {
  let port = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined /* 0-9 */
    port = port * 10 + c - 0x30
  }
  return port >= 1 && port <= 65535 ? port : undefined
}
