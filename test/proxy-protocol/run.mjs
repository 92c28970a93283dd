// run.mjs: the PROXY protocol behind real balancers. HAProxy (send-proxy, send-proxy-v2,
// send-proxy-v2-ssl and -ssl-cn) on 127.0.0.2 and nginx's stream module (proxy_protocol on) on
// 127.0.0.3, each in front of plain HTTP and HTTPS Express apps on 127.0.0.1 given the protocol by
// the built package (`proxy-trust/proxy-protocol`). Clients on distinct loopback addresses check that
// req.ip is exactly their own; others forge headers, send malformed, split, slow and oversized
// ones, and the apps keep answering everyone else.
//
//   client 127.0.0.1x -> HAProxy 127.0.0.2:251xx | nginx 127.0.0.3:252xx -> apps 127.0.0.1:2500x
//
// The balancers run the files beside this one, haproxy.cfg and nginx.conf, as they are (the guides
// in docs/guides/ show them verbatim, which test/proxy-protocol/docs.test.ts checks); the ports are
// fixed, in 25000-29999. Plain Node: `npm run test:proxy-protocol` (which builds first). Prints one
// line per case and `proxy-protocol: N cases, M failed`; exits non-zero when a case fails or a
// balancer cannot start. Certificates and the balancers' files live in a temporary directory,
// removed however the run ends. Linux routes all of 127.0.0.0/8 to `lo`.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { listen } from './app.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const HAPROXY_ADDRESS = '127.0.0.2'
const NGINX_ADDRESS = '127.0.0.3'
const APP = { http: 25001, https: 25002, strict: 25003 }
const ROUTE = {
  'haproxy v1 -> http': [HAPROXY_ADDRESS, 25101, 'http'],
  'haproxy v1 -> https': [HAPROXY_ADDRESS, 25102, 'https'],
  'haproxy v2 -> http': [HAPROXY_ADDRESS, 25111, 'http'],
  'haproxy v2 -> https': [HAPROXY_ADDRESS, 25112, 'https'],
  'haproxy v2-ssl-cn (TLS ended at HAProxy) -> http': [HAPROXY_ADDRESS, 25121, 'https'],
  'haproxy v2-ssl (TLS ended at HAProxy) -> https': [HAPROXY_ADDRESS, 25122, 'https'],
  'haproxy v2 -> strict app': [HAPROXY_ADDRESS, 25131, 'http'],
  'nginx stream v1 -> http': [NGINX_ADDRESS, 25201, 'http'],
  'nginx stream v1 -> https': [NGINX_ADDRESS, 25202, 'https'],
  'nginx stream v1 -> strict app': [NGINX_ADDRESS, 25203, 'http'],
}

let dir
const children = []
const servers = []

// ---------------------------------------------------------------------------------------------------
// certificates

function openssl(args) {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`)
}

/** The servers' certificate (CN=localhost), and a client's (CN=alice) that HAProxy trusts. */
function certificates() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
  openssl(['req', '-x509', ...ec, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', 'server.key', '-out', 'server.crt'])
  openssl(['req', '-x509', ...ec, '-subj', '/CN=alice', '-keyout', 'client.key', '-out', 'client.crt'])
  const read = (name) => readFileSync(path.join(dir, name))
  // HAProxy's crt: the certificate and its key in one file; its ca-file: the certificates it accepts
  writeFileSync(path.join(dir, 'haproxy.pem'), Buffer.concat([read('server.crt'), read('server.key')]))
  writeFileSync(path.join(dir, 'clients.pem'), read('client.crt'))
  return { server: { key: read('server.key'), cert: read('server.crt') }, client: { key: read('client.key'), cert: read('client.crt') } }
}

// ---------------------------------------------------------------------------------------------------
// the balancers

function find(name, candidates) {
  const found = [process.env[name.toUpperCase()], ...candidates].find((candidate) => candidate && existsSync(candidate))
  if (!found) throw new Error(`${name} not found: apt-get install -y ${name === 'nginx' ? 'nginx libnginx-mod-stream' : name}, or set ${name.toUpperCase()}=/path/to/${name}`)
  return found
}

function start(name, binary, args) {
  const check = spawnSync(binary, [...args, name === 'haproxy' ? '-c' : '-t'], { cwd: dir, encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`${name} rejects its configuration:\n${check.stdout}${check.stderr}`)
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderrText = ''
  child.stderr.on('data', (chunk) => { child.stderrText += chunk })
  child.label = name
  children.push(child)
  return child
}

async function waitFor(host, port, child) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect({ host, port }, () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${child.label} is not listening on ${host}:${port}\n${child.stderrText}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// ---------------------------------------------------------------------------------------------------
// clients

/** GET / from `from` through `route`; the JSON answer, or { closed } when the connection was closed. */
function get(route, from, client) {
  const [host, port, scheme] = ROUTE[route]
  const module = scheme === 'https' ? https : http
  const options = { host, port, localAddress: from, path: '/', agent: false, rejectUnauthorized: false, servername: 'localhost', ...client }
  return new Promise((resolve) => {
    const req = module.request(options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve(res.statusCode === 200 ? JSON.parse(body) : { status: res.statusCode }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer after 10 s')))
    req.on('error', (error) => resolve({ closed: error.code ?? error.message }))
    req.end()
  })
}

/**
 * Open a raw connection from `from` to host:port and send `chunks`, waiting `gap` ms between them;
 * resolve with what came back, once the server closes the connection.
 */
function raw(host, port, from, chunks, gap = 0) {
  return new Promise((resolve) => {
    let text = ''
    const socket = net.connect({ host, port, localAddress: from }, async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break
        socket.write(chunk)
        if (gap > 0) await new Promise((done) => setTimeout(done, gap))
      }
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk) => { text += chunk })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(text))
  })
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
const bodyOf = (text) => {
  const at = text.indexOf('\r\n\r\n')
  return at === -1 ? undefined : JSON.parse(text.slice(at + 4))
}

/** A version 2 header for TCP over IPv4 with `extra` bytes of TLV space announced (filled with NOOPs). */
function v2(source, sourcePort, extra = 0) {
  const header = Buffer.alloc(28 + extra)
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11]).copy(header)
  header.writeUInt16BE(12 + extra, 14)
  Buffer.from(source.split('.').map(Number)).copy(header, 16)
  Buffer.from([127, 0, 0, 1]).copy(header, 20)
  header.writeUInt16BE(sourcePort, 24)
  header.writeUInt16BE(APP.strict, 26)
  if (extra > 0) {
    header[28] = 0x04 // PP2_TYPE_NOOP
    header.writeUInt16BE(extra - 3, 29)
  }
  return header
}

// ---------------------------------------------------------------------------------------------------
// the cases

const expect = (ip, balancer, version, rest = {}) => ({ ip, version, balancer, crc32c: false, authority: null, ssl: null, ...rest })

function cases(keys) {
  let n = 10
  const client = () => `127.0.0.${n++}`
  const list = []
  const honest = (route, expected, options) => {
    const from = client()
    list.push({ name: `${route}: req.ip is the client's own address (${from})`, run: () => get(route, from, options), expected: expected(from) })
  }
  honest('haproxy v1 -> http', (ip) => expect(ip, HAPROXY_ADDRESS, 1))
  honest('haproxy v1 -> https', (ip) => expect(ip, HAPROXY_ADDRESS, 1))
  honest('haproxy v2 -> http', (ip) => expect(ip, HAPROXY_ADDRESS, 2, { crc32c: true }))
  honest('haproxy v2 -> https', (ip) => expect(ip, HAPROXY_ADDRESS, 2))
  honest('haproxy v2-ssl-cn (TLS ended at HAProxy) -> http',
    (ip) => expect(ip, HAPROXY_ADDRESS, 2, { crc32c: true, authority: 'localhost', ssl: { version: 'TLSv1.3', cn: 'alice', verified: true } }), keys.client)
  honest('haproxy v2-ssl (TLS ended at HAProxy) -> https', (ip) => expect(ip, HAPROXY_ADDRESS, 2, { ssl: { version: 'TLSv1.3', cn: null, verified: false } }))
  honest('haproxy v2 -> strict app', (ip) => expect(ip, HAPROXY_ADDRESS, 2))
  honest('nginx stream v1 -> http', (ip) => expect(ip, NGINX_ADDRESS, 1))
  honest('nginx stream v1 -> https', (ip) => expect(ip, NGINX_ADDRESS, 1))
  honest('nginx stream v1 -> strict app', (ip) => expect(ip, NGINX_ADDRESS, 1))

  // a client outside `from` that writes its own header, straight to the app or through a balancer
  const forged = 'PROXY TCP4 198.51.100.1 127.0.0.1 1111 80\r\n'
  const closed = (text) => text === ''
  const refused = (text) => text.startsWith('HTTP/1.1 400 ') && !text.includes('198.51.100.1')
  list.push(
    { name: 'a forged version 1 header straight to the app from outside from: closed', run: () => raw('127.0.0.1', APP.strict, client(), [forged + REQUEST]), check: closed },
    { name: 'a forged version 2 header straight to the app from outside from: closed', run: () => raw('127.0.0.1', APP.strict, client(), [Buffer.concat([v2('198.51.100.1', 1111), Buffer.from(REQUEST)])]), check: closed },
    { name: 'a plain request straight to the app from outside from: closed', run: () => raw('127.0.0.1', APP.strict, client(), [REQUEST]), check: closed },
    { name: 'a forged header through HAProxy is HTTP garbage behind the real one: 400, never its address', run: () => raw(HAPROXY_ADDRESS, 25131, client(), [forged + REQUEST]), check: refused },
    { name: 'a forged header through nginx is HTTP garbage behind the real one: 400, never its address', run: () => raw(NGINX_ADDRESS, 25203, client(), [forged + REQUEST]), check: refused },
  )

  // a trusted peer (bound to HAProxy's address) that misbehaves closes only its own connection
  const alongside = async (bad) => {
    const from = client()
    const [text, answer] = await Promise.all([bad(), get('haproxy v2 -> strict app', from)])
    return { closed: text === '', answered: answer.ip === from }
  }
  const both = { closed: true, answered: true }
  const trusted = (chunks, gap) => () => raw('127.0.0.1', APP.strict, HAPROXY_ADDRESS, chunks, gap)
  list.push(
    { name: 'a malformed version 1 header closes its connection; another is answered meanwhile', run: () => alongside(trusted(['PROXY TCP4 203.0.113.9 127.0.0.1 99999 80\r\n' + REQUEST])), expected: both },
    { name: 'a version 2 header longer than maxHeaderBytes closes its connection; another is answered meanwhile', run: () => alongside(trusted([v2('203.0.113.9', 1, 5000)])), expected: both },
    { name: 'a header cut short and then silence: closed at the timeout; another is answered meanwhile', run: () => alongside(trusted([v2('203.0.113.9', 1).subarray(0, 20)])), expected: both },
    {
      name: 'a header split byte by byte over TCP is read whole',
      run: async () => bodyOf(await raw('127.0.0.1', APP.strict, HAPROXY_ADDRESS, [...Buffer.concat([v2('203.0.113.9', 2222), Buffer.from(REQUEST)])].map((byte) => Buffer.from([byte])), 2)),
      expected: expect('203.0.113.9', HAPROXY_ADDRESS, 2),
    },
  )
  return list
}

// ---------------------------------------------------------------------------------------------------

async function cleanup() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  }
  children.length = 0
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    console.error(`proxy-protocol: ${signal}, stopping`)
    cleanup().finally(() => process.exit(code))
  })
}
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function main() {
  const haproxy = find('haproxy', ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'])
  const nginx = find('nginx', ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'])
  dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-proxy-protocol-'))
  const keys = certificates()

  const strict = [HAPROXY_ADDRESS, NGINX_ADDRESS]
  servers.push(
    await listen(APP.http, 'loopback'),
    await listen(APP.https, 'loopback', keys.server),
    await listen(APP.strict, strict, undefined, 1000),
  )
  const h = start('haproxy', haproxy, ['-db', '-f', path.join(HERE, 'haproxy.cfg')])
  const n = start('nginx', nginx, ['-p', dir, '-c', path.join(HERE, 'nginx.conf'), '-e', path.join(dir, 'error.log'),
    '-g', `daemon off; master_process off; pid ${path.join(dir, 'nginx.pid')};`])
  for (const [host, port] of Object.values(ROUTE)) await waitFor(host, port, host === HAPROXY_ADDRESS ? h : n)

  let failed = 0
  const list = cases(keys)
  for (const c of list) {
    let actual
    try {
      actual = await c.run()
    } catch (error) {
      actual = { error: error.message }
    }
    const ok = c.check ? c.check(actual) : isDeepStrictEqual(actual, c.expected)
    if (ok) {
      console.log(`ok - ${c.name}`)
    } else {
      failed++
      console.log(`not ok - ${c.name}\n  expected ${c.check ? c.check.name : JSON.stringify(c.expected)}\n  actual   ${JSON.stringify(actual)}`)
    }
  }
  console.log(`proxy-protocol: ${list.length} cases, ${failed} failed`)
  return failed === 0
}

let ok = false
try {
  ok = await main()
} catch (error) {
  console.error(`proxy-protocol: ${error.message}`)
} finally {
  await cleanup()
}
process.exitCode = ok ? 0 : 1
