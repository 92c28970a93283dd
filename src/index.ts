// index.ts: the public API, in the README's order.

export { compileTrust, type TrustFn, type TrustSetting } from './compile.js'
export { resolveAddr, type ResolvedAddr } from './resolve.js'
export { proxyaddr, type ProxyAddr, type ProxyAddrTrust } from './proxyaddr.js'
export type { RequestLike, SocketLike, HeadersLike } from './walk.js'
