// bench/http-server.mjs: one server of the HTTP benchmark, in a process of its own, started by
// bench/http.mjs as `node bench/http-server.mjs <server>`; it reports its loopback port over IPC,
// and its CPU time, or a summary of a CPU profile, when asked.
//
// Every server answers the same two routes from the same four questions (client address, trusted
// chain farthest first, protocol, host name): `/` with a short line, the route that is timed, and
// `/answer` with the full answer as JSON, which bench/http.mjs compares before it times anything.

import http from 'node:http'
import inspector from 'node:inspector'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The trust setting of every pair, except Koa's (see `koa` below). */
export const SETTING = 'loopback, uniquelocal'

const short = (a) => `${a.ip} ${a.ips.length} ${a.protocol} ${a.hostname}`
const full = (a) => JSON.stringify({ ip: a.ip, ips: a.ips, protocol: a.protocol, hostname: a.hostname })

/** A copy of Express (`express4` or `express5`) whose `require('proxy-addr')` loads `target`, as an npm override does. */
function loadExpressWith(name, target) {
  const Module = require('node:module')
  const expressDir = path.dirname(require.resolve(`${name}/package.json`))
  const original = Module._resolveFilename
  Module._resolveFilename = function (request, parent, ...rest) {
    if (request === 'proxy-addr' && parent?.filename?.startsWith(expressDir)) return target
    return original.call(this, request, parent, ...rest)
  }
  try {
    return require(path.join(expressDir, 'index.js'))
  } finally {
    Module._resolveFilename = original
  }
}

async function express(name, variant) {
  const target = variant === 'override' ? path.join(root, 'dist/cjs/cjs.js') : require.resolve('proxy-addr')
  const app = loadExpressWith(name, target)()
  app.set('etag', false)
  if (variant === 'adapter') (await import('proxy-trust/express')).trustProxy(app, SETTING)
  else app.set('trust proxy', SETTING)
  const answer = (req) => ({ ip: req.ip, ips: req.ips, protocol: req.protocol, hostname: req.hostname })
  app.get('/', (req, res) => res.send(short(answer(req))))
  app.get('/answer', (req, res) => res.send(full(answer(req))))
  return http.createServer(app)
}

/**
 * Express's getters written out over proxy-addr, as a node:http server without Express would:
 * `ips` farthest first without the socket peer, protocol and host from the first X-Forwarded-Proto
 * and -Host values when the peer is trusted (Express 5's lib/request.js).
 */
function withProxyAddr(proxyaddr, trust) {
  const first = (value) => {
    const comma = value.indexOf(',')
    return (comma === -1 ? value : value.slice(0, comma)).trim()
  }
  return (req) => {
    const addrs = proxyaddr.all(req, trust)
    const peerTrusted = trust(req.socket.remoteAddress, 0)
    const own = req.socket.encrypted ? 'https' : 'http'
    const protocol = peerTrusted ? first(req.headers['x-forwarded-proto'] || own) : own
    const forwardedHost = peerTrusted && req.headers['x-forwarded-host']
    const host = forwardedHost ? first(forwardedHost) : req.headers.host
    // the port goes; an IPv6 literal keeps its brackets
    const colon = host ? host.indexOf(':', host[0] === '[' ? host.indexOf(']') + 1 : 0) : -1
    const hostname = colon === -1 ? host : host.slice(0, colon)
    return { ip: proxyaddr(req, trust), ips: addrs.slice(1).reverse(), protocol, hostname }
  }
}

async function node(variant) {
  let answer
  if (variant === 'proxy-trust') {
    const { compileTrust, resolveAddr } = await import('proxy-trust')
    const trust = compileTrust(SETTING)
    answer = (req) => resolveAddr(req, trust)
  } else {
    const proxyaddr = require('proxy-addr')
    answer = withProxyAddr(proxyaddr, proxyaddr.compile(SETTING.split(', ')))
  }
  return http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain; charset=utf-8')
    res.end(req.url === '/answer' ? full(answer(req)) : short(answer(req)))
  })
}

async function fastify(variant) {
  const Fastify = require('fastify')
  let app
  let answer
  if (variant === 'plugin') {
    const { trustProxy } = await import('proxy-trust/fastify')
    const plugin = trustProxy(SETTING)
    app = Fastify({ trustProxy: plugin.trust })
    await app.register(plugin)
    answer = (request) => request.trustProxy
  } else {
    app = Fastify({ trustProxy: SETTING })
    // Fastify's `ips` starts at the socket peer; turned farthest first without it, as Express's
    answer = (request) => ({ ip: request.ip, ips: request.ips.slice(1).reverse(), protocol: request.protocol, hostname: request.hostname })
  }
  app.get('/', (request) => short(answer(request)))
  app.get('/answer', (request) => full(answer(request)))
  await app.ready()
  return app.server
}

/**
 * Koa's `app.proxy = true` believes every hop, so the middleware it is compared with trusts every
 * hop too (`true`): the same answers, so the same work asked of both.
 */
async function koa(variant) {
  const Koa = require('koa')
  const app = new Koa()
  if (variant === 'middleware') app.use((await import('proxy-trust/koa')).trustProxy(true))
  else app.proxy = true
  app.use((ctx) => {
    const a = { ip: ctx.ip, ips: ctx.ips, protocol: ctx.protocol, hostname: ctx.hostname }
    ctx.body = ctx.path === '/answer' ? full(a) : short(a)
  })
  return http.createServer(app.callback())
}

/**
 * Where a CPU profile's busy samples fell, in percent: this package's code, proxy-addr and the
 * packages it uses (or @fastify/proxy-addr), and everything else.
 */
function shares(profile) {
  const kind = new Map()
  const own = [path.join(root, 'dist'), path.join(root, 'src')].map((dir) => `file://${dir}/`)
  const peers = ['proxy-addr', '@fastify/proxy-addr', 'forwarded', 'ipaddr.js'].map((name) => `/node_modules/${name}/`)
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame
    let k = 'other'
    if (functionName === '(idle)') k = 'idle'
    else if (own.some((prefix) => url.startsWith(prefix))) k = 'ours'
    else if (peers.some((part) => url.includes(part))) k = 'peer'
    kind.set(node.id, k)
  }
  const counts = { ours: 0, peer: 0, other: 0, idle: 0 }
  for (const id of profile.samples) counts[kind.get(id)]++
  const busy = counts.ours + counts.peer + counts.other
  return { samples: busy, ours: (100 * counts.ours) / busy, peer: (100 * counts.peer) / busy }
}

/** Every server, by the name bench/http.mjs starts it with. */
export const SERVERS = {
  'node:http + proxy-addr': () => node('proxy-addr'),
  'node:http + resolveAddr': () => node('proxy-trust'),
  'Express 4 + proxy-addr': () => express('express4', 'proxy-addr'),
  'Express 4, proxy-addr overridden': () => express('express4', 'override'),
  'Express 4 + proxy-trust/express': () => express('express4', 'adapter'),
  'Express 5 + proxy-addr': () => express('express5', 'proxy-addr'),
  'Express 5, proxy-addr overridden': () => express('express5', 'override'),
  'Express 5 + proxy-trust/express': () => express('express5', 'adapter'),
  'Fastify 5 trustProxy': () => fastify('own'),
  'Fastify 5 + proxy-trust/fastify': () => fastify('plugin'),
  'Koa 3 app.proxy': () => koa('own'),
  'Koa 3 + proxy-trust/koa': () => koa('middleware'),
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const make = SERVERS[process.argv[2]]
  if (make === undefined) throw new Error(`unknown server: ${process.argv[2]}`)
  const server = await make()
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
  // the process's CPU time so far (user and system, microseconds), for the CPU cost per request
  // and a CPU profile of this process between 'profile' and 'stop', summarised
  let session
  process.on('message', (message) => {
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage()
      process.send({ cpu: user + system })
    } else if (message === 'profile') {
      session = new inspector.Session()
      session.connect()
      // a sample every 100 µs, ten times V8's default, so that a 2 s profile has thousands
      session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 100 }, () => {
        session.post('Profiler.start', () => process.send({ profiling: true }))
      }))
    } else if (message === 'stop') {
      session.post('Profiler.stop', (error, result) => {
        session.disconnect()
        process.send({ shares: error ? null : shares(result.profile) })
      })
    }
  })
  process.on('disconnect', () => process.exit(0))
}
