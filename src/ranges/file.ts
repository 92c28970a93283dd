// file.ts: the JSON file of range names: `loadRanges(file)` reads it (validated as the `ranges`
// option is, provider lists by validate.ts), and `updateRangesFile` rewrites it safely for
// `ranges fetch` and the `watchRanges` cache: under a lock, through an unpredictable temporary file
// opened exclusively, with the file's mode kept and symlinks followed, then renamed into place.

import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fchmodSync, fsyncSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { compileRanges, type RangeNames } from '../core/ranges.js'

/**
 * Read a JSON file of range names: an object whose keys are range names and whose values are
 * lists of addresses and subnets or provider snapshots, as `proxy-trust ranges fetch --out FILE`
 * writes it. Validates it as `compileTrust` validates the `ranges` option (a snapshot's subnets
 * pass the provider-list check of `proxy-trust/ranges`), so that a bad file fails at start-up.
 *
 * @throws {TypeError} `invalid ranges file <file>: <why>` (unreadable, not JSON, or a bad range).
 * @example
 * const trust = compileTrust('loopback, cloudflare', { ranges: loadRanges('ranges.json') })
 */
export function loadRanges(file: string | URL): RangeNames {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown
    compileRanges(value, false)
  } catch (error) {
    throw new TypeError(`invalid ranges file ${String(file)}: ${(error as Error).message}`)
  }
  return value as RangeNames
}

/** How long a writer waits for another's lock before giving up: 10 seconds. */
export const LOCK_WAIT_MS = 10_000

/** The mode of a new file: readable by all, as the files a server reads usually are (umask aside). */
const NEW_MODE = 0o644

/**
 * The file a write goes to: `file` itself, or the file a symlink at `file` points to, so that the
 * link stays a link and its target gets the new list (replacing the link by a file would leave the
 * target, which other links may name, with the old one). A link that points nowhere is refused.
 */
function targetOf(file: string): string {
  try {
    return realpathSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    let dangling = false
    try {
      dangling = lstatSync(file).isSymbolicLink()
    } catch {
      // nothing at all there: a new file
    }
    if (dangling) throw new Error('it is a symbolic link to nothing; remove it or point it at a file')
    return file
  }
}

/** Whether the process that wrote a lock is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid written in a lock, or NaN when it cannot be read (released meanwhile, or not a file). */
function holderOf(lock: string): number {
  try {
    return Number.parseInt(readFileSync(lock, 'utf8'), 10)
  } catch {
    return Number.NaN
  }
}

/** Create `path` exclusively, holding this process's pid; false when something is there already. */
function createHeld(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    writeSync(fd, String(process.pid))
  } finally {
    closeSync(fd)
  }
  return true
}

/** Whether `pid`, read from a lock, names a process that has ended. */
function ended(pid: number): boolean {
  return Number.isInteger(pid) && pid > 0 && !alive(pid)
}

/**
 * Remove `lock` when the process written in it has ended, so that the caller may create it again;
 * true when removed. The check and the removal are made under a second lock, `<lock>.takeover`,
 * created exclusively: two writers that both read the same ended holder would otherwise both remove,
 * and the later removal could take away the lock the earlier one had created meanwhile, letting both
 * write. Both steps are synchronous, so a writer holds `<lock>.takeover` for microseconds; one killed
 * inside them leaves it behind, with its pid, and it is cleared in the same way (only two writers
 * that find such a left-behind takeover at the same moment could then both check).
 */
function clearEnded(lock: string): boolean {
  const takeover = `${lock}.takeover`
  if (!createHeld(takeover)) {
    // another writer is checking; or one was killed while it did
    if (ended(holderOf(takeover))) rmSync(takeover, { force: true })
    return false
  }
  try {
    if (!ended(holderOf(lock))) return false
    rmSync(lock, { force: true })
    return true
  } finally {
    rmSync(takeover, { force: true })
  }
}

/**
 * Take `lock` (a file created exclusively, holding the writer's pid), waiting for a running
 * holder and taking over from one that is no longer running. A lock without a pid (its writer
 * killed between creating and writing it, or not a file) is waited for, never taken over.
 */
async function takeLock(lock: string, wait: number): Promise<void> {
  const deadline = Date.now() + wait
  for (;;) {
    if (createHeld(lock)) return
    if (clearEnded(lock)) continue
    if (Date.now() >= deadline) {
      const holder = holderOf(lock)
      throw new Error(`${lock} is held by process ${Number.isInteger(holder) ? holder : '?'}; try again when it ends`)
    }
    await sleep(25)
  }
}

/**
 * Rewrite the ranges file `file`: under the lock `<file>.lock`, read the names it holds (none when
 * it does not exist), pass them to `update`, and write what it returns. The new text goes to a
 * temporary file in the same folder with a random name, opened exclusively (a file or link planted
 * there makes the open fail rather than be written through), given the old file's mode, synced, and
 * renamed over the file: a reader sees the old file or the new one, never half of one, and a process
 * killed on the way leaves the old file intact. `update` returns a string to write nothing and say why.
 * Resolves with that string, or undefined when written.
 *
 * @throws {Error} the file cannot be read (`invalid ranges file …`), locked or written.
 */
export async function updateRangesFile(file: string, update: (existing: RangeNames) => RangeNames | string, wait = LOCK_WAIT_MS): Promise<string | undefined> {
  const target = targetOf(file)
  const lock = `${target}.lock`
  await takeLock(lock, wait)
  try {
    const found = existsSync(target)
    const existing: RangeNames = found ? loadRanges(target) : {}
    const mode = found ? statSync(target).mode & 0o7777 : NEW_MODE
    const names = update(existing)
    if (typeof names === 'string') return names
    const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`)
    const fd = openSync(temporary, 'wx', mode)
    try {
      try {
        // the mode asked for at open is reduced by the umask: set it exactly
        fchmodSync(fd, mode)
        writeSync(fd, JSON.stringify(names, null, 2) + '\n')
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      renameSync(temporary, target)
    } catch (error) {
      rmSync(temporary, { force: true })
      throw error
    }
    return undefined
  } finally {
    rmSync(lock, { force: true })
  }
}
