// opentelemetry.ts: the `proxy-trust/opentelemetry` entry: a `startIncomingSpanHook` for
// `@opentelemetry/instrumentation-http` whose span attributes name the client the walk found. It
// needs nothing from OpenTelemetry at run time: the attribute names are strings.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import './diagnostics/answers.js'
import type { TrustFn } from './core/compile.js'
import { describeValue } from './core/options.js'
import type { RequestLike } from './core/request.js'
import { resolveAddr } from './core/resolve.js'
import { NO_CLIENT, NO_SERVER, spanAttributesOf, type SpanAttributes } from './uses/attributes.js'

export type { SpanAttributes } from './uses/attributes.js'

/** Options for `incomingSpanHook`. */
export interface IncomingSpanHookOptions {
  /**
   * Also set `server.address` and `server.port` from the resolved host and `url.scheme` from the
   * resolved protocol. Turn it off when another part of the application sets them.
   * @default true
   */
  readonly server?: boolean | undefined
}

/**
 * A function for `HttpInstrumentation`'s `startIncomingSpanHook` that returns the span attributes
 * from `resolveAddr(request, trust)`: `client.address` (the resolved `ip`, when it is an IP address), `client.port` where the
 * hop that named the client carries one (the socket's port for a direct client, a Forwarded `for=`
 * port, an X-Forwarded-For port with `ports: true`), `server.address` and `server.port` (the resolved
 * host; `server.port` the answer's `port` when `forwardedPort` gave one) and `url.scheme` (the
 * resolved protocol). `network.peer.address` stays the socket's, as the
 * instrumentation sets it.
 *
 * The instrumentation alone takes `client.address` from the first `Forwarded` `for=`, else the
 * leftmost X-Forwarded-For entry, and `server.address` from `Forwarded` `host=` or X-Forwarded-Host,
 * whoever sent them; the hook's attributes replace those. An attribute the answer has no value for is
 * returned as `undefined`, which removes the instrumentation's own value instead of keeping a header's.
 * The hook never throws: a request it cannot answer (a custom trust function that throws) gets
 * `client.*` and `server.*` all `undefined`, so the span names no client rather than the headers' one.
 *
 * @param trust a predicate from `compileTrust(setting, options)` (or an adapter's `trust`).
 * @throws {TypeError} `incomingSpanHook: trust must be a function from compileTrust(setting, options), got <value>`,
 *   `incomingSpanHook: invalid option server: <value> (expected true or false)`,
 *   `incomingSpanHook: unknown option: <name> (expected server)`,
 *   `incomingSpanHook: invalid option options: <value> (expected an object)`.
 * @example
 * import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
 * import { compileTrust } from 'proxy-trust'
 * import { incomingSpanHook } from 'proxy-trust/opentelemetry'
 *
 * const trust = compileTrust('10.0.0.0/8', { hostAndProto: 'aligned' })
 * new HttpInstrumentation({ startIncomingSpanHook: incomingSpanHook(trust) })
 */
export function incomingSpanHook(trust: TrustFn, options: IncomingSpanHookOptions = {}): (request: RequestLike) => SpanAttributes {
  if (typeof trust !== 'function') {
    throw new TypeError(`incomingSpanHook: trust must be a function from compileTrust(setting, options), got ${describeValue(trust)}`)
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`incomingSpanHook: invalid option options: ${describeValue(options)} (expected an object)`)
  }
  // a misspelt `server: false` would leave the server attributes on, over another part's own
  for (const name of Object.keys(options)) {
    if (name !== 'server') throw new TypeError(`incomingSpanHook: unknown option: ${name} (expected server)`)
  }
  const server = options.server ?? true
  if (typeof server !== 'boolean') {
    throw new TypeError(`incomingSpanHook: invalid option server: ${describeValue(server)} (expected true or false)`)
  }
  const unknown: SpanAttributes = server ? { ...NO_CLIENT, ...NO_SERVER } : NO_CLIENT
  return (request) => {
    try {
      return spanAttributesOf(request, trust, resolveAddr(request, trust), server)
    } catch {
      // only a custom trust function that throws gets here: the instrumentation would swallow the
      // error and keep what it read from the headers, which is what this hook exists to replace
      return unknown
    }
  }
}
