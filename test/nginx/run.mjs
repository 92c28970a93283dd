// run.mjs: proxy-trust behind a real reverse-proxy chain. Two nginx hops, each on its own loopback
// address and connecting onward from it (`proxy_bind`), in front of Express 5 apps that use the
// built package through `proxy-trust/express`; clients on further loopback addresses send honest
// and forged requests straight to the app, through the inner hop, or through both.
//
//   client 127.0.0.10 (honest) or 127.0.0.11 (forging)
//     -> outer nginx 127.0.0.2 -> inner nginx 127.0.0.3 -> apps on 127.0.0.1
//
// Plain Node, no test runner: `npm run test:nginx` (which builds first). Prints one line per case
// and `nginx: N passed, M failed`; exits non-zero when a case fails or the chain cannot start.
// nginx is looked for at $NGINX, then the usual paths; it runs in the foreground with its config,
// pid, logs and temp files in a temporary directory, which is removed however the run ends.
//
// Linux routes all of 127.0.0.0/8 to `lo`; other systems need an alias per address.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'

const require = createRequire(import.meta.url)
const express = require('express5')
// the built package, as an application imports it (a self-reference resolves through "exports" to dist)
const { trustProxy } = await import('proxy-trust/express')
const { compileTrust } = await import('proxy-trust')
// the whoami server's request handler, from the build (what `proxy-trust serve` listens with)
const { whoami } = require('../../dist/cjs/cli/serve.js')

const APP = '127.0.0.1'
const OUTER = '127.0.0.2'
const INNER = '127.0.0.3'
const HONEST = '127.0.0.10'
const FORGER = '127.0.0.11'
const HOST = 'shop.example'

/** What the forging client sends, header by header. */
const FORGED = {
  'x-forwarded-for': '198.51.100.1',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  forwarded: 'for=198.51.100.1;proto=https;host=evil.example',
}

/** The apps, one per trust setting, each at /<name>. */
const APPS = {
  proxies: { setting: [OUTER, INNER] },
  'inner-only': { setting: INNER },
  'trust-all': { setting: true },
  forwarded: { setting: [OUTER, INNER], options: { source: 'forwarded' } },
}

/** What Express reports for a request from `client` that passed `hops` (farthest first), with nginx setting protocol and host. */
function seen(client, hops = []) {
  const ips = hops.length === 0 ? [] : [client, ...hops.slice(0, -1)]
  return { ip: client, ips, protocol: 'http', secure: false, hostname: HOST }
}

const CASES = [
  // X-Forwarded-For, trusting both hops
  { name: 'direct request', app: 'proxies', via: 'direct', from: HONEST, expected: seen(HONEST) },
  { name: 'direct request forging every header: ignored, the peer is untrusted', app: 'proxies', via: 'direct', from: FORGER, headers: FORGED, expected: seen(FORGER) },
  { name: 'through one hop', app: 'proxies', via: 'inner', from: HONEST, expected: seen(HONEST, [INNER]) },
  { name: 'through two hops', app: 'proxies', via: 'outer', from: HONEST, expected: seen(HONEST, [OUTER, INNER]) },
  { name: 'forging X-Forwarded-For through one hop', app: 'proxies', via: 'inner', from: FORGER, headers: pick('x-forwarded-for'), expected: seen(FORGER, [INNER]) },
  { name: 'forging X-Forwarded-For through two hops', app: 'proxies', via: 'outer', from: FORGER, headers: pick('x-forwarded-for'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: 'forging X-Forwarded-Host: nginx sets it', app: 'proxies', via: 'outer', from: FORGER, headers: pick('x-forwarded-host'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: 'forging X-Forwarded-Proto: nginx sets it', app: 'proxies', via: 'outer', from: FORGER, headers: pick('x-forwarded-proto'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: 'forging Forwarded: not the source, not read', app: 'proxies', via: 'outer', from: FORGER, headers: pick('forwarded'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: 'forging every header through two hops', app: 'proxies', via: 'outer', from: FORGER, headers: FORGED, expected: seen(FORGER, [OUTER, INNER]) },

  // a setting that covers only the inner hop
  { name: 'inner hop only, through one hop', app: 'inner-only', via: 'inner', from: HONEST, expected: seen(HONEST, [INNER]) },
  { name: 'inner hop only, through two hops: the outer hop is the client', app: 'inner-only', via: 'outer', from: HONEST, expected: seen(OUTER, [INNER]) },
  { name: 'inner hop only, forging every header through two hops', app: 'inner-only', via: 'outer', from: FORGER, headers: FORGED, expected: seen(OUTER, [INNER]) },
  { name: 'inner hop only, direct request forging every header', app: 'inner-only', via: 'direct', from: FORGER, headers: FORGED, expected: seen(FORGER) },

  // `true`: the leftmost entry, which the client wrote
  {
    name: 'trusting everything, forging X-Forwarded-For through two hops: the forged entry wins',
    app: 'trust-all', via: 'outer', from: FORGER, headers: pick('x-forwarded-for'),
    expected: { ...seen('198.51.100.1'), ips: ['198.51.100.1', FORGER, OUTER] },
  },

  // the Forwarded source: compileTrust(setting, { source: 'forwarded' })
  { name: "source 'forwarded', direct request", app: 'forwarded', via: 'direct', from: HONEST, expected: seen(HONEST) },
  { name: "source 'forwarded', through one hop", app: 'forwarded', via: 'inner', from: HONEST, expected: seen(HONEST, [INNER]) },
  { name: "source 'forwarded', through two hops", app: 'forwarded', via: 'outer', from: HONEST, expected: seen(HONEST, [OUTER, INNER]) },
  { name: "source 'forwarded', forging Forwarded through two hops", app: 'forwarded', via: 'outer', from: FORGER, headers: pick('forwarded'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: "source 'forwarded', forging X-Forwarded-For: not the source, not read", app: 'forwarded', via: 'outer', from: FORGER, headers: pick('x-forwarded-for'), expected: seen(FORGER, [OUTER, INNER]) },
  { name: "source 'forwarded', forging every header through two hops", app: 'forwarded', via: 'outer', from: FORGER, headers: FORGED, expected: seen(FORGER, [OUTER, INNER]) },
  { name: "source 'forwarded', direct request forging every header", app: 'forwarded', via: 'direct', from: FORGER, headers: FORGED, expected: seen(FORGER) },
]

// Injection through Host: nginx passes "," ";" "=" and quotes in Host through to $host, so a
// Forwarded built from it could gain elements or parameters. The config passes on only a valid host;
// whatever the client sends, it chooses neither ip, host nor protocol.
const INJECTED_HOSTS = [
  ['a comma and an element', 'shop.example,for=198.51.100.1'],
  ['a semicolon and a parameter', 'shop.example;for=198.51.100.1'],
  ['a quote', 'shop.example"'],
  ['a quote, a comma and a forged protocol', 'shop.example";proto=https,for="198.51.100.1'],
  ['an equals sign', 'for=198.51.100.1'],
]
for (const [what, host] of INJECTED_HOSTS) {
  for (const app of ['proxies', 'forwarded']) {
    CASES.push({
      name: `${app === 'forwarded' ? "source 'forwarded', " : ''}Host with ${what} through two hops: not passed on`,
      app, via: 'outer', from: FORGER, headers: { host },
      expected: { ...seen(FORGER, [OUTER, INNER]), hostname: null },
    })
  }
}
CASES.push(
  {
    name: "source 'forwarded', forging Forwarded with a valid Host through two hops: the client's elements are dropped",
    app: 'forwarded', via: 'outer', from: FORGER, headers: { forwarded: 'for=198.51.100.1;proto=https;host=evil.example, for=127.0.0.2' },
    expected: seen(FORGER, [OUTER, INNER]),
  },
  {
    name: "source 'forwarded', a Host with a port, quoted in Forwarded",
    app: 'forwarded', via: 'outer', from: HONEST, headers: { host: 'shop.example:8443' }, expected: seen(HONEST, [OUTER, INNER]),
  },
  {
    name: "source 'forwarded', an IPv6 literal Host with a port, quoted in Forwarded",
    app: 'forwarded', via: 'outer', from: HONEST, headers: { host: '[2001:db8::1]:8443' },
    expected: { ...seen(HONEST, [OUTER, INNER]), hostname: '[2001:db8::1]' },
  },
  {
    name: 'an IPv6 literal Host with a port in X-Forwarded-Host',
    app: 'proxies', via: 'outer', from: HONEST, headers: { host: '[2001:db8::1]:8443' },
    expected: { ...seen(HONEST, [OUTER, INNER]), hostname: '[2001:db8::1]' },
  },
)

function pick(name) {
  return { [name]: FORGED[name] }
}

// ---------------------------------------------------------------------------------------------------
// nginx

function findNginx() {
  const candidates = [process.env.NGINX, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx', '/usr/bin/nginx', '/opt/homebrew/bin/nginx']
  return candidates.find((candidate) => candidate && existsSync(candidate))
}

/**
 * The configuration the README documents, word for word (the suite checks that it does): the maps at
 * the http level, the headers in each proxied location. The trusted hops are this chain's.
 */
const FORWARDING_MAPS = `# The proxies whose Forwarded elements are carried on; every other peer is a client,
# whose Forwarded is dropped (RFC 7239 section 8.1: only trusted elements are believed)
geo $forwarded_trusted_peer {
  default 0;
  127.0.0.2 1;
  127.0.0.3 1;
}

# Forwarded as received from a trusted hop, then ", "; from anyone else, nothing
map "$forwarded_trusted_peer:$http_forwarded" $forwarded_prior {
  "~^1:(?<prior>.+)$" "$prior, ";
  default "";
}

# for=: IPv4 as it is, IPv6 in brackets and quotes, anything else (a unix socket) as unknown
# (RFC 7239 sections 4 and 6; nginx's article "Using the Forwarded header")
map $remote_addr $forwarded_for {
  "~^[0-9.]+$" "for=$remote_addr";
  "~^[0-9A-Fa-f:.]+$" "for=\\"[$remote_addr]\\"";
  default "for=unknown";
}

# Host only when it is a reg-name or an IP literal, with an optional port (RFC 3986 section 3.2.2);
# anything else (",", ";", "=", a quote) is not passed on at all
map $http_host $forwarded_host {
  "~*^(?:[a-z0-9.-]+|\\[[0-9a-f:.]+\\])(?::[0-9]{1,5})?$" $http_host;
  default "";
}

# host= quoted: ":" and "[]" are not token characters (RFC 7239 section 4)
map $forwarded_host $forwarded_host_param {
  "" "";
  default ";host=\\"$forwarded_host\\"";
}`

const FORWARDING_HEADERS = `proxy_set_header Host $forwarded_host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $forwarded_host;
proxy_set_header Forwarded "$forwarded_prior$forwarded_for;proto=$scheme$forwarded_host_param";`

/** Both hops set the same headers; each connects onward from its own address. */
function location(upstream, bind) {
  return `
    location / {
      proxy_pass http://${upstream};
      proxy_bind ${bind};
      ${FORWARDING_HEADERS.split('\n').join('\n      ')}
    }`
}

function nginxConfig(dir, ports) {
  return `# written by test/nginx/run.mjs
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;

events {
  worker_connections 64;
}

http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  ${FORWARDING_MAPS.split('\n').join('\n  ')}

  server {
    listen ${OUTER}:${ports.outer};
    ${location(`${INNER}:${ports.inner}`, OUTER)}
  }

  server {
    listen ${INNER}:${ports.inner};
    ${location(`${APP}:${ports.app}`, INNER)}
  }
}
`
}

/** A free port on `host`. */
function freePort(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolve once `host:port` accepts connections; reject after `ms` or when `stopped()` says the server has gone. */
async function waitForPort(host, port, ms, stopped) {
  const deadline = Date.now() + ms
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (stopped()) throw new Error(`nginx exited before listening on ${host}:${port}`)
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// ---------------------------------------------------------------------------------------------------
// The apps and the client

function startApps(port) {
  const setting = [OUTER, INNER]
  const explainer = whoami({ trust: compileTrust(setting), setting, context: { trust: setting.join(', '), options: {} } }, { write: () => true })
  const apps = new Map()
  for (const [name, { setting, options }] of Object.entries(APPS)) {
    const app = express()
    trustProxy(app, setting, options)
    app.use((req, res) => {
      res.json({ ip: req.ip ?? null, ips: req.ips, protocol: req.protocol, secure: req.secure, hostname: req.hostname ?? null })
    })
    apps.set(name, app)
  }
  const server = http.createServer((req, res) => {
    const app = apps.get((req.url ?? '/').split('/')[1] ?? '')
    // every other target, `//` among them, goes to the whoami server
    if (app) app(req, res)
    else explainer(req, res)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, APP, () => resolve(server))
  })
}

function get(from, host, port, urlPath, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, localAddress: from, path: urlPath, headers: { host: HOST, ...headers }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`))
        else resolve(JSON.parse(body))
      })
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer after 10 s')))
    req.on('error', reject)
    req.end()
  })
}

// ---------------------------------------------------------------------------------------------------
// Running, and cleaning up however the run ends

let dir
let nginx
let server

/** Stop nginx, close the apps and remove the temporary directory; safe to call more than once. */
async function cleanup() {
  if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
    const exited = new Promise((resolve) => nginx.once('exit', resolve))
    nginx.kill('SIGTERM')
    const timer = setTimeout(() => nginx.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  if (server) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(() => resolve()))
    server = undefined
  }
  if (dir) {
    rmSync(dir, { recursive: true, force: true })
    dir = undefined
  }
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    console.error(`nginx: ${signal}, stopping`)
    cleanup().finally(() => process.exit(code))
  })
}
// the last resort, should the process end without the finally below
process.once('exit', () => {
  if (nginx && nginx.exitCode === null) nginx.kill('SIGKILL')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function main() {
  const binary = findNginx()
  if (!binary) throw new Error('nginx not found: install it (apt-get install -y nginx) or set NGINX=/path/to/nginx')

  dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-nginx-'))
  const ports = { app: await freePort(APP), inner: await freePort(INNER), outer: await freePort(OUTER) }
  const conf = path.join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig(dir, ports))
  // -e: the error log from the start, before the configuration names it
  const args = ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')]

  const check = spawnSync(binary, ['-t', ...args], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)

  server = await startApps(ports.app)
  let stderr = ''
  nginx = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  nginx.stderr.on('data', (chunk) => { stderr += chunk })
  const stopped = () => nginx.exitCode !== null || nginx.signalCode !== null
  try {
    await waitForPort(OUTER, ports.outer, 10_000, stopped)
    await waitForPort(INNER, ports.inner, 10_000, stopped)
  } catch (error) {
    const log = existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : ''
    throw new Error(`${error.message}\n${stderr}${log}`)
  }

  const endpoints = { direct: [APP, ports.app], inner: [INNER, ports.inner], outer: [OUTER, ports.outer] }
  let passed = 0
  let failed = 0
  for (const c of CASES) {
    const [host, port] = endpoints[c.via]
    try {
      const actual = await get(c.from, host, port, `/${c.app}`, c.headers ?? {})
      if (isDeepStrictEqual(actual, c.expected)) {
        passed++
        console.log(`ok - ${c.name}`)
      } else {
        failed++
        console.log(`not ok - ${c.name}\n  expected ${JSON.stringify(c.expected)}\n  actual   ${JSON.stringify(actual)}`)
      }
    } catch (error) {
      failed++
      console.log(`not ok - ${c.name}\n  ${error.message}`)
    }
  }
  // the whoami server answers `GET //` (which nginx passes on as it is) and goes on answering
  for (const target of ['//', '//[', '/']) {
    const name = `whoami: GET ${target} through two hops`
    try {
      const answer = await get(HONEST, OUTER, ports.outer, target, { accept: 'application/json' })
      if (answer.result.ip === HONEST) {
        passed++
        console.log(`ok - ${name}`)
      } else {
        failed++
        console.log(`not ok - ${name}\n  ip ${answer.result.ip}`)
      }
    } catch (error) {
      failed++
      console.log(`not ok - ${name}\n  ${error.message}`)
    }
  }
  // the README documents exactly the configuration tested here
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  if (readme.includes(FORWARDING_MAPS) && readme.includes(FORWARDING_HEADERS)) {
    passed++
    console.log('ok - the README shows the tested nginx configuration word for word')
  } else {
    failed++
    console.log('not ok - the README shows the tested nginx configuration word for word')
  }
  console.log(`nginx: ${passed} passed, ${failed} failed`)
  return failed === 0
}

let ok = false
try {
  ok = await main()
} catch (error) {
  console.error(`nginx: ${error.message}`)
  console.log(`nginx: 0 passed, ${CASES.length + 4} failed`)
} finally {
  await cleanup()
}
process.exitCode = ok ? 0 : 1
