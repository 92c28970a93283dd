// options.ts: the opt-in behaviour beyond Express, validated once at compile time. With no options
// every answer is Express's.

import { EXPRESS } from './express.js'
import { compileAllowedHosts, type AllowedHosts } from './extras.js'
import type { RangeNames } from './ranges.js'

/** Where the client's address is read from. */
export type AddressSource =
  /** `X-Forwarded-For`, right to left (Express's only source). */
  | 'x-forwarded-for'
  /** RFC 7239 `Forwarded`, the `for=` of each element, right to left. */
  | 'forwarded'
  /**
   * A header that holds exactly one address, such as `X-Real-IP` or `CF-Connecting-IP`. With
   * `port: true` the value always ends in `:port` (Amazon CloudFront's `CloudFront-Viewer-Address`
   * writes `198.51.100.10:46532` and IPv6 without brackets, `2001:db8::1:46532`): the text after the
   * last colon must be a port, and the address before it is read.
   */
  | { readonly header: string; readonly port?: boolean | undefined }

/**
 * Options for `compileTrust(setting, options)`. Each one is off (Express's behaviour) by default;
 * `preset: 'strict'` turns the secure choices on together, and options given beside it win.
 */
export interface TrustOptions {
  /**
   * Turn on the secure choices together: `addresses: 'strict'`, `hostAndProto: 'aligned'`,
   * `normalize: true`, `extendedRanges: true`.
   * @default undefined (Express's behaviour)
   */
  readonly preset?: 'strict' | undefined
  /**
   * Where the client address is read. Only this source is read: `'forwarded'` never falls back to
   * `X-Forwarded-For`, nor the reverse.
   * @default 'x-forwarded-for'
   */
  readonly source?: AddressSource | undefined
  /**
   * Accept a port in `X-Forwarded-For` entries (`1.2.3.4:5678`, `[2001:db8::1]:443`): the address
   * is matched and returned without it.
   * @default false
   */
  readonly ports?: boolean | undefined
  /**
   * Where `host` and `protocol` come from: `'leftmost'` is Express's (the first `X-Forwarded-Host` /
   * `-Proto` value when the peer is trusted); `'aligned'` takes the value the outermost trusted proxy
   * wrote, validated, and otherwise the socket's own.
   * @default 'leftmost'
   */
  readonly hostAndProto?: 'leftmost' | 'aligned' | undefined
  /**
   * `'compatible'` reads addresses as proxy-addr does (ipaddr.js 1.9.1, which accepts `0177.0.0.1`
   * and `2130706433`); `'strict'` accepts only canonical dotted-quad IPv4 and RFC 4291 section 2.2
   * IPv6 (hex groups, optionally with a zone, and the forms ending in a dotted quad such as
   * `64:ff9b::192.0.2.1`, which ipaddr.js 1.9.1 refuses), rejects other spellings in the setting with
   * a TypeError, treats them
   * as untrusted in headers, and makes `ip` undefined when the client entry is not an address.
   * @default 'compatible'
   */
  readonly addresses?: 'compatible' | 'strict' | undefined
  /**
   * Return addresses in one canonical text: IPv4-mapped IPv6 as IPv4, IPv6 lower-cased and
   * compressed as RFC 5952 says.
   * @default false
   */
  readonly normalize?: boolean | undefined
  /**
   * Also accept the range names `private` (loopback, linklocal and uniquelocal together) and `cgnat`
   * (100.64.0.0/10, RFC 6598).
   * @default false
   */
  readonly extendedRanges?: boolean | undefined
  /**
   * IPv6 zone ids (`fe80::1%eth0`): `'ignore'` matches addresses whatever their zone, as proxy-addr
   * 2.0.8 does; `'match'` makes a zoned setting entry hold only addresses of the same zone (an entry
   * without a zone still holds every zone), as @fastify/proxy-addr 5 does.
   * @default 'ignore'
   */
  readonly zones?: 'ignore' | 'match' | undefined
  /**
   * Treat a socket without an address (a unix socket, some hosting shims) as a trusted proxy. Only
   * safe when nothing but your own proxy can reach that socket.
   * @default false
   */
  readonly trustSocketless?: boolean | undefined
  /**
   * The most `Forwarded` elements read per request (with `source: 'forwarded'`); the walk ends there.
   * @default 32
   */
  readonly maxForwarded?: number | undefined
  /**
   * Range names of your own, usable in the setting like `loopback`: each a list of addresses and
   * subnets, or a provider snapshot from `proxy-trust/ranges` or `loadRanges(file)`. Names are
   * lower-case tokens that may not shadow the built-in names. Only the names change: the answers
   * stay Express's for what the setting then holds.
   * @default undefined (only the built-in names)
   * @example compileTrust('loopback, office, cloudflare', { ranges: { office: ['203.0.113.0/24'], cloudflare } })
   */
  readonly ranges?: RangeNames | undefined
  /**
   * Bind trust to your own edge: the socket peer is trusted only when the request carries `header`
   * with one of `values` (a secret your CDN adds, such as `X-Origin-Verify`, or Azure Front Door's
   * `X-Azure-FDID`). Without it the peer is untrusted and is the client, which `explain` says. The
   * values are compared in constant time and never shown (not in errors, explanations or renders).
   * Each value is 16 to 256 visible ASCII characters; give several to rotate a secret.
   * @default undefined (no proof asked)
   * @example compileTrust('cloudflare', { ranges: { cloudflare }, edgeProof: { header: 'x-origin-verify', values: [process.env.ORIGIN_SECRET] } })
   */
  readonly edgeProof?: EdgeProof | undefined
  /**
   * Return `port`: the `X-Forwarded-Port` a trusted proxy wrote, from the same hop as host and
   * protocol under `hostAndProto: 'aligned'` (with `'leftmost'`, only a single value from a trusted
   * peer), when it is a port from 1 to 65535 in plain decimal; otherwise `port` is undefined. Not
   * with `source: 'forwarded'`: RFC 7239 section 5 defines no port parameter (a port is part of `host=`).
   * @default false
   * @example compileTrust('10.0.0.0/8', { hostAndProto: 'aligned', forwardedPort: true })
   */
  readonly forwardedPort?: boolean | undefined
  /**
   * Return `prefix`: the `X-Forwarded-Prefix` a trusted proxy wrote (the path the application is
   * mounted at), read as `forwardedPort` reads the port, when it is a safe path prefix (see
   * `isValidPrefix`: one leading `/`, no `//`, no `.` or `..` segments, at most 1024 characters);
   * otherwise `prefix` is undefined. Not with `source: 'forwarded'` (RFC 7239 has no such parameter).
   * @default false
   * @example compileTrust('10.0.0.0/8', { hostAndProto: 'aligned', forwardedPrefix: true })
   */
  readonly forwardedPrefix?: boolean | undefined
  /**
   * The hosts a forwarded host (X-Forwarded-Host, or Forwarded's `host=`) may name: exact names and
   * `*.name` for every name below it, case-insensitive, ports not matched. A forwarded host outside
   * the list is ignored and `host` is the request's own `Host` (as ASP.NET Core's
   * `ForwardedHeadersOptions.AllowedHosts`); `explain` says so (`HOST_NOT_ALLOWED`).
   * @default undefined (every valid host)
   * @example compileTrust('10.0.0.0/8', { allowedHosts: ['shop.example', '*.shop.example'] })
   */
  readonly allowedHosts?: readonly string[] | undefined
}

/** What a trusted edge sends to prove it is yours (the `edgeProof` option). */
export interface EdgeProof {
  /** The header your edge adds, such as `x-origin-verify` or `x-azure-fdid`. */
  readonly header: string
  /** The accepted values: the secret (or Front Door ID), more than one while rotating. */
  readonly values: readonly string[]
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly source: 'x-forwarded-for' | 'forwarded' | 'header'
  /** The single-address header's lower-case name, with `source: { header }`. */
  readonly header: string
  /** `source: { header, port: true }`: the header's value ends in `:port`. */
  readonly headerPort: boolean
  readonly ports: boolean
  readonly aligned: boolean
  readonly strict: boolean
  readonly normalize: boolean
  readonly extendedRanges: boolean
  /** `zones: 'match'`. */
  readonly matchZones: boolean
  readonly trustSocketless: boolean
  readonly maxForwarded: number
  /** The `edgeProof` header's lower-case name; empty when no proof is asked. */
  readonly proofHeader: string
  /** The `edgeProof` values. */
  readonly proofValues: readonly string[]
  readonly forwardedPort: boolean
  readonly forwardedPrefix: boolean
  /** The `allowedHosts` list compiled; null when every host is allowed. */
  readonly allowedHosts: AllowedHosts | null
}

const KNOWN = new Set([
  'preset', 'source', 'ports', 'hostAndProto', 'addresses', 'normalize', 'extendedRanges', 'zones', 'trustSocketless',
  'maxForwarded', 'ranges', 'edgeProof', 'forwardedPort', 'forwardedPrefix', 'allowedHosts',
])

/** Headers a walk reads as hops or answers: a proof in one of them would be read as something else. */
const READ_HEADERS = new Set(['x-forwarded-for', 'forwarded', 'x-forwarded-host', 'x-forwarded-proto', 'host'])

/** A proof value: visible ASCII without spaces, long enough not to be guessed. */
const PROOF_VALUE = /^[!-~]{16,256}$/

/** RFC 7230 token: the characters a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function failOption(name: string, value: unknown, expected: string): never {
  throw new TypeError(`invalid option ${name}: ${describeValue(value)} (expected ${expected})`)
}

/** A readable rendering of a value, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  // JSON has no NaN, Infinity, bigint, symbol or undefined: their own names say more
  if (typeof value === 'number' || typeof value === 'symbol' || value === undefined) return String(value)
  if (typeof value === 'bigint') return `${value}n`
  try {
    const text: string | undefined = JSON.stringify(value)
    if (text !== undefined) return text
  } catch {
    // a cycle, or a bigint inside: JSON cannot write it
  }
  return Object.prototype.toString.call(value)
}

function flag(options: TrustOptions, name: 'ports' | 'normalize' | 'extendedRanges' | 'trustSocketless' | 'forwardedPort' | 'forwardedPrefix', preset: boolean): boolean {
  const value: unknown = options[name]
  if (value === undefined) return preset
  if (typeof value !== 'boolean') failOption(name, value, 'true or false')
  return value
}

/**
 * Validate options and fill in the defaults.
 *
 * @throws {TypeError} `invalid option <name>: <value> (expected …)`, `unknown option: <name>`.
 */
export function resolveOptions(options: TrustOptions | undefined): ResolvedOptions {
  if (options === undefined) return EXPRESS
  if (options === null || typeof options !== 'object') failOption('options', options, 'an object')
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new TypeError(`unknown option: ${name}`)
  }

  const preset: unknown = options.preset
  if (preset !== undefined && preset !== 'strict') failOption('preset', preset, "'strict'")
  const strictPreset = preset === 'strict'

  let source: ResolvedOptions['source'] = 'x-forwarded-for'
  let header = ''
  let headerPort = false
  const rawSource: unknown = options.source
  if (rawSource === 'forwarded') {
    source = 'forwarded'
  } else if (typeof rawSource === 'object' && rawSource !== null) {
    const name: unknown = (rawSource as { header?: unknown }).header
    if (typeof name !== 'string' || !TOKEN.test(name)) failOption('source.header', name, 'a header name')
    const port: unknown = (rawSource as { port?: unknown }).port
    if (port !== undefined && typeof port !== 'boolean') failOption('source.port', port, 'true or false')
    source = 'header'
    header = name.toLowerCase()
    headerPort = port === true
  } else if (rawSource !== undefined && rawSource !== 'x-forwarded-for') {
    failOption('source', rawSource, "'x-forwarded-for', 'forwarded' or { header: name }")
  }

  const hostAndProto: unknown = options.hostAndProto
  if (hostAndProto !== undefined && hostAndProto !== 'leftmost' && hostAndProto !== 'aligned') {
    failOption('hostAndProto', hostAndProto, "'leftmost' or 'aligned'")
  }
  const addresses: unknown = options.addresses
  if (addresses !== undefined && addresses !== 'compatible' && addresses !== 'strict') {
    failOption('addresses', addresses, "'compatible' or 'strict'")
  }
  const zones: unknown = options.zones
  if (zones !== undefined && zones !== 'ignore' && zones !== 'match') failOption('zones', zones, "'ignore' or 'match'")
  const maxForwarded: unknown = options.maxForwarded ?? EXPRESS.maxForwarded
  if (typeof maxForwarded !== 'number' || !Number.isInteger(maxForwarded) || maxForwarded < 1) {
    failOption('maxForwarded', maxForwarded, 'a whole number of at least 1')
  }

  const proof = proofOf(options.edgeProof, header)
  const forwardedPort = flag(options, 'forwardedPort', false)
  const forwardedPrefix = flag(options, 'forwardedPrefix', false)
  if (source === 'forwarded' && (forwardedPort || forwardedPrefix)) {
    // RFC 7239 section 5 defines for=, by=, host= and proto= only: reading X-Forwarded-Port beside
    // Forwarded would take a value from a header the walk does not read, from no known hop
    failOption(forwardedPort ? 'forwardedPort' : 'forwardedPrefix', true, "false with source 'forwarded', whose header has no port or prefix parameter (RFC 7239 section 5): read the port from host, or use source 'x-forwarded-for'")
  }
  const allowedHosts = options.allowedHosts === undefined ? null : compileAllowedHosts(options.allowedHosts, describeValue)

  const resolved: ResolvedOptions = {
    source,
    header,
    headerPort,
    ports: flag(options, 'ports', false),
    aligned: hostAndProto === undefined ? strictPreset : hostAndProto === 'aligned',
    strict: addresses === undefined ? strictPreset : addresses === 'strict',
    normalize: flag(options, 'normalize', strictPreset),
    extendedRanges: flag(options, 'extendedRanges', strictPreset),
    matchZones: zones === 'match',
    trustSocketless: flag(options, 'trustSocketless', false),
    maxForwarded,
    proofHeader: proof.header,
    proofValues: proof.values,
    forwardedPort,
    forwardedPrefix,
    allowedHosts,
  }
  // options that change nothing keep the exact, fast path
  const same = (Object.keys(EXPRESS) as (keyof ResolvedOptions)[]).every((key) => key === 'proofValues' || resolved[key] === EXPRESS[key])
  return same ? EXPRESS : resolved
}

/**
 * The `edgeProof` option validated: a header name the walk reads for nothing else, and values that
 * are never written into an error (a TypeError names the position of a bad value, not the value).
 */
function proofOf(given: unknown, sourceHeader: string): { header: string; values: readonly string[] } {
  if (given === undefined) return { header: '', values: EXPRESS.proofValues }
  if (given === null || typeof given !== 'object') failOption('edgeProof', given, '{ header, values }')
  const { header, values } = given as { header?: unknown; values?: unknown }
  if (typeof header !== 'string' || !TOKEN.test(header)) failOption('edgeProof.header', header, 'a header name')
  const name = header.toLowerCase()
  if (READ_HEADERS.has(name) || name === sourceHeader) {
    failOption('edgeProof.header', header, 'a header of its own, not one the walk reads for addresses, host or protocol')
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw new TypeError('invalid option edgeProof.values: expected a non-empty list of secret strings (values are not shown)')
  }
  values.forEach((value: unknown, k) => {
    if (typeof value !== 'string' || !PROOF_VALUE.test(value)) {
      throw new TypeError(`invalid option edgeProof.values[${k}]: expected 16 to 256 visible ASCII characters without spaces (the value is not shown)`)
    }
  })
  return { header: name, values: Object.freeze([...values as string[]]) }
}
