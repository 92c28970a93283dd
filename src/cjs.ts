// cjs.ts: the CommonJS entry. `require('proxy-trust')` is proxy-addr's function, carrying the named
// exports as properties, so that `"overrides": { "proxy-addr": "npm:proxy-trust@^0.2.0" }` works unchanged.

import * as api from './index'
import { proxyaddr } from './core/proxyaddr'

// the ES module entry's default export is this function itself, not one of its properties
const named = Object.fromEntries(Object.entries(api).filter(([name]) => name !== 'default')) as Omit<typeof api, 'default'>
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
