// Express 4 or 5 behind reverse proxies: `trustProxy(app, setting)` sets Express's `trust proxy` and
// answers req.ip, req.ips, req.protocol, req.secure and req.hostname (and Express 5's req.host).
//
//   TRUST_PROXY='10.0.0.0/8' PORT=3000 node examples/express.mjs
//   curl -H 'X-Forwarded-For: 203.0.113.9' http://127.0.0.1:3000/

import express from 'express'
import { trustProxy } from 'proxy-trust/express'

const app = express()
// the addresses of your proxies; loopback: a proxy on this machine
trustProxy(app, process.env.TRUST_PROXY ?? 'loopback')

app.get('/', (req, res) => {
  res.json({ ip: req.ip, ips: req.ips, protocol: req.protocol, hostname: req.hostname })
})

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`listening on http://${address}:${port}`)
})
