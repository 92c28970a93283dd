// bench/load.mjs: what installing and loading the package costs, beside proxy-addr 2.0.8, the
// package it replaces: the bytes and files an install adds, and the time `require` and `import`
// add to a Node process.
//
// Load time is measured as an app pays it, in a fresh `node` each time, started from a throwaway app
// whose node_modules links the packages by name: the CPU time (user + system) of the one `require`
// or `import`, everything it costs the process beyond a bare one (Node's module machinery included,
// loaded on first use), and without the process's start-up, which is the same for both and on a
// shared machine varies by more than a require costs. CPU time rather than wall time: a process
// waits for a core for longer than a require takes, and that wait is not the package's. The
// commands are interleaved, one process of each per round in an order that rotates, so that drift
// falls on all of them alike; figures are medians over the rounds.

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { publishedManifest } from '../scripts/pack.mjs'

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
  // without its scripts, the manifest packed here is the repository's; the tarball's has none (prepack)
  const manifest = readFileSync(path.join(root, 'package.json'), 'utf8')
  info.unpackedSize += Buffer.byteLength(publishedManifest(manifest)) - Buffer.byteLength(manifest)
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
      // two empty packages with an "exports" map. The first such package a process resolves makes
      // Node load its exports resolver (about a millisecond), and the second has V8 compile to
      // machine code the regular expression Node checks every exports target with (about half a
      // millisecond: V8 interprets a regular expression on its first use and compiles it on its
      // second; with --no-regexp-tier-up the cost is gone). An Express app has paid both long before
      // it loads proxy-addr: Express 4.22 and 5.3 resolve a package through an exports map 26 and 27
      // times first (side-channel, get-intrinsic, ...). Loading the two first gives the cost inside
      // such an app.
      // The same empty package without the map (`plain`) gives, beside `warm` loaded alone, what
      // Node's exports machinery costs a process that meets its first map.
      for (const name of ['warm', 'warm2', 'plain']) {
        mkdirSync(path.join(dir, 'node_modules', name))
        const manifest = name === 'plain' ? { name, main: './c.js' } : { name, exports: { '.': { import: './e.mjs', require: './c.js' } } }
        writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify(manifest))
        writeFileSync(path.join(dir, 'node_modules', name, 'c.js'), 'module.exports = 1\n')
        writeFileSync(path.join(dir, 'node_modules', name, 'e.mjs'), 'export default 1\n')
      }
    }
    // each process times the one call, in CPU time, and prints it
    const timed = (before, call) => `${before};const c0=process.cpuUsage();${call};const c=process.cpuUsage(c0);process.stdout.write(String(c.user+c.system))`
    const cjs = (call, before = '0') => ['-e', timed(before, call)]
    const esm = (call, before = '0') => ['--input-type=module', '-e', timed(before, call)]
    const commands = {
      'require(\'proxy-trust\')': [override, cjs('require("proxy-trust")')],
      'require(\'proxy-addr\'), the override': [override, cjs('require("proxy-addr")')],
      'require(\'proxy-addr\'), proxy-addr 2.0.8': [real, cjs('require("proxy-addr")')],
      'import \'proxy-trust\'': [override, esm('await import("proxy-trust")')],
      'import \'proxy-addr\', the override': [override, esm('await import("proxy-addr")')],
      'import \'proxy-addr\', proxy-addr 2.0.8': [real, esm('await import("proxy-addr")')],
      'warm, require(\'proxy-addr\'), the override': [override, cjs('require("proxy-addr")', 'require("warm"); require("warm2")')],
      'warm, require(\'proxy-addr\'), proxy-addr 2.0.8': [real, cjs('require("proxy-addr")', 'require("warm"); require("warm2")')],
      'warm, import \'proxy-addr\', the override': [override, esm('await import("proxy-addr")', 'await import("warm"); await import("warm2")')],
      'warm, import \'proxy-addr\', proxy-addr 2.0.8': [real, esm('await import("proxy-addr")', 'await import("warm"); await import("warm2")')],
      'require of an empty package with an exports map': [real, cjs('require("warm")')],
      'require of an empty package without one': [real, cjs('require("plain")')],
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
    return {
      rounds,
      require: {
        ours: m['require(\'proxy-trust\')'],
        override: m['require(\'proxy-addr\'), the override'],
        proxyAddr: m['require(\'proxy-addr\'), proxy-addr 2.0.8'],
      },
      // inside an app whose dependencies have already been resolved through exports maps
      requireInApp: {
        override: m['warm, require(\'proxy-addr\'), the override'],
        proxyAddr: m['warm, require(\'proxy-addr\'), proxy-addr 2.0.8'],
      },
      // what Node's exports machinery costs the first package with a map (this one has one,
      // proxy-addr 2.0.8 has none): an empty package with a map, less the same without it
      exportsMachinery: m['require of an empty package with an exports map'] - m['require of an empty package without one'],
      importInApp: {
        override: m['warm, import \'proxy-addr\', the override'],
        proxyAddr: m['warm, import \'proxy-addr\', proxy-addr 2.0.8'],
      },
      import: {
        ours: m['import \'proxy-trust\''],
        override: m['import \'proxy-addr\', the override'],
        proxyAddr: m['import \'proxy-addr\', proxy-addr 2.0.8'],
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
