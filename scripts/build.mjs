// Builds the package: dist/cjs, the one implementation (CommonJS: `require('proxy-trust')` is the
// proxy-addr compatible function), and dist/esm, thin ES module entries that re-export it, so that
// `import` and `require` in one app share one instance of every module (and so one compiled
// predicate mark, one answer for a setting). The build goes to a sibling folder first and replaces
// dist/ in one step, so that a test run reading dist/ while the build runs never finds it half-written.
//
// What ships, and why (the package is installed into every app that overrides proxy-addr):
// - JavaScript without comments or source maps, one statement a line. Only syntax is minified
//   (esbuild's minifySyntax: `!0` for `true`, declarations merged); no name is changed and lines
//   are kept, so a stack trace names the real function and file (`at walkShaped (…/dist/cjs/core.js:1131:20)`)
//   and Node's print of an uncaught error's source line shows one line of code, not the whole core
//   (which whitespace minification would put on one line). A source map would point at src/, which is
//   not shipped, and one embedding the sources would double the package's size.
// - Declarations with their JSDoc (editors show it), only those the entries' types reach: the
//   declarations of internal modules (the command line, the readers) are left out, and those
//   reached only through others keep their types without their documentation.
// - The ES module entries' declarations re-export the CommonJS ones rather than repeat them.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { buildSync, transformSync } from 'esbuild'
import { dirname, join, posix, relative } from 'node:path'

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
const out = `dist-${process.pid}`

/**
 * Each ES module entry and the CommonJS module it re-exports, from the package's exports and bin.
 * The root's CommonJS module is cjs.js (proxyaddr with the named API), its ES module types are
 * index.d.ts's; every other entry has the same path in both folders.
 */
function entries() {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
  const found = []
  for (const target of Object.values(manifest.exports)) {
    if (typeof target !== 'object') continue
    const cjs = target.require.default
    const root = cjs.endsWith('/cjs.js')
    found.push({
      esm: target.import.default, cjs, bin: false, root,
      types: { esm: target.import.types, cjs: root ? cjs.replace(/cjs\.js$/, 'index.d.ts') : cjs.replace(/\.js$/, '.d.ts') },
      cjsTypes: target.require.types,
    })
  }
  for (const bin of Object.values(manifest.bin)) found.push({ esm: bin, cjs: bin.replace('/esm/', '/cjs/'), bin: true, root: false })
  return { found, manifest }
}

/** The text of an ES module entry that re-exports the CommonJS module at `cjs` (both relative to dist/). */
function wrapper(esm, cjs, names, { bin, root }) {
  const lines = []
  if (bin) lines.push('#!/usr/bin/env node')
  if (bin) {
    lines.push(`import '${specifier(esm, cjs)}'`)
  } else {
    lines.push(`import cjs from '${specifier(esm, cjs)}'`)
    if (root) lines.push('export default cjs')
    lines.push(`export const { ${names.join(', ')} } = cjs`)
  }
  return lines.join('\n') + '\n'
}

/** A relative import specifier for `to`, from the file `from`. */
function specifier(from, to) {
  const path = posix.relative(posix.dirname(from), to)
  return path.startsWith('.') ? path : `./${path}`
}

/** The relative module specifiers a declaration file names (imports, re-exports, `import()` types). */
const SPECIFIERS = /(\bfrom\s+|\bimport\s*\(\s*|^import\s+)(['"])(\.{1,2}\/[^'"]+)\2/gm

/** The declaration file a relative specifier in `file` names. */
function declarationOf(file, spec) {
  return posix.join(posix.dirname(file), /\.js$/.test(spec) ? spec.replace(/\.js$/, '.d.ts') : `${spec}.d.ts`)
}

/**
 * The modules the core bundle holds: every module under src/core except the provider snapshots,
 * `loadRanges` (read by `proxy-trust/ranges` only) and `settingFromEnv` (which reads the snapshots,
 * and loads on its first call).
 */
const CORE = execFileSync('find', ['src/core', '-name', '*.ts'], { encoding: 'utf8' }).trim().split('\n')
  .map((file) => file.slice('src/core/'.length)).filter((file) => !['snapshots.ts', 'ranges-file.ts', 'env.ts'].includes(file)).sort()

/**
 * The core in one file, dist/cjs/core.js, in place of one file per module: a request's path
 * (compile, walk, sources, answers) loads with a single read and compile, which is most of what
 * `require('proxy-trust')` costs. Every other module reaches the core through it, so there is one
 * instance of each of the core's modules, as before.
 */
function bundleCore(dir) {
  const names = new Map()
  for (const file of CORE) {
    // `export *` hides a name two modules export: refuse to build rather than lose it
    const text = readFileSync(`src/core/${file}`, 'utf8')
    for (const [, name] of text.matchAll(/^export (?:declare )?(?:async )?(?:function\*?|const|let|class) (\w+)/gm)) {
      if (names.has(name)) throw new Error(`core bundle: ${name} is exported by both ${names.get(name)} and ${file}`)
      names.set(name, file)
    }
  }
  buildSync({
    stdin: { contents: CORE.map((file) => `export * from './${file}'`).join('\n'), resolveDir: 'src/core', loader: 'ts', sourcefile: 'core.ts' },
    // the snapshots stay a module of their own (proxy-trust/ranges exports them): one instance of each
    // list, and a core that does not carry them
    bundle: true, format: 'cjs', platform: 'node', target: 'node20', external: ['ipaddr.js', './snapshots.js'], outfile: `${dir}/core.js`,
    tsconfig: 'tsconfig.cjs.json', legalComments: 'none', logLevel: 'warning', minifySyntax: true,
  })
  // core.js sits beside core/, where the snapshots module is
  const bundled = readFileSync(`${dir}/core.js`, 'utf8')
  writeFileSync(`${dir}/core.js`, bundled.replaceAll('require("./snapshots.js")', 'require("./core/snapshots.js")'))
  for (const file of CORE) rmSync(`${dir}/core/${file.replace(/\.ts$/, '.js')}`)
}

/**
 * Declarations the entries' types reach only through other declarations: what users read in their
 * editor is documented where the entries export it.
 */
const INTERNAL = [
  'dist/cjs/core/address.d.ts', 'dist/cjs/core/walk.d.ts', 'dist/cjs/core/rfc7239.d.ts', 'dist/cjs/core/sources/hops.d.ts',
  'dist/cjs/diagnostics/stale.d.ts', 'dist/cjs/diagnostics/answers.d.ts', 'dist/cjs/core/answers.d.ts',
]

try {
  const { found, manifest } = entries()
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  bundleCore(`${out}/cjs`)
  // minify whitespace and syntax only
  const scripts = execFileSync('find', [`${out}/cjs`, '-name', '*.js'], { encoding: 'utf8' }).trim().split('\n')
  for (const file of scripts) {
    let text = readFileSync(file, 'utf8')
    // a module of the core, outside it, is a name of the one core bundle
    text = text.replace(/require\("(\.{1,2}\/[^"]*)"\)/g, (whole, spec) => {
      const target = relative(`${out}/cjs/core`, join(dirname(file), spec)).replace(/\.js$/, '')
      return CORE.includes(`${target}.ts`) ? `require("${specifier(relative(`${out}/cjs`, file), 'core.js')}")` : whole
    })
    const shebang = text.startsWith('#!') ? text.slice(0, text.indexOf('\n') + 1) : ''
    const { code } = transformSync(text.slice(shebang.length), {
      loader: 'js', format: 'cjs', target: 'node20', minifySyntax: true, legalComments: 'none',
    })
    writeFileSync(file, shebang + code)
  }
  writeFileSync(`${out}/cjs/package.json`, JSON.stringify({ type: 'commonjs' }) + '\n')
  const built = (path) => join(out, relative('./dist', path))

  // keep the declarations the entries' types reach, drop the rest
  const roots = [manifest.types, ...found.filter((e) => !e.bin).flatMap((e) => [e.cjsTypes, e.types.cjs])]
  const reached = new Set()
  const queue = roots.map((path) => posix.normalize(path))
  while (queue.length > 0) {
    const file = queue.pop()
    if (reached.has(file)) continue
    reached.add(file)
    for (const [, , , spec] of readFileSync(built(file), 'utf8').matchAll(SPECIFIERS)) queue.push(declarationOf(file, spec))
  }
  const all = execFileSync('find', [`${out}/cjs`, '-name', '*.d.ts'], { encoding: 'utf8' }).trim().split('\n')
  for (const file of all) {
    const path = `dist/${relative(out, file)}`
    if (!reached.has(path)) {
      rmSync(file)
      continue
    }
    let text = readFileSync(file, 'utf8')
    // `#private;` (a class with private fields) needs target ES2015 in the consumer's compiler
    // (TS18028 under `module: commonjs` and the default target); those classes are internal, never
    // constructed or named by users, so the marker goes
    text = text.replace(/^\s*#private;\n/gm, '')
    // the default target's library (ES5) has no Map or Set: name the part of ES2015 these types use
    if (/\b(?:Readonly)?(?:Map|Set)</.test(text)) text = `/// <reference lib="es2015.collection" />\n${text}`
    // an adapter's framework is the app's, and may be absent (a project type-checking every subpath,
    // a framework without its own types): its types are used when installed, \`any\` otherwise
    text = text.replace(/^(import type .* from '(?!node:|\.)[^']+';|declare module '(?!node:|\.)[^']+' \{)$/gm,
      '// @ts-ignore: the framework\'s own types when it is installed\n$1')
    // the modules no entry re-exports a name of keep their types, not their documentation
    if (INTERNAL.includes(path)) text = text.replace(/^\s*\/\*\*[\s\S]*?\*\/\n/gm, '')
    writeFileSync(file, text)
  }

  for (const entry of found) {
    const { esm, cjs, bin, root } = entry
    mkdirSync(dirname(built(esm)), { recursive: true })
    // the names the CommonJS module exports; the root's `default` is module.exports itself
    const names = bin ? [] : Object.keys(require(join(process.cwd(), built(cjs)))).sort()
    writeFileSync(built(esm), wrapper(esm, cjs, names, { bin, root }), { mode: bin ? 0o755 : 0o644 })
    if (bin) continue
    // the ES module declarations: the root's are the CommonJS index's, with each relative import
    // pointed at dist/cjs (its default export is proxyaddr itself, which `export *` would not carry);
    // every other entry re-exports its CommonJS declarations
    const from = entry.types.cjs
    if (!existsSync(built(from))) throw new Error(`no declarations for ${esm}`)
    const text = root
      ? readFileSync(built(from), 'utf8').replace(SPECIFIERS, (_, head, quote, spec) =>
        `${head}${quote}${specifier(entry.types.esm, posix.join(posix.dirname(from), spec))}${quote}`)
      : `export * from '${specifier(entry.types.esm, from.replace(/\.d\.ts$/, '.js'))}'\n`
    writeFileSync(built(entry.types.esm), text)
  }
  // index.js is the ES module API's source only for its declarations: at run time both entries are cjs.js
  rmSync(`${out}/cjs/index.js`)
  rmSync('dist', { recursive: true, force: true })
  renameSync(out, 'dist')
} finally {
  rmSync(out, { recursive: true, force: true })
}
