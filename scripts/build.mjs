// Builds the package: dist/cjs, its one implementation, in CommonJS (`require('proxy-trust')` is the
// proxy-addr compatible function). `import` loads the same modules: each subpath's exports target
// is its CommonJS module, whose names Node's ES module loader reads from a line the build appends
// (see scripts/annotate.mjs), and the root's is dist/esm/index.mjs, an ES module that re-exports
// cjs.js (see `wrapper`). So `import` and `require` in one app share one instance of every module
// (and so one compiled predicate mark, one answer for a setting). The build goes to a sibling folder
// first and replaces dist/ in one step, so that a test run reading dist/ while the build runs never
// finds it half-written.
//
// What ships, and why (the package is installed into every app that overrides proxy-addr):
// - JavaScript without comments or source maps, minified so that a stack trace stays readable:
//   terser shortens local names and removes whitespace, but keeps every function's and class's name
//   and breaks lines at about 120 characters, so a trace names the real function and file
//   (`at compileList (…/dist/cjs/core.js:42:17)`) and Node's print of an uncaught error shows one
//   short line of code, not the whole file. Minified, the code is smaller to install and quicker for
//   V8 to compile at `require` (about a seventh of the core's compile time). A source map would
//   point at src/, which is not shipped, and one embedding the sources would double the package's
//   size. The source of each release is the repository's tag.
// - Declarations with their JSDoc (editors show it), only those the entries' types reach: each
//   declaration no entry reaches is left out (scripts/declarations.mjs), so are the modules left
//   with none (the command line, the readers), and those reached only through others keep their
//   types without their documentation.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { build, transformSync } from 'esbuild'
import { dirname, join, posix, relative } from 'node:path'
import { minify } from 'terser'
import { BUNDLES, bundleOf, CORE } from './core-bundles.mjs'
import { checkImports, lexableGetters, namesLine } from './annotate.mjs'
import { pruneDeclarations } from './declarations.mjs'

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
const out = `dist-${process.pid}`

/**
 * Each entry's CommonJS module and declarations, from the package's exports, and the executable. The
 * root's `import` is an ES module (`wrapper`, with its declarations `wrapperTypes`), every other
 * entry's is its CommonJS module.
 */
function entries() {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
  const found = []
  for (const target of Object.values(manifest.exports)) {
    if (typeof target !== 'object') continue
    found.push(target.import === undefined
      ? { cjs: target.default, types: target.types }
      : { cjs: target.require.default, types: target.require.types, wrapper: target.import.default, wrapperTypes: target.import.types })
  }
  return { found, bins: Object.values(manifest.bin), manifest }
}

/**
 * The root's ES module: the CommonJS root as its default (proxy-addr's function, with the names on
 * it, as `module.exports` is) and each name. The one entry with a module of its own for `import`:
 * CommonJS declarations can only describe a function that carries names as `export =`, which an ES
 * module cannot `export *` from and whose types a library's declarations cannot name.
 */
function wrapper(from, cjs, names) {
  return `import cjs from '${specifier(from, cjs)}'\nexport default cjs\nexport const { ${names.join(', ')} } = cjs\n`
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

/** The names a module of src/core exports with `export function` (those a forwarder can stand for), and every name it exports. */
function exportsOf(file) {
  const text = readFileSync(`src/core/${file}`, 'utf8')
  return {
    functions: [...text.matchAll(/^export (?:declare )?function (\w+)/gm)].map(([, name]) => name),
    all: [...text.matchAll(/^export (?:declare )?(?:async )?(?:function\*?|const|let|class) (\w+)/gm)].map(([, name]) => name),
  }
}

/**
 * A bundle's exports as plain properties, set once its code has run, in place of esbuild's getters
 * (one per name, defined before the code runs): they cost about a tenth of a millisecond to set up
 * at every `require`, and a call to a getter at every use from another module. The core exports no
 * `let`, so no name ever needs a live binding, and no module of the core reads the other bundle
 * while its own is loading (core.js reaches core-rest.js only through forwarders, on a call).
 */
function plainExports(text, file) {
  const block = /^__export\((\w+_exports), \{\n([\s\S]*?)\n\}\)(?:;\n|, )module\.exports = __toCommonJS\(\1\);\n/m.exec(text)
  if (block === null) throw new Error(`${file}: esbuild's export block not found; update plainExports`)
  const pairs = block[2].split('\n').map((line) => {
    const pair = /^\s*(\w+): \(\) => (\w+),?$/.exec(line)
    if (pair === null) throw new Error(`${file}: unexpected export line ${JSON.stringify(line)}`)
    return pair[1] === pair[2] ? pair[1] : `${pair[1]}: ${pair[2]}`
  })
  const plain = `${text.slice(0, block.index)}${text.slice(block.index + block[0].length)}` +
    `module.exports = { ${pairs.join(', ')} };\nObject.defineProperty(module.exports, "__esModule", { value: !0 });\n`
  // and without esbuild's helpers for the getters, now unused
  return transformSync(plain, { loader: 'js', format: 'cjs', target: 'node20', treeShaking: true, legalComments: 'none' }).code
}

/**
 * The core in two files, dist/cjs/core.js and dist/cjs/core-rest.js, in place of one file per
 * module: what `require('proxy-trust')` loads is one read and one compile of the code Express's
 * requests take, which is most of what the require costs. Each module of the core is in exactly one
 * of them, and every other module reaches it there, so there is one instance of each, as before.
 *
 * A function of core-rest.js that a module of core.js imports is, in core.js, a forwarder that loads
 * core-rest.js on its first call and calls the function there; a module of core.js cannot import
 * anything else from core-rest.js (a constant, a class), and the build fails if one does. In
 * core-rest.js, an import of a module of core.js is `require('./core.js')`.
 */
async function bundleCore(dir) {
  const names = new Map()
  for (const file of CORE) {
    // `export *` hides a name two modules export: refuse to build rather than lose it
    for (const name of exportsOf(file).all) {
      if (names.has(name)) throw new Error(`core bundle: ${name} is exported by both ${names.get(name)} and ${file}`)
      names.set(name, file)
    }
  }
  for (const { file, modules } of BUNDLES) {
    const other = BUNDLES.find((bundle) => bundle.file !== file)
    await build({
      stdin: { contents: modules.map((module) => `export * from './${module}'`).join('\n'), resolveDir: 'src/core', loader: 'ts', sourcefile: file.replace(/\.js$/, '.ts') },
      // the snapshots stay a module of their own (proxy-trust/ranges exports them): one instance of each
      // list, and a core that does not carry them
      bundle: true, format: 'cjs', platform: 'node', target: 'node20', external: ['ipaddr.js', './snapshots.js', `./${other.file}`], outfile: `${dir}/${file}`,
      tsconfig: 'tsconfig.cjs.json', legalComments: 'none', logLevel: 'warning', minifySyntax: true,
      plugins: [{
        name: 'core-bundles',
        setup(bundler) {
          bundler.onResolve({ filter: /^\.{1,2}\// }, (args) => {
            if (args.namespace !== 'file' || !args.resolveDir) return undefined
            const module = relative('src/core', join(args.resolveDir, args.path)).replace(/\.js$/, '.ts')
            if (!other.modules.includes(module)) return undefined
            // from core-rest.js, the module in core.js; from core.js, forwarders to core-rest.js
            return other.file === 'core.js' ? { path: './core.js', external: true } : { path: module, namespace: 'forward' }
          })
          bundler.onLoad({ filter: /.*/, namespace: 'forward' }, (args) => ({
            loader: 'js',
            contents: [
              `let rest`,
              `const load = () => rest ??= require('./${other.file}')`,
              ...exportsOf(args.path).functions.map((name) => `export function ${name}(...args) { return load().${name}(...args) }`),
            ].join('\n'),
          }))
        },
      }],
    })
  }
  for (const { file } of BUNDLES) {
    // the bundles sit beside core/, where the snapshots module is
    const bundled = readFileSync(`${dir}/${file}`, 'utf8')
    writeFileSync(`${dir}/${file}`, plainExports(bundled.replaceAll('require("./snapshots.js")', 'require("./core/snapshots.js")'), file))
  }
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
  const { found, bins, manifest } = entries()
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.types.json', '--outDir', `${out}/cjs`], { stdio: 'inherit' })
  await bundleCore(`${out}/cjs`)
  // minified, with every function's and class's name kept (see the top of this file)
  const scripts = execFileSync('find', [`${out}/cjs`, '-name', '*.js'], { encoding: 'utf8' }).trim().split('\n')
  for (const file of scripts) {
    let text = readFileSync(file, 'utf8')
    // a module of the core, outside it, is a name of the core bundle that holds it
    text = text.replace(/require\((["'])(\.{1,2}\/[^"']*)\1\)/g, (whole, quote, spec) => {
      const bundle = bundleOf(relative(`${out}/cjs/core`, join(dirname(file), spec)).replace(/(\.js)?$/, '.ts'))
      return bundle === undefined ? whole : `require("${specifier(relative(`${out}/cjs`, file), bundle)}")`
    })
    const shebang = text.startsWith('#!') ? text.slice(0, text.indexOf('\n') + 1) : ''
    const { code: syntax } = transformSync(text.slice(shebang.length), {
      loader: 'js', format: 'cjs', target: 'node20', minifySyntax: true, legalComments: 'none',
    })
    const { code } = await minify(syntax, {
      compress: false, mangle: { toplevel: true, keep_fnames: true, keep_classnames: true }, keep_fnames: true, keep_classnames: true,
      format: { comments: false, max_line_len: 120 },
    })
    // each re-export's getter as Node's ES module loader reads it (see annotate.mjs)
    writeFileSync(file, `${shebang}${lexableGetters(code)}\n`)
  }
  writeFileSync(`${out}/cjs/package.json`, JSON.stringify({ type: 'commonjs' }) + '\n')
  const built = (path) => join(out, relative('./dist', path))

  // keep the declarations the entries' types reach, drop the rest: first each statement, then each file
  // and index.d.ts whole: the root's API, from which its ES module declarations are written, and which
  // its CommonJS declarations (cjs.d.ts) take as a namespace
  const roots = [...new Set([manifest.types, ...found.map((e) => e.types), './dist/cjs/index.d.ts'])]
  pruneDeclarations(`${out}/cjs`, roots.map(built))
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

  // each entry's names where Node's ES module loader reads them, and an import that sees them all
  const named = []
  for (const { cjs, wrapper: esm, wrapperTypes } of found) {
    const file = join(process.cwd(), built(cjs))
    const names = Object.keys(require(file))
    writeFileSync(file, readFileSync(file, 'utf8') + namesLine(names))
    named.push({ file, names })
    if (esm === undefined) continue
    // the root's: its module, and its declarations, index.d.ts (the API) pointed at dist/cjs
    mkdirSync(dirname(built(esm)), { recursive: true })
    writeFileSync(built(esm), wrapper(esm, cjs, names))
    named.push({ file: join(process.cwd(), built(esm)), names, of: file })
    const api = 'dist/cjs/index.d.ts'
    writeFileSync(built(wrapperTypes), readFileSync(built(api), 'utf8').replace(SPECIFIERS, (_, head, quote, spec) =>
      `${head}${quote}${specifier(wrapperTypes, posix.join(posix.dirname(api), spec))}${quote}`))
  }
  checkImports(named)
  for (const bin of bins) {
    if (!readFileSync(built(bin), 'utf8').startsWith('#!')) throw new Error(`${bin}: the executable has no #! line`)
    chmodSync(built(bin), 0o755)
  }
  // index.js and names.js are the API's sources only for their declarations: at run time the root is cjs.js
  rmSync(`${out}/cjs/index.js`)
  rmSync(`${out}/cjs/names.js`)
  rmSync('dist', { recursive: true, force: true })
  renameSync(out, 'dist')
} finally {
  rmSync(out, { recursive: true, force: true })
}
