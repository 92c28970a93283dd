// Bun: Bun.serve gives the connection's peer through server.requestIP(request); fromBun reads it.
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 bun examples/bun.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

/* global Bun */
import { compileTrust, fromBun, resolveAddr } from 'proxy-trust'

// the addresses of your proxies; loopback: a proxy on this machine
const trust = compileTrust(process.env.TRUST_PROXY ?? 'loopback')

const server = Bun.serve({
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 3000),
  fetch(request, server) {
    const { ip, ips, protocol, hostname } = resolveAddr(fromBun(request, server), trust)
    return Response.json({ ip, ips, protocol, hostname })
  },
})
console.log(`listening on http://${server.hostname}:${server.port}`)
