// ranges-file.test.ts: loadRanges, reading the JSON file of range names that `ranges fetch` writes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { loadRanges } from '../../src/ranges/file.js'
import { cloudflare } from '../../src/core/snapshots.js'

const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('loadRanges', () => {
  it('reads lists and snapshots, as the ranges option takes them', () => {
    const path = file('good.json', JSON.stringify({ office: ['203.0.113.0/24'], cloudflare }))
    const ranges = loadRanges(path)
    expect(ranges).toEqual({ office: ['203.0.113.0/24'], cloudflare })
    expect(compileTrust('office, cloudflare', { ranges })('173.245.48.1', 0)).toBe(true)
  })

  it('reads a file URL', () => {
    expect(loadRanges(pathToFileURL(file('url.json', '{"vpc": ["10.0.0.0/8"]}')))).toEqual({ vpc: ['10.0.0.0/8'] })
  })

  it.each([
    ['error: a missing file', () => join(dir, 'missing.json'), 'ENOENT: no such file or directory, open \'{path}\''],
    ['error: a list, not names', () => file('list.json', '["10.0.0.0/8"]'), 'invalid option ranges: ["10.0.0.0/8"] (expected an object of range names)'],
    ['error: a bad entry', () => file('entry.json', '{"vpc": ["10.0.0.0/88"]}'), 'invalid range vpc entry: "10.0.0.0/88" (invalid range on address: 10.0.0.0/88)'],
  ])('%s', (_name, make, why) => {
    const path = make()
    expect(() => loadRanges(path)).toThrow(new TypeError(`invalid ranges file ${path}: ${why.replace('{path}', path)}`))
  })

  it('error: not JSON, with the parser\'s words (which differ between Node versions)', () => {
    const path = file('bad.json', '{office')
    expect(() => loadRanges(path)).toThrow(TypeError)
    expect(() => loadRanges(path)).toThrow(new RegExp(`^invalid ranges file ${path}: \\S`))
  })
})
