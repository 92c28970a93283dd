// Deno: Deno.serve gives the connection's peer to the handler as info.remoteAddr; fromDeno reads it.
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 deno run --allow-net --allow-env examples/deno.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

/* global Deno */
import { compileTrust, fromDeno, resolveAddr } from 'npm:proxy-trust'

// the addresses of your proxies; loopback: a proxy on this machine
const trust = compileTrust(Deno.env.get('TRUST_PROXY') ?? 'loopback')

Deno.serve({
  hostname: Deno.env.get('HOST') ?? '127.0.0.1',
  port: Number(Deno.env.get('PORT') ?? 3000),
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
}, (request, info) => {
  const { ip, ips, protocol, hostname } = resolveAddr(fromDeno(request, info), trust)
  return Response.json({ ip, ips, protocol, hostname })
})
