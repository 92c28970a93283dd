// vitest.built.config.ts: the test suite run against the built package (dist/esm) instead of src/,
// for the Node version matrix (scripts/node-matrix.mjs): what runs on each Node is the JavaScript
// that ships, compiled by tsc for its ES2022 target, not the sources as vitest would transform them.
import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig, type Plugin } from 'vitest/config'
import base from './vitest.config.js'

const ROOT = dirname(fileURLToPath(import.meta.url))
const SRC = join(ROOT, 'src') + sep
const DIST = join(ROOT, 'dist', 'esm')

/** Every relative import of a module under src/ (from a test or a fixture) loads its dist/esm twin. */
export const builtPackage: Plugin = {
  name: 'proxy-trust:built-package',
  enforce: 'pre',
  resolveId(source, importer) {
    if (importer === undefined || !source.startsWith('.')) return null
    const target = resolve(dirname(importer), source)
    if (!target.startsWith(SRC)) return null
    const built = join(DIST, relative(SRC, target)).replace(/\.ts$/, '.js')
    // a missing twin must fail the run, not fall back to the sources
    if (!existsSync(built)) throw new Error(`${source} (from ${importer}) has no built twin ${built}: run \`npm run build\` first`)
    return built
  },
}

export default mergeConfig(base, defineConfig({
  plugins: [builtPackage],
  // coverage belongs to the sources and is enforced by `npm test`; here it would measure dist/
  test: { coverage: { enabled: false } },
}))
