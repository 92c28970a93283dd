// runtime-versions.mjs: the other JavaScript runtimes the package is tested in (Bun, Deno, workerd,
// the runtime of Cloudflare Workers), and the bundler a Worker is built with, each pinned and
// installed from the npm registry into a cache outside the project, as scripts/node-versions.mjs
// installs Node.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { npmCommand } from './node-versions.mjs'

/**
 * Each tool by its registry package, pinned to an exact release. esbuild is the bundler Cloudflare's
 * wrangler builds Workers with; wrangler itself needs Node 22, so the suite calls esbuild directly and
 * serves the bundle with workerd, the runtime wrangler runs locally.
 */
export const RUNTIMES = Object.freeze({
  bun: { version: '1.4.5', bin: 'bun' },
  deno: { version: '2.9.6', bin: 'deno' },
  workerd: { version: '1.20261123.1', bin: 'workerd' },
  esbuild: { version: '0.28.2', bin: 'esbuild' },
})

/** Where installed tools are kept: $PROXY_TRUST_RUNTIME_CACHE, else the user's cache directory. */
export function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache')
  return process.env.PROXY_TRUST_RUNTIME_CACHE || path.join(xdg, 'proxy-trust', 'runtimes')
}

/**
 * The path of `name`'s executable at its pinned version, installed from the registry into the cache
 * on first use. Concurrent callers may install the same tool: each installs into a folder of its own
 * and the first rename wins.
 */
export function installRuntime(name, log = () => {}) {
  const tool = RUNTIMES[name]
  if (!tool) throw new TypeError(`unknown runtime: ${name} (expected one of ${Object.keys(RUNTIMES).join(', ')})`)
  const root = cacheDir()
  const dir = path.join(root, `${name}-${tool.version}`)
  const binary = path.join(dir, 'node_modules', '.bin', tool.bin)
  if (existsSync(binary)) return binary
  mkdirSync(root, { recursive: true })
  const staging = mkdtempSync(path.join(root, `.${name}-`))
  try {
    chmodSync(staging, 0o755)
    // a package.json of its own, so that npm installs here and not into an enclosing project
    writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: `${name}-binary`, private: true }) + '\n')
    log(`installing ${name}@${tool.version} into ${dir}`)
    const [file, args] = npmCommand()
    execFileSync(file, [...args, 'install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', `${name}@${tool.version}`], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] })
    rmSync(dir, { recursive: true, force: true })
    try {
      renameSync(staging, dir)
    } catch (error) {
      // another run renamed its copy first; use that one
      if (!existsSync(binary)) throw error
    }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  if (!existsSync(binary)) throw new Error(`${name}@${tool.version} installed no ${tool.bin} executable`)
  return binary
}
