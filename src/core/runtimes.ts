// runtimes.ts: the connection's peer read each runtime's own way (Bun, Deno, Cloudflare Workers), as
// the request shape `resolveAddr` reads. Imports no Node built-in, so it loads in every runtime.

import { Kind, parseAddress } from './address.js'
import { fromFetch, type ConnectionInfo, type FetchRequestLike, type RequestLike } from './request.js'

/**
 * The part of Bun's `Server` read here: `server.requestIP(request)`, which answers the peer of the
 * request's connection, or `null` when it has none (a unix socket).
 * (https://bun.sh/docs/api/http, `server.requestIP`; the answer is a `SocketAddress`:
 * https://bun.sh/reference/bun/SocketAddress)
 */
export interface BunServerLike {
  requestIP(request: never): { readonly address: string } | null | undefined
}

/**
 * The part of Deno's `Deno.ServeHandlerInfo` read here: `remoteAddr`, a `Deno.NetAddr`
 * (`{ transport: 'tcp', hostname, port }`) or, on a unix socket, a `Deno.UnixAddr` (`{ transport:
 * 'unix', path }`). (https://docs.deno.com/api/deno/~/Deno.ServeHandlerInfo, `remoteAddr`)
 */
export interface DenoServeInfoLike {
  readonly remoteAddr?: { readonly transport?: string; readonly hostname?: string } | null | undefined
}

/** Scratch for checking that a header holds an address; written and read within one call. */
const words = new Int32Array(4)

/**
 * A Fetch `Request` served by `Bun.serve`, with its peer from `server.requestIP(request)`, the way
 * Bun gives it. A server without `requestIP`, or one that fails, gives no peer (nothing trusted, `ip`
 * undefined), never an exception. A unix socket's request has no peer.
 *
 * @example
 * const trust = compileTrust('loopback')
 * Bun.serve({ fetch: (request, server) => Response.json(resolveAddr(fromBun(request, server), trust)) })
 */
export function fromBun(request: FetchRequestLike, server: BunServerLike): RequestLike {
  return fromFetch(request, bunConnection(request, server))
}

/** A peer that is lost or unknown, never taken for a socket without an address (see `ConnectionInfo.lost`). */
const LOST: ConnectionInfo = { lost: true }

/**
 * The connection Bun's `server.requestIP(request)` describes; never throws. It answers null both for
 * a unix socket's request and for a closed one (bun-types, `Server.requestIP`: "If the request was
 * closed or is a unix socket, returns null"); the server's `port`, undefined only when it listens on
 * a unix socket (https://bun.sh/reference/bun/Server/port), tells them apart, so that a TCP client
 * that hangs up is lost, not socketless. A server without `requestIP`, or one that throws (a request
 * it did not serve), says nothing of the peer: lost too.
 */
export function bunConnection(request: FetchRequestLike, server: unknown): ConnectionInfo {
  try {
    const requestIP = (server as { requestIP?: unknown } | null | undefined)?.requestIP
    if (typeof requestIP !== 'function') return LOST
    const peer = (requestIP as (r: unknown) => unknown).call(server, request) as { address?: unknown } | null | undefined
    if (typeof peer?.address === 'string') return { remoteAddress: peer.address }
    return peer === null && (server as { port?: unknown }).port === undefined ? {} : LOST
  } catch {
    return LOST
  }
}

/**
 * A Fetch `Request` served by `Deno.serve`, with its peer from the handler's second argument
 * (`info.remoteAddr.hostname`), the way Deno gives it. A unix socket (`transport: 'unix'`) has no
 * peer address.
 *
 * @example
 * const trust = compileTrust('loopback')
 * Deno.serve((request, info) => Response.json(resolveAddr(fromDeno(request, info), trust)))
 */
export function fromDeno(request: FetchRequestLike, info: DenoServeInfoLike): RequestLike {
  return fromFetch(request, denoConnection(info))
}

/**
 * The connection Deno's `info.remoteAddr` describes: a unix socket (`transport: 'unix'`) has no peer
 * address; info without an address (none given, not Deno's) says nothing of the peer: lost.
 */
export function denoConnection(info: unknown): ConnectionInfo {
  const remote = (info as DenoServeInfoLike | null | undefined)?.remoteAddr
  if (remote && remote.transport === 'unix') return {}
  return remote && typeof remote.hostname === 'string' ? { remoteAddress: remote.hostname } : LOST
}

/**
 * A Fetch `Request` received by a Cloudflare Worker, which has no socket: its peer is the address in
 * `CF-Connecting-IP`, which Cloudflare's edge sets to the address of the client connecting to it
 * (https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip).
 * This holds only for a Worker served by Cloudflare: anywhere else (a local `workerd` reachable
 * directly, another platform) any client can send the header. A value that is not an address in
 * canonical form gives no peer (`ip` undefined, nothing trusted, even with `trustSocketless`: a
 * Worker has no unix socket, its peer is only unknown).
 *
 * @example
 * const trust = compileTrust('loopback')
 * export default { fetch: (request) => Response.json(resolveAddr(fromWorker(request), trust)) }
 */
export function fromWorker(request: FetchRequestLike): RequestLike {
  const remoteAddress = addressOrNothing(request.headers.get('cf-connecting-ip'))
  return fromFetch(request, remoteAddress === undefined ? LOST : { remoteAddress })
}

/**
 * `text` when it is one address in canonical form, else undefined: for a peer named by something
 * other than a socket (a header, a helper reading one), where a list, a name or a port must not
 * become the peer.
 */
export function addressOrNothing(text: unknown): string | undefined {
  return typeof text === 'string' && parseAddress(text, words, 0, -1, true) !== Kind.Invalid ? text : undefined
}
