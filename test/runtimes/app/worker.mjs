// worker.mjs: a Cloudflare Worker (run by workerd): no socket, the peer from CF-Connecting-IP
// (fromWorker), and Hono with the adapter taking Hono's own getConnInfo for Workers.
import * as esm from 'proxy-trust'
import { fromWorker } from 'proxy-trust'
import { trustProxy } from 'proxy-trust/hono'
import { Hono } from 'hono'
import { getConnInfo } from 'hono/cloudflare-workers'
import { answersWith, plain } from './answers.mjs'

// Workers have no require: only the ES module entry is loaded
const loaded = { esm: typeof esm.compileTrust, cjs: typeof globalThis.require, same: null }
const answers = answersWith(esm)

const hono = new Hono().use(trustProxy('127.0.0.2', { warn: false, getConnInfo })).get('/hono', (c) => c.json(plain(c.get('trustProxy'))))

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url)
    if (pathname === '/hono') return hono.fetch(request, env, ctx)
    if (pathname === '/load') return Response.json(loaded)
    return Response.json(answers(fromWorker(request)))
  },
}
