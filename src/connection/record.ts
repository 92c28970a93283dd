// record.ts: what a connection that carried a PROXY header remembers, on the socket itself, under
// one registered symbol. The core reads it (request.ts, explain) without importing this layer: the
// symbol is the only contract, so a socket accepted by any copy of this package is understood.

import type { ProxyHeader } from './parse.js'

/**
 * The key of a socket's PROXY protocol record: `Symbol.for('proxy-trust.proxy-protocol')`. Present
 * (non-enumerable, read-only) on every socket `acceptProxyProtocol` let through with a header, on the
 * TCP socket and, under TLS, on the TLS socket above it.
 */
export const PROXY_PROTOCOL: unique symbol = Symbol.for('proxy-trust.proxy-protocol') as never

/** The balancer a PROXY header came from: the TCP peer, before the header named the client. */
export interface ProxyPeer {
  readonly address: string | undefined
  readonly port: number | undefined
  readonly family: string | undefined
}

/** What a connection accepted with a PROXY header carries under `PROXY_PROTOCOL`. */
export interface ProxyConnection {
  /** The header as parsed: version, command, family, source, destination and TLVs. */
  readonly header: ProxyHeader
  /** The balancer: the TCP peer that sent the header. */
  readonly peer: ProxyPeer
  /** Whether the announced source became the socket's peer (false for LOCAL, UNKNOWN, UNSPEC and UNIX). */
  readonly applied: boolean
  /** The rule of `from` that trusted the balancer (`loopback`, `10.0.0.0/8`, …). */
  readonly rule: string
}

/** The record on a socket, when it has one. */
export function proxyConnectionOf(socket: unknown): ProxyConnection | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined
  return (socket as { [PROXY_PROTOCOL]?: ProxyConnection })[PROXY_PROTOCOL]
}
