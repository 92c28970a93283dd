// app.mjs: the apps behind the balancers: plain Express 5 without `trust proxy`, whose req.ip is the
// socket's peer, on servers given the PROXY protocol by the built package. This is the code the
// guides show.
import { createRequire } from 'node:module'
import http from 'node:http'
import https from 'node:https'
import { acceptProxyProtocol, proxyProtocolOf } from 'proxy-trust/proxy-protocol'

const require = createRequire(import.meta.url)
const express = require('express5')

/** An app that says who sent the request, and what the balancer's header said. */
export function createApp() {
  const app = express()
  app.get('/', (req, res) => {
    const record = proxyProtocolOf(req.socket)
    const tlvs = record?.header.tlvs
    res.json({
      ip: req.ip,
      version: record?.header.version ?? null,
      balancer: record?.peer.address ?? null,
      crc32c: tlvs?.crc32c !== undefined,
      authority: tlvs?.authority ?? null,
      ssl: tlvs?.ssl ? { version: tlvs.ssl.version ?? null, cn: tlvs.ssl.cn ?? null, verified: tlvs.ssl.verified } : null,
    })
  })
  return app
}

/** Listen on `port` of 127.0.0.1, plain or with TLS, accepting PROXY headers from `from`. */
export function listen(port, from, tls, timeout) {
  const app = createApp()
  const server = tls ? https.createServer(tls, app) : http.createServer(app)
  acceptProxyProtocol(server, { from, timeout })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
