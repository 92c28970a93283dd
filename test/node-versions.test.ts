// node-versions.test.ts: the Node versions the package claims agree with the ones CI tests, and the
// matrix's version argument (`npm run bench -- --node`, `node-matrix.mjs --only`) reads as documented.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

interface NodeVersions {
  readonly MATRIX: Readonly<Record<string, string>>
  resolveNode(spec: string): string
}

// a computed specifier: the script is plain JavaScript without declarations
const scriptUrl = new URL('../scripts/node-versions.mjs', import.meta.url).href
const { MATRIX, resolveNode } = (await import(scriptUrl)) as NodeVersions
const read = (file: string): string => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
const manifest = JSON.parse(read('package.json')) as { engines: { node: string }; scripts: Record<string, string> }

describe('the versions claimed are the versions tested', () => {
  it('pins each release line of the matrix to an exact release of that line', () => {
    expect(Object.keys(MATRIX)).toEqual(['20', '22', '24', '26'])
    for (const [line, version] of Object.entries(MATRIX)) expect(version).toMatch(new RegExp(`^${line}\\.\\d+\\.\\d+$`))
  })

  it("states the matrix's lowest release as the engines floor", () => {
    expect(manifest.engines.node).toBe(`>=${MATRIX['20']}`)
  })

  it("states the same floor in the README's install section and the development page's version table", () => {
    const [major, minor] = (MATRIX['20'] ?? '').split('.')
    expect(read('README.md')).toContain(`Node ${major}.${minor} or later`)
    const development = read('docs/development.md')
    for (const version of Object.values(MATRIX)) expect(development).toContain(`| ${version} |`)
  })

  it('runs the matrix in CI', () => {
    expect(manifest.scripts['test:matrix']).toBe('npm run build && node scripts/node-matrix.mjs')
    expect(read('.ci/run')).toMatch(/^npm run test:matrix$/m)
  })
})

describe('resolveNode', () => {
  const line = process.versions.node.split('.')[0] ?? ''

  // a release line answers its pinned release, which would be installed unless it is this Node
  const thisLine = MATRIX[line] === undefined || MATRIX[line] === process.versions.node ? [["this machine's release line", line]] : []
  it.each([
    ["this machine's exact version", process.versions.node],
    ["this machine's version with a v", `v${process.versions.node}`],
    ...thisLine,
  ])('answers this Node for %s', (_name, spec) => {
    expect(resolveNode(spec)).toBe(process.execPath)
  })

  it('answers a path to a binary as that path', () => {
    expect(resolveNode(process.execPath)).toBe(process.execPath)
  })

  it.each([
    ['error: no value', '', 'missing value for --node (expected a path, an exact version such as 24.22.3, or a release line such as 24)'],
    ['error: a line outside the matrix', '7', `invalid --node: 7 (release lines: 20, 22, 24, 26, this machine's ${line}, or an exact version)`],
    ['error: a partial version', '24.1', 'invalid --node: 24.1 (expected a path, an exact version such as 24.22.3, or a release line such as 24)'],
    ['error: a flag in place of the value', '--json', 'invalid --node: --json (expected a path, an exact version such as 24.22.3, or a release line such as 24)'],
    ['error: a path to nothing', '/no/such/node', 'invalid --node: /no/such/node (no such file)'],
  ])('%s', (_name, spec, message) => {
    expect(() => resolveNode(spec)).toThrow(new TypeError(message))
  })
})
