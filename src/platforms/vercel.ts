// vercel.ts: Vercel's edge in front of a function.
//
// Source: "Request headers", x-forwarded-for: "The public IP address of the client that made the
// request. If you are trying to use Vercel behind a proxy, we currently overwrite the
// X-Forwarded-For header and do not forward external IPs", https://vercel.com/docs/headers/request-headers#x-forwarded-for
// Vercel publishes no list of the addresses it connects from, so the socket peer is trusted by its
// position alone.

import type { PlatformSpec } from './types.js'

/** Vercel: the socket peer by position, the client from the X-Forwarded-For Vercel overwrites. */
export const vercel: PlatformSpec = {
  name: 'vercel',
  options: [],
  part: () => ({ trusted: undefined, appends: false }),
}
