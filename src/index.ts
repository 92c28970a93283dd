// index.ts: the public API, in the README's order: the declarations of the package's root (cjs.ts
// gives them to `require` and `import` as one namespace), and the API the sources' tests load.

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
import './diagnostics/answers.js'
import { proxyaddr } from './core/proxyaddr.js'

export { compileTrust, type TrustFn, type TrustSetting } from './core/compile.js'
export type { TrustOptions, AddressSource } from './core/options.js'
export type { EdgeProof } from './core/options.js'
export { platform, type PlatformOptions, type PlatformSetting } from './platforms/index.js'
export { settingFromEnv, type SettingFromEnvOptions } from './core/env.js'
export type { RangeNames, RangeSnapshot, RangeValue } from './core/ranges.js'
export { resolveAddr, type ResolvedAddr } from './core/resolve.js'
export { explain, lintSetting, type Explanation, type ExplainedHop, type HopRole, type Origins, type StopReason, type WalkStop, type Warning, type WarningCode } from './diagnostics/explain.js'
export type { ConnectionHop } from './diagnostics/explain.js'
export { createMonitor, type Monitor, type MonitorOptions } from './diagnostics/monitor.js'
export { fromFetch, type RequestLike, type SocketLike, type HeadersLike, type FetchRequestLike, type ConnectionInfo } from './core/request.js'
export { fromBun, fromDeno, fromWorker, type BunServerLike, type DenoServeInfoLike } from './core/runtimes.js'
export { proxyaddr, type ProxyAddr, type ProxyAddrTrust } from './core/proxyaddr.js'
export { clientKey, type ClientKeyOptions } from './uses/key.js'
export { compileIpFilter, compileTrustedPeerCheck, type AddressList, type FilterDecision, type IpFilter, type IpFilterOptions, type TrustedPeerCheck, type TrustedPeerOptions } from './uses/filter.js'
export { ipFilter, requireTrustedPeer, type NodeRequestLike, type RequestGuard } from './uses/node.js'

// proxy-addr's own shape, for `import proxyaddr, { all, compile } from 'proxy-addr'` under an
// override: Node gives those three from the real proxy-addr's module.exports
/**
 * `proxyaddr.all`, as a name of its own.
 *
 * @example all(req, 'loopback') // ['127.0.0.1', '203.0.113.5']
 */
export const all = proxyaddr.all
/**
 * `proxyaddr.compile`, as a name of its own.
 *
 * @example const trust = compile(['loopback', '10.0.0.0/8'])
 */
export const compile = proxyaddr.compile
/**
 * `proxyaddr`, the CommonJS entry's `module.exports`, with `all` and `compile` on it.
 *
 * @example
 * import proxyaddr from 'proxy-trust'
 * proxyaddr(req, proxyaddr.compile('loopback')) // '203.0.113.5'
 */
export default proxyaddr
