// runtime-versions.mjs: the other JavaScript runtimes the package is tested in (Bun, Deno, workerd,
// the runtime of Cloudflare Workers), and the bundler a Worker is built with, each pinned and
// installed from the npm registry into a cache outside the project, as scripts/node-versions.mjs
// installs Node.
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { installPackage } from './node-versions.mjs'

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
 * on first use (`installPackage`, as the Node matrix installs Node).
 */
export function installRuntime(name, log = () => {}) {
  const tool = RUNTIMES[name]
  if (!tool) throw new TypeError(`unknown runtime: ${name} (expected one of ${Object.keys(RUNTIMES).join(', ')})`)
  const root = cacheDir()
  const dir = path.join(root, `${name}-${tool.version}`)
  const binary = path.join(dir, 'node_modules', '.bin', tool.bin)
  installPackage(root, dir, `${name}@${tool.version}`, () => existsSync(binary), log)
  if (!existsSync(binary)) throw new Error(`${name}@${tool.version} installed no ${tool.bin} executable`)
  return binary
}
