// vitest.built.config.ts: the test suite run against the built package (dist/) instead of src/,
// for the Node version matrix (scripts/node-matrix.mjs): what runs on each Node is the JavaScript
// that ships, compiled by tsc for its ES2022 target, not the sources as vitest would transform them.
import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig, type Plugin } from 'vitest/config'
// @ts-expect-error: a plain ES module of the scripts, without declarations
import { bundleOf } from './scripts/core-bundles.mjs'
import base from './vitest.config.js'

const ROOT = dirname(fileURLToPath(import.meta.url))
const SRC = join(ROOT, 'src') + sep
const DIST = join(ROOT, 'dist')

/**
 * Every relative import of a module under src/ (from a test or a fixture) loads its built twin, as
 * an app's `import` loads it: the root's API (src/index.ts) is the root's ES module,
 * dist/esm/index.mjs, which re-exports cjs.js; any other module is its CommonJS build in dist/cjs,
 * through Node's own import of CommonJS; a module of the core is the bundle that holds it (core.js
 * or core-rest.js, see scripts/core-bundles.mjs) when it has no file of its own.
 */
export const builtPackage: Plugin = {
  name: 'proxy-trust:built-package',
  enforce: 'pre',
  resolveId(source, importer) {
    if (importer === undefined || !source.startsWith('.')) return null
    const target = resolve(dirname(importer), source)
    if (!target.startsWith(SRC)) return null
    const module = relative(SRC, target).replace(/\.ts$/, '.js')
    if (module === 'index.js') return join(DIST, 'esm', 'index.mjs')
    const twin = module
    // the core's modules are bundled into two files, each exporting every name of the modules it holds
    const bundle = twin.startsWith(`core${sep}`) ? (bundleOf as (file: string) => string | undefined)(relative(join(SRC, 'core'), target).split(sep).join('/').replace(/\.js$/, '.ts')) : undefined
    const bundled = bundle === undefined ? undefined : join(DIST, 'cjs', bundle)
    const built = [join(DIST, 'cjs', twin), bundled].find((file) => file !== undefined && existsSync(file))
    // a missing twin must fail the run, not fall back to the sources
    if (built === undefined) throw new Error(`${source} (from ${importer}) has no built twin in dist/: run \`npm run build\` first`)
    return built
  },
}

export default mergeConfig(base, defineConfig({
  plugins: [builtPackage],
  test: {
    // coverage belongs to the sources and is enforced by `npm test`; here it would measure dist/
    coverage: { enabled: false },
    // the CommonJS build is loaded by Node itself, as an app loads it
    server: { deps: { external: [/[\\/]dist[\\/]cjs[\\/]/] } },
    // copies.test.ts and monitor-copies.test.ts make a second copy of the package with
    // vi.resetModules, and watch-seams.test.ts replaces a module with vi.doMock: both reach only the
    // modules vitest loads itself, not the built package's own requires. The built package's copies
    // are tested for real by `npm run test:install`, which installs two versions side by side
    exclude: ['test/core/copies.test.ts', 'test/diagnostics/monitor-copies.test.ts', 'test/ranges/watch-seams.test.ts', 'node_modules/**'],
  },
}))
