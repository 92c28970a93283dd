// run.mjs: the packed package in the runtimes themselves: Bun (Bun.serve), Deno (Deno.serve) and a
// Cloudflare Worker (bundled with esbuild, served by workerd), each with Hono and the adapter, asked
// the same requests from distinct loopback source addresses as a Node server, and required to give
// Node's answers. `npm run test:runtimes`; prints one line per runtime and exits non-zero on any
// failure.
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../scripts/free-port.mjs'
import { npmCommand } from '../../scripts/node-versions.mjs'
import { installRuntime, RUNTIMES } from '../../scripts/runtime-versions.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const APP = fileURLToPath(new URL('./app/', import.meta.url))

/** The examples each runtime's guide shows, word for word, and the runtime each runs in. */
const EXAMPLES = [
  { runtime: 'bun', example: 'bun.mjs', guide: 'docs/guides/bun.md' },
  { runtime: 'deno', example: 'deno.mjs', guide: 'docs/guides/deno.md' },
  { runtime: 'workerd', example: 'worker.mjs', guide: 'docs/guides/cloudflare-workers.md' },
]

/** The loopback source addresses the clients bind to: two trusted proxies and an untrusted client. */
const SOURCES = ['127.0.0.2', '127.0.0.3', '127.0.0.7']

/**
 * What a client sends, trusted proxy or forger alike: nothing, a plain chain, forged host and
 * protocol, RFC 7239 elements, duplicate header lines, hosts with ports, and a mixed chain.
 */
const CASES = [
  { name: 'no forwarding headers', headers: {} },
  { name: 'one X-Forwarded-For entry', headers: { 'x-forwarded-for': '203.0.113.5' } },
  { name: 'a chain through a trusted proxy', headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 127.0.0.3' } },
  { name: 'forged host and protocol', headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } },
  { name: 'Forwarded elements', headers: { forwarded: 'for=198.51.100.1;host=shop.example;proto=https, for=127.0.0.3;proto=http' } },
  { name: 'Forwarded beside X-Forwarded-For', headers: { forwarded: 'for=7.7.7.7;host=evil.example;proto=https', 'x-forwarded-for': '203.0.113.9' } },
  { name: 'duplicate X-Forwarded-For lines', headers: { 'x-forwarded-for': ['198.51.100.20', '127.0.0.3'] } },
  { name: 'a host with a port and a listed X-Forwarded-Host', headers: { host: 'shop.example:8443', 'x-forwarded-host': 'a.example, b.example', 'x-forwarded-proto': 'https, http' } },
  { name: 'IPv6 entries', headers: { 'x-forwarded-for': '2001:db8::1, [2001:db8::2]:443', forwarded: 'for="[2001:db8::3]:80"' } },
  { name: 'garbage entries', headers: { 'x-forwarded-for': 'unknown, , 1.2.3.4.5, ::1::', 'x-forwarded-proto': 'ht\ttp' } },
]

/** A few answers pinned outright, so that agreeing with Node is never agreeing on nothing. */
const PINNED = [
  { source: '127.0.0.7', case: 'a chain through a trusted proxy', setting: 'one-peer', ip: '127.0.0.7' },
  { source: '127.0.0.2', case: 'one X-Forwarded-For entry', setting: 'one-peer', ip: '203.0.113.5' },
  { source: '127.0.0.2', case: 'a chain through a trusted proxy', setting: 'two-peers', ip: '203.0.113.5' },
  { source: '127.0.0.2', case: 'Forwarded elements', setting: 'forwarded', ip: '198.51.100.1' },
  { source: '127.0.0.7', case: 'forged host and protocol', setting: 'loopback', ip: '6.6.6.6' },
  { source: '127.0.0.7', case: 'forged host and protocol', setting: 'false', ip: '127.0.0.7' },
]

/** GET `path` from `port` with `headers`, the connection bound to `source`; the parsed JSON body. */
function ask(port, path, source, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress: source, headers: { host: 'app.test', ...headers }, agent: false, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(body) })
        } catch {
          reject(new Error(`${path} from ${source}: status ${res.statusCode}, not JSON: ${body.slice(0, 200)}`))
        }
      })
    })
    req.on('timeout', () => req.destroy(new Error(`${path} from ${source}: no answer in 10 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** Start `command` and wait for the line `listening PORT` (or the port workerd was given). */
function start(name, command, args, options, port) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${output}`)), 30_000)
    const seen = (chunk) => {
      output += chunk
      const match = /listening (?:on http:\/\/[^\s]*:)?(\d+)/i.exec(output) ?? (port && /Listening on/i.test(output) ? [null, String(port)] : null)
      if (match) {
        clearTimeout(timer)
        resolve({ port: Number(match[1]), stop: () => child.kill('SIGKILL'), output: () => output })
      }
    }
    child.stdout.setEncoding('utf8').on('data', seen)
    child.stderr.setEncoding('utf8').on('data', seen)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`))
    })
  })
}

/** npm in `cwd`, failing with npm's output. */
function npm(args, cwd) {
  const [file, argv] = npmCommand()
  return execFileSync(file, [...argv, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** The installed version of a dependency of this project, read from the lock file. */
function lockedVersion(name) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))
  return lock.packages[`node_modules/${name}`].version
}

/** The workerd configuration serving one bundled Worker on `port`. */
function workerdConfig(port, bundle = 'worker.js') {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .app) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const app :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "${bundle}") ],
  compatibilityDate = "2026-11-01",
);
`
}

/** The first fenced JavaScript block of a guide, as the reader copies it. */
function firstJsBlock(markdown) {
  const match = /^```js\n([\s\S]*?)^```$/m.exec(markdown)
  return match ? match[1] : undefined
}

const failures = []
const fail = (line) => failures.push(line)
const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-runtimes-'))
const running = []

try {
  const tools = Object.fromEntries(Object.keys(RUNTIMES).map((name) => [name, installRuntime(name, (line) => console.error(line))]))

  // the package as it is published, installed as an app installs it
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT))[0]
  const app = join(dir, 'app')
  execFileSync('mkdir', [app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'runtimes-app',
    private: true,
    type: 'module',
    dependencies: { 'proxy-trust': `file:${join(dir, packed.filename)}`, hono: lockedVersion('hono') },
  }, null, 2))
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app)
  for (const file of readdirSync(APP)) copyFileSync(join(APP, file), join(app, file))
  // Deno reads the npm packages from the app's node_modules, as a project with a package.json does
  writeFileSync(join(app, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual' }) + '\n')

  for (const { example } of EXAMPLES) copyFileSync(join(ROOT, 'examples', example), join(app, `example-${example}`))

  // a Worker is bundled for workerd from the ES module entries, with no Node built-in to fall back on
  const bundle = (entry, out) => execFileSync(tools.esbuild, [entry, '--bundle', '--format=esm', '--platform=neutral', '--conditions=workerd,worker,browser', '--main-fields=module,main', `--outfile=${out}`, '--log-level=error'], { cwd: app })
  bundle('worker.mjs', 'worker.js')
  // every entry but the Node-only ones bundles without Node built-ins (esbuild's neutral platform
  // refuses a `node:` import): what the Cloudflare Workers guide promises
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  // ranges reads files; the PROXY protocol works on Node's sockets (node:net)
  const NODE_ONLY = new Set(['./ranges', './proxy-protocol', './package.json'])
  const entries = Object.keys(manifest.exports).filter((entry) => !NODE_ONLY.has(entry))
  for (const entry of entries) {
    const specifier = entry === '.' ? 'proxy-trust' : `proxy-trust/${entry.slice(2)}`
    writeFileSync(join(app, 'entry.mjs'), `export * from '${specifier}'\n`)
    try {
      bundle('entry.mjs', 'entry.js')
    } catch (error) {
      fail(`workerd: ${specifier} does not bundle for a Worker: ${String(error.stderr ?? error.message).trim()}`)
    }
  }
  console.log(`worker bundles: ${entries.length} entries without Node built-ins`)
  bundle('example-worker.mjs', 'example-worker.js')
  const workerPort = await freePort()
  const exampleWorkerPort = await freePort()
  writeFileSync(join(app, 'worker.capnp'), workerdConfig(workerPort))
  writeFileSync(join(app, 'example-worker.capnp'), workerdConfig(exampleWorkerPort, 'example-worker.js'))

  const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' }
  const servers = {}
  const starts = {
    node: () => start('node', process.execPath, ['node.mjs'], { cwd: app, env }),
    bun: () => start('bun', tools.bun, ['bun.mjs'], { cwd: app, env }),
    deno: () => start('deno', tools.deno, ['run', '--allow-net', '--allow-read', '--allow-env', 'deno.mjs'], { cwd: app, env }),
    workerd: () => start('workerd', tools.workerd, ['serve', 'worker.capnp'], { cwd: app, env }, workerPort),
  }
  for (const [name, begin] of Object.entries(starts)) {
    servers[name] = await begin()
    running.push(servers[name])
  }

  // each runtime loads both module systems it has, as one instance
  const load = {}
  for (const name of Object.keys(servers)) load[name] = (await ask(servers[name].port, '/load', '127.0.0.2', {})).body
  const expectedLoad = {
    node: { esm: 'function', cjs: 'function', same: true },
    bun: { esm: 'function', cjs: 'function', same: true },
    deno: { esm: 'function', cjs: 'function', same: true },
    workerd: { esm: 'function', cjs: 'undefined', same: null },
  }
  for (const name of Object.keys(servers)) {
    if (JSON.stringify(load[name]) !== JSON.stringify(expectedLoad[name])) fail(`${name}: loading the package gave ${JSON.stringify(load[name])}, expected ${JSON.stringify(expectedLoad[name])}`)
  }

  const counts = Object.fromEntries(Object.keys(servers).map((name) => [name, { requests: 0, compared: 0 }]))
  for (const source of SOURCES) {
    for (const c of CASES) {
      const reference = await ask(servers.node.port, '/', source, c.headers)
      for (const pin of PINNED.filter((p) => p.source === source && p.case === c.name)) {
        const got = reference.body[pin.setting]?.ip
        if (got !== pin.ip) fail(`node: ${c.name} from ${source} under ${pin.setting}: ip ${got}, expected ${pin.ip}`)
      }
      // the Worker has no socket: Cloudflare names the peer in CF-Connecting-IP, here the source
      const asked = {
        bun: [c.headers],
        deno: [c.headers],
        workerd: [{ ...c.headers, 'cf-connecting-ip': source }],
      }
      for (const [name, [headers]] of Object.entries(asked)) {
        for (const path of ['/', '/hono']) {
          const got = await ask(servers[name].port, path, source, headers)
          counts[name].requests++
          const expected = path === '/' ? reference.body : reference.body['one-peer']
          counts[name].compared += path === '/' ? Object.keys(expected).length : 1
          if (got.status !== 200 || JSON.stringify(got.body) !== JSON.stringify(expected)) {
            fail(`${name}${path === '/hono' ? ' (Hono)' : ''}: ${c.name} from ${source}: ${JSON.stringify(got.body)}, Node answers ${JSON.stringify(expected)}`)
          }
        }
      }
    }
  }

  // a Worker asked without CF-Connecting-IP, or with one that is not an address, has no peer: no
  // header stands in for it, whatever the client sends. A hop count is left out: it trusts by
  // position, not by address, so it trusts even a peer it does not know (Express's meaning of 1)
  for (const headers of [{ 'x-forwarded-for': '127.0.0.2' }, { 'cf-connecting-ip': 'evil.example', 'x-forwarded-for': '127.0.0.2' }]) {
    for (const path of ['/', '/hono']) {
      const got = await ask(servers.workerd.port, path, '127.0.0.7', headers)
      counts.workerd.requests++
      const ips = path === '/' ? Object.entries(got.body).filter(([setting]) => setting !== 'hop-count').map(([, answer]) => answer.ip) : [got.body.ip]
      if (!ips.every((ip) => ip === null)) fail(`workerd${path === '/hono' ? ' (Hono)' : ''}: ${JSON.stringify(headers)} gave ip ${JSON.stringify(ips)}, expected none`)
    }
  }

  // each guide's example is the file run here, and answers as the guide says: the client behind a
  // trusted proxy (Bun, Deno) or as Cloudflare names it (a Worker), a forged header ignored
  const exampleStarts = {
    bun: () => start('bun example', tools.bun, ['example-bun.mjs'], { cwd: app, env: { ...env, PORT: '0', TRUST_PROXY: '127.0.0.2' } }),
    deno: () => start('deno example', tools.deno, ['run', '--allow-net', '--allow-env', 'example-deno.mjs'], { cwd: app, env: { ...env, PORT: '0', TRUST_PROXY: '127.0.0.2' } }),
    workerd: () => start('worker example', tools.workerd, ['serve', 'example-worker.capnp'], { cwd: app, env }, exampleWorkerPort),
  }
  for (const { runtime, example, guide } of EXAMPLES) {
    const shown = firstJsBlock(readFileSync(join(ROOT, guide), 'utf8'))
    if (shown !== readFileSync(join(ROOT, 'examples', example), 'utf8')) fail(`${runtime}: ${guide} does not show examples/${example} word for word`)
    const server = await exampleStarts[runtime]()
    running.push(server)
    const cases = runtime === 'workerd'
      ? [{ source: '127.0.0.7', headers: { 'cf-connecting-ip': '203.0.113.5', 'x-forwarded-for': '6.6.6.6' }, ip: '203.0.113.5' }]
      : [
          { source: '127.0.0.2', headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.5' }, ip: '203.0.113.5' },
          { source: '127.0.0.7', headers: { 'x-forwarded-for': '203.0.113.5' }, ip: '127.0.0.7' },
        ]
    for (const { source, headers, ip } of cases) {
      const got = await ask(server.port, '/', source, headers)
      counts[runtime].requests++
      if (got.body.ip !== ip) fail(`${runtime}: examples/${example} from ${source} with ${JSON.stringify(headers)}: ip ${got.body.ip}, expected ${ip}`)
    }
  }

  for (const name of ['bun', 'deno', 'workerd']) {
    const own = failures.filter((line) => line.startsWith(name)).length
    console.log(`${name} ${RUNTIMES[name].version}: ${counts[name].requests} requests, ${counts[name].compared} answers compared with Node's, ${own} failed`)
  }
} catch (error) {
  fail(`the suite could not run: ${error.stack ?? error}`)
} finally {
  for (const server of running) server.stop()
  rmSync(dir, { recursive: true, force: true })
}

for (const line of failures) console.error(`not ok - ${line}`)
console.log(`runtimes: ${failures.length === 0 ? 'all answers equal to Node\'s' : `${failures.length} failed`}`)
process.exitCode = failures.length === 0 ? 0 : 1
