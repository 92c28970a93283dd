// express.ts: proxy-trust for Express 4 and 5. `trustProxy(app, setting, options)` installs the
// compiled setting where Express reads it and answers the request getters from `resolveAddr`, so that
// options reach them without replacing proxy-addr.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import '../diagnostics/answers.js'
import { compileTrust, type TrustFn, type TrustSetting } from '../core/compile.js'
import { describeValue, type TrustOptions } from '../core/options.js'
import { resolveAddr, type ResolvedAddr } from '../core/resolve.js'
import type { RequestLike } from '../core/request.js'

/** The parts of an Express 4 or 5 application that `trustProxy` uses. */
export interface ExpressApp {
  set(setting: string, value: unknown): unknown
  /** The prototype Express gives this application's requests (`app.request`). */
  readonly request: object
}

/** A request as the getters see it: Express's `req.app` beside what `resolveAddr` reads. */
interface ExpressRequest extends RequestLike {
  readonly app: { get(setting: string): unknown }
}

/**
 * The request's answers for the predicate its application holds now, read as Express's own getters
 * read it: from the `trust proxy fn` setting, which mounted applications inherit.
 */
function resolved(req: ExpressRequest): ResolvedAddr {
  return resolveAddr(req, req.app.get('trust proxy fn') as TrustFn)
}

/** The getters replaced on every version; `host` is added on Express 5 only (see below). */
const GETTERS: Readonly<Record<string, (this: ExpressRequest) => unknown>> = {
  ip() {
    return resolved(this).ip
  },
  ips() {
    return resolved(this).ips
  },
  protocol() {
    return resolved(this).protocol
  },
  secure() {
    return resolved(this).secure
  },
  hostname() {
    return resolved(this).hostname
  },
}

function host(this: ExpressRequest): string | undefined {
  return resolved(this).host
}

/**
 * Trust proxies in an Express 4 or 5 application: compile `setting` with `options`, hand the
 * predicate to Express (`app.set('trust proxy', trust)`, which `app.get('trust proxy fn')` then
 * returns), and define `req.ip`, `req.ips`, `req.protocol`, `req.secure`, `req.hostname` (and, on
 * Express 5, `req.host`) on `app.request` so that they answer from `resolveAddr`. Without options
 * the answers are exactly those of `app.set('trust proxy', setting)`; with options, such as
 * `source: 'forwarded'` or `hostAndProto: 'aligned'`, every getter honours them, which Express's own
 * getters cannot (they read X-Forwarded-For through proxy-addr, and X-Forwarded-Proto and -Host
 * themselves).
 *
 * The getters read the `trust proxy fn` setting on each request, as Express's do: a later
 * `app.set('trust proxy', …)` and the settings that mounted sub-applications inherit are followed.
 * Express 4's deprecated `req.host` returns `req.hostname` and so follows it; `req.subdomains`
 * reads `req.hostname` on both versions.
 *
 * @returns The compiled predicate, the one Express now holds.
 * @throws {TypeError} `app argument must be an Express application: <value>`, and `compileTrust`'s
 *   errors for the setting and options.
 * @example
 * const app = express()
 * trustProxy(app, 'loopback, 10.0.0.0/8', { hostAndProto: 'aligned' })
 * app.get('/', (req, res) => res.json({ ip: req.ip, protocol: req.protocol }))
 */
export function trustProxy(app: ExpressApp, setting: TrustSetting, options?: TrustOptions): TrustFn {
  if (!app || typeof app.set !== 'function' || typeof app.request !== 'object' || app.request === null) {
    throw new TypeError(`app argument must be an Express application: ${describeValue(app)}`)
  }
  const trust = compileTrust(setting, options)
  app.set('trust proxy', trust)

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
