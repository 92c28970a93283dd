// morgan-express.mjs: with Express under `trustProxy(app, setting)`, morgan's own `:remote-addr`
// (`req.ip`) is already the resolved client.

import express from 'express'
import morgan from 'morgan'
import { trustProxy } from 'proxy-trust/express'

/** An Express app whose access log goes to `stream`. */
export function buildApp(stream) {
  const app = express()
  trustProxy(app, process.env.TRUST_PROXY ?? 'loopback')
  app.use(morgan(':remote-addr :method :url :status', { stream }))
  app.get('/', (req, res) => res.json({ ip: req.ip }))
  return app
}
