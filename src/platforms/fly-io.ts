// fly-io.ts: the Fly.io proxy in front of an app.
//
// Source: "Request headers", Fly-Client-IP: "The IP address of the client from the perspective of
// Fly Proxy", https://fly.io/docs/networking/request-headers/#fly-client-ip
// Fly.io publishes no list of the addresses its proxy connects to apps from, so the socket peer is
// trusted by its position alone: safe only while nothing but Fly Proxy can reach the app's port.

import type { PlatformSpec } from './types.js'

/** Fly.io: the socket peer (Fly Proxy) by position, the client from `Fly-Client-IP`. */
export const flyIo: PlatformSpec = {
  name: 'fly-io',
  options: [],
  part: () => ({ trusted: undefined, header: { header: 'fly-client-ip' }, appends: false }),
}
