// rate-limit.mjs: express-rate-limit behind proxies, one bucket per client. Its default key is
// `req.ip`, which the adapter answers, through its `ipKeyGenerator` (IPv4-mapped as IPv4, IPv6 by
// /56): keep it, and its trust proxy checks stay on.

import express from 'express'
import { rateLimit } from 'express-rate-limit'
import { trustProxy } from 'proxy-trust/express'

/** An Express app behind the proxies `setting` names (e.g. '10.0.0.0/8'), rate limited per client. */
export function buildApp(setting, limiterOptions = {}, adapterOptions = {}) {
  const app = express()
  trustProxy(app, setting, adapterOptions)
  app.use(rateLimit({ windowMs: 15 * 60 * 1000, limit: 100, ...limiterOptions }))
  app.get('/', (req, res) => res.json({ ip: req.ip }))
  return app
}
