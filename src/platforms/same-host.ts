// same-host.ts: nginx, or any reverse proxy, on the same host as the app.
//
// Source: nginx's `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`, where
// $proxy_add_x_forwarded_for is "the X-Forwarded-For client request header field with the
// $remote_addr variable appended to it", https://nginx.org/en/docs/http/ngx_http_proxy_module.html#var_proxy_add_x_forwarded_for
// A proxy on the same host connects over loopback.

import type { PlatformSpec } from './types.js'

/** A reverse proxy on the same host: loopback, the client it appended to X-Forwarded-For. */
export const sameHost: PlatformSpec = {
  name: 'same-host',
  options: [],
  part: () => ({ trusted: ['loopback'], appends: true }),
}
