// fastly.ts: Fastly in front of the origin.
//
// Sources:
// - Fastly-Client-IP: Fastly adds it when a request lacks it, but "the value is not protected
//   from modification at the edge of the Fastly network, so if a client sets this header
//   themselves, we will use it"; to prevent this, set it in VCL:
//   https://www.fastly.com/documentation/reference/http/http-headers/Fastly-Client-IP/ (and
//   client.ip, https://www.fastly.com/documentation/reference/vcl/variables/client-connection/client-ip/)
// - the addresses Fastly connects from: https://api.fastly.com/public-ip-list (the shipped
//   snapshot, src/core/snapshots.ts).
// Fastly adds the client to X-Forwarded-For only on TLS connections (X-Forwarded-For,
// https://www.fastly.com/documentation/reference/http/http-headers/X-Forwarded-For/), so it is not
// offered in a chain.

import { fastly as snapshot } from '../core/snapshots.js'
import { failOption, type PlatformSpec } from './types.js'

/** Fastly: its public IP list, the client from `Fastly-Client-IP`, which your VCL must set (`clientIpFromVcl: true`). */
export const fastly: PlatformSpec = {
  name: 'fastly',
  options: ['clientIpFromVcl'],
  part: (options) => {
    if (options.clientIpFromVcl !== true) {
      failOption('clientIpFromVcl', options.clientIpFromVcl,
        'true, once your VCL sets Fastly-Client-IP to client.ip (Fastly otherwise passes on the value a client sends)')
    }
    return {
      trusted: ['fastly'],
      ranges: { fastly: snapshot },
      header: { header: 'fastly-client-ip' },
      appends: false,
    }
  },
}
