// bench/http.mjs: requests per second that a user feels: real servers on loopback, each in a process
// of its own (bench/http-server.mjs), loaded by autocannon from this process.
//
// Each pair compares a framework's own trust handling (A) with this package's (B) on the same
// framework: for every request shape, both servers' answers are compared first, then A and B are
// loaded in turns (A B, B A, A B, ...) so that drift in the machine's load falls on both alike, and
// each turn of both gives one ratio, B's requests/s over A's (and A's server CPU per request over
// B's). The A/A control runs the same server in two processes: its ratios show how far the machine,
// and two processes of the same code, move a ratio with nothing else different.
//
//   npm run bench:http                    # the table (under 5 minutes)
//   npm run bench:http -- --quick         # shorter turns, for a smoke run (under 1 minute)
//   npm run bench:http -- --only Fastify  # the pairs (or shapes) whose names contain the text
//   npm run -s bench:http -- --json       # the results as JSON on stdout

import autocannon from 'autocannon'
import { fork } from 'node:child_process'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseFlags } from './args.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))

const USAGE = `usage: npm run bench:http -- [--quick] [--only <text>] [--json] [--profile]
  --quick        shorter turns and fewer pairs, for a smoke run
  --only <text>  only the pairs, or shapes, whose names contain <text>
  --json         the results as JSON on stdout (use npm run -s to keep npm's own lines out)
  --profile      no timing: profile each server under load instead, and report the share of its
                 CPU spent in this package and in proxy-addr (with forwarded and ipaddr.js)`
const flags = parseFlags(process.argv.slice(2), {
  quick: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string' }, profile: { type: 'boolean' },
}, USAGE)
const json = flags.json === true
const quick = flags.quick === true

// seconds per turn, seconds of warm-up per server and shape (once when it starts, with every shape,
// so that its code is optimised for the mix it meets, except with --quick, and again before each
// shape is timed), A/B pairs per shape; 10 connections, no pipelining
const TURN = quick ? 0.15 : 0.4
const WARM = quick ? 0.1 : 0.2
const PAIRS = quick ? 2 : 8
const CONNECTIONS = 10

// --- request shapes -------------------------------------------------------------------------------

const forwarded = (xff) => ({ 'x-forwarded-for': xff, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.org' })
const trustedHops = (n) => Array.from({ length: n }, (_, k) => `10.0.${k >> 8}.${(k & 255) + 1}`).reverse()

// What a client can write into X-Forwarded-For in front of a trusted proxy, which then appends the
// client's own address: entries that are not addresses, or are addresses in forms a parser may
// mishandle, with no spaces inside an entry (Koa and Express split entries alike then).
const JUNK = ['unknown', '999.999.999.999', '::ffff:1.2.3.4', '1.2.3.4:80', '[2001:db8::1]:443', '0x7f.1',
  'fe80::1%eth0', '<script>', '_hidden', '127.0.0.1', '::1', '10.0.0.1', '1.1.1.1/8', '%00', '"quoted"']
function hostileHeader(bytes) {
  const entries = []
  let length = 0
  for (let k = 0; length < bytes - 20; k++) {
    const entry = JUNK[k % JUNK.length]
    entries.push(entry)
    length += entry.length + 2
  }
  return `${entries.join(', ')}, 198.51.100.7`
}

const SHAPES = [
  { name: 'no forwarding header', headers: {} },
  { name: '3 hops', headers: forwarded(['203.0.113.5', ...trustedHops(2)].join(', ')) },
  { name: '100 hops', headers: forwarded(['203.0.113.5', ...trustedHops(99)].join(', ')) },
  { name: 'hostile 16 KB X-Forwarded-For', headers: forwarded(hostileHeader(16 * 1024)) },
]

// --- pairs ----------------------------------------------------------------------------------------

const PAIRS_TABLE = [
  { name: 'A/A control: two Express 4 + proxy-addr servers', a: 'Express 4 + proxy-addr', b: 'Express 4 + proxy-addr' },
  { name: 'Express 4: proxy-addr overridden by proxy-trust', a: 'Express 4 + proxy-addr', b: 'Express 4, proxy-addr overridden' },
  { name: 'Express 4: proxy-trust/express', a: 'Express 4 + proxy-addr', b: 'Express 4 + proxy-trust/express' },
  { name: 'Express 5: proxy-addr overridden by proxy-trust', a: 'Express 5 + proxy-addr', b: 'Express 5, proxy-addr overridden' },
  { name: 'Express 5: proxy-trust/express', a: 'Express 5 + proxy-addr', b: 'Express 5 + proxy-trust/express' },
  { name: 'Fastify 5: trustProxy option vs proxy-trust/fastify', a: 'Fastify 5 trustProxy', b: 'Fastify 5 + proxy-trust/fastify' },
  { name: 'Koa 3: app.proxy vs proxy-trust/koa (trust true)', a: 'Koa 3 app.proxy', b: 'Koa 3 + proxy-trust/koa' },
  { name: 'node:http: proxy-addr vs resolveAddr', a: 'node:http + proxy-addr', b: 'node:http + resolveAddr' },
]

const selected = (pair, shape) => flags.only === undefined || pair.name.includes(flags.only) || shape.name.includes(flags.only)
const plan = PAIRS_TABLE.map((pair) => ({ ...pair, shapes: SHAPES.filter((shape) => selected(pair, shape)) }))
  .filter((pair) => pair.shapes.length > 0)
if (plan.length === 0) {
  process.stderr.write(`no pair or shape matches --only ${flags.only}\n\n${USAGE}\n`)
  process.exit(2)
}

// --- servers --------------------------------------------------------------------------------------

const children = new Set()
process.on('exit', () => { for (const child of children) child.kill() })

/** Start one server process and resolve to its port; its own flags allow a request head up to 64 KB. */
function start(server) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, 'http-server.mjs'), [server], { execArgv: ['--max-http-header-size=65536'] })
    children.add(child)
    const timer = setTimeout(() => reject(new Error(`${server}: no port after 20 s`)), 20_000)
    child.once('message', ({ port }) => { clearTimeout(timer); resolve({ child, port }) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${server}: exited with ${code}`)) })
  })
}

/** The answer to one IPC request of a server process: the next message that has `key`. */
function ask({ child }, message, key) {
  return new Promise((resolve) => {
    const listen = (reply) => {
      if (!(key in reply)) return
      child.off('message', listen)
      resolve(reply[key])
    }
    child.on('message', listen)
    child.send(message)
  })
}

/** Where a server's CPU went under `seconds` of load with `headers`, from a CPU profile of it. */
async function profiled(server, headers, seconds) {
  await ask(server, 'profile', 'profiling')
  await loadOnce(server.port, headers, seconds)
  return ask(server, 'stop', 'shares')
}

/** A server process's CPU time so far, in microseconds. */
function cpu(server) {
  return ask(server, 'cpu', 'cpu')
}

function stop({ child }) {
  children.delete(child)
  child.removeAllListeners('exit')
  child.disconnect()
}

function get(port, urlPath, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    req.on('error', reject)
  })
}

/** Both servers' answers to one shape, both routes; they must be equal before anything is timed. */
async function sameAnswers(pair, shape, a, b) {
  for (const urlPath of ['/answer', '/']) {
    const [ra, rb] = await Promise.all([get(a.port, urlPath, shape.headers), get(b.port, urlPath, shape.headers)])
    if (ra.status !== 200 || rb.status !== 200 || ra.body !== rb.body) {
      throw new Error(`${pair.name}, ${shape.name}, ${urlPath}: the answers differ\n  ${pair.a}: ${ra.status} ${ra.body.slice(0, 300)}\n  ${pair.b}: ${rb.status} ${rb.body.slice(0, 300)}`)
    }
  }
  return JSON.parse((await get(a.port, '/answer', shape.headers)).body)
}

// --- load -----------------------------------------------------------------------------------------

// autocannon's own latency histogram counts whole milliseconds, and a loopback request takes less:
// the latencies are taken from its per-response event instead (fractional milliseconds). It stops
// at the first sample tick after the duration, so ticks are made short.
function loadOnce(port, headers, seconds) {
  return new Promise((resolve, reject) => {
    const latencies = []
    const instance = autocannon({
      url: `http://127.0.0.1:${port}/`, headers, connections: CONNECTIONS, duration: seconds, sampleInt: 50,
    }, (error, result) => {
      if (error) return reject(error)
      const failed = result.errors + result.timeouts + result.non2xx
      if (failed > 0) return reject(new Error(`port ${port}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`))
      latencies.sort((x, y) => x - y)
      const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
      resolve({ rps: result.requests.total / result.duration, p50: at(0.5), p99: at(0.99), requests: result.requests.total })
    })
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime))
  })
}

/**
 * One turn of load on a server: requests/s and latencies as the client saw them, and the server's
 * CPU time per request, which other processes on a busy machine disturb far less than requests/s
 * (they take turns on the cores, which stretches the wall clock, not the server's own work).
 */
async function load(server, headers, seconds) {
  const before = await cpu(server)
  const result = await loadOnce(server.port, headers, seconds)
  return { ...result, cpu: (await cpu(server) - before) / result.requests }
}

const median = (xs) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

async function measure(pair, shape, a, b) {
  const answer = await sameAnswers(pair, shape, a, b)
  await load(a, shape.headers, WARM)
  await load(b, shape.headers, WARM)
  const turns = []
  for (let k = 0; k < PAIRS; k++) {
    // A first in even pairs, B first in odd ones
    const first = await load(k % 2 ? b : a, shape.headers, TURN)
    const second = await load(k % 2 ? a : b, shape.headers, TURN)
    turns.push(k % 2 ? { a: second, b: first } : { a: first, b: second })
  }
  const ratios = turns.map((t) => t.b.rps / t.a.rps)
  // A's CPU per request over B's: above 1 when B costs less, as for the requests/s ratio
  const cpuRatios = turns.map((t) => t.a.cpu / t.b.cpu)
  const side = (key) => ({
    rps: median(turns.map((t) => t[key].rps)), p50: median(turns.map((t) => t[key].p50)), p99: median(turns.map((t) => t[key].p99)),
    cpu: median(turns.map((t) => t[key].cpu)),
  })
  return {
    pair: pair.name, shape: shape.name, a: { server: pair.a, ...side('a') }, b: { server: pair.b, ...side('b') },
    ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios),
    faster: ratios.filter((r) => r > 1).length,
    cpuRatio: median(cpuRatios), cpuRatioMin: Math.min(...cpuRatios), cpuRatioMax: Math.max(...cpuRatios), turns, answer: { ip: answer.ip, ips: answer.ips.length, protocol: answer.protocol, hostname: answer.hostname },
  }
}

// --- run ------------------------------------------------------------------------------------------

const log = (line) => { if (!json) console.log(line) }
const int = (x) => Math.round(x).toLocaleString('en-US')
const ms = (x) => x.toFixed(x >= 10 ? 0 : 2)
const us = (x) => x.toFixed(x >= 100 ? 0 : 1)
const x2 = (r) => `${r.toFixed(2)}x`

const cells = plan.reduce((n, pair) => n + pair.shapes.length, 0)
const servers = plan.length * 2
const planned = (quick ? 0 : servers * SHAPES.length * WARM) + cells * (2 * WARM + 2 * PAIRS * TURN)
const loadBefore = os.loadavg()
const started = Date.now()
log(`proxy-trust HTTP benchmark: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`)
if (flags.profile) await profileAll()

log(`${cells} pair/shape cells, ${PAIRS} A/B pairs of ${TURN} s turns each after ${WARM} s of warm-up, ${CONNECTIONS} connections; about ${Math.ceil(planned)} s of load`)
log('')
log('| pair | shape | A req/s | B req/s | B/A median | B/A range | B faster | p50 ms A / B | p99 ms A / B | CPU µs/req A / B | A/B CPU median | A/B CPU range |')
log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')

const results = []
for (const pair of plan) {
  const a = await start(pair.a)
  const b = await start(pair.b)
  if (!quick) for (const server of [a, b]) for (const shape of SHAPES) await load(server, shape.headers, WARM)
  for (const shape of pair.shapes) {
    const r = await measure(pair, shape, a, b)
    results.push(r)
    log(`| ${r.pair} | ${r.shape} | ${int(r.a.rps)} | ${int(r.b.rps)} | ${x2(r.ratio)} | ${x2(r.ratioMin)} to ${x2(r.ratioMax)} | ${r.faster} of ${PAIRS} | ${ms(r.a.p50)} / ${ms(r.b.p50)} | ${ms(r.a.p99)} / ${ms(r.b.p99)} | ${us(r.a.cpu)} / ${us(r.b.cpu)} | ${x2(r.cpuRatio)} | ${x2(r.cpuRatioMin)} to ${x2(r.cpuRatioMax)} |`)
  }
  stop(a)
  stop(b)
}

/**
 * --profile: each server of each pair under load for PROFILE_TURN seconds per shape, with a CPU
 * profile running (V8's sampling profiler, through node:inspector, so only the loaded window is
 * profiled); the shares are of the samples in which the server was busy. Then exit.
 */
async function profileAll() {
  const PROFILE_TURN = quick ? 0.5 : 2
  log(`${cells} pair/shape cells, ${PROFILE_TURN} s of profiled load per server and shape after ${WARM} s of warm-up`)
  log('')
  log('| pair | shape | A: proxy-trust % | A: proxy-addr & co % | B: proxy-trust % | B: proxy-addr & co % | busy samples A / B |')
  log('|---|---|---:|---:|---:|---:|---:|')
  const profiles = []
  for (const pair of plan) {
    const a = await start(pair.a)
    const b = await start(pair.b)
    for (const shape of pair.shapes) {
      await sameAnswers(pair, shape, a, b)
      await loadOnce(a.port, shape.headers, WARM)
      const pa = await profiled(a, shape.headers, PROFILE_TURN)
      await loadOnce(b.port, shape.headers, WARM)
      const pb = await profiled(b, shape.headers, PROFILE_TURN)
      profiles.push({ pair: pair.name, shape: shape.name, a: { server: pair.a, ...pa }, b: { server: pair.b, ...pb } })
      const pct = (x) => x.toFixed(1)
      log(`| ${pair.name} | ${shape.name} | ${pct(pa.ours)} | ${pct(pa.peer)} | ${pct(pb.ours)} | ${pct(pb.peer)} | ${pa.samples} / ${pb.samples} |`)
    }
    stop(a)
    stop(b)
  }
  log('')
  log(`${((Date.now() - started) / 1000).toFixed(0)} s in all. A share is of the samples in which the server was busy; proxy-addr & co: proxy-addr, @fastify/proxy-addr, forwarded and ipaddr.js.`)
  if (json) process.stdout.write(JSON.stringify({ node: process.version, cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, profiles }, null, 2) + '\n')
  process.exit(0)
}

const seconds = (Date.now() - started) / 1000
const loadAfter = os.loadavg()
log('')
log(`${seconds.toFixed(0)} s in all; load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}.`)
log('B/A: B\'s requests/s over A\'s in each pair of turns; A/B CPU: A\'s server CPU time per request over B\'s. A ratio inside the A/A control\'s range is within noise.')
if (json) {
  process.stdout.write(JSON.stringify({
    node: process.version, cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, loadBefore, loadAfter, seconds,
    turn: TURN, warm: WARM, pairs: PAIRS, connections: CONNECTIONS, results,
  }, null, 2) + '\n')
}
