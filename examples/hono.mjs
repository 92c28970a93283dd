// Hono on Node.js (@hono/node-server) behind reverse proxies: the middleware reads the connection's
// address from the socket and sets c.get('trustProxy'). On Bun and Deno it finds the peer the same
// way; on Cloudflare Workers pass `getConnInfo` from hono/cloudflare-workers (docs/guides/cloudflare-workers.md).
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 node examples/hono.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { trustProxy } from 'proxy-trust/hono'

// the addresses of your proxies; loopback: a proxy on this machine
const app = new Hono().use(trustProxy(process.env.TRUST_PROXY ?? 'loopback'))

app.get('/', (c) => {
  const { ip, ips, protocol, hostname } = c.get('trustProxy')
  return c.json({ ip, ips, protocol, hostname })
})

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  console.log(`listening on http://${info.address}:${info.port}`)
})
