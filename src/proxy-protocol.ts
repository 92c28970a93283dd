// proxy-protocol.ts: the `proxy-trust/proxy-protocol` entry: acceptProxyProtocol for servers behind
// balancers that speak the PROXY protocol, the parser, and the record each accepted socket carries.

export {
  acceptProxyProtocol, type ProxyProtocolOptions, type ProxyPolicy, type UntrustedPolicy,
} from './connection/accept.js'
export {
  parseProxyHeader, type ParseResult, type ProxyHeader, type ProxyEndpoint, type ProxyTlvs, type ProxyTlv, type ProxySsl,
} from './connection/parse.js'
export { PROXY_PROTOCOL, proxyConnectionOf as proxyProtocolOf, type ProxyConnection, type ProxyPeer } from './connection/record.js'
