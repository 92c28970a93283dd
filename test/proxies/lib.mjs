// lib.mjs: what every proxy of the harness shares: the addresses and ports, the application behind
// the proxies (Express through the proxy-addr override, the whoami handler, the Express adapter with
// options), the client, the proxy processes and their temporary directories, the configuration
// templates, and the check that a guide shows the tested file word for word.
//
// Linux routes all of 127.0.0.0/8 to `lo`, so clients bind distinct source addresses (127.0.0.x)
// and every answer names exactly who sent the request.

import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import Module, { createRequire } from 'node:module'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const require = createRequire(import.meta.url)

// Express through the override: an application that writes `"overrides": { "proxy-addr":
// "npm:proxy-trust@…" }` gets this package's CommonJS entry wherever Express requires proxy-addr.
// Resolving the name to the build does the same for the Express loaded here (test/install runs the
// real package managers' overrides).
const CJS_ENTRY = path.join(ROOT, 'dist/cjs/cjs.js')
const EXPRESS_DIR = path.join(ROOT, 'node_modules/express5') + path.sep
const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'proxy-addr' && parent?.filename?.startsWith(EXPRESS_DIR)) return CJS_ENTRY
  return resolveFilename.call(this, request, parent, ...rest)
}
const express = require('express5')
const { trustProxy } = await import('proxy-trust/express')
const { compileTrust } = await import('proxy-trust')
// the whoami server's request handler, from the build (what `proxy-trust serve` listens with)
const { whoami } = require('../../dist/cjs/cli/serve.js')

/** The application: every proxy of the harness passes requests on to it. */
export const APP = '127.0.0.1'
export const APP_PORT = 20010
/** Clients: one honest, one forging, each from its own address; no proxy trusts them. */
export const HONEST = '127.0.0.20'
export const FORGER = '127.0.0.21'
/** The Host every client sends unless a case says otherwise. */
export const HOST = 'shop.example'
/**
 * Whom the applications trust: the proxies. A proxy that does not bind its outgoing connections
 * connects from 127.0.0.1, the first address of `lo`; the chains bind their hops to 127.0.0.2–7.
 */
export const TRUSTED = ['127.0.0.0/29']

/**
 * The applications, by the first path segment. `express`: Express 5 with `trust proxy` set, this
 * package standing in for proxy-addr (Express's own host and protocol getters: the leftmost
 * X-Forwarded-Host and -Proto); `whoami`: the `proxy-trust serve` handler with the same setting;
 * `aligned`: `trustProxy(app, TRUSTED, { hostAndProto: 'aligned' })`; `forwarded`: the same with
 * `source: 'forwarded'`.
 */
export const TARGETS = ['express', 'whoami', 'aligned', 'forwarded']

function answerOf(req) {
  return { ip: req.ip ?? null, ips: req.ips, host: req.host ?? null, hostname: req.hostname ?? null, protocol: req.protocol, secure: req.secure }
}

function expressApp(configure) {
  const app = express()
  configure(app)
  app.use((req, res) => {
    res.set('cache-control', 'no-store')
    res.json(answerOf(req))
  })
  return app
}

/** Start the application on APP:APP_PORT; resolves with a function that closes it. */
export async function startApp() {
  const apps = {
    express: expressApp((app) => app.set('trust proxy', TRUSTED)),
    aligned: expressApp((app) => trustProxy(app, TRUSTED, { hostAndProto: 'aligned' })),
    forwarded: expressApp((app) => trustProxy(app, TRUSTED, { source: 'forwarded', hostAndProto: 'aligned' })),
    whoami: whoami({ trust: compileTrust(TRUSTED), setting: TRUSTED, context: { trust: TRUSTED.join(', '), options: {} } }, { write: () => true }),
  }
  // the proxies decide what is too large; the application accepts what they pass on
  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    const name = (req.url ?? '/').split('/')[1]?.split('?')[0] ?? ''
    const app = apps[name]
    if (app) app(req, res)
    else {
      res.writeHead(404, { 'cache-control': 'no-store' })
      res.end()
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(APP_PORT, APP, resolve)
  })
  return async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(() => resolve()))
  }
}

/**
 * One request from `from` to `host:port` for `target`: the answer's six fields, or `{ status }` when
 * the answer is not a 200. `headers` values may be arrays (one header line each).
 */
export function get(from, host, port, target, headers = {}, tls = false) {
  return new Promise((resolve, reject) => {
    // TLS: the proxy's certificate is the run's own, made by selfSignedCertificate
    const request = tls ? https.request : http.request
    // as raw lines ([name, value, name, value…]), so that a header, Host included, may come twice
    const lines = Object.entries({ host: HOST, accept: 'application/json', ...headers }).flatMap(([name, value]) => [value].flat().flatMap((v) => [name, v]))
    const req = request({
      host, port, localAddress: from, path: `/${target}`, agent: false, setHost: false, headers: lines,
      ...(tls ? { servername: HOST, rejectUnauthorized: false } : {}),
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ status: res.statusCode })
        try {
          const json = JSON.parse(body)
          resolve(target === 'whoami' ? json.result : json)
        } catch {
          reject(new Error(`not JSON: ${JSON.stringify(body.slice(0, 200))}`))
        }
      })
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer after 10 s')))
    req.on('error', reject)
    req.end()
  })
}

/** The six answers for a client `ip`, the trusted hops' list `ips`, and the host and protocol. */
export function answer(ip, ips = [ip], host = HOST, protocol = 'http') {
  let hostname = null
  if (host !== null) hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]
  return { ip, ips, host, hostname, protocol, secure: protocol === 'https' }
}

/**
 * Run `cases` against a proxy listening on `host:port`, each on the targets it names: `leftmost`
 * (express and whoami), `aligned`, `forwarded`; each target is one check, unless `only` (a list of
 * targets) leaves it out. Returns the report lines and the counts.
 */
export async function runCases(label, endpoint, cases, only = TARGETS) {
  const lines = []
  let passed = 0
  let failed = 0
  for (const c of cases) {
    const checks = []
    if (c.expect.leftmost) checks.push(['express', c.expect.leftmost], ['whoami', c.expect.leftmost])
    if (c.expect.aligned) checks.push(['aligned', c.expect.aligned])
    if (c.expect.forwarded) checks.push(['forwarded', c.expect.forwarded])
    for (const [target, expected] of checks.filter(([t]) => only.includes(t))) {
      const name = `${label}: ${c.name} [${target}]`
      try {
        const actual = await get(c.from ?? FORGER, endpoint[0], endpoint[1], target, c.headers, c.tls)
        if (isDeepStrictEqual(actual, expected)) {
          passed++
          lines.push(`ok - ${name}`)
        } else {
          failed++
          lines.push(`not ok - ${name}\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`)
        }
      } catch (error) {
        failed++
        lines.push(`not ok - ${name}\n  ${error.message}`)
      }
    }
  }
  return { lines, passed, failed }
}

/** Resolve once `host:port` accepts connections; reject after `ms` or when `stopped()` says the process has gone. */
export async function waitForPort(host, port, ms, stopped) {
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
    if (stopped()) throw new Error(`the process exited before listening on ${host}:${port}`)
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Reject when something already listens on `host:port`. */
function assertFree(name, host, port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', (error) => reject(new Error(`${name}: ${host}:${port} is taken (${error.code}): stop what listens there`)))
    server.listen(port, host, () => server.close(() => resolve()))
  })
}

/** The first of `candidates` that exists, or undefined. */
export function findBinary(...candidates) {
  return candidates.find((candidate) => candidate && existsSync(candidate))
}

const dirs = new Set()
const processes = new Set()

/** A temporary directory, removed by `cleanup()`. */
export function tempDir(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `proxy-trust-${name}-`))
  dirs.add(dir)
  return dir
}

/**
 * Start `binary args` in the foreground and wait until it listens on every `[host, port]` of
 * `listens`; its stderr and stdout are kept for the error message. Resolves with a function that
 * stops it (SIGTERM, then SIGKILL after 5 s).
 */
export async function startProcess(name, binary, args, listens, options = {}) {
  // a port already taken would answer for a proxy that failed to start
  for (const [host, port] of listens) await assertFree(name, host, port)
  let output = ''
  // its own process group: cleanupSync can end the proxy's workers with it (Apache's, Varnish's child)
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options })
  processes.add(child)
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const stopped = () => child.exitCode !== null || child.signalCode !== null
  const stop = async () => {
    if (!stopped()) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill(options.stopSignal ?? 'SIGTERM')
      const timer = setTimeout(() => killGroup(child), 5_000)
      await exited
      clearTimeout(timer)
    }
    processes.delete(child)
  }
  try {
    for (const [host, port] of listens) await waitForPort(host, port, options.waitMs ?? 20_000, stopped)
  } catch (error) {
    await stop()
    throw new Error(`${name}: ${error.message}\n${output.slice(-2000)}`)
  }
  return stop
}

/** SIGKILL to `child` and its process group (its workers). */
function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    child.kill('SIGKILL')
  }
}

/** Stop whatever is still running and remove the temporary directories; safe to call more than once. */
export function cleanupSync() {
  for (const child of processes) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    killGroup(child)
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
}

/**
 * A self-signed certificate for HOST, valid one day, made with openssl into `dir`: `{ cert, key,
 * pem }` (pem: both in one file, as HAProxy takes them).
 */
export function selfSignedCertificate(dir) {
  const cert = path.join(dir, 'cert.pem')
  const key = path.join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${HOST}`,
    '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' })
  const pem = path.join(dir, 'site.pem')
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'))
  return { cert, key, pem }
}

/** Read a file of the repository. */
export function readRepo(file) {
  return readFileSync(path.join(ROOT, file), 'utf8')
}

/**
 * The repository's configuration `file` with each `[from, to]` of `replacements` applied, written
 * into `dir`; throws when a `from` does not occur, so a template cannot silently drift.
 */
export function writeConfig(dir, file, replacements = [], name = path.basename(file)) {
  let text = readRepo(file)
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`)
    text = text.split(from).join(to)
  }
  const out = path.join(dir, name)
  writeFileSync(out, text)
  return out
}

/**
 * Whether `guide` (under docs/guides/) shows `file` word for word: a fenced block right after the
 * line `<!-- tested: FILE -->` whose content equals the file.
 */
export function guideShows(guide, file) {
  if (!existsSync(path.join(ROOT, 'docs/guides', guide))) return false
  const text = readRepo(`docs/guides/${guide}`)
  const marker = `<!-- tested: ${file} -->\n`
  const at = text.indexOf(marker)
  if (at === -1) return false
  const fence = text.slice(at + marker.length).match(/^```[a-z]*\n([\s\S]*?)^```$/m)
  return fence !== null && fence.index === 0 && fence[1] === readRepo(file)
}

/** One check of the guide, as a result like runCases's. */
export function guideCheck(label, guide, files) {
  const lines = []
  let passed = 0
  let failed = 0
  for (const file of files) {
    const name = `${label}: docs/guides/${guide} shows ${file} word for word`
    if (guideShows(guide, file)) {
      passed++
      lines.push(`ok - ${name}`)
    } else {
      failed++
      lines.push(`not ok - ${name}`)
    }
  }
  return { lines, passed, failed }
}

/** Several results as one. */
export function merge(...results) {
  return results.reduce((a, b) => ({ lines: [...a.lines, ...b.lines], passed: a.passed + b.passed, failed: a.failed + b.failed }), { lines: [], passed: 0, failed: 0 })
}

/**
 * Run one proxy's configurations: each `{ label, listen: [host, port], start(dir), cases }` is
 * started in its own temporary directory, sent its cases and stopped. A configuration that cannot
 * start fails all its cases, with the reason.
 */
export async function runConfigs(proxy, configs) {
  const results = []
  for (const config of configs) {
    const label = `${proxy} ${config.label}`
    let stop
    try {
      stop = await config.start(tempDir(`${proxy}-${config.label}`.replace(/[^a-z0-9-]/g, '-')))
      results.push(await runCases(label, config.listen, config.cases))
    } catch (error) {
      const count = config.cases.reduce((n, c) => n + Object.keys(c.expect).length + ('leftmost' in c.expect ? 1 : 0), 0)
      results.push({ lines: [`not ok - ${label}: ${error.message}`], passed: 0, failed: count })
    } finally {
      if (stop) await stop()
    }
  }
  return merge(...results)
}
