// express.ts: proxy-trust for Express 4 and 5. `trustProxy(app, setting, options)` installs the
// compiled setting where Express reads it and answers the request getters one by one, each asking
// the predicate what Express's getter asks, so that options reach them without replacing proxy-addr.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import { compiledOf, compileTrust, type Compiled, type TrustFn, type TrustSetting } from '../core/compile.js'
import { otherCopy } from '../core/copies.js'
import { EXPRESS } from '../core/express.js'
import { describeValue } from '../core/options.js'
import { proxyaddr } from '../core/proxyaddr.js'
import { hostnameOf, leftmostHost, leftmostProtocol, resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import { forwardedFor, headerValue, socketOf, type RequestLike } from '../core/request.js'
import { entryEndBefore } from '../core/sources/xff.js'
import { decidePeer } from '../core/walk.js'
import type { Monitor } from '../diagnostics/monitor.js'
import { compileIpFilter, compileTrustedPeerCheck, pathOf, refuse, type IpFilterOptions, type ResponseLike, type TrustedPeerCheck, type TrustedPeerOptions } from '../uses/filter.js'
import { monitorFor, splitOptions, type AdapterOptions } from './warn.js'

export type { AdapterOptions, WarnOption } from './warn.js'
export type { IpFilterOptions, TrustedPeerOptions } from '../uses/filter.js'

/** The parts of an Express 4 or 5 application that `trustProxy` uses. */
export interface ExpressApp {
  set(setting: string, value: unknown): unknown
  /** The prototype Express gives this application's requests (`app.request`). */
  readonly request: object
}

/** A request as the getters see it: Express's `req.app` beside what `resolveAddr` reads. */
interface ExpressRequest extends RequestLike {
  readonly app: { get(setting: string): unknown }
  readonly protocol: string
}

/**
 * The predicate this request's application holds now, read as Express's own getters read it: from
 * the `trust proxy fn` setting, which mounted applications inherit. Sets `watching` and `answering`
 * for it, which the getter reads at once, before it calls out.
 */
function trustOf(req: ExpressRequest): TrustFn {
  const trust = req.app.get('trust proxy fn') as TrustFn
  // the getters of one request ask four times or more: remember the last predicate's monitor, and
  // how its host and protocol are answered (decided once per predicate, not per request)
  if (trust !== watchedTrust) {
    watchedTrust = trust
    watching = monitors.get(trust)
    answering = answeringOf(trust)
  }
  watching?.(req)
  return trust
}

// the predicate trustOf returned last, its monitor and how it answers: every getter calls trustOf
// first, so within a getter these are those of the predicate it holds (set synchronously, read
// before any call out)
let watchedTrust: TrustFn | undefined
let watching: Monitor | undefined
let answering = 0

/**
 * The monitor of each predicate `trustProxy` installed with `warn` on, by predicate: requests of
 * mounted applications that inherit it are watched too, and a later `app.set('trust proxy', …)`
 * leaves the new predicate unwatched, as it was not set up here.
 */
const monitors = new WeakMap<TrustFn, Monitor>()

/**
 * How host and protocol are answered, a bit each: `WALKS` when they come from `resolveAddr`'s whole
 * walk, `HOST_WALKS` when only host does, `DECIDES_PEER` when the peer is decided as the walk's hop
 * 0 decides it (`decidePeer`) rather than by `trust(peer, 0)`; none, Express's own: `trust(peer, 0)`
 * and the leftmost X-Forwarded-Host and -Proto.
 */
const WALKS = 1
const HOST_WALKS = 2
const DECIDES_PEER = 4

/**
 * How `trust`'s host and protocol are answered (see `WALKS`). They walk with `hostAndProto:
 * 'aligned'` and `source: 'forwarded'` (the hop where the walk stops decides) and for another copy's
 * predicate (that copy alone knows its options); host walks with `allowedHosts` (a forwarded host
 * outside it is not the host); the peer is the walk's hop 0 with `trustSocketless` (a socket without
 * an address, which `trust(undefined, 0)` cannot tell from a client that hung up) and `edgeProof` (a
 * peer in range without the proof is not trusted). Every other option leaves `trust(peer, 0)` and
 * the leftmost values exactly `resolveAddr`'s, so Express's options and those pay nothing more.
 */
function answeringOf(trust: TrustFn): number {
  const compiled = compiledOf(trust)
  if (compiled === undefined) return otherCopy(trust) === undefined ? 0 : WALKS
  const { options } = compiled
  if (options.aligned || options.source === 'forwarded') return WALKS
  return (options.allowedHosts === null ? 0 : HOST_WALKS) | (options.trustSocketless || options.proofHeader !== '' ? DECIDES_PEER : 0)
}

/**
 * Whether `trust` is a custom function with Express's options (`compileTrust` hands such a function
 * back as it is), which `req.ip` walks as proxy-addr does; not another copy's predicate.
 */
function customWithExpressOptions(trust: TrustFn): boolean {
  const compiled = compiledOf(trust)
  if (compiled === undefined) return otherCopy(trust) === undefined
  return compiled.shape === undefined && compiled.options === EXPRESS
}

/**
 * Whether the socket peer is trusted: `trust(peer, 0)`, the one question Express's protocol and host
 * getters ask, or the walk's hop 0 itself where options decide it otherwise (`DECIDES_PEER`). The
 * monitor is told the answer, so that it never asks a custom function again.
 */
function peerTrusted(req: ExpressRequest, trust: TrustFn, how: number): boolean {
  // taken before the call: a custom function may read another application's request getters
  const watcher = watching
  let trusted: boolean
  if ((how & DECIDES_PEER) === 0) {
    const socket = socketOf(req)
    trusted = Boolean(trust(socket ? socket.remoteAddress : undefined, 0))
  } else {
    trusted = (decidePeer(req, compiledOf(trust) as Compiled) & 1) === 1
  }
  watcher?.peer(req, trusted)
  return trusted
}

/** `resolveAddr`, through the predicate's monitor when it has one: the walk it watches is the one that answers. */
function answer(req: ExpressRequest, trust: TrustFn): ResolvedAddr {
  return watching === undefined ? resolveAddr(req, trust) : watching.resolve(req)
}

/**
 * Every answer `resolveAddr` gives for an Express request under its application's `trust proxy fn`
 * (as `trustProxy` installed it): the getters' answers and those Express has no getter for, `port`
 * (option `forwardedPort`) and `prefix` (option `forwardedPrefix`).
 *
 * @example
 * trustProxy(app, '10.0.0.0/8', { hostAndProto: 'aligned', forwardedPort: true, forwardedPrefix: true })
 * app.get('/', (req, res) => { const { port, prefix } = resolved(req); res.redirect(`${prefix ?? ''}/login`) })
 */
export function resolved(req: RequestLike & { readonly app: { get(setting: string): unknown } }): ResolvedAddr {
  const trust = trustOf(req as ExpressRequest)
  return answer(req as ExpressRequest, trust)
}

/** Express 5's `req.host`; Express 4's `req.hostname` reads the same value. */
function hostOf(req: ExpressRequest): string | undefined {
  const trust = trustOf(req)
  const how = answering
  if ((how & (WALKS | HOST_WALKS)) !== 0) return answer(req, trust).host
  // Express asks trust(peer, 0) only when there is an X-Forwarded-Host to believe
  return leftmostHost(req, headerValue(req.headers, 'x-forwarded-host') !== '' && peerTrusted(req, trust, how))
}

/**
 * The getters replaced on every version; `host` is added on Express 5 only (see below). Each asks the
 * predicate what Express's own getter asks, and nothing more: `ip` and `ips` walk as proxy-addr does,
 * `protocol`, `secure`, `host` and `hostname` ask `trust(peer, 0)` only, so that a custom function that
 * throws or is slow further along the chain affects the getters it affects in Express, and no others.
 */
const GETTERS: Readonly<Record<string, (this: ExpressRequest) => unknown>> = {
  ip() {
    const trust = trustOf(this)
    const watcher = watching
    if (watcher === undefined || !customWithExpressOptions(trust)) return proxyaddr(this, trust)
    // a custom function, watched: the walk's own answers tell the monitor about the peer, which it
    // never asks itself (proxyaddr.all calls the function exactly as proxyaddr does)
    const addrs = proxyaddr.all(this, trust)
    const header = forwardedFor(this.headers)
    if (addrs.length > 1) watcher.peer(this, true)
    // the walk asked trust(peer, 0) only when X-Forwarded-For had an entry, and here it said no
    else if (entryEndBefore(header, header.length) !== -1) watcher.peer(this, false)
    return addrs[addrs.length - 1]
  },
  ips() {
    const trust = trustOf(this)
    const compiled = compiledOf(trust)
    // with options (here, or in the other copy that compiled the predicate), ips leaves out hops that are not addresses
    if (compiled === undefined ? otherCopy(trust) !== undefined : compiled.options !== EXPRESS) return resolveAddr(this, trust).ips
    // Express's own: every address walked, farthest first, the socket peer left out
    const addrs = proxyaddr.all(this, trust)
    addrs.reverse().pop()
    return addrs
  },
  protocol() {
    const trust = trustOf(this)
    const how = answering
    if ((how & WALKS) !== 0) return answer(this, trust).protocol
    return leftmostProtocol(this, peerTrusted(this, trust, how))
  },
  secure() {
    const trust = trustOf(this)
    if ((answering & WALKS) !== 0) return answer(this, trust).secure
    // Express's own: it reads req.protocol
    return this.protocol === 'https'
  },
  hostname() {
    const host = hostOf(this)
    return host === undefined ? undefined : hostnameOf(host)
  },
}

function host(this: ExpressRequest): string | undefined {
  return hostOf(this)
}

/**
 * Trust proxies in an Express 4 or 5 application: compile `setting` with `options`, hand the
 * predicate to Express (`app.set('trust proxy', trust)`, which `app.get('trust proxy fn')` then
 * returns; a boolean setting stays `app.get('trust proxy')` and the predicate is set as `trust
 * proxy fn`), and define `req.ip`, `req.ips`, `req.protocol`, `req.secure`, `req.hostname` (and, on
 * Express 5, `req.host`) on `app.request` so that they answer with `resolveAddr`'s rules. Without
 * options the answers are exactly those of `app.set('trust proxy', setting)`; with options, such as
 * `source: 'forwarded'` or `hostAndProto: 'aligned'`, every getter honours them, which Express's own
 * getters cannot (they read X-Forwarded-For through proxy-addr, and X-Forwarded-Proto and -Host
 * themselves).
 *
 * A custom function is called as Express calls it, getter by getter: `req.ip` and `req.ips` walk the
 * chain (`trust(addr, i)` for every hop but the last, stopping at the first `false`), while
 * `req.protocol`, `req.secure`, `req.host` and `req.hostname` ask `trust(peer, 0)` only (the host
 * getters only when X-Forwarded-Host is set). With `hostAndProto: 'aligned'` or `source: 'forwarded'`
 * host and protocol come from the hop where the walk stops, so those getters walk too; with
 * `allowedHosts` the host getters do (a forwarded host outside the list is not the host). With
 * `trustSocketless` or `edgeProof` the peer is decided as the walk decides its hop 0 (a unix socket
 * is trusted, a TCP client that hung up is not; a peer without the proof is not), still asking a
 * custom function `(peer, 0)` at most once.
 *
 * The getters read the `trust proxy fn` setting on each request, as Express's do: a later
 * `app.set('trust proxy', …)` and the settings that mounted sub-applications inherit are followed.
 * Express 4's deprecated `req.host` returns `req.hostname` and so follows it; `req.subdomains`
 * reads `req.hostname` on both versions.
 *
 * With `warn` (on by default) the getters also watch live traffic for signs of a wrong setting and
 * report each once (see `createMonitor`): `warn: false` turns that off, a function receives the
 * warnings instead of `process.emitWarning`.
 *
 * @returns The compiled predicate, the one Express now holds.
 * @throws {TypeError} `app argument must be an Express application: <value>`, `invalid option warn:
 *   <value> (expected true, false or a function)`, and `compileTrust`'s errors for the setting and
 *   options.
 * @example
 * const app = express()
 * trustProxy(app, 'loopback, 10.0.0.0/8', { hostAndProto: 'aligned' })
 * app.get('/', (req, res) => res.json({ ip: req.ip, protocol: req.protocol }))
 */
export function trustProxy(app: ExpressApp, setting: TrustSetting, options?: AdapterOptions): TrustFn {
  if (!app || typeof app.set !== 'function' || typeof app.request !== 'object' || app.request === null) {
    throw new TypeError(`app argument must be an Express application: ${describeValue(app)}`)
  }
  const { trustOptions, warn } = splitOptions(options)
  const trust = compileTrust(setting, trustOptions)
  const monitor = monitorFor(trust, warn)
  if (monitor !== undefined) monitors.set(trust, monitor)
  if (typeof setting === 'boolean') {
    // a boolean is kept as given, so that code reading the setting back sees it (express-rate-limit's
    // checks compare `app.get('trust proxy')` with true and false); Express compiles it, and the
    // getters read the predicate set next
    app.set('trust proxy', setting)
    app.set('trust proxy fn', trust)
  } else {
    app.set('trust proxy', trust)
  }

  const proto = app.request
  for (const [name, get] of Object.entries(GETTERS)) {
    Object.defineProperty(proto, name, { configurable: true, enumerable: true, get })
  }
  // Express 5's req.host is Host or X-Forwarded-Host with the port; Express 4's is a deprecated alias
  // of req.hostname, which now answers from here. Express 5 removed req.param(), which tells them apart.
  if (typeof (proto as { param?: unknown }).param !== 'function') {
    Object.defineProperty(proto, 'host', { configurable: true, enumerable: true, get: host })
  }
  return trust
}

/** An Express middleware's signature, as the filters use it. */
type Middleware = (req: RequestLike & { readonly ip?: string | undefined; readonly app: ExpressRequest['app']; readonly originalUrl: string }, res: ResponseLike, next: () => void) => void

/**
 * An Express middleware that lets in only the clients `allow` holds and refuses those `deny` holds
 * (see `compileIpFilter`), matched on `req.ip`: the resolved client under `trustProxy` (or Express's
 * own `trust proxy` setting), never a header the walk did not trust. A refused request gets `status`
 * (403) and a text body.
 *
 * @throws {TypeError} `compileIpFilter`'s errors.
 * @example
 * app.use(ipFilter({ allow: ['10.0.0.0/8'], deny: ['10.9.0.0/16'] }))
 */
export function ipFilter(options: IpFilterOptions): Middleware {
  const filter = compileIpFilter(options)
  return (req, res, next) => {
    if (filter.allows(req.ip)) next()
    else refuse(res, filter.status)
  }
}

/**
 * An Express middleware that refuses a request whose socket peer is not one of the proxies the
 * application trusts (its `trust proxy fn`, as `trustProxy` sets it): the origin reached directly,
 * around the CDN. `allow` lets in other peers (a health checker), `paths` some paths from anyone.
 *
 * @throws {TypeError} `compileTrustedPeerCheck`'s errors for `allow`, `paths` and `status`.
 * @example
 * trustProxy(app, 'cloudflare', { ranges: { cloudflare } })
 * app.use(requireTrustedPeer({ paths: ['/healthz'] }))
 */
export function requireTrustedPeer(options?: TrustedPeerOptions): Middleware {
  // checked once here, so that a wrong option fails at setup rather than on the first request
  compileTrustedPeerCheck(() => false, options)
  const checks = new WeakMap<TrustFn, TrustedPeerCheck>()
  return (req, res, next) => {
    const trust = req.app.get('trust proxy fn') as TrustFn
    let check = checks.get(trust)
    if (check === undefined) {
      check = compileTrustedPeerCheck(trust, options)
      checks.set(trust, check)
    }
    // originalUrl: the path as the client asked for it, also in a mounted application
    if (check.admits(req, pathOf(req.originalUrl))) next()
    else refuse(res, check.status)
  }
}
