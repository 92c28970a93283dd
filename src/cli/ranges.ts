// ranges.ts: `proxy-trust ranges fetch|list`, which refresh and show provider snapshots, and the
// `--ranges FILE` and `--range NAME=…` flags that give range names to explain and serve.

import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { compileRanges, type RangeNames, type RangeSnapshot, type RangeValue } from '../core/ranges.js'
import { loadRanges } from '../core/ranges-file.js'
import { visible } from '../diagnostics/escape.js'
import { snapshotAges } from '../diagnostics/stale.js'
import { checkSubnets, PROVIDERS, type Provider, type Subnets } from './providers.js'
import type { Io } from './command.js'
import { UsageError } from './usage.js'

const RANGES_HELP = `Usage: proxy-trust ranges fetch <provider>... --out FILE [--url URL]...
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
  -h, --help               show this help

A list is refused when it is empty, holds a /0 or a private, loopback or other special-purpose
range, or has shrunk to less than half or grown to more than twice the size of the list it
replaces (the one in FILE, else the snapshot). Exit status: 0 when written, 1 when a list could
not be fetched or was refused, 2 for a bad argument.

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
    rows.push([name, snapshot.retrieved, `${age?.days} days`, String(snapshot.v4.length), String(snapshot.v6.length), snapshot.source])
  }
  const widths = (rows[0] as string[]).map((_, k) => Math.max(...rows.map((row) => (row[k] as string).length)))
  for (const row of rows) io.stdout.write(row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k] as number))).join('  ') + '\n')
  return 0
}

async function download(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'follow' })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return response.text()
}

/** Whether a range value is a snapshot, and so has subnets by family. */
function isSnapshot(value: RangeValue | undefined): value is RangeSnapshot {
  return typeof value === 'object' && !Array.isArray(value)
}

async function fetchCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parsed(() => parseArgs({
    args: [...args],
    options: { out: { type: 'string' }, url: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  }))
  if (values.help === true) {
    io.stdout.write(RANGES_HELP)
    return 0
  }
  const providers = positionals.map((name) => {
    const provider = PROVIDERS.find((known) => known.name === name)
    if (provider === undefined) {
      throw new UsageError(`unknown provider ${JSON.stringify(name)}: expected ${PROVIDERS.map((known) => known.name).join(', ')}`)
    }
    return provider
  })
  if (providers.length === 0) throw new UsageError('missing provider: name one or more (see proxy-trust ranges --help)')
  const out = values.out
  if (out === undefined) throw new UsageError('missing --out FILE (see proxy-trust ranges --help)')
  const urls = values.url ?? []
  const needed = providers.reduce((sum, provider) => sum + provider.urls.length, 0)
  if (urls.length > 0 && urls.length !== needed) {
    throw new UsageError(`--url given ${urls.length} times: ${providers.map((p) => `${p.name} takes ${p.urls.length} (${p.parts.join(', ')})`).join(', ')}`)
  }

  let existing: RangeNames = {}
  if (existsSync(out)) {
    try {
      existing = loadRanges(out)
    } catch (error) {
      io.stderr.write(`proxy-trust: ${visible((error as Error).message)}: nothing written\n`)
      return 1
    }
  }

  const retrieved = new Date().toISOString().substring(0, 10)
  const fetched: Record<string, RangeSnapshot> = {}
  let offset = 0
  for (const provider of providers) {
    const sources = urls.length > 0 ? urls.slice(offset, offset + provider.urls.length) : provider.urls
    offset += provider.urls.length
    const result = await fetchOne(provider, sources, existing[provider.name])
    if (typeof result === 'string') {
      io.stderr.write(`${provider.name}: ${visible(result)}\nproxy-trust: nothing written to ${visible(out)}\n`)
      return 1
    }
    io.stderr.write(`${provider.name}: ${result.v4.length} IPv4 and ${result.v6.length} IPv6 subnets from ${visible(sources.join(' '))}\n`)
    fetched[provider.name] = { name: provider.name, source: sources.join(' '), retrieved, v4: result.v4, v6: result.v6 }
  }

  const names = { ...existing, ...fetched }
  // written whole to a sibling, then moved into place: a reader never sees half a file
  const temporary = `${out}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, JSON.stringify(names, null, 2) + '\n')
    renameSync(temporary, out)
  } catch (error) {
    rmSync(temporary, { force: true })
    io.stderr.write(`proxy-trust: ${visible(`cannot write ${out}: ${(error as Error).message}`)}\n`)
    return 1
  }
  io.stderr.write(`wrote ${Object.keys(fetched).join(', ')} to ${visible(out)}\n`)
  return 0
}

/** One provider's subnets, fetched and checked, or what went wrong. */
async function fetchOne(provider: Provider, sources: readonly string[], before: RangeValue | undefined): Promise<Subnets | string> {
  let subnets: Subnets
  try {
    const bodies: string[] = []
    for (const url of sources) bodies.push(await download(url))
    subnets = provider.parse(bodies)
  } catch (error) {
    return (error as Error).message
  }
  const previous = isSnapshot(before) ? before : provider.snapshot
  return checkSubnets(subnets, previous) ?? subnets
}
