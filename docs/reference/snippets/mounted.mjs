// mounted.mjs: an app its proxy mounts under a path: redirects keep the proxy's prefix, and a
// forwarded host outside the shop's names never reaches a link.

import express from 'express'
import { resolved, trustProxy } from 'proxy-trust/express'

/** `proxies`: the proxies in front of the app, which set X-Forwarded-Prefix, -Port and -Host. */
export function buildApp(proxies) {
  const app = express()
  trustProxy(app, proxies, {
    hostAndProto: 'aligned', forwardedPort: true, forwardedPrefix: true, allowedHosts: ['shop.example', '*.shop.example'],
  })
  app.get('/login', (req, res) => {
    // prefix is a validated path (never //evil.example or /../), or undefined
    const { prefix, port } = resolved(req)
    res.status(302).location(`${prefix ?? ''}/account`).send(`host ${req.hostname}, port ${port ?? 'none'}`)
  })
  return app
}
