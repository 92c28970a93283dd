// run.mjs: platform('same-host') behind a real nginx, with the client on another host. Two network
// namespaces the run creates and removes, joined by a veth pair: the client's (198.18.0.2, an
// address no trusted range holds) and the server's (198.18.0.1), where nginx listens on port 8080
// and proxies over loopback to the app (app.mjs, the built package) on port 9000. The client sends
// honest and forged requests through nginx and straight to the app.
//
//   client ns 198.18.0.2 -> nginx 198.18.0.1:8080 -> (lo) 127.0.0.1:9000 app, or -> 198.18.0.1:9000 app
//
// Plain Node, no test runner: `npm run test:platforms` (which builds first), as root (ip netns).
// Prints one line per case and `platforms: N cases, M failed`; exits non-zero when a case fails or
// the namespaces, nginx or the app cannot start. Everything it starts is stopped, and the
// namespaces and temporary directory removed, however the run ends.

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SERVER = '198.18.0.1'
const CLIENT = '198.18.0.2'
const SECRET = 'a-secret-nginx-adds-0042'
const tag = `pt${process.pid}`
const NS = { server: `${tag}-srv`, client: `${tag}-cli` }

const children = []
let dir

function ip(...args) {
  const result = spawnSync('ip', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`)
}

function setUp() {
  ip('netns', 'add', NS.server)
  ip('netns', 'add', NS.client)
  ip('link', 'add', `${tag}a`, 'type', 'veth', 'peer', 'name', `${tag}b`)
  ip('link', 'set', `${tag}a`, 'netns', NS.server)
  ip('link', 'set', `${tag}b`, 'netns', NS.client)
  ip('-n', NS.server, 'addr', 'add', `${SERVER}/30`, 'dev', `${tag}a`)
  ip('-n', NS.client, 'addr', 'add', `${CLIENT}/30`, 'dev', `${tag}b`)
  for (const [ns, dev] of [[NS.server, `${tag}a`], [NS.client, `${tag}b`]]) {
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'link', 'set', dev, 'up')
  }
}

function cleanup() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  // deleting a namespace removes the veth pair with it
  for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'delete', ns])
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    console.error(`platforms: ${signal}, stopping`)
    cleanup()
    process.exit(code)
  })
}
process.once('exit', cleanup)

function nginxConfig() {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${SERVER}:8080;
    location /proof {
      proxy_pass http://127.0.0.1:9000;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Origin-Verify ${SECRET};
    }
    # the proof-checking app reached through nginx without the proof: a forged one is dropped
    location /unproved {
      proxy_pass http://127.0.0.1:9000/proof;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Origin-Verify "";
    }
    location / {
      proxy_pass http://127.0.0.1:9000;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      # the client's own X-Origin-Verify is not passed on
      proxy_set_header X-Origin-Verify "";
    }
  }
}
`
}

/** Start `command` in the server's namespace; resolves once it prints `ready` (or at once). */
function startIn(ns, command, args, env, waitFor) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 20 s:\n${output}`)), 20_000)
    const seen = (chunk) => {
      output += chunk
      if (waitFor === undefined || output.includes(waitFor)) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', (chunk) => { output += chunk })
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)))
    if (waitFor === undefined) seen('')
  })
}

/** A request from the client's namespace (curl there), as JSON. */
function request(url, headers) {
  const args = ['netns', 'exec', NS.client, 'curl', '-sS', '--max-time', '10', '--retry', '5', '--retry-connrefused', '--retry-delay', '1']
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`)
  const result = spawnSync('ip', [...args, url], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`curl ${url} failed: ${result.stderr.trim()}`)
  return JSON.parse(result.stdout)
}

const FORGED = { 'X-Forwarded-For': '203.0.113.66, 10.0.0.9', 'X-Forwarded-Proto': 'https', 'X-Origin-Verify': SECRET }
const NGINX = `http://${SERVER}:8080`
const DIRECT = `http://${SERVER}:9000`
const CASES = [
  { name: 'through nginx: the client', url: `${NGINX}/`, headers: {}, expected: { ip: CLIENT, protocol: 'https' } },
  { name: 'through nginx, forging X-Forwarded-For: the real client', url: `${NGINX}/`, headers: FORGED, expected: { ip: CLIENT, protocol: 'https' } },
  { name: 'straight to the app, forging every header: its own address, http', url: `${DIRECT}/`, headers: FORGED, expected: { ip: CLIENT, protocol: 'http' } },
  { name: 'edge proof added by nginx: the client', url: `${NGINX}/proof`, headers: {}, expected: { ip: CLIENT, protocol: 'https' } },
  { name: 'through nginx without the proof (a forged one dropped): the loopback peer is the client, nothing it forwarded believed', url: `${NGINX}/unproved`, headers: FORGED, expected: { ip: '127.0.0.1', protocol: 'http' } },
  { name: 'straight to the app with a forged proof: its own address (the peer is not loopback)', url: `${DIRECT}/proof`, headers: FORGED, expected: { ip: CLIENT, protocol: 'http' } },
]

async function main() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the suite creates network namespaces (ip netns)')
  const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file))
  if (!nginx) throw new Error('nginx not found: apt-get install -y nginx')
  dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-platforms-'))
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig())
  setUp()
  await startIn(NS.server, process.execPath, [path.join(HERE, 'app.mjs')], { ORIGIN_SECRET: SECRET }, 'ready')
  const nginxArgs = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')]
  const check = spawnSync('ip', ['netns', 'exec', NS.server, nginx, '-t', ...nginxArgs], { encoding: 'utf8' })
  if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`)
  await startIn(NS.server, nginx, nginxArgs, {})

  let failed = 0
  for (const { name, url, headers, expected } of CASES) {
    const got = request(url, headers)
    const ok = got.ip === expected.ip && got.protocol === expected.protocol
    if (!ok) failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`}`)
  }
  console.log(`platforms: ${CASES.length} cases, ${failed} failed`)
  return failed === 0 ? 0 : 1
}

let code = 1
try {
  code = await main()
} catch (error) {
  console.error(`platforms: ${error.message}`)
  console.log('platforms: 0 cases, 1 failed')
} finally {
  cleanup()
}
process.exit(code)
