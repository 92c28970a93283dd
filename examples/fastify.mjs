// Fastify 5 behind reverse proxies: the plugin adds `request.trustProxy` (Express's answers for the
// same setting), and its `trust` predicate drives Fastify's own request.ip.
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 node examples/fastify.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

import Fastify from 'fastify'
import { trustProxy } from 'proxy-trust/fastify'

// the addresses of your proxies; loopback: a proxy on this machine
const proxy = trustProxy(process.env.TRUST_PROXY ?? 'loopback')
const app = Fastify({ trustProxy: proxy.trust })
await app.register(proxy)

app.get('/', (request) => {
  const { ip, ips, protocol, hostname } = request.trustProxy
  return { ip, ips, protocol, hostname }
})

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' })
console.log(`listening on ${address}`)
