// Express, Fastify, Koa and Hono, unchanged, each on the server it listens with, given the PROXY
// protocol: each framework's own notion of the client address is the address the header announced,
// with no adapter and no trust proxy setting.

import type http from 'node:http'
import { createRequire } from 'node:module'
import type net from 'node:net'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { afterEach, describe, expect, it } from 'vitest'
import { acceptProxyProtocol } from '../../src/proxy-protocol.js'
import { http1 } from './client.js'
import { inet6, v2 } from './encode.js'

const require = createRequire(import.meta.url)
const express = require('express5') as typeof import('express')

const closers: (() => Promise<unknown>)[] = []
afterEach(() => Promise.all(closers.splice(0).map((close) => close())))

function closeOf(server: net.Server): () => Promise<unknown> {
  return () => new Promise((resolve) => server.close(resolve))
}

/** Start the framework's server on 127.0.0.1 and return it, listening. */
const FRAMEWORKS: Record<string, () => Promise<net.Server>> = {
  express: async () => {
    const app = express()
    app.get('/', (req, res) => {
      res.send(String(req.ip))
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    closers.push(closeOf(server))
    return server
  },
  fastify: async () => {
    const app = Fastify()
    app.get('/', (request) => request.ip)
    await app.listen({ port: 0, host: '127.0.0.1' })
    closers.push(() => app.close())
    return app.server
  },
  koa: async () => {
    const app = new Koa()
    app.use((ctx) => {
      ctx.body = ctx.ip
    })
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    closers.push(closeOf(server))
    return server
  },
  hono: async () => {
    const app = new Hono()
    app.get('/', (c) => c.text(String(getConnInfo(c).remote.address)))
    const server = await new Promise<http.Server>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as http.Server))
    })
    closers.push(closeOf(server))
    return server
  },
}

const V1 = 'PROXY TCP4 203.0.113.44 127.0.0.1 50000 80\r\n'
const V2_IPV6 = v2({ fam: 0x21, addresses: inet6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x44], [0, 0, 0, 0, 0, 0, 0, 1], 50001, 80) })

describe.each(Object.keys(FRAMEWORKS))('%s, listening, then given the PROXY protocol', (name) => {
  it('answers with the address a version 1 header announced', async () => {
    const server = acceptProxyProtocol(await (FRAMEWORKS[name] as () => Promise<net.Server>)(), { from: 'loopback' })
    const port = (server.address() as net.AddressInfo).port
    expect((await http1(port, V1)).body).toMatch(/(^|\r\n)203\.0\.113\.44(\r\n|$)/)
  })

  it('answers with the IPv6 address a version 2 header announced', async () => {
    const server = acceptProxyProtocol(await (FRAMEWORKS[name] as () => Promise<net.Server>)(), { from: 'loopback' })
    const port = (server.address() as net.AddressInfo).port
    expect((await http1(port, V2_IPV6)).body).toMatch(/(^|\r\n)2001:db8::44(\r\n|$)/)
  })
})
