// bench/runtimes.mjs: the per-call comparison with proxy-addr 2.0.8 run by each runtime itself:
// Node (this one), Bun, Deno, and workerd (the runtime of Cloudflare Workers). One line per runtime,
// each figure the ratio proxy-addr / proxy-trust, as the range over the runs.
//
//   npm run bench:runtimes              # 3 runs per runtime
//   npm run bench:runtimes -- --runs 5
//
// workerd freezes its clocks while a request runs (a Spectre mitigation: time moves only on I/O), so
// a Worker cannot time itself: there the client times requests that each make a batch of calls,
// less a request making none, and the ratio is that of the two batches.

import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { performance } from 'node:perf_hooks'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { freePort } from '../scripts/free-port.mjs'
import { installRuntime, RUNTIMES } from '../scripts/runtime-versions.mjs'
import { parseFlags } from './args.mjs'
import { measure } from './runtime-call.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..')
const require = createRequire(import.meta.url)
const USAGE = 'usage: npm run bench:runtimes -- [--runs <n>]'
const flags = parseFlags(process.argv.slice(2), { runs: { type: 'string' } }, USAGE)
const runs = flags.runs === undefined ? 3 : Number(flags.runs)
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`invalid --runs: ${flags.runs} (expected a whole number of runs, 1 or more)\n\n${USAGE}\n`)
  process.exit(2)
}

const OURS = path.join(root, 'dist', 'cjs', 'cjs.js')
const THEIRS = require.resolve('proxy-addr')

/** The script Bun and Deno run: both packages required by path, timed by performance.now(). */
const RUNNER = `
import { createRequire } from 'node:module'
import { measure } from ${JSON.stringify(pathToFileURL(path.join(here, 'runtime-call.mjs')).href)}
const require = createRequire(import.meta.url)
const rows = measure({ ours: require(${JSON.stringify(OURS)}), theirs: require(${JSON.stringify(THEIRS)}), now: () => performance.now() })
console.log(JSON.stringify(rows))
`

/** The Worker: /?impl=ours|theirs|none&scenario=i&n=N makes N calls and answers their count. */
const WORKER = `
import ours from ${JSON.stringify(OURS)}
import theirs from ${JSON.stringify(THEIRS)}
import { SCENARIOS } from ${JSON.stringify(path.join(here, 'runtime-call.mjs'))}
const impls = { ours, theirs }
const trusts = { ours: SCENARIOS.map((s) => ours.compile(s.setting)), theirs: SCENARIOS.map((s) => theirs.compile(s.setting)) }
export default {
  fetch(request) {
    const url = new URL(request.url)
    const name = url.searchParams.get('impl')
    const i = Number(url.searchParams.get('scenario'))
    const n = Number(url.searchParams.get('n'))
    const scenario = SCENARIOS[i]
    let sink = 0
    if (name !== 'none') {
      const impl = impls[name]
      const trust = trusts[name][i]
      for (let k = 0; k < n; k++) sink += (scenario.all ? impl.all(scenario.req, trust) : impl(scenario.req, trust)).length
    }
    return new Response(String(sink))
  },
}
`

/** Median ns per call in the Worker, from request times: a batch of calls less an empty request. */
async function measureWorker(port) {
  const { SCENARIOS } = await import('./runtime-call.mjs')
  const n = 100_000
  const time = async (impl, scenario) => {
    const start = process.hrtime.bigint()
    const response = await fetch(`http://127.0.0.1:${port}/?impl=${impl}&scenario=${scenario}&n=${n}`)
    await response.text()
    return Number(process.hrtime.bigint() - start)
  }
  const median = (list) => list.slice().sort((x, y) => x - y)[Math.floor(list.length / 2)]
  const rows = []
  for (let i = 0; i < SCENARIOS.length; i++) {
    const samples = { ours: [], theirs: [], none: [] }
    for (const impl of ['ours', 'theirs', 'none']) await time(impl, i) // warm-up
    for (let round = 0; round < 9; round++) {
      for (const impl of round % 2 ? ['theirs', 'none', 'ours'] : ['ours', 'none', 'theirs']) samples[impl].push(await time(impl, i))
    }
    const none = median(samples.none)
    rows.push({ name: SCENARIOS[i].name, ours: (median(samples.ours) - none) / n, theirs: (median(samples.theirs) - none) / n })
  }
  return rows
}

const dir = mkdtempSync(path.join(tmpdir(), 'proxy-trust-bench-runtimes-'))
try {
  const tools = Object.fromEntries(Object.keys(RUNTIMES).map((name) => [name, installRuntime(name, (line) => console.error(line))]))
  writeFileSync(path.join(dir, 'runner.mjs'), RUNNER)
  writeFileSync(path.join(dir, 'worker.mjs'), WORKER)
  execFileSync(tools.esbuild, ['worker.mjs', '--bundle', '--format=esm', '--platform=neutral', '--main-fields=module,main', '--outfile=worker.js', '--log-level=error'], { cwd: dir })
  const port = await freePort()
  writeFileSync(path.join(dir, 'worker.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (modules = [ (name = "worker.js", esModule = embed "worker.js") ], compatibilityDate = "2026-11-01")) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
`)

  const runners = {
    node: () => measure({ ours: require(OURS), theirs: require(THEIRS), now: () => performance.now() }),
    bun: () => JSON.parse(execFileSync(tools.bun, ['runner.mjs'], { cwd: dir, encoding: 'utf8' })),
    deno: () => JSON.parse(execFileSync(tools.deno, ['run', '--allow-read', '--allow-env', 'runner.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })),
    workerd: async () => {
      const child = spawn(tools.workerd, ['serve', 'worker.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('workerd did not start in 30 s')), 30_000)
          const seen = (chunk) => { if (/Listening on/i.test(String(chunk))) { clearTimeout(timer); resolve() } }
          child.stdout.on('data', seen)
          child.stderr.on('data', seen)
        })
        return await measureWorker(port)
      } finally {
        child.kill('SIGKILL')
      }
    },
  }
  const versions = { node: process.versions.node, bun: RUNTIMES.bun.version, deno: RUNTIMES.deno.version, workerd: RUNTIMES.workerd.version }
  for (const [name, run] of Object.entries(runners)) {
    const ratios = {}
    const ns = {}
    for (let i = 0; i < runs; i++) {
      for (const row of await run()) {
        ;(ratios[row.name] ??= []).push(row.theirs / row.ours)
        ;(ns[row.name] ??= []).push(row.ours)
      }
    }
    const parts = Object.keys(ratios).map((row) => {
      const r = ratios[row]
      const low = Math.min(...r).toFixed(1)
      const high = Math.max(...r).toFixed(1)
      const ours = ns[row].slice().sort((a, b) => a - b)[Math.floor(ns[row].length / 2)]
      return `${row} ${low === high ? low : `${low}-${high}`}x proxy-addr (${ours.toFixed(0)} ns)`
    })
    console.log(`${name} ${versions[name]}: ${parts.join('; ')}`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
