// Koa 3 behind reverse proxies: the middleware sets ctx.request.ip, ips, host, hostname, protocol and
// secure (leave `app.proxy` false: it trusts X-Forwarded-* from anyone).
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 node examples/koa.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

import Koa from 'koa'
import { trustProxy } from 'proxy-trust/koa'

const app = new Koa()
// the addresses of your proxies; loopback: a proxy on this machine
app.use(trustProxy(process.env.TRUST_PROXY ?? 'loopback'))

app.use((ctx) => {
  ctx.body = { ip: ctx.ip, ips: ctx.ips, protocol: ctx.protocol, hostname: ctx.hostname }
})

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`listening on http://${address}:${port}`)
})
