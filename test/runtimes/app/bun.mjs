// bun.mjs: Bun.serve, the peer from server.requestIP (fromBun), and Hono with the adapter, which
// finds Bun's server in c.env by itself.
import * as esm from 'proxy-trust'
import { fromBun } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/hono'
import { Hono } from 'hono'
import { answersWith, plain } from './answers.mjs'

// Bun has require in ES modules too: the CommonJS entry must be the same instance
/* global Bun, require */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cjs = require('proxy-trust')
const loaded = { esm: typeof esm.compileTrust, cjs: typeof cjs, same: cjs.compileTrust === esm.compileTrust }
const answers = answersWith(esm)

const hono = new Hono().use(trustProxy('127.0.0.2', { warn: false })).get('/hono', (c) => c.json(plain(c.get('trustProxy'))))

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, server) {
    const { pathname } = new URL(request.url)
    if (pathname === '/hono') return hono.fetch(request, server)
    if (pathname === '/load') return Response.json(loaded)
    return Response.json(answers(fromBun(request, server)))
  },
})
console.log(`listening ${server.port}`)
