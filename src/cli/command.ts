// command.ts: the `proxy-trust` command line (`explain`, `serve`, `ranges`, `--help`, `--version`) as a
// function of its arguments and its I/O, so that it runs the same in tests and as the executable.

import { readFileSync, realpathSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { Kind, parseAddress } from '../core/address.js'
import { compileTrust, type TrustFn, type TrustSetting } from '../core/compile.js'
import { PROVIDER_SNAPSHOTS, settingFromEnv } from '../core/env.js'
import { platform, type PlatformOptions } from '../platforms/index.js'
import { explain, lintSetting } from '../diagnostics/explain.js'
import type { AddressSource, TrustOptions } from '../core/options.js'
import { renderJson, renderText, type PlaygroundFields, type RenderContext } from '../diagnostics/render.js'
import { visible } from '../diagnostics/escape.js'
import { snapshotAges, snapshotsOf, staleRanges } from '../diagnostics/stale.js'
import type { RequestLike } from '../core/request.js'
import type { RangeNames, RangeValue } from '../core/ranges.js'
import { listen, shutdown, urlOf, whoami, type Hypothetical } from './serve.js'
import { rangesCommand, rangesOf, watchOf } from './ranges.js'
import { UsageError } from './usage.js'

/** A stream the command writes to. */
export interface Output {
  write(text: string): unknown
  readonly isTTY?: boolean | undefined
}

/** Everything the command line touches outside itself. */
export interface Io {
  readonly stdout: Output
  readonly stderr: Output
  /** The environment (`NO_COLOR`). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Call `handler` on SIGINT and SIGTERM until the returned function is called. */
  readonly onSignal: (handler: (signal: string) => void) => () => void
  /** The package's version. */
  readonly version: () => string
}

const HELP = `Usage: proxy-trust <command> [options]

Explain how proxy-trust resolves requests behind reverse proxies: who sent them, to which host,
over which protocol, and which rule decided at each hop.

Commands:
  explain   explain one request described on the command line
  serve     run a "whoami" HTTP server that explains every request it receives
  ranges    fetch or list providers' address lists (Cloudflare, Fastly, CloudFront, Google)

Options:
  -h, --help      show this help (proxy-trust <command> --help for a command's options)
  -v, --version   print the version
`

const TRUST_HELP = `Trust (as compileTrust(setting, options) takes them):
  --trust SETTING          true, false, a hop count (a whole number: 2; Express reads a count
                           n as "trust hops i < n", so 0 and negative counts trust nothing), or
                           comma-separated addresses, subnets and names (loopback, linklocal,
                           uniquelocal, the provider names cloudflare, fastly, cloudfront and
                           google-lb, and those --ranges/--range define), or a JSON array of
                           them, read as settingFromEnv reads TRUST_PROXY (default: false)
  --platform NAME[,NAME]   a platform's setting and options, a chain outermost first:
                           cloudflare, cloudfront, aws-alb, google-cloud, azure-front-door,
                           fastly, fly-io, vercel, heroku, kubernetes-ingress-nginx, same-host
  --platform-option KEY=VALUE
                           an option the platforms need (vpc=10.0.0.0/16, loadBalancer=ADDR,
                           pods=CIDR, backend=CIDR[,CIDR...], frontDoorId=GUID,
                           clientIpFromVcl=true); repeat for more
  --source SOURCE          where client addresses are read: x-forwarded-for (default),
                           forwarded (RFC 7239), or header:NAME (one address, e.g. header:X-Real-IP)
  --strict                 preset 'strict': strict addresses, aligned host and protocol,
                           normalized addresses, extended range names
  --aligned                hostAndProto 'aligned': host and protocol from the proxy where the walk stopped
  --ports                  accept ports in X-Forwarded-For entries (1.2.3.4:5678, [2001:db8::1]:443)
  --strict-addresses       addresses 'strict': only canonical IPv4 and IPv6 spellings
  --normalize              return addresses in one canonical form
  --extended-ranges        also accept the range names private and cgnat
  --trust-socketless       trust a socket without an address (a unix socket)
  --max-forwarded N        the most Forwarded elements read (default: 32)
  --ranges FILE            range names from a JSON file (proxy-trust ranges fetch writes one)
  --range NAME=CIDR[,CIDR...]
                           a range name of your own for the setting; --range PROVIDER
                           (cloudflare, fastly, cloudfront, google-lb) names the shipped snapshot;
                           repeat for more
`

const EXPLAIN_HELP = `Usage: proxy-trust explain [--trust SETTING] [--remote ADDR] [--header "Name: value"]... [options]

Explain how one request resolves: each hop with the rule that decided its trust, where the walk
stopped and why, the answers (ip, ips, host, hostname, protocol, secure) with the header each came
from, and warnings about the setting and the request.

Request:
  --remote ADDR            the socket peer's address, an IP address (default: none, as on a
                           unix socket)
  --header "Name: value"   a request header; repeat for more (repeated names are joined with ", ")
  --encrypted              the connection is TLS: the socket's protocol is https

${TRUST_HELP}
Output:
  --json                   print JSON instead of text (see below)
  -h, --help               show this help

Each option but --header is given at most once. Exit status: 0 once explained (warnings or not);
2 for a bad setting or argument, a --remote that is not an IP address among them.

JSON (--json) is one object; absent values are null:
  trust      string  the --trust value as given
  options    object  the TrustOptions the flags made ({} for none)
  source     string  where hops are read: "x-forwarded-for", "forwarded" or a header name
  headers    object  the forwarding headers received, name: value
  hops       array   the socket peer first, then the source's entries nearest first:
                     { index, from, received, address, valid,
                       trusted: true | false | null (not asked), reason,
                       role: "proxy" | "client" | "ignored" }
  stop       object  { index (the client's hop), reason: "untrusted" | "end" | "malformed" | "limit",
                       message }
  result     object  resolveAddr's answer: { ip, ips, host, hostname, protocol, secure }
  from       object  the header each answer came from: { ip, ips, host, hostname, protocol, secure }
  ranges     array   the provider snapshots the setting uses:
                     { name, provider, source, retrieved (YYYY-MM-DD), days (its age) }
  warnings   array   { code, message, fix }

Example:
  proxy-trust explain --trust "loopback, 10.0.0.0/8" --remote 10.0.0.1 \\
    --header "X-Forwarded-For: 203.0.113.5, 10.0.0.2"
`

const SERVE_HELP = `Usage: proxy-trust serve [--trust SETTING] [--port 3000] [--host 127.0.0.1] [options]

Run a "whoami" HTTP server to deploy behind your proxy chain: it answers every request with the
explanation of that request, as text (curl), JSON (Accept: application/json) or an HTML page
(browsers); ?format=text|json|html overrides Accept. /explain is a playground: a form for a
setting, a peer address and request headers, answered with the page for that request. It logs one
line per request to stderr and stops on SIGINT or SIGTERM once open requests are answered. It
shows its trust setting and your proxies' addresses to whoever asks: run it while diagnosing, not
for good.

Server:
  --port PORT              the port to listen on (default: 3000; 0 picks a free one)
  --host HOST              the address to listen on (default: 127.0.0.1; :: or 0.0.0.0 for all)

${TRUST_HELP}
Provider lists kept current while it runs (see docs/guides/keeping-ranges-fresh.md):
  --watch-ranges PROVIDER[,PROVIDER...]
                           refresh these providers' lists daily (with jitter) and trust them by
                           name in --trust or --platform, over --ranges and the shipped snapshots;
                           each refresh passes the checks of ranges fetch
  --watch-url URL          replace the official URLs, in ranges fetch --url's order; repeat
  --watch-interval MS      milliseconds between refreshes (default: 86400000, a day)
  --watch-cache FILE       keep the last good lists in FILE and start from it

Options:
  -h, --help               show this help

Each option is given at most once. Exit status: 0 after a clean shutdown; 1 when it cannot listen;
2 for a bad setting or argument.

Example:
  proxy-trust serve --trust "loopback, 10.0.0.0/8" --port 8080
`


const TRUST_FLAGS = {
  trust: { type: 'string' },
  source: { type: 'string' },
  strict: { type: 'boolean' },
  aligned: { type: 'boolean' },
  ports: { type: 'boolean' },
  'strict-addresses': { type: 'boolean' },
  normalize: { type: 'boolean' },
  'extended-ranges': { type: 'boolean' },
  'trust-socketless': { type: 'boolean' },
  'max-forwarded': { type: 'string' },
  ranges: { type: 'string' },
  range: { type: 'string', multiple: true },
  platform: { type: 'string' },
  'platform-option': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const

const EXPLAIN_FLAGS = {
  ...TRUST_FLAGS,
  remote: { type: 'string' },
  header: { type: 'string', multiple: true },
  encrypted: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

const SERVE_FLAGS = {
  ...TRUST_FLAGS,
  port: { type: 'string' },
  host: { type: 'string' },
  'watch-ranges': { type: 'string' },
  'watch-url': { type: 'string', multiple: true },
  'watch-interval': { type: 'string' },
  'watch-cache': { type: 'string' },
} as const

/** What the trust flags give. */
type TrustValues = Partial<Record<'trust' | 'source' | 'max-forwarded' | 'ranges' | 'platform', string>> &
  { readonly range?: string[] | undefined; readonly 'platform-option'?: string[] | undefined } &
  Partial<Record<'strict' | 'aligned' | 'ports' | 'strict-addresses' | 'normalize' | 'extended-ranges' | 'trust-socketless', boolean>>

/**
 * Run the command line with `argv` (the arguments after the executable's path); resolves with the
 * exit status: 0, 1 when the server cannot listen, 2 for a usage error (reported in one line).
 *
 * @example
 * process.exitCode = await main(['explain', '--trust', 'loopback', '--remote', '127.0.0.1'], processIo(process.argv[1]))
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'explain':
        return explainCommand(rest, io)
      case 'serve':
        return await serveCommand(rest, io)
      case 'ranges':
        return await rangesCommand(rest, io)
      case '-h':
      case '--help':
        io.stdout.write(HELP)
        return 0
      case '-v':
      case '--version':
        io.stdout.write(io.version() + '\n')
        return 0
      case undefined:
        throw new UsageError('missing command: explain, serve or ranges (see proxy-trust --help)')
      default: {
        const near = nearest(command, ['explain', 'serve', 'ranges'])
        const hint = near === undefined ? '' : `; did you mean ${near}?`
        throw new UsageError(`unknown command ${JSON.stringify(command)}: expected explain, serve or ranges${hint} (see proxy-trust --help)`)
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    // an argument may hold anything, and the message quotes it: escape it for the terminal
    io.stderr.write(`proxy-trust: ${visible(error.message)}\n`)
    return 2
  }
}

type Flags = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly short?: string }>>

/**
 * The flags' values, as node:util's parseArgs reads `args`, with its errors turned into one-line
 * usage errors (an unknown flag with the nearest known one), a value that looks like a negative
 * number taken as a value (`--trust -1`, which parseArgs calls ambiguous), and a single-valued flag
 * given twice refused rather than the last one silently kept.
 */
function parse<F extends Flags>(args: readonly string[], flags: F, command: string): ReturnType<typeof parseArgs<{ options: F; strict: true; allowPositionals: false; tokens: true }>>['values'] {
  const joined: string[] = []
  for (let k = 0; k < args.length; k++) {
    const arg = args[k] as string
    const next = args[k + 1]
    const name = arg.startsWith('--') ? arg.substring(2) : ''
    if (flags[name]?.type === 'string' && next !== undefined && /^-[0-9.]/.test(next)) {
      joined.push(`${arg}=${next}`)
      k++
    } else {
      joined.push(arg)
    }
  }
  let parsed
  try {
    parsed = parseArgs({ args: joined, options: flags, strict: true, allowPositionals: false, tokens: true })
  } catch (error) {
    const message = (error as Error).message.split(/\.\s|\n/)[0] as string
    const unknown = /^Unknown option '--([^']*)'/.exec(message)?.[1]
    const near = unknown === undefined ? undefined : nearest(unknown, Object.keys(flags))
    const hint = near === undefined ? '' : `: did you mean --${near}?`
    throw new UsageError(`${message.charAt(0).toLowerCase()}${message.substring(1)}${hint} (see proxy-trust ${command} --help)`)
  }
  const seen = new Set<string>()
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || flags[token.name]?.multiple === true || flags[token.name]?.type !== 'string') continue
    if (seen.has(token.name)) {
      const list = token.name === 'trust' ? ': write every entry in one value, comma-separated (--trust "loopback, 10.0.0.0/8")' : ''
      throw new UsageError(`--${token.name} given more than once${list} (see proxy-trust ${command} --help)`)
    }
    seen.add(token.name)
  }
  return parsed.values
}

/**
 * The candidate nearest to `word` by edit distance (insertions, deletions, substitutions and
 * swaps of neighbours), when it is near enough to be a slip: at most 1 edit in a short word, 2 in
 * a longer one. Letter case counts as no edit.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Optimal string alignment distance: Levenshtein with adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[]
    const above = rows[i - 1] as number[]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2] as number[])[j - 2] as number + 1)
      row[j] = d
    }
  }
  return (rows[a.length] as number[])[b.length] as number
}

function explainCommand(args: readonly string[], io: Io): number {
  const values = parse(args, EXPLAIN_FLAGS, 'explain')
  if (values.help === true) {
    io.stdout.write(EXPLAIN_HELP)
    return 0
  }
  const { trust, setting, context } = trustOf(values)
  const req = requestOf(values.remote, values.header ?? [], values.encrypted === true)
  const explanation = explain(req, trust, setting)
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR
  io.stdout.write(values.json === true ? renderJson(explanation, context) : renderText(explanation, context, color))
  return 0
}

async function serveCommand(args: readonly string[], io: Io): Promise<number> {
  const values = parse(args, SERVE_FLAGS, 'serve')
  if (values.help === true) {
    io.stdout.write(SERVE_HELP)
    return 0
  }
  const port = portOf(values.port)
  const host = values.host ?? '127.0.0.1'
  const watcher = watchOf(values, io)
  let trusted
  try {
    trusted = trustOf(values, watcher)
  } catch (error) {
    // a bad setting ends the command before the watcher's first refresh (armed for the next turn)
    watcher?.close()
    throw error
  }
  const { trust, setting, context } = trusted
  const stale = staleRanges(snapshotAges(snapshotsOf(trust), Date.now()))
  for (const warning of [...lintSetting(setting), ...stale]) io.stderr.write(`warning: ${warning.code}: ${visible(warning.message)}\n`)

  let server
  try {
    // the playground at /explain: the form's fields read as explain's --trust, --remote and --header
    const playground = (fields: PlaygroundFields): Hypothetical => ({
      ...trustFrom(fields.trust, context.options),
      request: requestOf(fields.remote === '' ? undefined : fields.remote, fields.headers.split(/\r?\n/).filter((line) => line.trim() !== ''), false),
    })
    server = await listen(whoami({ trust, setting, context, playground }, io.stderr), port, host)
  } catch (error) {
    watcher?.close()
    io.stderr.write(`proxy-trust: ${visible(`cannot listen on ${host} port ${port}: ${(error as Error).message}`)}\n`)
    return 1
  }
  io.stdout.write(`listening on ${urlOf(server.address() as AddressInfo)}\n`)
  await new Promise<void>((resolve) => {
    const off = io.onSignal((signal) => {
      off()
      io.stderr.write(`${signal}: shutting down\n`)
      resolve()
    })
  })
  watcher?.close()
  await shutdown(server)
  return 0
}

/** The --port value, 3000 when it is not given. */
export function portOf(text: string | undefined): number {
  if (text === undefined) return 3000
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : -1
  if (port < 0 || port > 65535) throw new UsageError(`invalid --port ${JSON.stringify(text)}: expected 0 to 65535`)
  return port
}

/**
 * The trust setting as the command line writes it: `true`, `false`, a hop count (a whole number,
 * negative ones too, which Express reads as trusting nothing), or a list.
 */
export function settingOf(text: string): TrustSetting {
  if (text === 'true') return true
  if (text === 'false') return false
  if (/^-?[0-9]+$/.test(text)) return Number(text)
  return text
}

/** The range names, and those that need --extended-ranges. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal']
const EXTENDED_NAMES = ['private', 'cgnat']

/**
 * The --trust list's entries checked for the slips compileTrust would report without a hint: an
 * empty entry, a range name that needs --extended-ranges, a near miss of a range name.
 */
function checkEntries(text: string, extended: boolean): void {
  const fail = (why: string): never => {
    throw new UsageError(`invalid --trust ${JSON.stringify(text)}: ${why}`)
  }
  const names = extended ? [...RANGE_NAMES, ...EXTENDED_NAMES] : RANGE_NAMES
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') fail('empty entry in trust setting')
    if (!extended && EXTENDED_NAMES.includes(entry)) fail(`${JSON.stringify(entry)} is a range name only with --extended-ranges`)
    // an address, a subnet, or a name: only a word that is none of them can be a slip
    if (names.includes(entry) || /[0-9:./]/.test(entry)) continue
    const near = nearest(entry, [...RANGE_NAMES, ...EXTENDED_NAMES])
    if (near === undefined) continue
    const needs = !extended && EXTENDED_NAMES.includes(near) ? ' (with --extended-ranges)' : ''
    fail(`invalid IP address: ${entry}: did you mean ${JSON.stringify(near)}${needs}?`)
  }
}

/** The predicate, setting and rendering context the trust flags describe. */
function trustOf(values: TrustValues, watched?: RangeNames): { trust: TrustFn; setting: TrustSetting; context: RenderContext } {
  if (values.platform !== undefined) return platformTrustOf(values, values.platform, watched)
  if (values['platform-option'] !== undefined) throw new UsageError('--platform-option needs --platform (see proxy-trust explain --help)')
  const flags = optionsOf(values)
  const options = watched === undefined ? flags : { ...flags, ranges: freshest(undefined, flags.ranges, watched) }
  return trustFrom(values.trust ?? 'false', options)
}

/**
 * The lists of each range name, the freshest kind winning where several name it: a list kept
 * current (--watch-ranges) over one read at start (--ranges, --range), over a platform's shipped
 * snapshot. So the list `ranges fetch` wrote, or the watcher keeps, is the one trusted.
 */
function freshest(shipped: RangeNames | undefined, given: RangeNames | undefined, watched: RangeNames | undefined): RangeNames | undefined {
  if (shipped === undefined && given === undefined && watched === undefined) return undefined
  return { ...shipped, ...given, ...watched }
}

/**
 * The predicate, setting and rendering context of a --trust text with options already read (a copy:
 * provider names in the text add their snapshots to it, unless a list of that name is given).
 */
function trustFrom(text: string, given: TrustOptions): { trust: TrustFn; setting: TrustSetting; context: RenderContext } {
  const options: Writable<TrustOptions> = { ...given }
  const setting = text.trimStart().startsWith('[') ? jsonSettingOf(text, options) : settingOf(text)
  if (typeof setting === 'string') {
    checkEntries(text, options.extendedRanges === true || options.preset === 'strict')
    providerRanges(setting.split(',').map((entry) => entry.trim()), options)
  }
  let trust: TrustFn
  try {
    trust = compileTrust(setting, options)
  } catch (error) {
    throw new UsageError(`invalid --trust ${JSON.stringify(text)}: ${(error as Error).message}`)
  }
  return { trust, setting, context: { trust: text, options } }
}

/**
 * A JSON array in --trust, read as settingFromEnv reads it (with the names --ranges and --range
 * define); its provider names stay names, standing for the shipped snapshots, as in a list.
 */
function jsonSettingOf(text: string, options: Writable<TrustOptions>): TrustSetting {
  let entries: unknown
  try {
    entries = JSON.parse(text)
  } catch {
    entries = undefined
  }
  const names = Array.isArray(entries) ? entries.filter((entry): entry is string => typeof entry === 'string' && PROVIDER_SNAPSHOTS.has(entry.trim())) : []
  try {
    // validated with the provider names as names of their own, so that they are kept as names
    const own = Object.fromEntries(names.map((name) => [name.trim(), PROVIDER_SNAPSHOTS.get(name.trim()) as RangeValue]))
    const setting = settingFromEnv(text, '--trust', { ranges: { ...own, ...options.ranges } })
    providerRanges(names.map((name) => name.trim()), options)
    return setting
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** A provider name in the setting that --ranges and --range leave undefined names the shipped snapshot. */
function providerRanges(entries: readonly string[], options: Writable<TrustOptions>): void {
  for (const entry of entries) {
    const snapshot = PROVIDER_SNAPSHOTS.get(entry)
    if (snapshot === undefined || options.ranges?.[entry] !== undefined) continue
    options.ranges = { ...options.ranges, [entry]: snapshot }
  }
}

/** --platform: the setting and options of `platform(names, options)`, beside the other flags. */
function platformTrustOf(values: TrustValues, names: string, watched: RangeNames | undefined): { trust: TrustFn; setting: TrustSetting; context: RenderContext } {
  if (values.trust !== undefined) throw new UsageError('--platform and --trust both given: --platform sets the trust setting (see proxy-trust explain --help)')
  const given: Record<string, string | string[] | boolean> = {}
  for (const spec of values['platform-option'] ?? []) {
    const equals = spec.indexOf('=')
    const key = equals === -1 ? '' : spec.substring(0, equals)
    if (key === '') throw new UsageError(`invalid --platform-option ${JSON.stringify(spec)}: expected KEY=VALUE`)
    if (key === 'edgeProof') throw new UsageError('--platform-option edgeProof is not read from a command line, where other users see it: give edgeProof in code')
    given[key] = platformOptionValue(spec.substring(equals + 1))
  }
  let built
  try {
    built = platform(names, given as PlatformOptions)
  } catch (error) {
    throw new UsageError(`invalid --platform ${JSON.stringify(names)}: ${(error as Error).message}`)
  }
  const flags = optionsOf(values)
  const ranges = freshest(built.options.ranges, flags.ranges, watched)
  const options: TrustOptions = { ...flags, ...built.options, ...(ranges === undefined ? {} : { ranges }) }
  const trust = compileTrust(built.setting, options)
  return { trust, setting: built.setting, context: { trust: `--platform ${names}: ${JSON.stringify(built.setting)}`, options } }
}

/** A --platform-option value: `true` or `false`, a comma-separated list, or one text. */
function platformOptionValue(value: string): string | string[] | boolean {
  if (value === 'true' || value === 'false') return value === 'true'
  const list = value.split(',').map((entry) => entry.trim())
  return list.length === 1 ? value.trim() : list
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

function optionsOf(values: TrustValues): TrustOptions {
  const options: Writable<TrustOptions> = {}
  if (values.strict === true) options.preset = 'strict'
  if (values.source !== undefined) options.source = sourceOf(values.source)
  if (values.ports === true) options.ports = true
  if (values.aligned === true) options.hostAndProto = 'aligned'
  if (values['strict-addresses'] === true) options.addresses = 'strict'
  if (values.normalize === true) options.normalize = true
  if (values['extended-ranges'] === true) options.extendedRanges = true
  if (values['trust-socketless'] === true) options.trustSocketless = true
  const ranges = rangesOf(values.ranges, values.range ?? [])
  if (ranges !== undefined) options.ranges = ranges
  const max = values['max-forwarded']
  if (max !== undefined) {
    if (!/^[0-9]+$/.test(max) || Number(max) < 1) {
      throw new UsageError(`invalid --max-forwarded ${JSON.stringify(max)}: expected a whole number of at least 1`)
    }
    options.maxForwarded = Number(max)
  }
  return options
}

function sourceOf(text: string): AddressSource {
  if (text === 'x-forwarded-for' || text === 'forwarded') return text
  if (text.toLowerCase().startsWith('header:')) {
    const header = text.substring(7)
    if (!TOKEN.test(header)) throw new UsageError(`invalid --source ${JSON.stringify(text)}: expected header:NAME, NAME a header name`)
    return { header }
  }
  throw new UsageError(`invalid --source ${JSON.stringify(text)}: expected x-forwarded-for, forwarded or header:NAME`)
}

/** RFC 9110 token: what a header name is made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * The request the flags describe; repeated header names are joined with ", " as Node joins them. A
 * --remote that is not an IP address (any spelling proxy-addr reads, with a zone or not) is refused:
 * a socket's peer is always one, and a typo would otherwise explain a request no server receives.
 */
export function requestOf(remote: string | undefined, lines: readonly string[], encrypted: boolean): RequestLike {
  if (remote !== undefined && parseAddress(remote, new Int32Array(4)) === Kind.Invalid) {
    throw new UsageError(`invalid --remote ${JSON.stringify(remote)}: expected an IP address (leave --remote out for a socket without one)`)
  }
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.substring(0, colon).trim().toLowerCase()
    if (colon === -1 || !TOKEN.test(name)) throw new UsageError(`invalid --header ${JSON.stringify(line)}: expected "Name: value"`)
    const value = line.substring(colon + 1).trim()
    const earlier = headers.get(name)
    headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`)
  }
  return { socket: { remoteAddress: remote, encrypted }, headers: Object.fromEntries(headers) }
}

/**
 * The version in the package.json of proxy-trust that holds `script` (the executable's path, as in
 * `process.argv[1]`, which may be a link), or `unknown`.
 */
export function packageVersion(script: string | undefined): string {
  if (script === undefined) return 'unknown'
  let dir = dirname(realpathSync(script))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'proxy-trust') return String(pkg.version)
    } catch {
      // no readable package.json here: look further up
    }
    const parent = dirname(dir)
    if (parent === dir) return 'unknown'
    dir = parent
  }
}

/** The I/O of this process, for the executable. */
export function processIo(script: string | undefined): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    onSignal: (handler) => {
      const listener = (signal: NodeJS.Signals): void => handler(signal)
      process.on('SIGINT', listener)
      process.on('SIGTERM', listener)
      return () => {
        process.off('SIGINT', listener)
        process.off('SIGTERM', listener)
      }
    },
    version: () => packageVersion(script),
  }
}
