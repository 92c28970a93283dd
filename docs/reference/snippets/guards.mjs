// guards.mjs: an origin that only its proxies may reach (health checks excepted), with an admin
// area open to the office network only, decided on the resolved client.

import express from 'express'
import { ipFilter, requireTrustedPeer, trustProxy } from 'proxy-trust/express'

/** `proxies`: the proxies in front of the app; `office`: the clients let into /admin. */
export function buildApp(proxies, office) {
  const app = express()
  trustProxy(app, proxies)
  // before anything else: a request straight to the origin, around the proxies, stops here
  app.use(requireTrustedPeer({ paths: ['/healthz'] }))
  app.get('/healthz', (req, res) => res.send('ok'))
  app.use('/admin', ipFilter({ allow: office }))
  app.get('/admin', (req, res) => res.send(`hello ${req.ip}`))
  app.get('/', (req, res) => res.send('welcome'))
  return app
}
