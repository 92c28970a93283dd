// node:http behind reverse proxies: compile the setting once, resolve each request.
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 node examples/node-http.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

import http from 'node:http'
import { compileTrust, resolveAddr } from 'proxy-trust'

// the addresses of your proxies; loopback: a proxy on this machine
const trust = compileTrust(process.env.TRUST_PROXY ?? 'loopback')

const server = http.createServer((req, res) => {
  const { ip, ips, protocol, hostname } = resolveAddr(req, trust)
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ ip, ips, protocol, hostname }))
})

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`listening on http://${address}:${port}`)
})
