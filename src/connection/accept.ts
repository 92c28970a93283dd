// accept.ts: acceptProxyProtocol, which makes a server read a PROXY header at the start of each
// connection from a trusted balancer, before HTTP, TLS or HTTP/2 see a byte, and gives the socket
// the announced client as its peer. Trust is decided by the TCP peer alone, compiled once from
// `from`: the specification (doc/proxy-protocol.txt, section 5) warns that a header accepted from
// anyone lets any client "appear as coming from somewhere else".

import net from 'node:net'
import tls from 'node:tls'
import { compileTrust, reasonFor, type TrustFn, type TrustSetting } from '../core/compile.js'
import { parseProxyHeader, proxySignature, V2_MAX, type ProxyHeader } from './parse.js'
import { PROXY_PROTOCOL, type ProxyConnection, type ProxyPeer } from './record.js'

/**
 * What a trusted peer (one in `from`) must send: `require`, a valid header, or the connection is
 * closed; `optional`, a header or none (a connection without one keeps the balancer's address).
 */
export type ProxyPolicy = 'require' | 'optional'

/**
 * What happens to a peer outside `from`, whose header is never believed: `reject`, the connection is
 * closed at once; `ignore`, it is served as a plain connection with its own address, but closed if
 * it begins with a PROXY header.
 */
export type UntrustedPolicy = 'reject' | 'ignore'

/** How `acceptProxyProtocol` reads headers. */
export interface ProxyProtocolOptions {
  /**
   * The balancers allowed to send a header, judged by the TCP peer address: a trust setting as
   * `compileTrust` takes it (addresses, subnets, range names such as `loopback` or `private`, or a
   * list of them, or a function of the address), compiled once. Required; `true`, a hop count,
   * `false` and `null` are refused, as they would trust every peer or none.
   */
  readonly from: TrustSetting
  /** What a peer in `from` must send. @default 'require' */
  readonly policy?: ProxyPolicy | undefined
  /** What is done with a peer outside `from`. @default 'reject' */
  readonly untrusted?: UntrustedPolicy | undefined
  /**
   * Milliseconds a connection has to deliver its header; a slower one is closed. The specification
   * asks for "at least 3 seconds to cover a TCP retransmit" (section 2). @default 5000
   */
  readonly timeout?: number | undefined
  /**
   * The longest version 2 header accepted, in bytes (108 to 65551); a longer one closes the
   * connection. A version 1 line is at most 107 bytes whatever this says. @default 4096
   */
  readonly maxHeaderBytes?: number | undefined
}

const INSTALLED = Symbol('proxy-trust.accept-proxy-protocol')
const MIN_HEADER_BYTES = 108

interface Settings {
  readonly trust: TrustFn
  readonly policy: ProxyPolicy
  readonly untrusted: UntrustedPolicy
  readonly timeout: number
  readonly maxHeaderBytes: number
}

/**
 * Make `server` read a PROXY protocol header (version 1 or 2) at the start of every connection from
 * a peer in `from`, and give the socket the client the header announces: `socket.remoteAddress`,
 * `remotePort` and `remoteFamily` become the client's, so Express's `req.ip`, Fastify's and Koa's
 * answer from it unchanged, and this package's walk starts there. The header is read before the
 * server's own `connection` listeners run, so it works for `net`, `http`, `https` (the header comes
 * before the TLS handshake) and `http2` servers, before or after `listen`. A malformed, oversized or
 * too-slow header closes that connection only. The parsed header is on the socket under
 * `PROXY_PROTOCOL` (see `proxyProtocolOf`). Returns `server`.
 *
 * @throws {TypeError} when `server` is not a `net.Server`, already accepts the protocol, or an
 * option is invalid; each message names the value and what to do.
 * @example
 * import express from 'express'
 * import { acceptProxyProtocol } from 'proxy-trust/proxy-protocol'
 * const app = express()
 * app.get('/', (req, res) => res.send(req.ip))
 * acceptProxyProtocol(app.listen(8080), { from: '10.0.0.0/8' }) // the balancers' subnet
 */
export function acceptProxyProtocol<S extends net.Server>(server: S, options: ProxyProtocolOptions): S {
  if (!(server instanceof net.Server)) {
    throw new TypeError(
      `acceptProxyProtocol: server must be a net.Server (from net, http, https or http2), got ${describe(server)}; ` +
      'pass the server a framework listens on (app.listen() for Express and Koa, fastify.server, the server Hono\'s serve() returns)',
    )
  }
  if ((server as { [INSTALLED]?: true })[INSTALLED]) {
    throw new TypeError('acceptProxyProtocol: this server already accepts the PROXY protocol; call acceptProxyProtocol once per server')
  }
  const settings = resolveSettings(options)
  Object.defineProperty(server, INSTALLED, { value: true })
  // the server's own emit, typed loosely: the event names of its subclasses differ
  const emit = server.emit as (this: S, event: string | symbol, ...args: unknown[]) => boolean
  const secure = server instanceof tls.Server
  // a TLS socket is made from the TCP one inside the server's own connection listener, out of reach;
  // it is found again when the handshake ends by the TCP peer's address and port, unique among the
  // live connections of one listening socket
  const pending = secure ? new Map<string, ProxyConnection>() : undefined
  // every event of the server passes here, each HTTP request among them: the others are handed on
  // with `arguments` as they came, without an array of their own (a declaration, so that the build's
  // minifier keeps the name a stack trace shows)
  server.emit = emitWithProxyProtocol
  return server

  function emitWithProxyProtocol(this: S, event: string | symbol, first?: unknown): boolean {
    if (event === 'connection') {
      const socket = first as net.Socket
      accept(socket, settings, pending, () => emit.call(this, 'connection', socket))
      return true
    }
    if (pending !== undefined && pending.size > 0) {
      if (event === 'secureConnection') announcePending(pending, first as tls.TLSSocket, true)
      // the events that hand the TLS socket over before the handshake ends (its second argument):
      // a failed handshake's, whose log would otherwise name the balancer, and the key log's
      // eslint-disable-next-line prefer-rest-params -- read in place, see above
      else if (event === 'tlsClientError' || event === 'keylog') announcePending(pending, arguments[2] as tls.TLSSocket, false)
    }
    // eslint-disable-next-line prefer-rest-params -- forwarded as received, see above
    return Reflect.apply(emit, this, arguments) as boolean
  }
}

/**
 * Give a TLS socket the record its TCP socket was accepted with, found by the TCP peer; `done` when
 * the handshake has ended, so that the record is not looked up again.
 */
function announcePending(pending: Map<string, ProxyConnection>, socket: tls.TLSSocket, done: boolean): void {
  // the TCP peer as the socket's own getters read it, since an earlier event may have announced it
  const key = peerKey(PEER_ADDRESS.call(socket) as string | undefined, PEER_PORT.call(socket) as number | undefined)
  const record = pending.get(key)
  if (record === undefined) return
  if (done) pending.delete(key)
  announce(socket, record)
}

/** The options validated once; each `TypeError` names the value and says what to pass. */
function resolveSettings(options: ProxyProtocolOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`acceptProxyProtocol: options must be an object with from (the balancers' addresses), got ${describe(options)}`)
  }
  if (options.from === undefined) {
    throw new TypeError("acceptProxyProtocol: options.from is required: the balancers allowed to send a PROXY header, such as '10.0.0.0/8' or 'loopback'")
  }
  // Express's other trust settings mean nothing here: `true` or a hop count (any number trusts hop 0)
  // would believe a header from every peer, the spoofing hole of section 5; false or null, from none
  const { from } = options
  if (typeof from === 'boolean' || typeof from === 'number' || from === null) {
    throw new TypeError(
      "acceptProxyProtocol: options.from must name the balancers allowed to send a PROXY header (addresses, subnets, range names such as 'loopback', a list of them, or a function of the address); " +
      `true or a hop count would believe a header from every peer, false or null from none; got ${describe(from)}`,
    )
  }
  const { policy = 'require', untrusted = 'reject', timeout = 5000, maxHeaderBytes = 4096 } = options
  if (policy !== 'require' && policy !== 'optional') {
    throw new TypeError(`acceptProxyProtocol: options.policy must be 'require' or 'optional', got ${describe(policy)}`)
  }
  if (untrusted !== 'reject' && untrusted !== 'ignore') {
    throw new TypeError(`acceptProxyProtocol: options.untrusted must be 'reject' or 'ignore', got ${describe(untrusted)}`)
  }
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 0x7fffffff) {
    throw new TypeError(`acceptProxyProtocol: options.timeout must be a number of milliseconds above 0 and at most 2147483647 (the longest timer Node keeps), got ${describe(timeout)}`)
  }
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < MIN_HEADER_BYTES || maxHeaderBytes > V2_MAX) {
    throw new TypeError(`acceptProxyProtocol: options.maxHeaderBytes must be an integer from ${MIN_HEADER_BYTES} to ${V2_MAX}, got ${describe(maxHeaderBytes)}`)
  }
  return { trust: compileTrust(from), policy, untrusted, timeout, maxHeaderBytes }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'no constructor'})`
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value
}

/** net.Socket's own getters of the peer, which `announce` shadows on the socket. */
const PEER_ADDRESS = getter('remoteAddress')
const PEER_PORT = getter('remotePort')

function getter(name: 'remoteAddress' | 'remotePort'): () => unknown {
  return (Object.getOwnPropertyDescriptor(net.Socket.prototype, name) as PropertyDescriptor).get as () => unknown
}

function peerKey(address: string | undefined, port: number | undefined): string {
  return `${address} ${port}`
}

/**
 * Read what the connection begins with, then hand the socket on (`next`) with its new peer, or close
 * it. Every path ends in exactly one of the two; nothing here throws out of the server's event.
 */
function accept(socket: net.Socket, settings: Settings, pending: Map<string, ProxyConnection> | undefined, next: () => void): void {
  const peer: ProxyPeer = { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
  const trusted = peer.address !== undefined && settings.trust(peer.address, 0)
  if (!trusted && settings.untrusted === 'reject') {
    socket.destroy()
    return
  }
  // what has arrived, in a store that doubles when full: each byte is copied in once, and the growths
  // copy at most as many bytes again as the store ends up holding, so a header that comes a byte at a
  // time (up to maxHeaderBytes, 65,551) costs linear copying, not a concatenation of all so far per byte
  let store: Buffer | undefined
  let used = 0
  let finished = false
  let handed = false
  const timer = setTimeout(() => close(), settings.timeout)
  timer.unref()

  const cleanup = (): void => {
    finished = true
    clearTimeout(timer)
    socket.removeListener('readable', onReadable)
    socket.removeListener('error', close)
    socket.removeListener('end', close)
  }
  function close(): void {
    cleanup()
    socket.destroy()
  }
  function handOn(rest: Buffer, record: ProxyConnection | undefined): void {
    cleanup()
    if (record !== undefined) {
      announce(socket, record)
      if (pending !== undefined) {
        const key = peerKey(peer.address, peer.port)
        pending.set(key, record)
        socket.once('close', () => pending.delete(key))
      }
    }
    if (rest.length > 0) socket.unshift(rest)
    handed = true
  }
  /** Decide on the bytes so far: hand the connection on, close it, or wait for more. */
  function decide(bytes: Buffer): void {
    if (!trusted || settings.policy === 'optional') {
      const signature = proxySignature(bytes)
      if (signature === 'partial') return
      if (signature === 'no') {
        handOn(bytes, undefined)
        return
      }
      // a header from a peer outside `from` is never believed, nor passed on as data
      if (!trusted) {
        close()
        return
      }
    }
    const result = parseProxyHeader(bytes, settings.maxHeaderBytes)
    // partial means fewer bytes than the header's length, which parseProxyHeader holds to maxHeaderBytes
    if (result.state === 'partial') return
    if (result.state === 'invalid') {
      close()
      return
    }
    handOn(bytes.subarray(result.length), record(result.header, peer, settings.trust))
  }
  /** The bytes so far, with `chunk` after them. */
  function append(chunk: Buffer): Buffer {
    if (store === undefined) {
      store = chunk
    } else {
      if (used + chunk.length > store.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * store.length, used + chunk.length))
        store.copy(grown, 0, 0, used)
        store = grown
      }
      chunk.copy(store, used)
    }
    used += chunk.length
    return store.subarray(0, used)
  }
  function onReadable(): void {
    try {
      let chunk: Buffer | null
      while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
        decide(append(chunk))
      }
    } catch /* v8 ignore start */ {
      // unreachable: the parser never throws (fuzzed and property-tested); this keeps a bug in it
      // from becoming an uncaught exception that would stop the whole server
      close()
    } /* v8 ignore stop */
    // outside the try: an exception from the server's own listeners is theirs, as without this layer
    if (handed) next()
  }
  socket.on('error', close)
  socket.on('end', close)
  socket.on('readable', onReadable)
}

/** The record a socket keeps, and whether the header's source replaces the TCP peer. */
function record(header: ProxyHeader, peer: ProxyPeer, trust: TrustFn): ProxyConnection {
  const applied = header.command === 'proxy' && (header.family === 'IPv4' || header.family === 'IPv6')
  let rule: string | undefined
  return {
    header, peer, applied,
    // the rule is only wanted by explain and the whoami page: worked out when first read
    get rule(): string {
      rule ??= reasonFor(trust, peer.address, 0).rule
      return rule
    },
  }
}

/** Give the socket its record and, when the header names the client, the client as its peer. */
function announce(socket: net.Socket, record: ProxyConnection): void {
  Object.defineProperty(socket, PROXY_PROTOCOL, { value: record, configurable: true })
  if (!record.applied) return
  const source = record.header.source as { readonly address: string; readonly port: number }
  Object.defineProperty(socket, 'remoteAddress', { value: source.address, configurable: true })
  Object.defineProperty(socket, 'remotePort', { value: source.port, configurable: true })
  Object.defineProperty(socket, 'remoteFamily', { value: record.header.family, configurable: true })
}
