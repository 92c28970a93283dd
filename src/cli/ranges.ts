// ranges.ts: `proxy-trust ranges fetch|list`, which refresh and show provider snapshots, and the
// `--ranges FILE` and `--range NAME=…` flags that give range names to explain and serve.

import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { compileRanges, type RangeNames, type RangeSnapshot, type RangeValue } from '../core/ranges.js'
import { visible } from '../diagnostics/escape.js'
import { ageText, snapshotAges, type SnapshotAge } from '../diagnostics/stale.js'
import { fetchList, FETCH_TIMEOUT_MS, isWebUrl, MAX_BODY_BYTES, MAX_TIMER_MS } from '../ranges/fetch.js'
import { loadRanges, updateRangesFile } from '../ranges/file.js'
import { providerNamed, PROVIDERS, type Provider } from '../ranges/providers.js'
import { watchRanges, type WatchedRanges } from '../ranges/watch.js'
import { CHANGE_BOUND, changeOf, describeChange, listProblem, WIDEST, type Subnets } from '../ranges/validate.js'
import type { Io } from './command.js'
import { UsageError } from './usage.js'

const RANGES_HELP = `Usage: proxy-trust ranges fetch <provider>... --out FILE [--url URL]... [--accept-change] [--allow-redirects]
       proxy-trust ranges list

Providers' published address lists, to trust a CDN or load balancer by name.

  fetch   download the official lists of the providers named, check them, and write FILE:
          JSON of range names that --ranges FILE and loadRanges(FILE) read. Names already in
          FILE are kept; those fetched are replaced. Nothing is written if any list fails.
  list    the providers, with the snapshot this package ships and the day it was retrieved

Providers: ${PROVIDERS.map((provider) => provider.name).join(', ')}

Options (fetch):
  --out FILE               the file to write (required)
  --url URL                replace the official URLs, in the providers' order (cloudflare takes
                           two: IPv4, then IPv6); repeat for each
  --accept-change          write a list that shrank or grew beyond the bound below, once you
                           have checked the change printed
  --allow-redirects        follow a redirect to another host or from https to plain http
  -h, --help               show this help

A list is refused when it is empty, holds an IPv4 subnet wider than /${WIDEST[4]}, an IPv6 subnet
wider than /${WIDEST[6]}, or a private, loopback, translation or other special-purpose range; and,
unless --accept-change, when it has shrunk to less than 1/${CHANGE_BOUND} or grown to more than
${CHANGE_BOUND} times the size of the list it replaces (the one in FILE, else the snapshot). Each
body may hold ${MAX_BODY_BYTES / 1024 / 1024} MiB after decompression, and each provider's fetch
takes ${FETCH_TIMEOUT_MS / 1000} s at most. FILE is written whole under a lock (FILE.lock), its mode
kept; a symbolic link at FILE is followed and its target rewritten. Exit status: 0 when written, 1
when a list could not be fetched or was refused, 2 for a bad argument.

Example:
  proxy-trust ranges fetch cloudflare cloudfront --out ranges.json
  proxy-trust serve --trust "loopback, cloudflare" --ranges ranges.json
`

/** The range names that `--ranges FILE` and each `--range NAME=CIDR[,CIDR…]` (or `--range PROVIDER`) give. */
export function rangesOf(file: string | undefined, specs: readonly string[]): RangeNames | undefined {
  if (file === undefined && specs.length === 0) return undefined
  // no prototype: a name such as __proto__ is a key like any other, for the validator to refuse
  const names = Object.create(null) as Record<string, RangeValue>
  if (file !== undefined) {
    try {
      Object.assign(names, loadRanges(file))
    } catch (error) {
      throw new UsageError(`invalid --ranges ${JSON.stringify(file)}: ${(error as Error).message}`)
    }
  }
  for (const spec of specs) {
    const equals = spec.indexOf('=')
    if (equals === -1) {
      const provider = PROVIDERS.find((known) => known.name === spec)
      if (provider === undefined) {
        throw new UsageError(`invalid --range ${JSON.stringify(spec)}: expected NAME=CIDR[,CIDR...] or a provider (${PROVIDERS.map((known) => known.name).join(', ')})`)
      }
      names[spec] = provider.snapshot
      continue
    }
    const name = spec.substring(0, equals)
    names[name] = spec.substring(equals + 1).split(',').map((entry) => entry.trim())
  }
  try {
    compileRanges(names, false)
  } catch (error) {
    throw new UsageError(`invalid --range: ${(error as Error).message}`)
  }
  return names
}

/**
 * Run `proxy-trust ranges …` with the arguments after `ranges`; resolves with the exit status (0, or
 * 1 when a list could not be fetched, was refused or could not be written); throws a UsageError
 * for a mistake in the arguments.
 *
 * @example
 * process.exitCode = await rangesCommand(['fetch', 'cloudflare', '--out', 'ranges.json'], processIo(process.argv[1]))
 */
export async function rangesCommand(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'fetch':
      return await fetchCommand(rest, io)
    case 'list':
      return listCommand(rest, io)
    case '-h':
    case '--help':
      io.stdout.write(RANGES_HELP)
      return 0
    case undefined:
      throw new UsageError('missing ranges command: fetch or list (see proxy-trust ranges --help)')
    default:
      throw new UsageError(`unknown ranges command ${JSON.stringify(sub)}: expected fetch or list (see proxy-trust ranges --help)`)
  }
}

function parsed<R>(run: () => R): R {
  try {
    return run()
  } catch (error) {
    const message = (error as Error).message.split(/\.\s|\n/)[0] as string
    throw new UsageError(`${message.charAt(0).toLowerCase()}${message.substring(1)} (see proxy-trust ranges --help)`)
  }
}

function listCommand(args: readonly string[], io: Io): number {
  const { values } = parsed(() => parseArgs({ args: [...args], options: { help: { type: 'boolean', short: 'h' } }, strict: true }))
  if (values.help === true) {
    io.stdout.write(RANGES_HELP)
    return 0
  }
  const rows = [['provider', 'retrieved', 'age', 'IPv4', 'IPv6', 'source']]
  for (const { name, snapshot } of PROVIDERS) {
    const [age] = snapshotAges([{ name, provider: name, source: snapshot.source, retrieved: snapshot.retrieved }], Date.now())
    // a day still to come (this machine's clock is behind) is said so, not shown as a negative age
    rows.push([name, snapshot.retrieved, ageText((age as SnapshotAge).days), String(snapshot.v4.length), String(snapshot.v6.length), snapshot.source])
  }
  const widths = (rows[0] as string[]).map((_, k) => Math.max(...rows.map((row) => (row[k] as string).length)))
  for (const row of rows) io.stdout.write(row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k] as number))).join('  ') + '\n')
  return 0
}

/** Whether a range value is a snapshot, and so has subnets by family. */
function isSnapshot(value: RangeValue | undefined): value is RangeSnapshot {
  return typeof value === 'object' && !Array.isArray(value)
}

async function fetchCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parsed(() => parseArgs({
    args: [...args],
    options: {
      out: { type: 'string' },
      url: { type: 'string', multiple: true },
      'accept-change': { type: 'boolean' },
      'allow-redirects': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  }))
  if (values.help === true) {
    io.stdout.write(RANGES_HELP)
    return 0
  }
  const providers = positionals.map((name) => {
    const provider = providerNamed(name)
    if (typeof provider === 'string') throw new UsageError(provider)
    return provider
  })
  if (providers.length === 0) throw new UsageError('missing provider: name one or more (see proxy-trust ranges --help)')
  const out = values.out
  if (out === undefined) throw new UsageError('missing --out FILE (see proxy-trust ranges --help)')
  const urls = urlsOf('--url', values.url)
  const needed = providers.reduce((sum, provider) => sum + provider.urls.length, 0)
  if (urls.length > 0 && urls.length !== needed) {
    throw new UsageError(`--url given ${urls.length} times: ${providers.map((p) => `${p.name} takes ${p.urls.length} (${p.parts.join(', ')})`).join(', ')}`)
  }

  // a file that cannot be read is reported before anything is fetched
  if (existsSync(out)) {
    try {
      loadRanges(out)
    } catch (error) {
      io.stderr.write(`proxy-trust: ${visible((error as Error).message)}: nothing written\n`)
      return 1
    }
  }

  const retrieved = new Date().toISOString().substring(0, 10)
  const fetched: RangeSnapshot[] = []
  let offset = 0
  for (const provider of providers) {
    const sources = urls.length > 0 ? urls.slice(offset, offset + provider.urls.length) : provider.urls
    offset += provider.urls.length
    const result = await fetchOne(provider, sources, values['allow-redirects'] === true)
    if (typeof result === 'string') {
      io.stderr.write(`${provider.name}: ${visible(result)}\nproxy-trust: nothing written to ${visible(out)}\n`)
      return 1
    }
    const source = result.urls.join(' ')
    io.stderr.write(`${provider.name}: ${result.subnets.v4.length} IPv4 and ${result.subnets.v6.length} IPv6 subnets from ${visible(source)}\n`)
    fetched.push({ name: provider.name, source, retrieved, v4: result.subnets.v4, v6: result.subnets.v6 })
  }

  const accept = values['accept-change'] === true
  let refused: string | undefined
  try {
    // the file is read again under the lock: a run that wrote it meanwhile keeps its update
    refused = await updateRangesFile(out, (existing) => {
      for (const snapshot of fetched) {
        const provider = providers.find((known) => known.name === snapshot.name) as Provider
        const before = existing[snapshot.name]
        const change = changeOf(isSnapshot(before) ? before : provider.snapshot, snapshot)
        if (!change.beyond) continue
        // each line escaped on its own: the subnets come from the network
        io.stderr.write(`${snapshot.name}: ${describeChange(change).split('\n').map(visible).join('\n')}\n`)
        if (!accept) return `${snapshot.name}: a change beyond a factor of ${CHANGE_BOUND}: check the list at its source, then pass --accept-change to write it`
        io.stderr.write(`${snapshot.name}: change accepted (--accept-change)\n`)
      }
      return { ...existing, ...Object.fromEntries(fetched.map((snapshot) => [snapshot.name, snapshot])) }
    })
  } catch (error) {
    io.stderr.write(`proxy-trust: ${visible(`cannot write ${out}: ${(error as Error).message}`)}\n`)
    return 1
  }
  if (refused !== undefined) {
    io.stderr.write(`${refused}\nproxy-trust: nothing written to ${visible(out)}\n`)
    return 1
  }
  io.stderr.write(`wrote ${fetched.map((snapshot) => snapshot.name).join(', ')} to ${visible(out)}\n`)
  return 0
}

/** One provider's subnets, fetched and checked, with the URLs actually read, or what went wrong. */
async function fetchOne(provider: Provider, sources: readonly string[], allowRedirects: boolean): Promise<{ subnets: Subnets; urls: readonly string[] } | string> {
  try {
    const fetched = await fetchList(provider, sources, { allowRedirects })
    // without validators there is always a body
    const { subnets, urls } = fetched as Extract<typeof fetched, { status: 'ok' }>
    return listProblem(subnets) ?? { subnets, urls }
  } catch (error) {
    return (error as Error).message
  }
}

/** What serve's watch flags give. */
export interface WatchFlags {
  readonly 'watch-ranges'?: string | undefined
  readonly 'watch-url'?: string[] | undefined
  readonly 'watch-interval'?: string | undefined
  readonly 'watch-cache'?: string | undefined
}

/** The URLs a flag gives (none when it is not given), each an absolute http or https URL. */
function urlsOf(flag: string, given: readonly string[] | undefined): readonly string[] {
  for (const text of given ?? []) {
    if (!isWebUrl(text)) throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: expected an absolute http or https URL`)
  }
  return given ?? []
}

/**
 * The watcher `serve --watch-ranges cloudflare,fastly` runs (undefined without the flag), with each
 * event written to stderr as one escaped line: `ranges: cloudflare: 1 added, 0 removed from URL`,
 * `ranges: cloudflare: <why>; retrying in 90 s`, `warning: RANGES_STALE: …`.
 */
export function watchOf(values: WatchFlags, io: Io): (WatchedRanges & Readonly<Record<string, RangeSnapshot>>) | undefined {
  const list = values['watch-ranges']
  if (list === undefined) {
    if (values['watch-url'] !== undefined || values['watch-interval'] !== undefined || values['watch-cache'] !== undefined) {
      throw new UsageError('--watch-url, --watch-interval and --watch-cache need --watch-ranges PROVIDER[,PROVIDER...]')
    }
    return undefined
  }
  const names = list.split(',').map((name) => name.trim())
  const twice = names.find((name, k) => names.indexOf(name) !== k)
  if (twice !== undefined) throw new UsageError(`invalid --watch-ranges: ${JSON.stringify(twice)} given twice; name each provider once`)
  const providers = names.map((name) => {
    const provider = providerNamed(name)
    if (typeof provider === 'string') throw new UsageError(`invalid --watch-ranges: ${provider}`)
    return provider
  })
  const given = urlsOf('--watch-url', values['watch-url'])
  const needed = providers.reduce((sum, provider) => sum + provider.urls.length, 0)
  if (given.length > 0 && given.length !== needed) {
    throw new UsageError(`--watch-url given ${given.length} times: ${providers.map((p) => `${p.name} takes ${p.urls.length} (${p.parts.join(', ')})`).join(', ')}`)
  }
  const interval = values['watch-interval']
  // a timer cannot wait longer than MAX_TIMER_MS: Node fires a longer one at once
  if (interval !== undefined && (!/^[1-9][0-9]*$/.test(interval) || Number(interval) > MAX_TIMER_MS)) {
    throw new UsageError(`invalid --watch-interval ${JSON.stringify(interval)}: expected a whole number of milliseconds from 1 to ${MAX_TIMER_MS} (about 24.8 days)`)
  }
  const urls: Record<string, readonly string[]> = {}
  let offset = 0
  for (const provider of providers) {
    if (given.length > 0) urls[provider.name] = given.slice(offset, offset + provider.urls.length)
    offset += provider.urls.length
  }
  const watcher = watchRanges(names, {
    urls,
    ...(interval === undefined ? {} : { interval: Number(interval) }),
    ...(values['watch-cache'] === undefined ? {} : { cacheFile: values['watch-cache'] }),
  })
  watcher.on('update', ({ provider, added, removed, source }) => {
    io.stderr.write(`ranges: ${provider}: ${added.length} added, ${removed.length} removed from ${visible(source)}\n`)
  })
  watcher.on('error', ({ provider, error, retryIn }) => {
    const retry = retryIn > 0 ? `; retrying in ${Math.ceil(retryIn / 1000)} s` : ''
    io.stderr.write(`ranges: ${provider}: ${error.message.split('\n').map(visible).join(' ')}${retry}\n`)
  })
  watcher.on('stale', ({ provider, age }) => {
    io.stderr.write(`warning: RANGES_STALE: ${provider}: no successful refresh for ${Math.floor(age / 86_400_000)} days; the last good list stays in force\n`)
  })
  return watcher
}
