// bench/run.mjs: proxy-trust against proxy-addr 2.0.8 and @fastify/proxy-addr, in one process.
//
// Implementations are interleaved: every round runs one timed sample of each, in an order that
// rotates from round to round, so that warm-up, GC and frequency drift fall on all of them alike
// (run order alone moves a figure by 2x on a small machine). The figure is the median ns/op over
// the rounds, less the harness's own cost per call (timed the same way); ratios are proxy-addr's
// figure over ours, and the raw ratio is the same before the harness cost is taken off. Bytes per
// call come from heap growth over a batch small enough to fit in the young generation, which is
// made large from the start (run with --min-semi-space-size), so that no scavenge frees part of a
// batch while it is measured.
//
//   npm run bench            # the table
//   npm run -s bench -- --json  # the table as JSON on stdout (-s keeps npm's own lines out)
//   npm run bench -- --quick # fewer rounds, for a smoke run
//   npm run bench -- --only explain  # the rows whose names contain the text (`serve` for the server's)
//   npm run bench -- --check # PASS or FAIL for each target; exit status 1 if any is missed
//   npm run bench -- --node 24  # on another Node: a release line of the matrix, an exact version or a path

import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn, spawnSync } from 'node:child_process'
import http from 'node:http'
import { parseFlags } from './args.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..')
const require = createRequire(import.meta.url)

const USAGE = `usage: npm run bench -- [--quick] [--only <text>] [--json] [--check] [--node <node>]
  --quick        fewer rounds, for a smoke run
  --only <text>  only the scenarios whose names contain <text>
  --json         the results as JSON on stdout (use npm run -s to keep npm's own lines out)
  --check        PASS or FAIL for each target; exit status 1 if any is missed
  --node <node>  run on another Node: a release line of the test matrix (24), an exact version
                 (24.22.3), installed from the npm registry on first use, or a path to a binary`
// parsed before the re-run below, so that a bad command line is reported once
const flags = parseFlags(process.argv.slice(2), {
  quick: { type: 'boolean' }, json: { type: 'boolean' }, check: { type: 'boolean' }, only: { type: 'string' },
  node: { type: 'string' },
}, USAGE)

// re-run with the flags the measurements need, on the Node that --node names if it names one
// (scripts/node-versions.mjs finds or installs it); the child gets every flag but --node
if (typeof globalThis.gc !== 'function' || flags.node !== undefined) {
  let node = process.execPath
  if (flags.node !== undefined) {
    const { resolveNode } = await import('../scripts/node-versions.mjs')
    try {
      node = resolveNode(flags.node, (line) => console.error(line))
    } catch (error) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`)
      process.exit(2)
    }
  }
  const rest = Object.entries(flags).filter(([name]) => name !== 'node').flatMap(([name, value]) => (value === true ? [`--${name}`] : [`--${name}`, value]))
  const child = spawnSync(node,
    ['--expose-gc', '--min-semi-space-size=128', '--max-semi-space-size=128', ...process.execArgv, fileURLToPath(import.meta.url), ...rest],
    { stdio: 'inherit' })
  process.exit(child.status ?? 1)
}

const json = flags.json === true
const quick = flags.quick === true
const only = flags.only ?? null
const selected = (s) => only === null || s.name.includes(only)
const ROUNDS = quick ? 7 : 25
// cost(1,000 entries) / cost(1 entry) when the first entry is untrusted: a walk stops where it stops
const GROWTH_TARGET = 1.5
const SAMPLE_NS = quick ? 4e6 : 10e6 // target duration of one timed sample

const ours = require(path.join(root, 'dist/cjs/cjs.js'))
const proxyaddr = require('proxy-addr')
const fastify = require('@fastify/proxy-addr')
const expressUtils = require('express4/lib/utils.js')

// --- requests -------------------------------------------------------------------------------------

function request(remoteAddress, xff, extra = {}) {
  const headers = { host: 'example.com:8080', ...extra }
  if (xff !== undefined) headers['x-forwarded-for'] = xff
  return { socket: { remoteAddress, encrypted: false }, headers }
}

const CIDRS20 = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15', '192.0.2.0/24',
  '198.51.100.0/24', '203.0.113.0/25', '169.254.0.0/16', '127.0.0.0/8', '192.88.99.0/24', '240.0.0.0/4',
  'fc00::/7', 'fe80::/10', '::1/128', '2001:db8::/48', '2001:db8:1::/48', '2001:db8:2::/48', '64:ff9b::/96',
  '2002::/16',
]
const entries = (n, make) => Array.from({ length: n }, (_, k) => make(k)).join(', ')

// --- the implementations under one interface ------------------------------------------------------

// each peer compiles a setting its own way (Express's compileTrust for numbers and `true`)
const peers = {
  'proxy-trust': { compile: (s) => ours.compileTrust(s), ip: ours, all: ours.all },
  'proxy-addr': { compile: (s) => (typeof s === 'string' || Array.isArray(s) ? proxyaddr.compile(typeof s === 'string' ? s.split(',').map((x) => x.trim()) : s) : expressUtils.compileTrust(s)), ip: proxyaddr, all: proxyaddr.all },
  '@fastify/proxy-addr': { compile: (s) => (typeof s === 'string' || Array.isArray(s) ? fastify.compile(typeof s === 'string' ? s.split(',').map((x) => x.trim()) : s) : expressUtils.compileTrust(s)), ip: fastify, all: fastify.all },
}

// The harness's own cost per call is timed as one more interleaved "implementation" and taken off
// every figure, so that a small operation's ratio is not flattened by a cost no library has. For the
// walks it is an implementation that returns at once, called through the same closure as the others:
// the call from that closure (shared by every implementation, so not inlined) is the harness's.
const NOTHING = '(harness)'
const idle = { compile: () => null, ip: (req) => req, all: (req) => req }

/** A scenario: a function per implementation, built outside the timed loop. */
function walkScenario(name, op, req, setting, target) {
  const fns = {}
  for (const [peer, impl] of [...Object.entries(peers), [NOTHING, idle]]) {
    const trust = impl.compile(setting)
    fns[peer] = op === 'ip' ? () => impl.ip(req, trust) : () => impl.all(req, trust)
  }
  return { name, op, fns, target }
}

function compileScenario(name, setting, target) {
  return {
    name, op: 'compile', target,
    fns: {
      'proxy-trust': () => ours.compile(setting),
      'proxy-addr': () => proxyaddr.compile(setting),
      '@fastify/proxy-addr': () => fastify.compile(setting),
    },
  }
}

const scenarios = [
  walkScenario('no X-Forwarded-For, trust loopback', 'ip', request('127.0.0.1'), 'loopback', 10),
  walkScenario('socket 127.0.0.1, 1 entry, loopback', 'ip', request('127.0.0.1', '203.0.113.5'), 'loopback', 10),
  walkScenario('socket 127.0.0.1, 1 entry, loopback', 'all', request('127.0.0.1', '203.0.113.5'), 'loopback', 8),
  walkScenario('socket 10.0.0.1, 3 entries, 3 named ranges', 'ip', request('10.0.0.1', '203.0.113.5, 192.168.1.1, 10.0.0.2'), 'loopback, linklocal, uniquelocal', 12),
  walkScenario('socket 10.0.0.1, 3 entries, 3 named ranges', 'all', request('10.0.0.1', '203.0.113.5, 192.168.1.1, 10.0.0.2'), 'loopback, linklocal, uniquelocal', 10),
  walkScenario('20 CIDRs, 2 trusted hops, IPv4 client', 'ip', request('10.1.2.3', '203.0.113.200, 192.168.7.7, 172.16.5.4'), CIDRS20, 12),
  walkScenario('20 CIDRs, 2 trusted hops, IPv6 client', 'ip', request('fe80::1', '2001:db8:ffff::9, 2001:db8:1::77, fd00::12'), CIDRS20, 30),
  walkScenario('socket ::1, entry 2001:db8::1, loopback', 'ip', request('::1', '2001:db8::1'), 'loopback', 30),
  walkScenario('socket ::ffff:127.0.0.1, trust 127.0.0.1', 'ip', request('::ffff:127.0.0.1', '203.0.113.5'), '127.0.0.1', 30),
  walkScenario('1,000 entries, only the socket trusted', 'ip', request('127.0.0.1', entries(1000, (k) => `198.51.${k >> 8}.${k & 255}`)), 'loopback', 300),
  walkScenario('1,000 entries, only the socket trusted', 'all', request('127.0.0.1', entries(1000, (k) => `198.51.${k >> 8}.${k & 255}`)), 'loopback', 300),
  walkScenario('an unknown entry reached by the walk', 'ip', request('127.0.0.1', '203.0.113.5, unknown'), 'loopback', 100),
  walkScenario('every entry trusted, 10 entries', 'all', request('10.0.0.1', entries(10, (k) => `10.0.${k}.1`)), 'uniquelocal', 12),
  walkScenario('every entry trusted, 100 entries', 'all', request('10.0.0.1', entries(100, (k) => `10.0.${k}.1`)), 'uniquelocal', 12),
  walkScenario('hop count 2', 'ip', request('10.0.0.1', '203.0.113.5, 10.0.0.3, 10.0.0.2'), 2, 3),
  walkScenario('trust true', 'ip', request('10.0.0.1', '203.0.113.5, 10.0.0.3, 10.0.0.2'), true, 3),
  compileScenario('compile 3 named ranges', ['loopback', 'linklocal', 'uniquelocal'], 5),
  compileScenario('compile 20 CIDRs', CIDRS20, 5),
]

// growth with header length: 1, 10, 100, 1,000 entries
const growth = []
for (const n of [1, 10, 100, 1000]) {
  const untrusted = request('127.0.0.1', entries(n, (k) => `198.51.${k >> 8}.${k & 255}`))
  const trusted = request('10.0.0.1', entries(n, (k) => `10.${k >> 8}.${k & 255}.1`))
  growth.push(
    { ...walkScenario(`${n} entries, first entry untrusted`, 'ip', untrusted, 'loopback'), entries: n, shape: 'first untrusted' },
    { ...walkScenario(`${n} entries, all trusted`, 'all', trusted, 'uniquelocal'), entries: n, shape: 'all trusted' },
    { ...walkScenario(`${n} entries, trust true`, 'ip', trusted, true), entries: n, shape: 'trust true' },
  )
}

// --- Express getters ------------------------------------------------------------------------------

/** A fresh copy of Express (`express4` or `express5`) whose `require('proxy-addr')` loads `target`, as an npm override does. */
function loadExpressWith(name, target) {
  const Module = require('node:module')
  const expressDir = path.dirname(require.resolve(`${name}/package.json`))
  const forget = () => { for (const key of Object.keys(require.cache)) if (key.startsWith(expressDir)) Reflect.deleteProperty(require.cache, key) }
  forget()
  const original = Module._resolveFilename
  Module._resolveFilename = function (request, parent, ...rest) {
    if (request === 'proxy-addr' && parent && parent.filename && parent.filename.startsWith(expressDir)) return target
    return original.call(this, request, parent, ...rest)
  }
  try {
    return require(path.join(expressDir, 'index.js'))
  } finally {
    Module._resolveFilename = original
    forget()
  }
}

function expressRequest(express, setting, req) {
  const app = express()
  app.set('trust proxy', setting)
  const r = Object.create(app.request)
  r.app = app
  r.socket = req.socket
  r.connection = req.socket
  r.headers = req.headers
  return r
}

const chain = request('10.0.0.1', '203.0.113.5, 10.0.0.3, 10.0.0.2', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.org' })
const chainSetting = 'loopback, uniquelocal'
const fourGetters = (r) => { const a = r.ip; const b = r.ips; const c = r.protocol; const d = r.hostname; return [a, b, c, d] }
const oursTrust = ours.compileTrust(chainSetting)
/** A request of Express `name` with proxy-addr, and one of the same Express with this package in its place. */
function expressPair(name) {
  const real = expressRequest(loadExpressWith(name, require.resolve('proxy-addr')), chainSetting, chain)
  const override = expressRequest(loadExpressWith(name, path.join(root, 'dist/cjs/cjs.js')), chainSetting, chain)
  if (JSON.stringify(fourGetters(real)) !== JSON.stringify(fourGetters(override))) throw new Error(`${name} with proxy-trust disagrees with ${name} with proxy-addr`)
  return [real, override]
}
const [realReq, overrideReq] = expressPair('express4')
const [realReq5, overrideReq5] = expressPair('express5')

scenarios.push(
  {
    name: 'resolveAddr vs Express 4 getters (ip, ips, protocol, hostname)', op: 'all fields', target: 10,
    fns: { 'proxy-trust': () => ours.resolveAddr(chain, oursTrust), 'proxy-addr': () => fourGetters(realReq) },
  },
  {
    name: 'Express 4 getters, proxy-addr overridden by proxy-trust', op: 'Express getters', target: 1,
    fns: { 'proxy-trust': () => fourGetters(overrideReq), 'proxy-addr': () => fourGetters(realReq) },
  },
  {
    name: 'Express 5 getters, proxy-addr overridden by proxy-trust', op: 'Express getters', target: 1,
    fns: { 'proxy-trust': () => fourGetters(overrideReq5), 'proxy-addr': () => fourGetters(realReq5) },
  },
)

// --- measurement ----------------------------------------------------------------------------------

let sink = 0
function consume(value) {
  let weight = 2
  if (value === undefined) weight = 1
  else if (typeof value === 'string') weight = value.length
  sink = (sink + weight) | 0
}

function calibrate(fn) {
  let n = 1
  for (;;) {
    const t0 = process.hrtime.bigint()
    for (let k = 0; k < n; k++) consume(fn())
    const dt = Number(process.hrtime.bigint() - t0)
    if (dt > SAMPLE_NS / 4 || n > 1e8) return Math.max(1, Math.round((n * SAMPLE_NS) / Math.max(dt, 1)))
    n *= 4
  }
}

function sample(fn, n) {
  const t0 = process.hrtime.bigint()
  for (let k = 0; k < n; k++) consume(fn())
  return Number(process.hrtime.bigint() - t0) / n
}

// Heap growth over a batch of calls, after a full collection. The batch is sized to allocate at most
// a quarter of the young generation (128 MB, from the start), so that no scavenge frees part of it
// while it is measured; the figure is the least of three batches, as a batch may also hold what V8
// allocates once for itself (feedback, optimised code), which is not the call's.
const BATCH_BYTES = 32 * 1024 * 1024
function bytesPerCall(fn) {
  const growth = (n) => {
    globalThis.gc()
    const before = process.memoryUsage().heapUsed
    for (let k = 0; k < n; k++) consume(fn())
    return process.memoryUsage().heapUsed - before
  }
  const probe = 16
  const estimate = Math.max(growth(probe) / probe, 1)
  const n = Math.max(probe, Math.min(2000, Math.floor(BATCH_BYTES / estimate)))
  let least = Infinity
  for (let batch = 0; batch < 3; batch++) least = Math.min(least, growth(n))
  return Math.max(0, Math.round(least / n))
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

// Elsewhere the harness is a closure that does nothing, called through the same shared site.
const nothing = () => undefined

function run(scenario) {
  const fns = NOTHING in scenario.fns ? scenario.fns : { ...scenario.fns, [NOTHING]: nothing }
  const names = Object.keys(fns)
  const measured = names.filter((p) => p !== NOTHING)
  const counts = Object.fromEntries(names.map((p) => [p, calibrate(fns[p])]))
  // warm up: a few untimed samples of each, so that every implementation is optimised before timing
  for (let k = 0; k < 3; k++) for (const p of names) sample(fns[p], counts[p])
  const times = Object.fromEntries(names.map((p) => [p, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < names.length; k++) {
      const p = names[(round + k) % names.length]
      times[p].push(sample(fns[p], counts[p]))
    }
  }
  const overhead = median(times[NOTHING])
  const ns = Object.fromEntries(measured.map((p) => [p, Math.max(median(times[p]) - overhead, 0.1)]))
  const bytes = Object.fromEntries(measured.map((p) => [p, bytesPerCall(fns[p])]))
  return {
    name: scenario.name, op: scenario.op, target: scenario.target ?? null, ns, bytes, overhead,
    idle: NOTHING in scenario.fns,
    // the medians before the harness cost is taken off, and proxy-addr's over ours from them
    raw: Object.fromEntries(measured.map((p) => [p, median(times[p])])),
    rawRatio: median(times['proxy-addr']) / median(times['proxy-trust']),
    ratio: ns['proxy-addr'] / ns['proxy-trust'],
    ratioFastify: ns['@fastify/proxy-addr'] ? ns['@fastify/proxy-addr'] / ns['proxy-trust'] : null,
    entries: scenario.entries, shape: scenario.shape,
  }
}

const log = (line) => { if (!json) console.log(line) }
const fmt = (x) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2) // eslint-disable-line no-nested-ternary

log(`proxy-trust benchmark: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, ${ROUNDS} rounds`)
log('')
log('| scenario | op | proxy-trust ns | proxy-addr ns | @fastify ns | vs proxy-addr | raw ratio | target | B/call (ours / proxy-addr) |')
log('|---|---|---:|---:|---:|---:|---:|---:|---:|')
// warm every implementation on every input first, whether measured or not: the code each one runs
// is then optimised for the mix of shapes it will meet, whichever scenario comes first, and a row
// measured alone (--only) costs what it costs in the full table
for (const scenario of [...scenarios, ...growth]) {
  for (const fn of Object.values(scenario.fns)) {
    const until = process.hrtime.bigint() + BigInt(quick ? 5e6 : 20e6)
    while (process.hrtime.bigint() < until) for (let k = 0; k < 100; k++) consume(fn())
  }
}

const results = []
for (const scenario of scenarios.filter(selected)) {
  const r = run(scenario)
  results.push(r)
  const f = r.ns['@fastify/proxy-addr']
  log(`| ${r.name} | ${r.op} | ${fmt(r.ns['proxy-trust'])} | ${fmt(r.ns['proxy-addr'])} | ${f === undefined ? '-' : fmt(f)} | ${fmt(r.ratio)}x | ${fmt(r.rawRatio)}x | ${r.target ? `>= ${r.target}x` : '-'} | ${r.bytes['proxy-trust']} / ${r.bytes['proxy-addr']} |`)
}

log('')
const walkOverheads = results.filter((r) => r.idle).map((r) => r.overhead)
const otherOverheads = results.filter((r) => !r.idle).map((r) => r.overhead)
log(`Harness cost per call, taken off every figure (median over scenarios): ${walkOverheads.length ? fmt(median(walkOverheads)) : '-'} ns for the walks (an implementation that returns at once), ${otherOverheads.length ? fmt(median(otherOverheads)) : '-'} ns elsewhere (an empty closure).`)
log('')
log('Cost by header length (ns/op):')
log('| entries | shape | proxy-trust | proxy-addr | @fastify/proxy-addr | vs proxy-addr |')
log('|---:|---|---:|---:|---:|---:|')
const growthResults = []
for (const scenario of growth.filter(selected)) {
  const r = run(scenario)
  growthResults.push(r)
  log(`| ${r.entries} | ${r.shape} (${r.op}) | ${fmt(r.ns['proxy-trust'])} | ${fmt(r.ns['proxy-addr'])} | ${fmt(r.ns['@fastify/proxy-addr'])} | ${fmt(r.ratio)}x |`)
}
const firstUntrusted = growthResults.filter((r) => r.shape === 'first untrusted')
const growthRatio = firstUntrusted.length > 1 ? firstUntrusted.at(-1).ns['proxy-trust'] / firstUntrusted[0].ns['proxy-trust'] : null
log('')
if (growthRatio !== null) log(`cost(1,000 entries) / cost(1 entry), first entry untrusted: ${growthRatio.toFixed(2)} (target <= ${GROWTH_TARGET})`)


// --- the all-trusted walk beside the limit of its work -------------------------------------------
//
// A hand-written sketch of what proxyaddr.all must do when every entry is trusted: one backward scan
// of X-Forwarded-For, a hand parse of each dotted quad, one test against the table's IPv4 ranges,
// one substring per hop. It knows nothing the library must handle (IPv6, odd spellings, options,
// custom functions), so it is a floor, not a rival; the row shows how far above it the walk runs.

/** uniquelocal's IPv4 ranges as (network, mask) pairs: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16. */
const SKETCH_RANGES = new Int32Array([0x0a000000, 0xff000000 | 0, 0xac100000 | 0, 0xfff00000 | 0, 0xc0a80000 | 0, 0xffff0000 | 0])
/** A canonical dotted quad in `s.slice(start, end)`, in SKETCH_RANGES. */
function sketchTrusted(s, start, end) {
  let value = 0
  let part = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x2e) { value = (value << 8) | part; part = 0; dots++ } else if (c >= 0x30 && c <= 0x39) part = part * 10 + c - 0x30
    else return false
  }
  if (dots !== 3) return false
  value = (value << 8) | part
  for (let k = 0; k < SKETCH_RANGES.length; k += 2) if ((value & SKETCH_RANGES[k + 1]) === SKETCH_RANGES[k]) return true
  return false
}
function sketchAll(req) {
  const peer = req.socket.remoteAddress
  const list = [peer]
  const header = req.headers['x-forwarded-for']
  if (!sketchTrusted(peer, 0, peer.length)) return list
  let end = header.length
  while (end > 0) {
    let start = end
    while (start > 0 && header.charCodeAt(start - 1) !== 0x2c) start--
    let from = start
    while (header.charCodeAt(from) === 0x20) from++
    list.push(header.substring(from, end))
    if (!sketchTrusted(header, from, end)) break
    end = start - 1
  }
  return list
}
const sketchCases = [10, 100].map((n) => ({ n, req: request('10.0.0.1', entries(n, (k) => `10.${k >> 8}.${k & 255}.1`)) }))
  .filter(({ n }) => selected({ name: `walk per hop, ${n} entries` }))
const sketchResults = []
if (sketchCases.length > 0) {
  log('')
  log('The all-trusted walk per hop (ns), proxyaddr.all with uniquelocal, beside a hand-written sketch of its work (scan, parse, one range test):')
  log('| entries | proxy-trust ns/hop | sketch ns/hop | proxy-addr ns/hop | proxy-trust / sketch | vs proxy-addr |')
  log('|---:|---:|---:|---:|---:|---:|')
}
for (const { n, req } of sketchCases) {
  const trust = ours.compileTrust('uniquelocal')
  const reference = proxyaddr.compile(['uniquelocal'])
  // the sketch must answer as the walk does, or its figure means nothing
  if (JSON.stringify(sketchAll(req)) !== JSON.stringify(ours.all(req, trust))) throw new Error(`the sketch differs from proxyaddr.all at ${n} entries`)
  const r = run({ name: `walk per hop, ${n} entries`, op: 'all', fns: { 'proxy-trust': () => ours.all(req, trust), 'proxy-addr': () => proxyaddr.all(req, reference), sketch: () => sketchAll(req) } })
  const hops = n + 1
  const row = { entries: n, nsPerHop: r.ns['proxy-trust'] / hops, sketchNsPerHop: r.ns.sketch / hops, proxyAddrNsPerHop: r.ns['proxy-addr'] / hops }
  sketchResults.push({ ...row, overSketch: row.nsPerHop / row.sketchNsPerHop, ratio: r.ratio })
  log(`| ${n} | ${fmt(row.nsPerHop)} | ${fmt(row.sketchNsPerHop)} | ${fmt(row.proxyAddrNsPerHop)} | ${fmt(row.nsPerHop / row.sketchNsPerHop)}x | ${fmt(r.ratio)}x |`)
}

// --- install size and load time, beside proxy-addr (bench/load.mjs) -------------------------------

const { sizes, loadTimes } = await import('./load.mjs')
let packageResults = null
if (selected({ name: 'size and load' })) {
  const size = sizes(root)
  const load = loadTimes(root, quick ? 10 : 20)
  packageResults = { size, load }
  const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`
  const ms = (x) => `${x.toFixed(2)} ms`
  const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-')
  log('')
  log(`Install size and load time (CPU ms of the one require or import in a fresh process; medians over ${load.rounds} interleaved processes each):`)
  log('| package | bytes (with dependencies) | files | require ms | import ms |')
  log('|---|---:|---:|---:|---:|')
  log(`| proxy-trust | ${kb(size.ours.bytes)} (${kb(size.oursWithDependencies.bytes)}), README ${kb(size.readme)} | ${size.ours.files} (${size.oursWithDependencies.files}) | ${ms(load.require.ours)} | ${ms(load.import.ours)} |`)
  log(`| proxy-trust as proxy-addr (the override) | | | ${ms(load.require.override)} | ${ms(load.import.override)} |`)
  log(`| proxy-addr 2.0.8 (with forwarded, ipaddr.js) | (${kb(size.proxyAddrWithDependencies.bytes)}) | (${size.proxyAddrWithDependencies.files}) | ${ms(load.require.proxyAddr)} | ${ms(load.import.proxyAddr)} |`)
  log(`| as proxy-addr, in an app that has already resolved packages through "exports" maps (as Express's dependencies have): require | | | ${ms(load.requireInApp.override)} against ${ms(load.requireInApp.proxyAddr)}: ${ratio(load.requireInApp.override, load.requireInApp.proxyAddr)} | |`)
  log(`| as proxy-addr, in an app that has already resolved packages through "exports" maps: import | | | | ${ms(load.importInApp.override)} against ${ms(load.importInApp.proxyAddr)}: ${ratio(load.importInApp.override, load.importInApp.proxyAddr)} |`)
  log(`| Node's exports machinery, paid once by a process at its first package with an "exports" map (this package has one, proxy-addr none; an empty package with a map less one without) | | | ${ms(load.exportsMachinery)} | |`)
  log(`| ratio, ours / proxy-addr | ${ratio(size.oursWithDependencies.bytes, size.proxyAddrWithDependencies.bytes)} | ${ratio(size.oursWithDependencies.files, size.proxyAddrWithDependencies.files)} | ${ratio(load.require.override, load.require.proxyAddr)} (override), ${ratio(load.require.ours, load.require.proxyAddr)} | ${ratio(load.import.override, load.import.proxyAddr)} (override), ${ratio(load.import.ours, load.import.proxyAddr)} |`)
}

// --- explain per hop, and the whoami server with a long header ----------------------------------
//
// explain's cost per hop over a long chain, against the all-trusted walk (proxyaddr.all with the
// same setting) per entry on the same request: timed interleaved, as above.

const HOPS = 8000
const explainCases = [
  { name: `explain, ${HOPS.toLocaleString('en')} address hops, all trusted`, setting: 'uniquelocal', req: request('10.0.0.1', entries(HOPS, (k) => `10.${k >> 8}.${k & 255}.1`)) },
  { name: `explain, ${HOPS.toLocaleString('en')} "1" hops, trust true`, setting: true, req: request('10.0.0.1', entries(HOPS, () => '1')) },
].filter(selected)
const explainResults = []
if (explainCases.length > 0) {
  log('')
  log(`explain per hop (ns), against the all-trusted walk (proxyaddr.all) per entry, ${HOPS.toLocaleString('en')} hops:`)
  log('| request | explain ns/hop | all-trusted walk ns/entry | ratio |')
  log('|---|---:|---:|---:|')
}
for (const { name, setting, req } of explainCases) {
  const trust = ours.compileTrust(setting)
  const r = run({ name, op: 'explain', fns: { 'proxy-trust': () => ours.explain(req, trust, setting), 'proxy-addr': () => ours.all(req, trust) } })
  const perHop = r.ns['proxy-trust'] / (HOPS + 1)
  const perEntry = r.ns['proxy-addr'] / (HOPS + 1)
  explainResults.push({ name, explainNsPerHop: perHop, walkNsPerEntry: perEntry, ratio: perHop / perEntry })
  log(`| ${name} | ${fmt(perHop)} | ${fmt(perEntry)} | ${fmt(perHop / perEntry)}x |`)
}

// The whoami server (`proxy-trust serve`, in its own process) over loopback: requests/s from a few
// keep-alive connections, with no forwarding header and with the longest X-Forwarded-For that Node's
// 16 KB header limit lets through.
const serveResults = []
if (selected({ name: 'serve requests/s' })) {
  const longHeader = Array.from({ length: 7500 }, () => '1').join(',')
  serveResults.push(...await serveRates([
    ['no X-Forwarded-For', {}],
    [`X-Forwarded-For of ${longHeader.length.toLocaleString('en')} bytes (7,500 "1" entries)`, { 'x-forwarded-for': longHeader }],
  ]))
  log('')
  log('serve requests/s over loopback (trust true, text, 4 keep-alive connections; range over the runs):')
  log('| request | requests/s |')
  log('|---|---:|')
  for (const r of serveResults) log(`| ${r.name} | ${Math.round(r.median)} (${Math.round(r.min)} to ${Math.round(r.max)}) |`)
}

// --- the cost of watching live traffic (createMonitor, the adapters' warn option) -----------------
// A healthy request, which never warns, so the monitor checks every one: the worst case for its
// cost. "with" and "without" are timed interleaved in the same rounds, as the peers are above.

const { trustProxy: expressTrustProxy } = require(path.join(root, 'dist/cjs/adapters/express.js'))
const monitor = ours.createMonitor(oursTrust, { onWarning: () => { throw new Error('a healthy request warned') } })
// a monitor looks at a request once, so every call gets a request object of its own (from a ring)
const RING = 64
const ring = (make) => { const reqs = Array.from({ length: RING }, make); let k = 0; return () => reqs[k++ & (RING - 1)] }
const chainCopy = () => ({ socket: chain.socket, headers: { ...chain.headers } })
/** The most a monitored request may cost, in resolveAddr's cost on the same request (the hostile shapes). */
const MONITOR_TARGET = 5

/**
 * The shapes that once cost the monitor far more than the walk (it re-read headers left of the
 * first untrusted hop, or split a whole X-Forwarded-Proto): "with" answers as the adapters do,
 * `monitor.resolve(req)`, and `monitor(req)` then `resolveAddr` as a server of one's own may;
 * "without" is `resolveAddr` alone. Each monitor's warnings are counted: one that has reported
 * everything it can would stop looking, so a row is only a worst case while it has reported nothing.
 */
function hostileMonitorScenarios() {
  const shapes = [
    {
      name: '16 KB of damaged Forwarded left of an untrusted hop', setting: 'loopback', options: { source: 'forwarded' },
      make: () => request('127.0.0.1', undefined, { forwarded: `for="${'x'.repeat(16_384)}, for=203.0.113.5` }),
    },
    {
      name: '3,000 http values in X-Forwarded-Proto from a trusted peer', setting: 'loopback', options: undefined,
      make: () => request('127.0.0.1', '203.0.113.5', { 'x-forwarded-proto': Array.from({ length: 3000 }, () => 'http').join(', ') }),
    },
  ]
  return shapes.flatMap(({ name, setting, options, make }) => {
    const trust = ours.compileTrust(setting, options)
    const warned = []
    const watching = ours.createMonitor(trust, { onWarning: (w) => warned.push(w.code) })
    const reqsWith = ring(make)
    const reqsWithout = ring(make)
    return [
      { name: `monitor.resolve, ${name}`, op: 'all fields', fns: { 'proxy-trust': () => watching.resolve(reqsWith()), 'proxy-addr': () => ours.resolveAddr(reqsWithout(), trust) }, warned, monitorTarget: MONITOR_TARGET },
      { name: `monitor then resolveAddr, ${name}`, op: 'all fields', fns: { 'proxy-trust': () => { const req = reqsWith(); watching(req); return ours.resolveAddr(req, trust) }, 'proxy-addr': () => ours.resolveAddr(reqsWithout(), trust) }, warned, monitorTarget: MONITOR_TARGET },
    ]
  })
}

/** Requests of an Express 5 app set up by the adapter, with `warn` on or off. */
function adapterRequests(warn) {
  const app = loadExpressWith('express5', require.resolve('proxy-addr'))()
  expressTrustProxy(app, chainSetting, { warn })
  return ring(() => Object.assign(Object.create(app.request), { app, socket: chain.socket, connection: chain.socket, headers: { ...chain.headers } }))
}
const plainWith = ring(chainCopy)
const plainWithout = ring(chainCopy)
const adapterWith = adapterRequests(true)
const adapterWithout = adapterRequests(false)
const monitorScenarios = [
  {
    name: 'resolveAddr, healthy chain', op: 'all fields',
    fns: {
      'proxy-trust': () => { const req = plainWith(); monitor(req); return ours.resolveAddr(req, oursTrust) },
      'proxy-addr': () => ours.resolveAddr(plainWithout(), oursTrust),
    },
  },
  {
    name: 'Express 5 adapter getters (ip, ips, protocol, hostname), healthy chain', op: 'Express getters',
    fns: { 'proxy-trust': () => fourGetters(adapterWith()), 'proxy-addr': () => fourGetters(adapterWithout()) },
  },
  ...hostileMonitorScenarios(),
].filter(selected)
if (monitorScenarios.length > 0) {
  log('')
  log('Watching live traffic (ns/op; "with" calls createMonitor\'s monitor, or sets the adapter up with warn: true):')
  log('| scenario | op | with | without | with / without |')
  log('|---|---|---:|---:|---:|')
}
const monitorResults = []
for (const scenario of monitorScenarios) {
  for (const fn of Object.values(scenario.fns)) for (let k = 0; k < 1e5; k++) consume(fn())
  const r = run(scenario)
  const warned = scenario.warned === undefined ? '' : ` (warnings: ${scenario.warned.length})`
  monitorResults.push({ name: r.name + warned, op: r.op, with: r.ns['proxy-trust'], without: r.ns['proxy-addr'], ratio: 1 / r.ratio, target: scenario.monitorTarget ?? null })
  log(`| ${r.name}${warned} | ${r.op} | ${fmt(r.ns['proxy-trust'])} | ${fmt(r.ns['proxy-addr'])} | ${fmt(1 / r.ratio)}x |`)
}

// --- a watched provider list against a static one ---------------------------------------------------
// watchRanges swaps a list into the predicates compiled from it; per request a watched predicate runs
// the same walk over the same table shape as a static one. Both are compiled from the same list (the
// cell below is what watchRanges fills; no network here), "with" is the watched one.

const { LiveCell, liveValue } = require(path.join(root, 'dist/cjs/ranges/live.js'))
const { cloudflare: cloudflareSnapshot } = require(path.join(root, 'dist/cjs/core/snapshots.js'))
const watchedTrust = ours.compileTrust('loopback, cloudflare', { ranges: { cloudflare: liveValue(new LiveCell(cloudflareSnapshot)) } })
const staticTrust = ours.compileTrust('loopback, cloudflare', { ranges: { cloudflare: cloudflareSnapshot } })
const viaCdn = request('173.245.48.7', '203.0.113.5, 127.0.0.1')
const watchScenarios = [{
  name: 'resolveAddr, peer in a Cloudflare range', op: 'all fields',
  fns: { 'proxy-trust': () => ours.resolveAddr(viaCdn, watchedTrust), 'proxy-addr': () => ours.resolveAddr(viaCdn, staticTrust) },
}].filter(selected)
if (watchScenarios.length > 0) {
  if (ours.resolveAddr(viaCdn, watchedTrust).ip !== '203.0.113.5' || ours.resolveAddr(viaCdn, staticTrust).ip !== '203.0.113.5') throw new Error('a Cloudflare peer was not trusted')
  log('')
  log('A watched provider list (watchRanges) against the same list static (ns/op):')
  log('| scenario | op | watched | static | watched / static |')
  log('|---|---|---:|---:|---:|')
}
const watchResults = []
for (const scenario of watchScenarios) {
  for (const fn of Object.values(scenario.fns)) for (let k = 0; k < 1e5; k++) consume(fn())
  const r = run(scenario)
  watchResults.push({ name: r.name, op: r.op, watched: r.ns['proxy-trust'], static: r.ns['proxy-addr'], ratio: 1 / r.ratio })
  log(`| ${r.name} | ${r.op} | ${fmt(r.ns['proxy-trust'])} | ${fmt(r.ns['proxy-addr'])} | ${fmt(1 / r.ratio)}x |`)
}

// the PROXY header parse per connection against proxy-protocol-js (bench/proxy-protocol.mjs); the
// peer's figures stand in the proxy-addr column of `run`
const proxyProtocolScenarios = (await import('./proxy-protocol.mjs')).proxyProtocolScenarios(root).filter(selected)
const proxyProtocolResults = []
if (proxyProtocolScenarios.length > 0) log('\nPROXY header parse per connection (ns/op) against proxy-protocol-js:\n| header | proxy-trust | proxy-protocol-js | proxy-protocol-js / proxy-trust | B/call (ours / theirs) |\n|---|---:|---:|---:|---:|')
for (const scenario of proxyProtocolScenarios) {
  const r = run(scenario)
  proxyProtocolResults.push({ name: r.name, ns: r.ns['proxy-trust'], peerNs: r.ns['proxy-addr'], ratio: r.ratio, bytes: r.bytes['proxy-trust'], peerBytes: r.bytes['proxy-addr'] })
  log(`| ${r.name} | ${fmt(r.ns['proxy-trust'])} | ${fmt(r.ns['proxy-addr'])} | ${fmt(r.ratio)}x | ${r.bytes['proxy-trust']} / ${r.bytes['proxy-addr']} |`)
}

let proxyProtocolHttpResults = []
if (selected({ name: 'PROXY over loopback' })) {
  proxyProtocolHttpResults = await (await import('./proxy-protocol.mjs')).proxyProtocolHttp({ quick })
  log('\nPROXY over loopback (node:http, 4 lanes; requests/s without and with acceptProxyProtocol, medians over turns):\n| shape | without | with | with / without | extra per request (us, 4 lanes) |\n|---|---:|---:|---:|---:|')
  for (const r of proxyProtocolHttpResults) log(`| ${r.shape} | ${Math.round(r.without)} | ${Math.round(r.with)} | ${fmt(r.ratio)}x | ${fmt(r.extraMicroseconds)} |`)
}

/** Requests/s of `proxy-trust serve --trust true` for each header set, interleaved over a few runs. */
async function serveRates(cases) {
  const child = spawn(process.execPath, [path.join(root, 'dist/cjs/cli.js'), 'serve', '--trust', 'true', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] })
  try {
    const url = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
        const match = /listening on (\S+)/.exec(out)
        if (match) resolve(match[1])
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
    const once = (headers) => new Promise((resolve, reject) => {
      http.get(url, { agent, headers }, (res) => {
        res.resume()
        res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))))
      }).once('error', reject)
    })
    /** Requests answered in `ms`, four at a time. */
    const rate = async (headers, ms) => {
      const until = Date.now() + ms
      let done = 0
      const lane = async () => { while (Date.now() < until) { await once(headers); done++ } }
      const t0 = process.hrtime.bigint()
      await Promise.all([lane(), lane(), lane(), lane()])
      return done / (Number(process.hrtime.bigint() - t0) / 1e9)
    }
    for (const [, headers] of cases) await rate(headers, 200) // warm up
    const rates = cases.map(() => [])
    for (let round = 0; round < (quick ? 3 : 5); round++) {
      for (let k = 0; k < cases.length; k++) rates[k].push(await rate(cases[k][1], quick ? 300 : 1000))
    }
    agent.destroy()
    return cases.map(([name], k) => ({ name, median: median(rates[k]), min: Math.min(...rates[k]), max: Math.max(...rates[k]) }))
  } finally {
    child.kill()
  }
}

// --check: every target measured in this run, met or missed; a miss is exit status 1
const checks = [
  ...results.filter((r) => r.target !== null).map((r) => ({
    name: `${r.name} (${r.op})`, value: r.ratio, target: r.target, pass: r.ratio >= r.target,
    text: `${fmt(r.ratio)}x, target >= ${r.target}x`,
  })),
  ...monitorResults.filter((r) => r.target !== null).map((r) => ({
    name: `${r.name} (with / without)`, value: r.ratio, target: r.target, pass: r.ratio <= r.target,
    text: `${fmt(r.ratio)}x, target <= ${r.target}x`,
  })),
  // the load of the package by its name and of the override, beside proxy-addr's: in a bare process,
  // and inside an app (Express's dependencies have met exports maps before it)
  ...(packageResults === null ? [] : [
    ['require(\'proxy-trust\'), in a bare process (ours / proxy-addr)', packageResults.load.require.ours, packageResults.load.require.proxyAddr],
    ['require(\'proxy-addr\'), the override, in a bare process (ours / proxy-addr)', packageResults.load.require.override, packageResults.load.require.proxyAddr],
    ['import(\'proxy-trust\'), in a bare process (ours / proxy-addr)', packageResults.load.import.ours, packageResults.load.import.proxyAddr],
    ['import(\'proxy-addr\'), the override, in a bare process (ours / proxy-addr)', packageResults.load.import.override, packageResults.load.import.proxyAddr],
    ['require(\'proxy-addr\'), the override, in an app (ours / proxy-addr)', packageResults.load.requireInApp.override, packageResults.load.requireInApp.proxyAddr],
    ['import(\'proxy-addr\'), the override, in an app (ours / proxy-addr)', packageResults.load.importInApp.override, packageResults.load.importInApp.proxyAddr],
  ].map(([name, ours, proxyAddr]) => ({
    name, value: ours / proxyAddr, target: 1, pass: ours <= proxyAddr, text: `${(ours / proxyAddr).toFixed(2)}x, target <= 1x`,
  }))),
  ...(growthRatio === null ? [] : [{
    name: 'cost(1,000 entries) / cost(1 entry), first entry untrusted', value: growthRatio, target: GROWTH_TARGET,
    pass: growthRatio <= GROWTH_TARGET, text: `${growthRatio.toFixed(2)}, target <= ${GROWTH_TARGET}`,
  }]),
]
const missed = checks.filter((c) => !c.pass).length
if (flags.check) {
  log('')
  for (const c of checks) log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.text}`)
  log(`${checks.length - missed} of ${checks.length} targets met`)
}

if (json) {
  process.stdout.write(JSON.stringify({
    node: process.version, cpu: os.cpus()[0]?.model ?? null, cores: os.cpus().length, rounds: ROUNDS,
    scenarios: results, growth: growthResults, growthRatio, sketch: sketchResults, package: packageResults, explain: explainResults, serve: serveResults, monitor: monitorResults, watch: watchResults, proxyProtocol: proxyProtocolResults, proxyProtocolHttp: proxyProtocolHttpResults,
    ...(flags.check ? { checks } : {}), sink,
  }, null, 2) + '\n')
}
if (flags.check && missed > 0) process.exitCode = 1
