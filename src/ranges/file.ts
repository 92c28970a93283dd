// file.ts: the JSON file of range names: `loadRanges(file)` reads it (validated as the `ranges`
// option is, provider lists by validate.ts), and `updateRangesFile` rewrites it safely for
// `ranges fetch` and the `watchRanges` cache: under a lock, through an unpredictable temporary file
// opened exclusively, with the file's mode kept and symlinks followed, then renamed into place.

import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
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

/**
 * How old a lock file without a pid must be to be taken for a writer's that was killed between
 * creating it and writing its pid: 5 seconds. A writer writes its pid in the same synchronous step
 * as the creation, so a live one leaves its lock empty for microseconds, never for seconds.
 */
export const EMPTY_LOCK_STALE_MS = 5_000

/**
 * The locks (and takeover locks) this process holds now, by path. A lock holding this process's
 * pid that is not among them was left by an earlier process that had the same pid: in a container
 * the server is pid 1 at every start, so one killed holding the lock would otherwise leave its
 * successor waiting on itself for good. (Two threads of one process each have their own set, and
 * would take such a lock from each other: a known limit, for writers of one file in several threads.)
 */
const held = new Set<string>()

/** Whether the process that wrote a lock is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The text of a lock (its holder's pid), or undefined when it cannot be read (released meanwhile, or not a file). */
function textOf(lock: string): string | undefined {
  try {
    return readFileSync(lock, 'utf8')
  } catch {
    return undefined
  }
}

/** Create `path` exclusively, holding this process's pid (and `held` names it); false when something is there already. */
function createHeld(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  held.add(path)
  try {
    writeSync(fd, String(process.pid))
  } finally {
    closeSync(fd)
  }
  return true
}

/** Remove a lock this process holds. */
function release(path: string): void {
  held.delete(path)
  rmSync(path, { force: true })
}

/**
 * The text of the lock file `path` when it was left by a writer that has ended, else undefined:
 * its pid names no running process, or names this one while this one does not hold it, or it has
 * no pid and is older than `EMPTY_LOCK_STALE_MS` (its writer killed between creating it and writing
 * the pid). A lock that cannot be read (released meanwhile, or not a file) has not.
 */
function endedText(path: string): string | undefined {
  const text = textOf(path)
  if (text === undefined) return undefined
  const pid = Number.parseInt(text, 10)
  // the pid is checked at once: the longer after the read, the likelier its holder has released
  // the lock meanwhile and another taken it
  if (Number.isInteger(pid) && pid > 0) return (pid === process.pid ? !held.has(path) : !alive(pid)) ? text : undefined
  // (a file gone since the read has not ended: it is no longer there to take over)
  const stat = text === '' ? statSync(path, { throwIfNoEntry: false }) : undefined
  return stat !== undefined && Date.now() - stat.mtimeMs > EMPTY_LOCK_STALE_MS ? text : undefined
}

/**
 * Remove the lock file `path` when a writer that has ended left it (`endedText`) and it still holds
 * what was read: its holder may have released it, and another writer taken it, while the pid was
 * checked, and that writer's lock must stay. True when removed. (The second read and the removal
 * are two system calls apart, not a whole check.)
 */
function removeEnded(path: string): boolean {
  const text = endedText(path)
  if (text === undefined || textOf(path) !== text) return false
  rmSync(path, { force: true })
  return true
}

/**
 * Remove `lock` when the process written in it has ended, so that the caller may create it again;
 * true when removed. The check and the removal are made under a second lock, `<lock>.takeover`,
 * created exclusively: two writers that both read the same ended holder would otherwise both remove,
 * and the later removal could take away the lock the earlier one had created meanwhile, letting both
 * write. Both steps are synchronous, so a writer holds `<lock>.takeover` for microseconds; one killed
 * inside them leaves it behind, with its pid or (killed before writing it) empty, and it is cleared
 * as `endedText` says (only two writers that find such a left-behind takeover at the same moment could
 * then both check).
 */
function clearEnded(lock: string): boolean {
  const takeover = `${lock}.takeover`
  if (!createHeld(takeover)) {
    // another writer is checking; or one was killed while it did
    removeEnded(takeover)
    return false
  }
  try {
    return removeEnded(lock)
  } finally {
    release(takeover)
  }
}

/**
 * Take `lock` (a file created exclusively, holding the writer's pid), waiting for a running
 * holder and taking over from one that has ended (`endedText`). A lock that is not a file is waited
 * for, never taken over. The wait ends early when `signal` is aborted.
 */
async function takeLock(lock: string, wait: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + wait
  for (;;) {
    if (createHeld(lock)) return
    if (clearEnded(lock)) continue
    if (Date.now() >= deadline) {
      const holder = Number.parseInt(textOf(lock) ?? '', 10)
      throw new Error(`${lock} is held by process ${Number.isInteger(holder) ? holder : '?'}; try again when it ends`)
    }
    await sleep(25, undefined, signal === undefined ? {} : { signal })
  }
}

/**
 * Rewrite the ranges file `file`: under the lock `<file>.lock`, read the names it holds (none when
 * it does not exist), pass them to `update`, and write what it returns. The new text goes to a
 * temporary file in the same folder with a random name, opened exclusively (a file or link planted
 * there makes the open fail rather than be written through), given the old file's mode and, when
 * this process may (root may; another user may not, and the file is then its own), the old file's
 * owner and group, synced, and renamed over the file: a reader sees the old file or the new one,
 * never half of one, and a process killed on the way leaves the old file intact. `update` returns a
 * string to write nothing and say why. Resolves with that string, or undefined when written. The
 * wait for the lock (at most `wait` ms) ends early, rejecting, when `signal` is aborted.
 *
 * @throws {Error} the file cannot be read (`invalid ranges file …`), locked or written.
 */
export async function updateRangesFile(file: string, update: (existing: RangeNames) => RangeNames | string, wait = LOCK_WAIT_MS, signal?: AbortSignal): Promise<string | undefined> {
  const target = targetOf(file)
  const lock = `${target}.lock`
  await takeLock(lock, wait, signal)
  try {
    const found = existsSync(target)
    const existing: RangeNames = found ? loadRanges(target) : {}
    const old = found ? statSync(target) : undefined
    const mode = old === undefined ? NEW_MODE : old.mode & 0o7777
    const names = update(existing)
    if (typeof names === 'string') return names
    const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(12).toString('hex')}.tmp`)
    const fd = openSync(temporary, 'wx', mode)
    try {
      try {
        // root's cron rewriting an application's 0600 file must leave it the application's: the
        // owner is kept as the mode is (chown before chmod, which would otherwise clear set-id bits)
        if (old !== undefined) keepOwner(fd, old.uid, old.gid)
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
    release(lock)
  }
}

/** Give the file open at `fd` the owner `uid` and group `gid`, when this process may (EPERM: it may not). */
function keepOwner(fd: number, uid: number, gid: number): void {
  try {
    fchownSync(fd, uid, gid)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
  }
}
