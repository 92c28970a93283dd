// node-matrix.mjs: the test suite against the built package on every Node version of the matrix.
//
// Each version (scripts/node-versions.mjs) runs the whole vitest suite with vitest.built.config.ts,
// which loads dist/ in place of src/, so what is tested is the JavaScript that ships. vitest,
// its workers and every `node` a test starts run on the version under test (its bin/ leads PATH);
// npm, which some suites call to pack and install the package, runs on this machine's Node, as
// recent npm does not start on every version. One line per version; any failure, skipped test or
// missing report fails the run.
//
//   npm run test:matrix                        # every version, after a build
//   node scripts/node-matrix.mjs --only 18,24  # some of them (release lines or exact versions)
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { MATRIX, npmCommand, resolveNode, versionOf } from './node-versions.mjs'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs')
// a run that hangs fails instead of holding CI to its own limit
const TIMEOUT_MS = 15 * 60 * 1000

function usage(message) {
  console.error(`node-matrix: ${message}\nusage: node scripts/node-matrix.mjs [--only <line or version>[,...]]`)
  process.exit(2)
}

const argv = process.argv.slice(2)
let only = null
for (let k = 0; k < argv.length; k++) {
  if (argv[k] === '--only' && argv[k + 1] !== undefined) only = argv[++k].split(',').map((s) => s.trim()).filter(Boolean)
  else usage(`unknown argument: ${argv[k]}`)
}
if (!existsSync(path.join(root, 'dist', 'cjs', 'cjs.js'))) usage('dist/ is missing: run `npm run build` first (npm run test:matrix does)')

// this machine's Node runs `npm test` (the sources, with coverage) in CI; here every pinned release
const specs = only ?? Object.values(MATRIX)
const log = (line) => console.log(`node-matrix: ${line}`)

/** A folder with an `npm` that runs on this machine's Node, to put on PATH behind the version under test. */
function npmShim(dir) {
  mkdirSync(dir)
  const [file, args] = npmCommand()
  const quote = (s) => `'${s.replaceAll("'", "'\\''")}'`
  writeFileSync(path.join(dir, 'npm'), `#!/bin/sh\nexec ${[file, ...args].map(quote).join(' ')} "$@"\n`, { mode: 0o755 })
}

function runSuite(binary, work, label) {
  const report = path.join(work, `${label}.json`)
  const logFile = path.join(work, `${label}.log`)
  const env = { ...process.env, PATH: [path.dirname(binary), path.join(work, 'bin'), process.env.PATH].join(path.delimiter) }
  // npm's own variables would send the suites' npm calls to npm-cli.js on the version under test
  for (const key of ['npm_execpath', 'npm_node_execpath', 'NODE']) Reflect.deleteProperty(env, key)
  const out = openSync(logFile, 'w')
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(binary, [vitest, 'run', '--config', 'vitest.built.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { cwd: root, env, stdio: ['ignore', out, out] })
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      closeSync(out)
      const seconds = Math.round((Date.now() - started) / 1000)
      let counts = null
      try {
        const r = JSON.parse(readFileSync(report, 'utf8'))
        counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests, files: r.testResults.length }
      } catch {
        // no report: vitest did not start or was killed; the log says why
      }
      const ok = code === 0 && counts !== null && counts.failed === 0 && counts.skipped === 0 && counts.passed > 0
      resolve({ ok, code, signal, counts, seconds, logFile })
    })
  })
}

const work = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-matrix-'))
let failures = 0
try {
  npmShim(path.join(work, 'bin'))
  const lines = []
  for (const spec of specs) {
    let binary
    try {
      binary = resolveNode(spec, log)
    } catch (error) {
      failures++
      lines.push(`Node ${spec}: FAILED to install: ${error.message}`)
      log(lines.at(-1))
      continue
    }
    const version = versionOf(binary)
    const mine = binary === process.execPath ? " (this machine's)" : ''
    const r = await runSuite(binary, work, version)
    const counts = r.counts ? `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped in ${r.counts.files} files` : 'no report'
    const line = `Node ${version}${mine}: ${r.ok ? 'ok' : 'FAILED'}, ${counts}, ${r.seconds} s`
    if (!r.ok) {
      failures++
      console.log(readFileSync(r.logFile, 'utf8').split('\n').slice(-80).join('\n'))
      if (r.signal) console.log(`vitest was killed by ${r.signal} after ${r.seconds} s`)
    }
    lines.push(line)
    log(line)
  }
  console.log('')
  for (const line of lines) console.log(line)
} finally {
  rmSync(work, { recursive: true, force: true })
}
if (failures > 0) {
  console.log(`node-matrix: ${failures} of ${specs.length} versions failed`)
  process.exit(1)
}
