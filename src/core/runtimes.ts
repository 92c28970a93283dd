// runtimes.ts: the connection's peer read each runtime's own way (Bun, Deno, Cloudflare Workers), as
// the request shape `resolveAddr` reads. Imports no Node built-in, so it loads in every runtime.

import { Kind, parseAddress } from './address.js'
import { fromFetch, type FetchRequestLike, type RequestLike } from './request.js'

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
  return fromFetch(request, { remoteAddress: bunAddress(request, server) })
}

/** The peer address Bun's `server.requestIP(request)` answers, or undefined; never throws. */
export function bunAddress(request: FetchRequestLike, server: unknown): string | undefined {
  try {
    const requestIP = (server as { requestIP?: unknown } | null | undefined)?.requestIP
    if (typeof requestIP !== 'function') return undefined
    const peer = (requestIP as (r: unknown) => unknown).call(server, request) as { address?: unknown } | null | undefined
    return typeof peer?.address === 'string' ? peer.address : undefined
  } catch {
    // a request this server did not serve (requestIP throws for it): no peer, as for a unix socket
    return undefined
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
  return fromFetch(request, { remoteAddress: denoAddress(info) })
}

/** The peer address in Deno's `info.remoteAddr`, or undefined for a unix socket or no info. */
export function denoAddress(info: unknown): string | undefined {
  const remote = (info as DenoServeInfoLike | null | undefined)?.remoteAddr
  return remote && remote.transport !== 'unix' && typeof remote.hostname === 'string' ? remote.hostname : undefined
}

/**
 * A Fetch `Request` received by a Cloudflare Worker, which has no socket: its peer is the address in
 * `CF-Connecting-IP`, which Cloudflare's edge sets to the address of the client connecting to it
 * (https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip).
 * This holds only for a Worker served by Cloudflare: anywhere else (a local `workerd` reachable
 * directly, another platform) any client can send the header. A value that is not an address in
 * canonical form gives no peer (`ip` undefined, nothing trusted).
 *
 * @example
 * const trust = compileTrust('loopback')
 * export default { fetch: (request) => Response.json(resolveAddr(fromWorker(request), trust)) }
 */
export function fromWorker(request: FetchRequestLike): RequestLike {
  return fromFetch(request, { remoteAddress: addressOrNothing(request.headers.get('cf-connecting-ip')) })
}

/**
 * `text` when it is one address in canonical form, else undefined: for a peer named by something
 * other than a socket (a header, a helper reading one), where a list, a name or a port must not
 * become the peer.
 */
export function addressOrNothing(text: unknown): string | undefined {
  return typeof text === 'string' && parseAddress(text, words, 0, -1, true) !== Kind.Invalid ? text : undefined
}
