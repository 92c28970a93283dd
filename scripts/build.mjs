// Builds the package: dist/cjs, the one implementation (CommonJS: `require('proxy-trust')` is the
// proxy-addr compatible function), and dist/esm, thin ES module entries that re-export it, so that
// `import` and `require` in one app share one instance of every module (and so one compiled
// predicate mark, one answer for a setting), beside the ES module type declarations. The build goes
// to a sibling folder first and replaces dist/ in one step, so that a test run reading dist/ while
// the build runs never finds it half-written.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
// same depth as dist/, so that declaration map paths (../../src/x.ts) stay right after the move
const out = `dist-${process.pid}`

/**
 * Each ES module entry and the CommonJS module it re-exports, from the package's exports and bin.
 * The root's CommonJS module is cjs.js (proxyaddr with the named API); every other entry has the
 * same path in both folders.
 */
function entries() {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
  const found = []
  for (const target of Object.values(manifest.exports)) {
    if (typeof target !== 'object') continue
    const cjs = target.require.default
    found.push({ esm: target.import.default, cjs, bin: false, root: cjs.endsWith('/cjs.js') })
  }
  for (const bin of Object.values(manifest.bin)) found.push({ esm: bin, cjs: bin.replace('/esm/', '/cjs/'), bin: true, root: false })
  return found
}

/** The text of an ES module entry that re-exports the CommonJS module at `cjs` (both relative to dist/). */
function wrapper(esm, cjs, names, { bin, root }) {
  const from = relative(dirname(esm), cjs)
  const specifier = from.startsWith('.') ? from : `./${from}`
  const lines = []
  if (bin) lines.push('#!/usr/bin/env node')
  lines.push(`// ${esm.replace(/^\.\/dist\//, '')}: the ES module entry; the implementation is the CommonJS build's, one instance for import and require.`)
  if (bin) {
    lines.push(`import '${specifier}'`)
  } else {
    lines.push(`import cjs from '${specifier}'`)
    if (root) lines.push('export default cjs')
    lines.push(`export const { ${names.join(', ')} } = cjs`)
  }
  return lines.join('\n') + '\n'
}

try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  mkdirSync(`${out}/cjs`, { recursive: true })
  writeFileSync(`${out}/cjs/package.json`, JSON.stringify({ type: 'commonjs' }) + '\n')
  // the ES module declarations only: their JavaScript is the CommonJS build's
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${out}/esm`], { stdio: 'inherit' })
  for (const { esm, cjs, bin, root } of entries()) {
    const built = (path) => join(out, relative('./dist', path))
    // the names the CommonJS module exports; the root's `default` is module.exports itself
    const names = bin ? [] : Object.keys(require(join(process.cwd(), built(cjs)))).sort()
    writeFileSync(built(esm), wrapper(esm, cjs, names, { bin, root }), { mode: bin ? 0o755 : 0o644 })
  }
  rmSync('dist', { recursive: true, force: true })
  renameSync(out, 'dist')
} finally {
  rmSync(out, { recursive: true, force: true })
}
