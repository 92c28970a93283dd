// express-proof.test.ts: the edge proof through a real Express 5 application over a socket: without
// the proof, the peer's X-Forwarded-For, -Proto and -Host are all ignored, as for any untrusted peer.

import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trustProxy, type ExpressApp } from '../../src/adapters/express.js'
import { platform } from '../../src/platforms/index.js'

const require = createRequire(import.meta.url)
const express = require('express5') as () => ExpressApp & { get: (path: string, handler: (req: Record<string, unknown>, res: { json: (body: unknown) => void }) => void) => void } & http.RequestListener

const SECRET = 'an-origin-secret-of-24ch'
let server: http.Server
let port = 0

beforeAll(async () => {
  const app = express()
  const { setting, options } = platform('same-host', { edgeProof: { header: 'x-origin-verify', values: [SECRET] } })
  trustProxy(app, setting, options)
  app.get('/', (req, res) => res.json({ ip: req.ip, protocol: req.protocol, hostname: req.hostname }))
  server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

async function get(headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    headers: { 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example', ...headers },
  })
  return response.json()
}

describe('edgeProof through Express', () => {
  it('with the proof, the loopback proxy is believed: ip, protocol and host', async () => {
    expect(await get({ 'x-origin-verify': SECRET })).toEqual({ ip: '203.0.113.5', protocol: 'https', hostname: 'shop.example' })
  })

  it('without it, nothing the peer forwarded is believed', async () => {
    expect(await get({})).toEqual({ ip: '127.0.0.1', protocol: 'http', hostname: '127.0.0.1' })
  })

  it('with a wrong value, the same', async () => {
    expect(await get({ 'x-origin-verify': `${SECRET}-not` })).toEqual({ ip: '127.0.0.1', protocol: 'http', hostname: '127.0.0.1' })
  })
})
