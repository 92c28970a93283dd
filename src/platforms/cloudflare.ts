// cloudflare.ts: Cloudflare's proxy in front of the origin.
//
// Sources:
// - CF-Connecting-IP "provides the client IP address connecting to Cloudflare to the origin web
//   server" and X-Forwarded-For, which Cloudflare appends to: "Cloudflare HTTP headers", Request
//   headers, https://developers.cloudflare.com/fundamentals/reference/http-headers/
// - the addresses Cloudflare connects from: https://www.cloudflare.com/ips/ (the shipped snapshot,
//   src/core/snapshots.ts).

import { cloudflare as snapshot } from '../core/snapshots.js'
import type { PlatformSpec } from './types.js'

/** Cloudflare: its published ranges, the client from `CF-Connecting-IP`. */
export const cloudflare: PlatformSpec = {
  name: 'cloudflare',
  options: [],
  part: () => ({
    trusted: ['cloudflare'],
    ranges: { cloudflare: snapshot },
    header: { header: 'cf-connecting-ip' },
    appends: true,
  }),
}
