// takeover.test.ts: taking over the ranges file's lock from a writer that has ended, with a second
// writer (another process running the same module) scheduled at the worst moment: after this writer
// has read the ended holder's pid, before it acts on it. Without a lock around that check and the
// removal, both remove the ended holder's lock, both write, and one of the two updates is lost.

import { buildSync } from 'esbuild'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import * as fs from 'node:fs'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import { updateRangesFile } from '../../src/ranges/file.js'

/** node:fs as CommonJS sees it, whose functions can be replaced (syncBuiltinESMExports then updates `import`'s view). */
const nodeFs = createRequire(import.meta.url)('node:fs') as { readFileSync: typeof fs.readFileSync }

const dir = fs.mkdtempSync(join(tmpdir(), 'proxy-trust-takeover-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Waits `ms` without returning to the event loop, as the writer under test is in synchronous code. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

it('takes over from an ended holder once when another process tries at the same moment: both updates land', async () => {
  const out = join(dir, 'ranges.json')
  const held = join(dir, 'other-holds-the-lock')
  const go = join(dir, 'other-may-finish')
  fs.writeFileSync(out, '{}')
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout
  fs.writeFileSync(`${out}.lock`, ended)

  // the other writer: the real module, bundled, whose update says when it runs (it holds the lock
  // then) and waits for the word to finish
  buildSync({ entryPoints: [fileURLToPath(new URL('../../src/ranges/file.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'file.mjs'), logLevel: 'silent' })
  fs.writeFileSync(join(dir, 'other.mjs'), `import { existsSync, writeFileSync } from 'node:fs'
import { updateRangesFile } from './file.mjs'
await updateRangesFile(${JSON.stringify(out)}, (existing) => {
  writeFileSync(${JSON.stringify(held)}, '')
  while (!existsSync(${JSON.stringify(go)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  return { ...existing, other: ['198.51.100.2'] }
})
`)
  let other: ReturnType<typeof spawn> | undefined
  let otherHeld = false

  // this writer: its first read of the lock returns the ended holder's pid, and only then, before it
  // acts on it, does the other writer start; this one waits until the other holds the lock (as it
  // would, unchecked) or for three seconds (the other cannot take it while this one checks). The
  // hook is set on node:fs itself, so that it holds for the sources and for the built package alike
  const real = fs.readFileSync
  nodeFs.readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
    const text = real(path, options as BufferEncoding)
    if (path === `${out}.lock` && other === undefined) {
      other = spawn(process.execPath, [join(dir, 'other.mjs')], { stdio: 'ignore' })
      const deadline = Date.now() + 3_000
      while (!fs.existsSync(held) && Date.now() < deadline) block(10)
      otherHeld = fs.existsSync(held)
    }
    return text
  }) as typeof fs.readFileSync
  syncBuiltinESMExports()
  try {
    await updateRangesFile(out, (existing) => ({ ...existing, self: ['198.51.100.1'] }), 10_000)
  } finally {
    nodeFs.readFileSync = real
    syncBuiltinESMExports()
  }
  fs.writeFileSync(go, '')
  const [code] = await once(other as ReturnType<typeof spawn>, 'exit') as [number]

  expect(Object.keys(JSON.parse(fs.readFileSync(out, 'utf8')) as object).sort()).toEqual(['other', 'self'])
  expect({ otherStarted: other !== undefined, otherHeldWhileThisChecked: otherHeld, otherExit: code }).toEqual({ otherStarted: true, otherHeldWhileThisChecked: false, otherExit: 0 })
  expect(fs.readdirSync(dir).filter((name) => name.startsWith('ranges.json.'))).toEqual([])
}, 30_000)
