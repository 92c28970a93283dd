// annotate.mjs: what lets `import` load the package's CommonJS modules with every name.
//
// Node's ES module loader does not run a CommonJS module to learn its names: cjs-module-lexer reads
// them from the source, and an `import { name }` it did not read is a SyntaxError. It reads
// `exports.name = …`, a re-export's getter in exactly the form TypeScript writes it
// (`{ enumerable: true, get: function () { return m.name } }`; the minifier's `enumerable:!0` makes it
// an "unsafe getter" to Node 20's and 22's lexer, which drops its name even when listed elsewhere;
// Node 24's reads it), and the annotation bundlers
// write for it, `0&&(module.exports={a,b})`, which never runs. The build keeps the getters in the
// lexer's form, appends the annotation with the names each entry's module has, and asks a fresh
// process whether an import sees them all.

import { execFileSync } from 'node:child_process'

/** `code` (minified) with each re-export's getter written as cjs-module-lexer reads it. */
export function lexableGetters(code) {
  return code.replace(/(Object\.defineProperty\(exports,"\w+",\{\s*enumerable:)!0(,\s*get:function\(\)\{\s*return )/g, '$1true$2')
}

/**
 * The annotation naming `names` to Node's ES module loader, as a line to append to the module. Throws
 * when a name cannot be written there (not an identifier, or a word strict code reserves).
 */
export function namesLine(names) {
  const line = `0&&(module.exports={${names.join(',')}});\n`
  try {
    if (!names.every((name) => /^[A-Za-z_$][\w$]*$/.test(name))) throw new SyntaxError('not an identifier')
    // compiled, never run: a name the line cannot hold would make the whole module fail to load
    new Function(`"use strict";${line}`)
  } catch {
    throw new Error(`exports ${JSON.stringify(names)}: a name cannot be written in the annotation; rename the export`)
  }
  return line
}

/**
 * Whether an `import` of each module sees every one of its names, with `require`'s values, and the
 * module itself as its default; for a module `of` a CommonJS module (an ES module that re-exports
 * it), that module's values and that module as its default. Asked of a fresh process, which compiles
 * each file as it now is (the caller may hold them from before), importing first. Throws naming the
 * file and the names missed.
 */
export function checkImports(modules) {
  try {
    importEach(modules)
  } catch (error) {
    throw new Error(String(error.stderr ?? '').trim() || error.message)
  }
}

function importEach(modules) {
  execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { createRequire } from 'node:module'
    import { pathToFileURL } from 'node:url'
    const require = createRequire(import.meta.url)
    for (const { file, names, of } of ${JSON.stringify(modules)}) {
      const imported = await import(pathToFileURL(file).href)
      const required = require(of ?? file)
      const lost = names.filter((name) => imported[name] !== required[name])
      if (lost.length > 0 || imported.default !== required) {
        process.stderr.write(file + ': an import does not see ' + (lost.length > 0 ? lost.join(', ') : 'the module as its default') + '\\n')
        process.exit(1)
      }
    }
  `], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
}
