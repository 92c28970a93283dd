// bench/load.mjs: what installing and loading the package costs, beside proxy-addr 2.0.8, the
// package it replaces: the bytes and files an install adds, and the time `require` and `import`
// add to a Node process.
//
// Load time is measured on whole processes, as an app pays it: each command is a fresh `node`
// started from a throwaway app whose node_modules links the packages by name, and its cost is the
// process's CPU time (user + system, which Node reports at exit) less that of a bare `node` from
// the same app doing nothing else. CPU time rather than wall time: on a shared machine a process
// waits for a core for longer than a require takes, and that wait is not the package's. The
// commands are interleaved, one process of each per round in an order that rotates, so that drift
// falls on all of them alike; figures are medians over the rounds.

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

/** Every file under `dir` (a package as installed): its count and bytes. */
function treeSize(dir) {
  let bytes = 0
  let files = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      const inner = treeSize(full)
      bytes += inner.bytes
      files += inner.files
    } else {
      bytes += statSync(full).size
      files++
    }
  }
  return { bytes, files }
}

/** The directory of an installed package, from the project's node_modules. */
const packageDir = (name, from) => path.dirname(createRequire(from ?? import.meta.url).resolve(`${name}/package.json`))

/**
 * The size of this package as `npm pack` would ship it (unpacked bytes and files, with and without
 * its one dependency, ipaddr.js), beside proxy-addr 2.0.8 with its two (forwarded, ipaddr.js).
 */
export function sizes(root) {
  const npm = process.env['npm_execpath'] && /npm-cli\.js$/.test(process.env['npm_execpath'])
    ? [process.execPath, [process.env['npm_execpath']]] : ['npm', []]
  const [info] = JSON.parse(execFileSync(npm[0], [...npm[1], 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  const ipaddr = treeSize(packageDir('ipaddr.js'))
  const proxyAddrDir = packageDir('proxy-addr')
  const reference = [proxyAddrDir, packageDir('forwarded', path.join(proxyAddrDir, 'index.js')), packageDir('ipaddr.js', path.join(proxyAddrDir, 'index.js'))]
    .map(treeSize).reduce((a, b) => ({ bytes: a.bytes + b.bytes, files: a.files + b.files }))
  return {
    ours: { bytes: info.unpackedSize, files: info.entryCount },
    oursWithDependencies: { bytes: info.unpackedSize + ipaddr.bytes, files: info.entryCount + ipaddr.files },
    proxyAddrWithDependencies: reference,
    readme: info.files.find((file) => file.path === 'README.md')?.size ?? 0,
  }
}

/**
 * Milliseconds `require` and `import` add to a process: proxy-trust by its name, and under the name
 * proxy-addr (the override Express loads), beside the real proxy-addr 2.0.8.
 */
export function loadTimes(root, rounds) {
  const app = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-load-'))
  try {
    // two apps: one where proxy-addr is the real one, one where it is this package (the override)
    const real = path.join(app, 'real')
    const override = path.join(app, 'override')
    for (const [dir, links] of [[real, { 'proxy-addr': packageDir('proxy-addr') }], [override, { 'proxy-addr': root, 'proxy-trust': root }]]) {
      mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
      for (const [name, target] of Object.entries(links)) symlinkSync(target, path.join(dir, 'node_modules', name), 'dir')
    }
    // every process ends by printing its CPU time; the ES module ones load the package first
    const report = 'process.stdout.write(String(process.cpuUsage().user + process.cpuUsage().system))'
    const cjs = (body) => ['-e', `${body};${report}`]
    const esm = (body) => ['--input-type=module', '-e', `${body};${report}`]
    const commands = {
      bare: [override, cjs('0')],
      bareReal: [real, cjs('0')],
      'require(\'proxy-trust\')': [override, cjs('require("proxy-trust")')],
      'require(\'proxy-addr\'), the override': [override, cjs('require("proxy-addr")')],
      'require(\'proxy-addr\'), proxy-addr 2.0.8': [real, cjs('require("proxy-addr")')],
      'import \'proxy-trust\'': [override, esm('import "proxy-trust"')],
      'import \'proxy-addr\', the override': [override, esm('import "proxy-addr"')],
      'import \'proxy-addr\', proxy-addr 2.0.8': [real, esm('import "proxy-addr"')],
      bareModule: [override, esm('0')],
      bareModuleReal: [real, esm('0')],
    }
    const names = Object.keys(commands)
    const times = Object.fromEntries(names.map((name) => [name, []]))
    for (let round = 0; round < rounds + 1; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length]
        const [cwd, args] = commands[name]
        const child = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed in ${cwd}`)
        const ms = Number(child.stdout) / 1000
        // the first round warms the file system cache and is not counted
        if (round > 0) times[name].push(ms)
      }
    }
    const m = Object.fromEntries(names.map((name) => [name, median(times[name])]))
    const cost = (name, bare) => m[name] - m[bare]
    return {
      rounds,
      bare: m.bare,
      require: {
        ours: cost('require(\'proxy-trust\')', 'bare'),
        override: cost('require(\'proxy-addr\'), the override', 'bare'),
        proxyAddr: cost('require(\'proxy-addr\'), proxy-addr 2.0.8', 'bareReal'),
      },
      import: {
        ours: cost('import \'proxy-trust\'', 'bareModule'),
        override: cost('import \'proxy-addr\', the override', 'bareModule'),
        proxyAddr: cost('import \'proxy-addr\', proxy-addr 2.0.8', 'bareModuleReal'),
      },
    }
  } finally {
    rmSync(app, { recursive: true, force: true })
  }
}

// run on its own: `node bench/load.mjs [rounds]`
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
  console.log(JSON.stringify({ sizes: sizes(root), load: loadTimes(root, Number(process.argv[2] ?? 20)) }, null, 2))
}
