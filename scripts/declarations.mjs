// declarations.mjs: the declarations the package ships, cut to what its entries' types reach.
//
// tsc writes a declaration for everything a module exports, and modules export much for each other
// (the walk's tables, the parsers' helpers, the command line's pieces) that no entry hands to users.
// A user's compiler can never name those, and an editor never shows their documentation, yet they
// were nearly a third of the declarations' bytes (136 KB before, 97 KB after). This keeps every
// statement of an entry's own file, and from there every declaration a kept statement names,
// through imports, `import()` types and re-exports, to the end (all of a module named whole:
// `export *`, `typeof` of a namespace import); any other top-level statement of a module goes, and
// then every import that no longer names anything.

import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve, sep } from 'node:path'

const ts = createRequire(import.meta.url)('typescript')

/**
 * Removes, from the declaration files under `dir`, each top-level statement no entry reaches.
 * `entries` are the entries' declaration files. Returns the bytes removed.
 */
export function pruneDeclarations(dir, entries) {
  const root = resolve(dir) + sep
  const files = entries.map((file) => resolve(file))
  const program = ts.createProgram(files, { noEmit: true, types: [], skipLibCheck: true })
  const checker = program.getTypeChecker()
  const inside = (node) => resolve(node.getSourceFile().fileName).startsWith(root)

  const kept = new Set()
  const queue = []
  const keep = (node) => {
    // a module's own symbol is declared by its whole file: what it exports is reached name by name,
    // unless the module is named whole (see below)
    if (kept.has(node) || ts.isSourceFile(node) || !inside(node)) return
    kept.add(node)
    queue.push(node)
  }
  /** Every statement of the module `symbol` (when it is one): all it exports. */
  const keepWhole = (symbol) => {
    const module = symbol?.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    for (const declaration of module?.declarations ?? []) if (ts.isSourceFile(declaration) && inside(declaration)) declaration.statements.forEach(keep)
  }
  const keepSymbol = (symbol) => {
    // an import or re-export, each one it passes through, then what it names
    const seen = new Set()
    while (symbol !== undefined && !seen.has(symbol)) {
      seen.add(symbol)
      for (const declaration of symbol.declarations ?? []) keep(declaration)
      if (!(symbol.flags & ts.SymbolFlags.Alias)) break
      symbol = checker.getImmediateAliasedSymbol(symbol)
    }
  }
  for (const file of files) for (const statement of program.getSourceFile(file).statements) keep(statement)
  while (queue.length > 0) {
    const visit = (node) => {
      if (ts.isIdentifier(node)) {
        const symbol = checker.getSymbolAtLocation(node)
        if (symbol !== undefined) keepSymbol(symbol)
      }
      // a module named whole: `export * from './x'`, `typeof m` of `import * as m`, `typeof import('./x')`
      if (ts.isExportDeclaration(node) && node.exportClause === undefined && node.moduleSpecifier !== undefined) {
        keepWhole(checker.getSymbolAtLocation(node.moduleSpecifier))
      } else if (ts.isTypeQueryNode(node) && ts.isIdentifier(node.exprName)) {
        keepWhole(checker.getSymbolAtLocation(node.exprName))
      } else if (ts.isImportTypeNode(node) && node.isTypeOf && node.qualifier === undefined) {
        keepWhole(checker.getSymbolAtLocation(node.argument.literal))
      }
      ts.forEachChild(node, visit)
    }
    visit(queue.pop())
  }

  let removed = 0
  for (const source of program.getSourceFiles()) {
    if (!inside(source) || files.includes(resolve(source.fileName))) continue
    const parts = []
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement)) continue
      if (reached(statement, kept) || isAugmentation(statement)) parts.push(statement.getFullText())
    }
    // each statement's text holds the line break before it, not the one after
    const body = parts.length > 0 ? `${parts.join('')}\n` : ''
    // an import stays for the names the statements kept still use
    const imports = source.statements.filter(ts.isImportDeclaration).map((statement) => usedImport(statement, body)).filter(Boolean)
    let text = `${imports.join('\n')}${imports.length > 0 ? '\n' : ''}${body.replace(/^\n+/, '')}`
    // a file with no import or export left would be a script, whose declarations are global and whose
    // `declare module 'x'` replaces that module rather than adding to it: it stays a module
    if (!/^(?:import|export)\b/m.test(text)) text = `${text}export {};\n`
    removed += source.text.length - text.length
    if (text !== source.text) writeFileSync(source.fileName, text)
  }
  return removed
}

/** Whether `statement`, or one of the declarations it holds, was reached. */
function reached(statement, kept) {
  if (kept.has(statement)) return true
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.some((declaration) => kept.has(declaration))
  if (ts.isExportDeclaration(statement)) {
    const clause = statement.exportClause
    return clause !== undefined && ts.isNamedExports(clause) && clause.elements.some((element) => kept.has(element))
  }
  return false
}

/** `declare module 'fastify' { … }`: adds to another package's types, named by no export. */
function isAugmentation(statement) {
  return ts.isModuleDeclaration(statement) && ts.isStringLiteral(statement.name)
}

/** The import `statement` with only the names `body` still uses, or undefined if it uses none. */
function usedImport(statement, body) {
  const text = statement.getText()
  const clause = statement.importClause
  // a side-effect import (`import './x.js'`) or a namespace import is kept whole if named at all
  if (clause === undefined) return text
  const uses = (name) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(body)
  if (clause.namedBindings !== undefined && ts.isNamespaceImport(clause.namedBindings)) {
    return uses(clause.namedBindings.name.text) ? text : undefined
  }
  const names = clause.namedBindings?.elements.filter((element) => uses(element.name.text)) ?? []
  const head = clause.name !== undefined && uses(clause.name.text) ? clause.name.text : undefined
  if (names.length === 0 && head === undefined) return undefined
  const list = names.map((element) => element.getText())
  const bindings = [head, list.length > 0 ? `{ ${list.join(', ')} }` : undefined].filter(Boolean).join(', ')
  return `import ${clause.isTypeOnly ? 'type ' : ''}${bindings} from ${statement.moduleSpecifier.getText()};`
}
