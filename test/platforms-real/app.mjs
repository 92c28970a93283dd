// app.mjs: the application under test, run inside the server's network namespace: Express 5 with
// the built package's platform('same-host'), plain and with an edge proof, on port 9000 of every
// address (so that a client can also reach it without nginx). Prints "ready" once listening.

import http from 'node:http'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const express = require('express5')
// the built package, as an application imports it (a self-reference resolves through "exports" to dist)
const { platform } = await import('proxy-trust')
const { trustProxy } = await import('proxy-trust/express')

function app(platformOptions) {
  const app = express()
  const { setting, options } = platform('same-host', platformOptions)
  trustProxy(app, setting, options)
  app.get(/.*/, (req, res) => res.json({ ip: req.ip, protocol: req.protocol }))
  return app
}

const plain = app()
const proved = app({ edgeProof: { header: 'x-origin-verify', values: [process.env.ORIGIN_SECRET] } })
const server = http.createServer((req, res) => (req.url.startsWith('/proof') ? proved : plain)(req, res))
server.listen(9000, '0.0.0.0', () => console.log('ready'))
process.once('SIGTERM', () => server.close(() => process.exit(0)))
