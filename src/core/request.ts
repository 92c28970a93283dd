// request.ts: the request shapes the library reads (Node's IncomingMessage and Http2ServerRequest,
// or a Fetch Request with its connection details) and the two things it reads from them: the
// socket and header values.

/** The parts of a socket the library reads. */
export interface SocketLike {
  readonly remoteAddress?: string | undefined
  readonly encrypted?: boolean | undefined
  /** Whether the connection has closed (Node's `socket.destroyed`): its peer address is then lost. */
  readonly destroyed?: boolean | undefined
}

/**
 * Header values as Node gives them (lower-case names, repeated lines joined or listed), or a Fetch
 * `Headers` object.
 */
export type HeadersLike =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null }

/**
 * Anything shaped like a Node `IncomingMessage`: a socket (or the older `connection` alias) and
 * lower-cased headers.
 */
export interface RequestLike {
  readonly socket?: SocketLike | null | undefined
  readonly connection?: SocketLike | null | undefined
  readonly headers?: HeadersLike | null | undefined
}

/** The socket, preferring `req.socket` over the deprecated `req.connection` as forwarded 0.2.0 does. */
export function socketOf(req: RequestLike): SocketLike | null | undefined {
  return req.socket ? req.socket : req.connection
}

/**
 * Whether a request comes from a peer that has no socket address, which `trustSocketless` trusts: a
 * request shape without a socket, or a socket without an address whose connection is still open and
 * which no IP listener accepted (a server on a unix socket or a pipe). Not a TCP socket whose peer
 * has gone: once a client closes, Node's `socket.remoteAddress` becomes undefined, and trusting that
 * would let any client that hangs up mid-request write its own address. A closed socket (Node sets
 * `destroyed`) and a socket whose server reports an IP address (`server.address()` is an object, not
 * a path) are therefore never socketless.
 */
export function socketless(socket: SocketLike | null | undefined): boolean {
  if (!socket) return true
  if (socket.remoteAddress !== undefined || socket.destroyed === true) return false
  // Node's net.Socket holds the server that accepted it; a unix socket's or pipe's address is a path
  const server = (socket as { readonly server?: { address?: unknown } | null }).server
  if (!server || typeof server.address !== 'function') return true
  return typeof (server.address as () => unknown)() !== 'object'
}

/**
 * A header as one string. Node joins repeated lines of these headers with ", "; a list (from other
 * request shapes) is joined the same way, and anything else counts as absent.
 */
export function headerValue(headers: HeadersLike | null | undefined, name: string): string {
  if (!headers) return ''
  const value = (headers as Readonly<Record<string, unknown>>)[name]
  return typeof value === 'string' ? value : unusualValue(headers, value, name)
}

/**
 * `headerValue(headers, 'x-forwarded-for')`, as the walks read it on every request. The name is
 * written out so that the read is a plain property load, not one keyed by a name that varies.
 */
export function forwardedFor(headers: HeadersLike | null | undefined): string {
  if (!headers) return ''
  const value = (headers as Readonly<Record<string, unknown>>)['x-forwarded-for']
  return typeof value === 'string' ? value : unusualValue(headers, value, 'x-forwarded-for')
}

/** A header whose value is not a string: absent, a list, or held by a Fetch `Headers` object. */
function unusualValue(headers: HeadersLike, value: unknown, name: string): string {
  if (value === undefined) {
    // a Fetch Headers object joins repeated lines itself, and throws for pseudo-header names such as
    // :authority, which it never holds; a Node header named "get" is a string, not a function
    if (typeof headers.get !== 'function' || name.charCodeAt(0) === 0x3a) return '' /* : */
    return (headers as { get(name: string): string | null }).get(name) ?? ''
  }
  if (Array.isArray(value)) return joinList(value)
  return ''
}

/** A list joined as Node joins repeated lines; a list that cannot be (a symbol in it) counts as absent. */
function joinList(list: readonly unknown[]): string {
  try {
    return list.join(', ')
  } catch {
    return ''
  }
}

/** A Fetch API `Request`, or anything with its `headers` and `url`. */
export interface FetchRequestLike {
  readonly headers: { get(name: string): string | null }
  readonly url: string
}

/** What a Fetch handler knows of the connection, which the `Request` itself does not carry. */
export interface ConnectionInfo {
  /** The peer address of the connection, as the server reports it. */
  readonly remoteAddress?: string | undefined
  /** Whether the connection is TLS. @default whether the request URL is `https:` */
  readonly encrypted?: boolean | undefined
  /**
   * Whether a missing `remoteAddress` is a peer that is lost rather than one that never had an
   * address: the connection has closed (Bun's `server.requestIP` answers null for a closed request
   * as for a unix socket) or the runtime cannot say who the peer is. `trustSocketless` trusts a
   * socket without an address (a unix socket), never a lost peer, which would let a client that
   * hangs up choose its own address (see `socketless`).
   * @default false
   */
  readonly lost?: boolean | undefined
}

/**
 * Adapt a Fetch API `Request` (Hono, Bun, Deno, Next.js-style handlers) to the shape `resolveAddr`
 * reads. The remote address and TLS flag come from the server, as the Request does not carry them.
 * The `Host` header, which some runtimes leave out of `request.headers`, falls back to the URL's host.
 *
 * @example
 * Bun.serve({ fetch: (request, server) =>
 *   new Response(resolveAddr(fromFetch(request, { remoteAddress: server.requestIP(request)?.address }), trust).ip) })
 */
export function fromFetch(request: FetchRequestLike, connection: ConnectionInfo = {}): RequestLike {
  const headers = request.headers
  let url: URL | undefined
  const parsed = (): URL | undefined => {
    if (url === undefined) {
      try {
        url = new URL(request.url)
      } catch {
        return undefined
      }
    }
    return url
  }
  return {
    socket: {
      remoteAddress: connection.remoteAddress,
      encrypted: connection.encrypted ?? parsed()?.protocol === 'https:',
      // a lost peer is what a closed socket's is to `socketless`: gone, not absent
      destroyed: connection.lost,
    },
    headers: {
      get: (name: string) => headers.get(name) ?? (name === 'host' ? parsed()?.host ?? null : null),
    },
  }
}

/**
 * What the core reads of a connection that began with a PROXY protocol header: the record that
 * `acceptProxyProtocol` (src/connection/) puts on the socket under the registered symbol
 * `Symbol.for('proxy-trust.proxy-protocol')`. The symbol is the whole contract, so the core never
 * imports that layer, and a socket accepted by another copy of the package is read the same way.
 */
export interface ProxyProtocolRecord {
  readonly header: { readonly version: 1 | 2; readonly command: 'proxy' | 'local' }
  /** The balancer: the TCP peer that sent the header. */
  readonly peer: { readonly address: string | undefined }
  /** Whether the header's source became the socket's peer. */
  readonly applied: boolean
  /** The rule of the `from` setting that trusted the balancer. */
  readonly rule: string
}

const PROXY_PROTOCOL = Symbol.for('proxy-trust.proxy-protocol')

/** The PROXY protocol record of a request's socket, when its connection began with a header. */
export function proxyProtocolOf(req: RequestLike): ProxyProtocolRecord | undefined {
  const socket = socketOf(req) as { [PROXY_PROTOCOL]?: ProxyProtocolRecord } | null | undefined
  return socket ? socket[PROXY_PROTOCOL] : undefined
}
