// file.test.ts: loadRanges, reading the JSON file of range names, and updateRangesFile, which
// rewrites it under a lock through an exclusive temporary file, for `ranges fetch` and the watcher.

import { buildSync } from 'esbuild'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import * as fs from 'node:fs'
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { EMPTY_LOCK_STALE_MS, loadRanges, updateRangesFile } from '../../src/ranges/file.js'
import { cloudflare } from '../../src/core/snapshots.js'

/** node:fs as CommonJS sees it, whose functions can be replaced (syncBuiltinESMExports then updates `import`'s view). */
const nodeFs = createRequire(import.meta.url)('node:fs') as { fchownSync: typeof fs.fchownSync }

const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A process that runs until killed: a live pid that is not this process's. */
function running(): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
}

/** The pid of a process that has ended. */
function endedPid(): string {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout
}

/** Set a file's times `ms` into the past. */
function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms)
  utimesSync(path, then, then)
}

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

describe('updateRangesFile', () => {
  const names = { office: ['203.0.113.0/24'] }
  const written = `${JSON.stringify(names, null, 2)}\n`

  it('writes a new file, readable by all, and leaves no temporary or lock file', async () => {
    const sub = mkdtempSync(join(dir, 'new-'))
    const out = join(sub, 'ranges.json')
    expect(await updateRangesFile(out, (existing) => ({ ...existing, ...names }))).toBeUndefined()
    expect(readFileSync(out, 'utf8')).toBe(written)
    expect(statSync(out).mode & 0o777).toBe(0o644 & ~umask())
    expect(readdirSync(sub)).toEqual(['ranges.json'])
  })

  it('hands the names in the file to the update, and writes nothing when it says why not', async () => {
    const out = file('kept.json', '{"vpc": ["10.0.0.0/8"]}')
    let seen: unknown
    expect(await updateRangesFile(out, (existing) => {
      seen = existing
      return 'no change'
    })).toBe('no change')
    expect(seen).toEqual({ vpc: ['10.0.0.0/8'] })
    expect(readFileSync(out, 'utf8')).toBe('{"vpc": ["10.0.0.0/8"]}')
  })

  it('keeps the file\'s mode: a 0400 file stays 0400', async () => {
    const out = file('private.json', '{}')
    chmodSync(out, 0o400)
    await updateRangesFile(out, () => names)
    expect(statSync(out).mode & 0o7777).toBe(0o400)
    expect(readFileSync(out, 'utf8')).toBe(written)
  })

  it('keeps the file\'s owner and group, as it keeps its mode (root\'s cron rewriting an application\'s 0600 file)', async () => {
    const out = file('owned.json', '{}')
    chmodSync(out, 0o600)
    // as root (CI runs as root) the file is given to another user first; otherwise it stays this user's
    const owner = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : { uid: statSync(out).uid, gid: statSync(out).gid }
    chownSync(out, owner.uid, owner.gid)
    await updateRangesFile(out, () => names)
    const stat = statSync(out)
    expect({ uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777, text: readFileSync(out, 'utf8') }).toEqual({ ...owner, mode: 0o600, text: written })
  })

  it.each([
    ['writes the file as its own when it may not give it to the old owner (EPERM)', 'EPERM', undefined],
    ['error: any other failure to give it to the old owner, with no temporary file left', 'EIO', /^EIO: fchown$/],
  ])('%s', async (_name, code, error) => {
    const sub = mkdtempSync(join(dir, 'chown-'))
    const out = join(sub, 'ranges.json')
    writeFileSync(out, '{}')
    // set on node:fs itself, so that it holds for the sources and for the built package alike
    const real = nodeFs.fchownSync
    nodeFs.fchownSync = (() => {
      throw Object.assign(new Error(`${code}: fchown`), { code })
    }) as typeof fs.fchownSync
    syncBuiltinESMExports()
    try {
      const writing = updateRangesFile(out, () => names)
      if (error === undefined) {
        expect(await writing).toBeUndefined()
        expect(readFileSync(out, 'utf8')).toBe(written)
      } else {
        await expect(writing).rejects.toThrow(error)
        expect(readFileSync(out, 'utf8')).toBe('{}')
      }
      expect(readdirSync(sub)).toEqual(['ranges.json'])
    } finally {
      nodeFs.fchownSync = real
      syncBuiltinESMExports()
    }
  })

  it('follows a symbolic link at the file: the link stays, its target gets the new list', async () => {
    const target = file('target.json', '{}')
    const link = join(dir, 'link.json')
    symlinkSync(target, link)
    await updateRangesFile(link, () => names)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(written)
  })

  it('error: refuses a symbolic link to nothing', async () => {
    const link = join(dir, 'dangling.json')
    symlinkSync(join(dir, 'nowhere.json'), link)
    await expect(updateRangesFile(link, () => names)).rejects.toThrow('it is a symbolic link to nothing; remove it or point it at a file')
    expect(existsSync(join(dir, 'nowhere.json'))).toBe(false)
  })

  it('error: a path through a file, with the system\'s words', async () => {
    const through = join(file('plain.json', '{}'), 'ranges.json')
    await expect(updateRangesFile(through, () => names)).rejects.toThrow(/^ENOTDIR/)
  })

  it('never writes through a link planted where the old temporary file was (a predictable name)', async () => {
    const sub = mkdtempSync(join(dir, 'planted-'))
    const out = join(sub, 'ranges.json')
    const victim = join(sub, 'victim')
    writeFileSync(victim, 'precious')
    writeFileSync(out, '{}')
    symlinkSync(victim, `${out}.${process.pid}.tmp`)
    await updateRangesFile(out, () => names)
    expect(readFileSync(victim, 'utf8')).toBe('precious')
    expect(readFileSync(out, 'utf8')).toBe(written)
    // the temporary file is a dot file with a random name, gone after the rename
    expect(readdirSync(sub).sort()).toEqual(['ranges.json', 'ranges.json.' + process.pid + '.tmp', 'victim'])
  })

  it('removes its temporary file when the rename fails', async () => {
    const sub = mkdtempSync(join(dir, 'rename-'))
    const out = join(sub, 'ranges.json')
    writeFileSync(out, '{}')
    await expect(updateRangesFile(out, () => {
      // the file turns into a folder with something in it while the update runs: rename cannot replace it
      rmSync(out)
      mkdirSync(out)
      writeFileSync(join(out, 'inside'), '')
      return names
    })).rejects.toThrow(/^(EISDIR|ENOTEMPTY|EEXIST)/)
    expect(readdirSync(sub).sort()).toEqual(['ranges.json'])
  })

  it('waits for a running holder of the lock, then fails naming it', async () => {
    const out = file('held.json', '{}')
    const holder = running()
    try {
      writeFileSync(`${out}.lock`, String(holder.pid))
      await expect(updateRangesFile(out, () => names, 60)).rejects.toThrow(`${out}.lock is held by process ${holder.pid}; try again when it ends`)
      expect(readFileSync(out, 'utf8')).toBe('{}')
    } finally {
      holder.kill()
      rmSync(`${out}.lock`)
    }
  })

  it('stops waiting for the lock when its signal is aborted', async () => {
    const out = file('held-aborted.json', '{}')
    const holder = running()
    try {
      writeFileSync(`${out}.lock`, String(holder.pid))
      const controller = new AbortController()
      const writing = updateRangesFile(out, () => names, 600_000, controller.signal)
      await new Promise((resolve) => setTimeout(resolve, 60))
      controller.abort()
      await expect(writing).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }) as Error)
      expect(readFileSync(out, 'utf8')).toBe('{}')
    } finally {
      holder.kill()
      rmSync(`${out}.lock`)
    }
  })

  const left: { name: string; lock: () => string; takeover?: { text: string; age: number }; lockAge?: number; taken: boolean }[] = [
    { name: 'takes over a lock holding this process\'s pid that this process does not hold (left by an earlier process with the same pid, as pid 1 in a container)', lock: () => String(process.pid), taken: true },
    { name: 'takes over from an ended holder when a writer killed before writing its pid left an empty takeover lock, older than the bound', lock: endedPid, takeover: { text: '', age: EMPTY_LOCK_STALE_MS + 5_000 }, taken: true },
    { name: 'takes over from an ended holder when an earlier process with this pid left the takeover lock', lock: endedPid, takeover: { text: String(process.pid), age: 0 }, taken: true },
    { name: 'takes over an empty lock older than the bound (its writer killed between creating it and writing its pid)', lock: () => '', lockAge: EMPTY_LOCK_STALE_MS + 5_000, taken: true },
    { name: 'fail: waits on an empty takeover lock younger than the bound (a writer between creating it and writing its pid)', lock: endedPid, takeover: { text: '', age: 0 }, taken: false },
    { name: 'fail: waits on an empty lock younger than the bound', lock: () => '', taken: false },
    { name: 'fail: waits on an old lock holding no pid but text (not a lock this package wrote)', lock: () => 'held', lockAge: EMPTY_LOCK_STALE_MS + 5_000, taken: false },
  ]
  let leftFiles = 0
  it.each(left)('$name', async ({ lock, takeover, lockAge, taken }) => {
    const out = file(`left-${leftFiles++}.json`, '{}')
    const holder = lock()
    writeFileSync(`${out}.lock`, holder)
    if (lockAge !== undefined) age(`${out}.lock`, lockAge)
    if (takeover !== undefined) {
      writeFileSync(`${out}.lock.takeover`, takeover.text)
      age(`${out}.lock.takeover`, takeover.age)
    }
    const writing = updateRangesFile(out, () => names, 200)
    if (taken) {
      expect(await writing).toBeUndefined()
      expect([readFileSync(out, 'utf8'), existsSync(`${out}.lock`), existsSync(`${out}.lock.takeover`)]).toEqual([written, false, false])
    } else {
      await expect(writing).rejects.toThrow(`${out}.lock is held by process ${/^\d+$/.test(holder) ? holder : '?'}; try again when it ends`)
      expect(readFileSync(out, 'utf8')).toBe('{}')
      rmSync(`${out}.lock`)
      rmSync(`${out}.lock.takeover`, { force: true })
    }
  })

  it('fails on a lock it cannot read, without a pid to name', async () => {
    const out = file('odd-lock.json', '{}')
    mkdirSync(`${out}.lock`)
    await expect(updateRangesFile(out, () => names, 30)).rejects.toThrow(`${out}.lock is held by process ?; try again when it ends`)
    rmSync(`${out}.lock`, { recursive: true })
  })

  it('takes over the lock of a process that has ended', async () => {
    const out = file('stale-lock.json', '{}')
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    writeFileSync(`${out}.lock`, ended.stdout)
    expect(await updateRangesFile(out, () => names, 60)).toBeUndefined()
    expect(readFileSync(out, 'utf8')).toBe(written)
    expect(existsSync(`${out}.lock`)).toBe(false)
  })

  it('waits while another writer checks whether the holder has ended (its takeover lock held by a running process)', async () => {
    const out = file('checking.json', '{}')
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const checker = running()
    try {
      writeFileSync(`${out}.lock`, ended.stdout)
      writeFileSync(`${out}.lock.takeover`, String(checker.pid))
      await expect(updateRangesFile(out, () => names, 60)).rejects.toThrow(`${out}.lock is held by process ${ended.stdout}; try again when it ends`)
      expect(readFileSync(out, 'utf8')).toBe('{}')
      expect([existsSync(`${out}.lock`), existsSync(`${out}.lock.takeover`)]).toEqual([true, true])
    } finally {
      checker.kill()
      rmSync(`${out}.lock`)
      rmSync(`${out}.lock.takeover`)
    }
  })

  it('leaves the lock of a writer that took it while the ended holder was checked (the holder released it meanwhile)', async () => {
    const out = file('retaken.json', '{}')
    const gone = endedPid()
    writeFileSync(`${out}.lock`, gone)
    const taker = running()
    const kill = process.kill.bind(process)
    // the moment of the check: the holder read releases its lock and another writer takes it
    vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
      if (pid === Number(gone) && signal === 0) writeFileSync(`${out}.lock`, String(taker.pid))
      return kill(pid, signal)
    })
    try {
      await expect(updateRangesFile(out, () => names, 100)).rejects.toThrow(`${out}.lock is held by process ${taker.pid}; try again when it ends`)
      expect([readFileSync(out, 'utf8'), readFileSync(`${out}.lock`, 'utf8')]).toEqual(['{}', String(taker.pid)])
    } finally {
      vi.restoreAllMocks()
      taker.kill()
      rmSync(`${out}.lock`)
    }
  })

  it('clears the takeover lock of a writer killed while checking, then takes over from the ended holder', async () => {
    const out = file('killed-checking.json', '{}')
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    writeFileSync(`${out}.lock`, ended.stdout)
    writeFileSync(`${out}.lock.takeover`, ended.stdout)
    expect(await updateRangesFile(out, () => names, 2_000)).toBeUndefined()
    expect(readFileSync(out, 'utf8')).toBe(written)
    expect([existsSync(`${out}.lock`), existsSync(`${out}.lock.takeover`)]).toEqual([false, false])
  })

  it('lets one writer at a time take over from an ended holder, when several processes find it at once: no update is lost', async () => {
    // each round starts six processes at the same moment on a lock left by an ended one: every one
    // ends, and every update lands. This is a race, found or not by chance (before the takeover lock,
    // about one round in ten lost an update); takeover.test.ts makes the losing schedule on purpose
    const sub = mkdtempSync(join(dir, 'takeover-'))
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/ranges/file.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: join(sub, 'file.mjs'), logLevel: 'silent' })
    const script = join(sub, 'writer.mjs')
    writeFileSync(script, `import { updateRangesFile } from './file.mjs'
const [out, name, start] = process.argv.slice(2)
while (Date.now() < Number(start)) {}
await updateRangesFile(out, (existing) => ({ ...existing, [name]: ['198.51.100.1'] }), 10_000)
`)
    const WRITERS = 6
    const lost: number[] = []
    for (let round = 0; round < 6; round++) {
      const out = join(sub, `round-${round}.json`)
      writeFileSync(out, '{}')
      writeFileSync(`${out}.lock`, spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
      const start = Date.now() + 300
      const writers = Array.from({ length: WRITERS }, (_, k) => spawn(process.execPath, [script, out, `w${k}`, String(start)], { stdio: 'ignore' }))
      const codes = await Promise.all(writers.map(async (child) => (await once(child, 'exit'))[0] as number))
      expect(codes).toEqual(Array.from({ length: WRITERS }, () => 0))
      if (Object.keys(loadRanges(out)).length !== WRITERS) lost.push(round)
      expect(readdirSync(sub).filter((name) => name.startsWith(`round-${round}.json.`))).toEqual([])
    }
    expect(lost).toEqual([])
  }, 60_000)

  it('serialises concurrent updates: each sees the other\'s names, none is lost', async () => {
    const out = file('concurrent.json', '{}')
    const updates = Array.from({ length: 8 }, (_, k) => updateRangesFile(out, (existing) => ({ ...existing, [`n${k}`]: [`198.51.100.${k}`] })))
    await Promise.all(updates)
    expect(Object.keys(loadRanges(out)).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'])
  })

  it('leaves the last good file whole when the writing process is killed mid-write, and the next writer takes over', async () => {
    const sub = mkdtempSync(join(dir, 'killed-'))
    const out = join(sub, 'ranges.json')
    writeFileSync(out, written)
    // a child process that writes a large list through the real module, killed once its temporary file exists
    const script = join(sub, 'writer.mjs')
    buildSync({ entryPoints: [fileURLToPath(new URL('../../src/ranges/file.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: join(sub, 'file.mjs'), logLevel: 'silent' })
    writeFileSync(script, `import { updateRangesFile } from './file.mjs'
const big = Array.from({ length: 400000 }, (_, k) => '198.51.' + (k % 256) + '.0/24')
await updateRangesFile(process.argv[2], () => ({ big }))
`)
    const child = spawn(process.execPath, [script, out], { stdio: 'ignore' })
    const deadline = Date.now() + 20_000
    let seen = false
    while (!seen && Date.now() < deadline && child.exitCode === null) {
      seen = readdirSync(sub).some((name) => name.endsWith('.tmp'))
      if (!seen) await new Promise((resolve) => setImmediate(resolve))
    }
    child.kill('SIGKILL')
    await once(child, 'exit')
    // whatever moment the kill came at, the file is the old list or the whole new one, never a part
    const text = readFileSync(out, 'utf8')
    expect(text === written || Object.keys(JSON.parse(text) as object).join() === 'big').toBe(true)
    expect(seen).toBe(true)
    expect(await updateRangesFile(out, () => names, 2_000)).toBeUndefined()
    expect(readFileSync(out, 'utf8')).toBe(written)
  })
})

function umask(): number {
  const mask = process.umask(0)
  process.umask(mask)
  return mask
}
