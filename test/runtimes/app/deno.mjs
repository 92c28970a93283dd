// deno.mjs: Deno.serve, the peer from the handler's info (fromDeno), and Hono with the adapter,
// which finds Deno's info in c.env by itself. Imported as Deno imports npm packages: npm: specifiers.
import * as esm from 'npm:proxy-trust'
import { fromDeno } from 'npm:proxy-trust'
import { trustProxy } from 'npm:proxy-trust/hono'
import { Hono } from 'npm:hono'
import { createRequire } from 'node:module'
import { answersWith, plain } from './answers.mjs'

/* global Deno */
const cjs = createRequire(import.meta.url)('proxy-trust')
const loaded = { esm: typeof esm.compileTrust, cjs: typeof cjs, same: cjs.compileTrust === esm.compileTrust }
const answers = answersWith(esm)

const hono = new Hono().use(trustProxy('127.0.0.2', { warn: false })).get('/hono', (c) => c.json(plain(c.get('trustProxy'))))

Deno.serve({
  hostname: '127.0.0.1',
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request, info) => {
  const { pathname } = new URL(request.url)
  if (pathname === '/hono') return hono.fetch(request, info)
  if (pathname === '/load') return Response.json(loaded)
  return Response.json(answers(fromDeno(request, info)))
})
