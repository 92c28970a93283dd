// cjs.ts: the package's root, for `require` and `import` alike. `require('proxy-trust')`
// is proxy-addr's function, carrying the named exports as properties, so that
// `"overrides": { "proxy-addr": "npm:proxy-trust@^0.2.0" }` works unchanged.
//
// Express loads this module as proxy-addr in every app that takes the override, so it loads the part
// of the core Express's requests take, and no more: `resolveAddr` with the rest of the core, and the
// diagnostics (`explain`, `lintSetting`, `createMonitor`, with the warnings, the renderers' helpers
// and the snapshot ages) are required on their first call. Each name is one function for the
// life of the process, shared by `import` and `require`; only the module behind it loads later.

import { shareAnswers } from './core/answers'
import { compileTrust, type TrustSetting, type TrustFn } from './core/compile'
import { proxyaddr } from './core/proxyaddr'
import { fromFetch, type RequestLike } from './core/request'
import type * as api from './index'
import type * as names from './names'

type ExplainModule = typeof import('./diagnostics/explain')
type MonitorModule = typeof import('./diagnostics/monitor')
type PlatformModule = typeof import('./platforms/index')
type EnvModule = typeof import('./core/env')
type KeyModule = typeof import('./uses/key')
type FilterModule = typeof import('./uses/filter')
type NodeUsesModule = typeof import('./uses/node')
type ResolveModule = typeof import('./core/resolve')
type RuntimesModule = typeof import('./core/runtimes')

let explainModule: ExplainModule | undefined
let monitorModule: MonitorModule | undefined
let platformModule: PlatformModule | undefined
let envModule: EnvModule | undefined
let keyModule: KeyModule | undefined
let filterModule: FilterModule | undefined
let nodeUsesModule: NodeUsesModule | undefined
let resolveModule: ResolveModule | undefined
let runtimesModule: RuntimesModule | undefined
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, synchronously, by design */
const diagnostics = (): ExplainModule => (explainModule ??= require('./diagnostics/explain') as ExplainModule)
const monitors = (): MonitorModule => (monitorModule ??= require('./diagnostics/monitor') as MonitorModule)
// the platforms and settingFromEnv read the provider snapshots; the uses are for apps that call them
const platforms = (): PlatformModule => (platformModule ??= require('./platforms/index') as PlatformModule)
const env = (): EnvModule => (envModule ??= require('./core/env') as EnvModule)
const keys = (): KeyModule => (keyModule ??= require('./uses/key') as KeyModule)
const filters = (): FilterModule => (filterModule ??= require('./uses/filter') as FilterModule)
const nodeUses = (): NodeUsesModule => (nodeUsesModule ??= require('./uses/node') as NodeUsesModule)
// the rest of the core (the other sources, Forwarded, host and protocol): Express's own requests never need it
const resolver = (): ResolveModule => (resolveModule ??= require('./core/resolve') as ResolveModule)
// Bun's, Deno's and Workers' requests: never Express's
const runtimes = (): RuntimesModule => (runtimesModule ??= require('./core/runtimes') as RuntimesModule)
/* eslint-enable @typescript-eslint/no-require-imports */

/** `resolveAddr`, loaded on its first call. */
function resolveAddr(req: RequestLike, trust: TrustFn): api.ResolvedAddr {
  return resolver().resolveAddr(req, trust)
}

/** `fromBun`, loaded on its first call. */
function fromBun(...args: Parameters<typeof api.fromBun>): ReturnType<typeof api.fromBun> {
  return runtimes().fromBun(...args)
}
/** `fromDeno`, loaded on its first call. */
function fromDeno(...args: Parameters<typeof api.fromDeno>): ReturnType<typeof api.fromDeno> {
  return runtimes().fromDeno(...args)
}
/** `fromWorker`, loaded on its first call. */
function fromWorker(...args: Parameters<typeof api.fromWorker>): ReturnType<typeof api.fromWorker> {
  return runtimes().fromWorker(...args)
}

/** `explain`, loaded on its first call. */
function explain(req: RequestLike, trust: TrustFn, setting?: TrustSetting): api.Explanation {
  return diagnostics().explain(req, trust, setting)
}
/** `lintSetting`, loaded on its first call. */
function lintSetting(...args: Parameters<typeof api.lintSetting>): ReturnType<typeof api.lintSetting> {
  return diagnostics().lintSetting(...args)
}
/** `createMonitor`, loaded on its first call. */
function createMonitor(...args: Parameters<typeof api.createMonitor>): api.Monitor {
  return monitors().createMonitor(...args)
}

/** `platform`, loaded on its first call. */
function platform(...args: Parameters<typeof api.platform>): ReturnType<typeof api.platform> {
  return platforms().platform(...args)
}
/** `settingFromEnv`, loaded on its first call. */
function settingFromEnv(...args: Parameters<typeof api.settingFromEnv>): ReturnType<typeof api.settingFromEnv> {
  return env().settingFromEnv(...args)
}
/** `clientKey`, loaded on its first call. */
function clientKey(...args: Parameters<typeof api.clientKey>): ReturnType<typeof api.clientKey> {
  return keys().clientKey(...args)
}
/** `compileIpFilter`, loaded on its first call. */
function compileIpFilter(...args: Parameters<typeof api.compileIpFilter>): ReturnType<typeof api.compileIpFilter> {
  return filters().compileIpFilter(...args)
}
/** `compileTrustedPeerCheck`, loaded on its first call. */
function compileTrustedPeerCheck(...args: Parameters<typeof api.compileTrustedPeerCheck>): ReturnType<typeof api.compileTrustedPeerCheck> {
  return filters().compileTrustedPeerCheck(...args)
}
/** `ipFilter` for node:http, loaded on its first call. */
function ipFilter(...args: Parameters<typeof api.ipFilter>): ReturnType<typeof api.ipFilter> {
  return nodeUses().ipFilter(...args)
}
/** `requireTrustedPeer` for node:http, loaded on its first call. */
function requireTrustedPeer(...args: Parameters<typeof api.requireTrustedPeer>): ReturnType<typeof api.requireTrustedPeer> {
  return nodeUses().requireTrustedPeer(...args)
}

// other copies of this package may be handed the predicates compiled here (see core/copies.ts)
shareAnswers((req, trust, setting) => explain(req, trust, setting as TrustSetting))

// the same names as index.ts, in its order; an `import`'s default is this function itself
const named: typeof names = {
  compileTrust, platform, settingFromEnv, resolveAddr, explain, lintSetting, createMonitor, fromFetch,
  fromBun, fromDeno, fromWorker, proxyaddr, clientKey, compileIpFilter, compileTrustedPeerCheck, ipFilter,
  requireTrustedPeer, all: proxyaddr.all, compile: proxyaddr.compile,
}
/**
 * proxy-addr's function, `proxyaddr(req, trust)`, the package's `module.exports`, with `all` and
 * `compile` on it as proxy-addr has them, and every other name of the API beside them.
 *
 * @example
 * const proxyaddr = require('proxy-trust')
 * proxyaddr(req, proxyaddr.compile('loopback')) // '203.0.113.5'
 * const trust = proxyaddr.compileTrust('loopback', { source: 'forwarded' })
 */
const main = Object.assign(proxyaddr, named)

// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace main {
  export type TrustFn = api.TrustFn
  export type TrustSetting = api.TrustSetting
  export type ResolvedAddr = api.ResolvedAddr
  export type Explanation = api.Explanation
  export type ExplainedHop = api.ExplainedHop
  export type HopRole = api.HopRole
  export type Origins = api.Origins
  export type StopReason = api.StopReason
  export type WalkStop = api.WalkStop
  export type Warning = api.Warning
  export type WarningCode = api.WarningCode
  export type ConnectionHop = api.ConnectionHop
  export type Monitor = api.Monitor
  export type MonitorOptions = api.MonitorOptions
  export type ProxyAddr = api.ProxyAddr
  export type ProxyAddrTrust = api.ProxyAddrTrust
  export type TrustOptions = api.TrustOptions
  export type AddressSource = api.AddressSource
  export type RangeNames = api.RangeNames
  export type RangeSnapshot = api.RangeSnapshot
  export type RangeValue = api.RangeValue
  export type FetchRequestLike = api.FetchRequestLike
  export type ConnectionInfo = api.ConnectionInfo
  export type RequestLike = api.RequestLike
  export type SocketLike = api.SocketLike
  export type HeadersLike = api.HeadersLike
  export type BunServerLike = api.BunServerLike
  export type DenoServeInfoLike = api.DenoServeInfoLike
  export type EdgeProof = api.EdgeProof
  export type PlatformOptions = api.PlatformOptions
  export type PlatformSetting = api.PlatformSetting
  export type SettingFromEnvOptions = api.SettingFromEnvOptions
  export type ClientKeyOptions = api.ClientKeyOptions
  export type AddressList = api.AddressList
  export type FilterDecision = api.FilterDecision
  export type IpFilter = api.IpFilter
  export type IpFilterOptions = api.IpFilterOptions
  export type TrustedPeerCheck = api.TrustedPeerCheck
  export type TrustedPeerOptions = api.TrustedPeerOptions
  export type NodeRequestLike = api.NodeRequestLike
  export type RequestGuard = api.RequestGuard
}

export = main
