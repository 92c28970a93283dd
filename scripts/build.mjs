// Builds dist/esm (the ES module entry) and dist/cjs (the CommonJS entry, whose module.exports is the
// proxy-addr compatible function), then marks dist/cjs as CommonJS for Node's loader. The build goes
// to a sibling folder first and replaces dist/ in one step, so that a test run reading dist/ while
// the build runs never finds it half-written.
import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
// same depth as dist/, so that source map paths (../../src/x.ts) stay right after the move
const out = `dist-${process.pid}`

try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${out}/esm`], { stdio: 'inherit' })
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  mkdirSync(`${out}/cjs`, { recursive: true })
  writeFileSync(`${out}/cjs/package.json`, JSON.stringify({ type: 'commonjs' }) + '\n')
  rmSync('dist', { recursive: true, force: true })
  renameSync(out, 'dist')
} finally {
  rmSync(out, { recursive: true, force: true })
}
