// annotate.test.ts: what lets `import` load the package's CommonJS modules with every name
// (scripts/annotate.mjs): the getters written as cjs-module-lexer reads them, the names line, and
// the check, in a fresh process, that an import sees every name.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module of the scripts, without declarations
import * as annotate from '../../scripts/annotate.mjs'

const { checkImports, lexableGetters, namesLine } = annotate as {
  checkImports(modules: readonly { file: string; names: readonly string[] }[]): void
  lexableGetters(code: string): string
  namesLine(names: readonly string[]): string
}

const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-annotate-'))
writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}\n')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A CommonJS module in the temporary folder: its path. */
function module(name: string, code: string): string {
  const file = join(dir, `${name}.js`)
  writeFileSync(file, code)
  return file
}

/** checkImports' verdict on one module: 'sees every name', or its message. */
function verdict(file: string, names: readonly string[]): string {
  try {
    checkImports([{ file, names }])
    return 'sees every name'
  } catch (error) {
    return (error as Error).message.replace(`${file}: `, '')
  }
}

/** A re-export of `b.js`'s `x`, as tsc writes it and the minifier leaves it (`!0`). */
const MINIFIED_REEXPORT = 'var e=require("./b.js");Object.defineProperty(exports,"x",{\nenumerable:!0,get:function(){return e.x}});\n'

describe('lexableGetters', () => {
  it('writes a minified re-export\'s getter as the lexer reads it, line breaks kept', () => {
    expect(lexableGetters(MINIFIED_REEXPORT)).toBe(MINIFIED_REEXPORT.replace('enumerable:!0', 'enumerable:true'))
  })

  it('leaves every other property definition alone', () => {
    const code = 'Object.defineProperty(exports,"__esModule",{value:!0});Object.defineProperty(o,"x",{enumerable:!0,get:function(){return e.x}});'
    expect(lexableGetters(code)).toBe(code)
  })
})

describe('namesLine', () => {
  it('names each export in the annotation the lexer reads', () => {
    expect(namesLine(['all', 'compile', '$x', '_y'])).toBe('0&&(module.exports={all,compile,$x,_y});\n')
  })

  it.each([['private'], ['let'], ['a-b'], ['1st'], ['']])('refuses %j, which the line cannot hold: the module would not load', (name) => {
    expect(() => namesLine(['ok', name])).toThrow(/a name cannot be written in the annotation; rename the export/)
  })
})

describe('checkImports', () => {
  module('b', 'exports.x = 1\n')

  it('passes a module whose every name an import sees, with require\'s values', () => {
    const file = module('good', `${lexableGetters(MINIFIED_REEXPORT)}exports.y=2;\n${namesLine(['x', 'y'])}`)
    expect(verdict(file, ['x', 'y'])).toBe('sees every name')
  })

  // Node 20 and 22's cjs-module-lexer drops the name of a getter written `enumerable:!0` even when the
  // annotation lists it; Node 24's and later read it (as the test matrix found)
  const DROPS_MINIFIED_GETTERS = Number(process.versions.node.split('.')[0]) < 24

  it(`${DROPS_MINIFIED_GETTERS ? 'fails' : 'passes'} a minified getter on this Node (${process.version}), which lexableGetters rewrites`, () => {
    const file = module('unsafe', `${MINIFIED_REEXPORT}${namesLine(['x'])}`)
    expect(verdict(file, ['x'])).toBe(DROPS_MINIFIED_GETTERS ? 'an import does not see x' : 'sees every name')
  })

  it('fails a name set where the lexer cannot see it, without the annotation', () => {
    const file = module('assigned', 'module.exports=Object.assign(function f(){},{z:3});\n')
    expect(verdict(file, ['z'])).toBe('an import does not see z')
  })

  it('fails a module that no longer loads, though this process holds it from before', async () => {
    const file = module('reserved', '"use strict";exports.private=1;\n')
    const { createRequire } = await import('node:module')
    expect(createRequire(import.meta.url)(file)).toEqual({ private: 1 })
    // what namesLine refuses, appended by hand: a fresh process cannot compile it
    writeFileSync(file, '"use strict";exports.private=1;\n0&&(module.exports={private});\n')
    expect(verdict(file, ['private'])).toMatch(/SyntaxError|reserved word/)
  })
})
