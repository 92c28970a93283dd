// fastify.ts: proxy-trust for Fastify 5: a plugin that decorates every request with the full
// `resolveAddr` answer (`request.trustProxy`), and the compiled predicate to give Fastify's own
// `trustProxy` option.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import type { FastifyPluginCallback, FastifyRequest, onRequestHookHandler } from 'fastify'
import { compileTrust, type TrustFn, type TrustSetting } from '../core/compile.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import { compileIpFilter, compileTrustedPeerCheck, pathOf, refusalText, type IpFilterOptions, type TrustedPeerOptions } from '../uses/filter.js'
import { monitorFor, splitOptions, type AdapterOptions } from './warn.js'

export type { AdapterOptions, WarnOption } from './warn.js'
export type { IpFilterOptions, TrustedPeerOptions } from '../uses/filter.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who sent the request, over which protocol, to which host, as Express would answer with the
     * same trust setting (and options). Computed on each read: read it once per request.
     */
    readonly trustProxy: ResolvedAddr
  }
}

/** The plugin `trustProxy` returns: register it, and give `trust` to Fastify's `trustProxy` option. */
export interface FastifyTrustProxy extends FastifyPluginCallback {
  /** The compiled predicate, for `Fastify({ trustProxy: plugin.trust })`. */
  readonly trust: TrustFn
}

/**
 * A Fastify plugin that adds `request.trustProxy`: `resolveAddr(request.raw, trust)` with
 * `trust = compileTrust(setting, options)`, the same answers as Express's getters (`ips` farthest
 * first without the socket peer, `host` and `protocol` from the first X-Forwarded-Host and -Proto
 * values unless `hostAndProto: 'aligned'`). Like a plugin wrapped in fastify-plugin, it decorates the
 * context it is registered in (the whole application, when registered at the root).
 *
 * Fastify's own `request.ip`, `ips`, `host` and `protocol` follow its `trustProxy` option: give it
 * `plugin.trust` and `request.ip` equals `request.trustProxy.ip` in default mode, unless
 * X-Forwarded-For holds a tab, or is one entry with white space other than spaces at its ends:
 * Fastify's parser strips those, Express's does not. Options beyond
 * Express's (`source`, `ports`, `addresses: 'strict'`, `normalize`, `hostAndProto`) reach
 * `request.trustProxy` only, since Fastify walks X-Forwarded-For itself.
 *
 * With `warn` (on by default) an `onRequest` hook also watches live traffic for signs of a wrong
 * setting and reports each once (see `createMonitor`); `warn: false` turns that off, a function
 * receives the warnings.
 *
 * Traces: `@fastify/otel` adds its spans under the HTTP server span that
 * `@opentelemetry/instrumentation-http` creates; give that instrumentation
 * `incomingSpanHook(plugin.trust)` (`proxy-trust/opentelemetry`) so that the server span names the
 * same client as `request.trustProxy`.
 *
 * @throws {TypeError} `invalid option warn: <value> (expected true, false or a function)`, and
 *   `compileTrust`'s errors for the setting and options.
 * @example
 * const proxy = trustProxy('10.0.0.0/8', { source: 'forwarded' })
 * const app = Fastify({ trustProxy: proxy.trust })
 * await app.register(proxy)
 * app.get('/', (request) => ({ ip: request.trustProxy.ip }))
 */
export function trustProxy(setting: TrustSetting, options?: AdapterOptions): FastifyTrustProxy {
  const { trustOptions, warn } = splitOptions(options)
  const trust = compileTrust(setting, trustOptions)
  const monitor = monitorFor(trust, warn)
  const plugin: FastifyPluginCallback = (fastify, _options, done) => {
    if (monitor !== undefined) {
      fastify.addHook('onRequest', (request, _reply, next) => {
        monitor(request.raw)
        next()
      })
    }
    fastify.decorateRequest('trustProxy', {
      getter(this: FastifyRequest) {
        // with warn, the walk that answers is the monitor's: a custom function is asked nothing more
        return monitor === undefined ? resolveAddr(this.raw, trust) : monitor.resolve(this.raw)
      },
    })
    done()
  }
  return Object.assign(plugin, {
    trust,
    // what fastify-plugin sets: decorate the parent context, and name the plugin in errors and logs
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'proxy-trust',
  })
}

/**
 * An `onRequest` hook that lets in only the clients `allow` holds and refuses those `deny` holds
 * (see `compileIpFilter`), matched on `request.trustProxy.ip` when the plugin is registered, else on
 * Fastify's own `request.ip` (its `trustProxy` option): never a header the walk did not trust. A
 * refused request gets `status` (403) and a text body.
 *
 * @throws {TypeError} `compileIpFilter`'s errors.
 * @example
 * app.addHook('onRequest', ipFilter({ allow: ['10.0.0.0/8'] }))
 */
export function ipFilter(options: IpFilterOptions): onRequestHookHandler {
  const filter = compileIpFilter(options)
  return (request, reply, done) => {
    const resolved = (request as { readonly trustProxy?: ResolvedAddr }).trustProxy
    if (filter.allows(resolved === undefined ? request.ip : resolved.ip)) done()
    else void reply.code(filter.status).type('text/plain; charset=utf-8').send(refusalText(filter.status))
  }
}

/**
 * An `onRequest` hook that refuses a request whose socket peer is not one of the proxies `trust`
 * trusts (give it the plugin's `trust`): the origin reached directly, around the CDN. `allow` lets in
 * other peers (a health checker), `paths` some paths from anyone.
 *
 * @throws {TypeError} `compileTrustedPeerCheck`'s errors.
 * @example
 * const proxy = trustProxy('10.0.0.0/8')
 * app.addHook('onRequest', requireTrustedPeer(proxy.trust, { paths: ['/healthz'] }))
 */
export function requireTrustedPeer(trust: TrustFn, options?: TrustedPeerOptions): onRequestHookHandler {
  const check = compileTrustedPeerCheck(trust, options)
  return (request, reply, done) => {
    if (check.admits(request.raw, pathOf(request.url))) done()
    else void reply.code(check.status).type('text/plain; charset=utf-8').send(refusalText(check.status))
  }
}
