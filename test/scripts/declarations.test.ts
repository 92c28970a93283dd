// declarations.test.ts: the shipped declarations cut to what the entries reach (scripts/declarations.mjs),
// over small trees of declaration files: what stays, what goes, and that what stays still type-checks.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module of the scripts, without declarations
import { pruneDeclarations } from '../../scripts/declarations.mjs'

const dirs: string[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A tree of declaration files, pruned from `entries`; the files' texts after. */
function prune(files: Record<string, string>, entries: readonly string[]): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'declarations-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  ;(pruneDeclarations as (dir: string, entries: readonly string[]) => number)(dir, entries.map((name) => join(dir, name)))
  const after: Record<string, string> = {}
  for (const name of Object.keys(files)) if (existsSync(join(dir, name))) after[name] = readFileSync(join(dir, name), 'utf8')
  const program = ts.createProgram(entries.map((name) => join(dir, name)), { noEmit: true, strict: true, types: [] })
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  expect(errors).toEqual([])
  return after
}

describe('pruneDeclarations', () => {
  it('keeps what an entry exports and what that names, and drops the rest of the module', () => {
    const after = prune({
      'index.d.ts': `export { open } from './a.js';\n`,
      'a.d.ts': [
        `import type { Size, Unused } from './b.js';`,
        `/** Opens. */`,
        `export declare function open(options: Options): Size;`,
        `/** What open takes. */`,
        `export interface Options { readonly size?: Size }`,
        `/** For the other modules only. */`,
        `export declare function helper(x: Unused): void;`,
        `export declare const TABLE: readonly number[];`,
        ``,
      ].join('\n'),
      'b.d.ts': `export type Size = number;\nexport interface Unused { readonly x: number }\n`,
    }, ['index.d.ts'])
    expect(after['a.d.ts']).toBe([
      `import type { Size } from './b.js';`,
      `/** Opens. */`,
      `export declare function open(options: Options): Size;`,
      `/** What open takes. */`,
      `export interface Options { readonly size?: Size }`,
      ``,
    ].join('\n'))
    expect(after['b.d.ts']).toBe(`export type Size = number;\n`)
  })

  it('keeps an entry file whole, its private declarations and their documentation too', () => {
    const entry = `declare const main: Shape;\n/** The shape. */\ninterface Shape { (x: number): number }\nexport = main;\n`
    expect(prune({ 'cjs.d.ts': entry }, ['cjs.d.ts'])['cjs.d.ts']).toBe(entry)
  })

  it('follows a name through re-exports, namespace imports and import() types', () => {
    const after = prune({
      'index.d.ts': `import type * as api from './mid.js';\nexport declare const f: (x: api.Far) => import('./far.js').Near;\n`,
      'mid.d.ts': `export { type Far } from './far.js';\nexport declare const unrelated: number;\n`,
      'far.d.ts': `export interface Far { readonly a: 1 }\nexport interface Near { readonly b: 2 }\nexport interface Gone { readonly c: 3 }\n`,
    }, ['index.d.ts'])
    expect(after['mid.d.ts']).toBe(`export { type Far } from './far.js';\n`)
    expect(after['far.d.ts']).toBe(`export interface Far { readonly a: 1 }\nexport interface Near { readonly b: 2 }\n`)
  })

  it.each([
    ['export *', `export * from './mid.js';\n`],
    ['typeof of a namespace import', `import type * as m from './mid.js';\nexport declare const all: typeof m;\n`],
    ['typeof import()', `export declare const all: typeof import('./mid.js');\n`],
  ])('keeps every export of a module named whole: %s', (_name, index) => {
    const after = prune({
      'index.d.ts': index,
      'mid.d.ts': `export { type Far } from './far.js';\nexport declare const value: number;\n`,
      'far.d.ts': `export interface Far { readonly a: 1 }\nexport interface Gone { readonly c: 3 }\n`,
    }, ['index.d.ts'])
    expect(after['mid.d.ts']).toBe(`export { type Far } from './far.js';\nexport declare const value: number;\n`)
    expect(after['far.d.ts']).toBe(`export interface Far { readonly a: 1 }\n`)
  })

  it('keeps one declarator of a variable statement that holds a reached one, and an overload set whole', () => {
    const after = prune({
      'index.d.ts': `export { a, g } from './m.js';\n`,
      'm.d.ts': `export declare const a: 1, b: 2;\nexport declare function g(x: string): string;\nexport declare function g(x: number): number;\nexport declare function h(): void;\n`,
    }, ['index.d.ts'])
    expect(after['m.d.ts']).toBe(`export declare const a: 1, b: 2;\nexport declare function g(x: string): string;\nexport declare function g(x: number): number;\n`)
  })

  it('keeps an augmentation of another module, which no export names', () => {
    const augmentation = `declare module 'some-framework' {\n    interface Request { readonly ip2: string }\n}\n`
    const after = prune({
      'index.d.ts': `export { plugin } from './plugin.js';\n`,
      'plugin.d.ts': `export declare function plugin(): void;\nexport declare function internal(): void;\n${augmentation}`,
    }, ['index.d.ts'])
    expect(after['plugin.d.ts']).toBe(`export declare function plugin(): void;\n${augmentation}`)
  })

  it('keeps a module that loses every export a module, so that nothing it keeps turns global', () => {
    const after = prune({
      'index.d.ts': `import './side.js';\nexport declare const x: 1;\n`,
      'side.d.ts': `export declare function main(): void;\n`,
    }, ['index.d.ts'])
    expect(after['side.d.ts']).toBe('export {};\n')
  })
})
