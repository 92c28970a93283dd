// nginx.mjs: proxy-trust behind nginx. A two-hop chain, each hop on its own loopback address and
// connecting onward from it (`proxy_bind`), in front of Express 5 apps that use the built package
// through `proxy-trust/express`; clients on further loopback addresses send honest and forged
// requests straight to the app, through the inner hop, or through both:
//
//   client 127.0.0.10 (honest) or 127.0.0.11 (forging)
//     -> outer nginx 127.0.0.2 -> inner nginx 127.0.0.3 -> apps on 127.0.0.1
//
// and one hop in front of the harness's application, with the recommended configuration (the
// forwarding files docs/guides/nginx.md shows) and with nginx's defaults, sent every request of
// cases.mjs. One nginx serves all four (nginx.conf), in the foreground, its pid, logs and temp files
// in a temporary directory.

import { spawnSync } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, passedThrough, tlsCases } from './cases.mjs'
import { APP_PORT, FORGER as CLIENT_FORGER, ROOT, TRUSTED, answer, findBinary, guideCheck, merge, runCases, selfSignedCertificate, startProcess, tempDir, writeConfig } from './lib.mjs'

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
// One hop in front of the harness's application

/** The ports of this nginx: the chain's hops and apps, and the one-hop servers. */
export const PORTS = { outer: 20101, inner: 20102, chainApp: 20103, recommended: 20104, default: 20105, serve: 20106, serveApp: 20107, tls: 20108 }

/** A Host nginx does not pass on (the `$forwarded_host` map): Express reads none, proxy-trust has none. */
const dropped = { why: 'not passed on: the application gets no Host', leftmost: answer(CLIENT_FORGER, [CLIENT_FORGER], null), aligned: answer(CLIENT_FORGER, [CLIENT_FORGER], null), forwarded: answer(CLIENT_FORGER, [CLIENT_FORGER], null) }
/** nginx's answer to a header line above large_client_header_buffers (8k): 400 "Request Header Or Cookie Too Large". */
const tooLarge = { why: 'refused by nginx (400)', leftmost: { status: 400 }, aligned: { status: 400 }, forwarded: { status: 400 } }

/** The recommended configuration: nothing a client sends is believed, by any of the applications. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer(CLIENT_FORGER) }, {
  hostElement: dropped,
  hostParameter: dropped,
  hostQuote: dropped,
  oversized: tooLarge,
})

/** An IPv6 client: nginx writes `for="[::1]"` (RFC 7239 section 6), X-Forwarded-For `::1`. */
const IPV6 = [
  { name: 'an honest request from ::1', from: '::1', headers: {}, expect: { leftmost: answer('::1'), aligned: answer('::1'), forwarded: answer('::1') } },
  { name: 'forging Forwarded and X-Forwarded-For from ::1', from: '::1', headers: { forwarded: 'for=198.51.100.1;proto=https', 'x-forwarded-for': '198.51.100.1' }, expect: { leftmost: answer('::1'), aligned: answer('::1'), forwarded: answer('::1') } },
]

/** nginx's defaults: every forwarding header is the client's, and Host is the upstream's address. */
const UPSTREAM = `127.0.0.1:${APP_PORT}`
const DEFAULT = casesOf(
  { leftmost: answer('127.0.0.1', [], UPSTREAM), aligned: answer('127.0.0.1', [], UPSTREAM), forwarded: answer('127.0.0.1', [], UPSTREAM) },
  differing(passedThrough(UPSTREAM), FORWARDED_PASSED_THROUGH, {
    hostAndXfh: { why: "the forged X-Forwarded-Host is passed on: Express's getter believes it", leftmost: answer('127.0.0.1', [], 'evil.example') },
    oversized: tooLarge,
  }),
)

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
// Running

/** The chain's cases, as runCases reports them. */
async function chainCases(ports) {
  const endpoints = { direct: [APP, ports.chainApp], inner: [INNER, ports.inner], outer: [OUTER, ports.outer] }
  const lines = []
  let passed = 0
  let failed = 0
  for (const c of CASES) {
    const [host, port] = endpoints[c.via]
    const name = `nginx chain: ${c.name}`
    try {
      const actual = await get(c.from, host, port, `/${c.app}`, c.headers ?? {})
      if (isDeepStrictEqual(actual, c.expected)) {
        passed++
        lines.push(`ok - ${name}`)
      } else {
        failed++
        lines.push(`not ok - ${name}\n  expected ${JSON.stringify(c.expected)}\n  actual   ${JSON.stringify(actual)}`)
      }
    } catch (error) {
      failed++
      lines.push(`not ok - ${name}\n  ${error.message}`)
    }
  }
  // the whoami server answers `GET //` (which nginx passes on as it is) and goes on answering
  for (const target of ['//', '//[', '/']) {
    const name = `nginx chain: whoami: GET ${target} through two hops`
    try {
      const answer = await get(HONEST, OUTER, ports.outer, target, { accept: 'application/json' })
      if (answer.result.ip === HONEST) {
        passed++
        lines.push(`ok - ${name}`)
      } else {
        failed++
        lines.push(`not ok - ${name}\n  ip ${answer.result.ip}`)
      }
    } catch (error) {
      failed++
      lines.push(`not ok - ${name}\n  ${error.message}`)
    }
  }
  return { lines, passed, failed }
}

const MAPS = 'test/proxies/nginx/forwarding-maps.conf'
const HEADERS = 'test/proxies/nginx/forwarding-headers.conf'

export async function run() {
  const binary = findBinary(process.env.NGINX, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx', '/usr/bin/nginx', '/opt/homebrew/bin/nginx')
  if (!binary) throw new Error('nginx not found: install it (apt-get install -y nginx) or set NGINX=/path/to/nginx')
  const dir = tempDir('nginx')
  for (const file of [MAPS, HEADERS]) copyFileSync(path.join(ROOT, file), path.join(dir, path.basename(file)))
  selfSignedCertificate(dir)
  const conf = writeConfig(dir, 'test/proxies/nginx/nginx.conf', [
    ['@DIR@', dir], ['@OUTER_PORT@', String(PORTS.outer)], ['@INNER_PORT@', String(PORTS.inner)], ['@CHAIN_APP_PORT@', String(PORTS.chainApp)],
    ['@RECOMMENDED_PORT@', String(PORTS.recommended)], ['@DEFAULT_PORT@', String(PORTS.default)], ['@APP_PORT@', String(APP_PORT)],
    ['@SERVE_PORT@', String(PORTS.serve)], ['@SERVE_APP_PORT@', String(PORTS.serveApp)], ['@TLS_PORT@', String(PORTS.tls)],
  ])
  // -e: the error log from the start, before the configuration names it
  const args = ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')]
  const check = spawnSync(binary, ['-t', ...args], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)

  const server = await startApps(PORTS.chainApp)
  let stop
  let stopServe
  try {
    // the executable, as a user starts it behind nginx
    stopServe = await startProcess('proxy-trust serve', process.execPath, [path.join(ROOT, 'dist/cjs/cli.js'), 'serve', '--trust', TRUSTED.join(','), '--host', '127.0.0.1', '--port', String(PORTS.serveApp)], [['127.0.0.1', PORTS.serveApp]])
    stop = await startProcess('nginx', binary, args, [[OUTER, PORTS.outer], [INNER, PORTS.inner], ['127.0.0.1', PORTS.recommended], ['::1', PORTS.recommended], ['127.0.0.1', PORTS.default], ['127.0.0.1', PORTS.serve], ['127.0.0.1', PORTS.tls]])
    return merge(
      await chainCases(PORTS),
      await runCases('nginx recommended', ['127.0.0.1', PORTS.recommended], RECOMMENDED),
      await runCases('nginx recommended, IPv6', ['::1', PORTS.recommended], IPV6),
      // nginx's element: the client, proto=https
      await runCases('nginx recommended', ['127.0.0.1', PORTS.tls], tlsCases([CLIENT_FORGER, [CLIENT_FORGER]])),
      await runCases('nginx recommended, proxy-trust serve', ['127.0.0.1', PORTS.serve], RECOMMENDED, ['whoami']),
      await runCases('nginx default', ['127.0.0.1', PORTS.default], DEFAULT),
      // the guide documents exactly the configuration tested here
      guideCheck('nginx', 'nginx.md', [MAPS, HEADERS]),
    )
  } finally {
    if (stop) await stop()
    if (stopServe) await stopServe()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(() => resolve()))
  }
}
