// properties.test.ts: the security and robustness claims as generated properties. For every trust
// form (true, hop counts, address lists and ranges, custom functions) and every request shape (plain
// objects, headers as lists, as non-strings or missing, sockets missing, Fetch `Request`s through
// fromFetch), with no options and with each option on:
//
// 1. request-time calls (resolveAddr, proxyaddr, proxyaddr.all) never throw, whatever the headers
//    hold;
// 2. `ip` is the socket address or one of the source header's entries (or undefined where the
//    options say a hop that is not an address has none);
// 3. `ip` is never an entry to the left of the first untrusted hop;
// 4. when the socket peer is untrusted, `ip` is the socket address and every forwarding header
//    (X-Forwarded-For, -Host, -Proto, Forwarded, X-Real-IP) is ignored;
// 5. a client cannot choose its address: changing or adding anything to the left of the first
//    untrusted hop changes neither `ip` nor `ips`;
// 6. `ips` is consistent with `ip` and with `proxyaddr.all`.
//
// Requests are modelled as what the network wrote: the peer, the entries the proxies appended
// (clean addresses, so that the model knows where each hop is), and what the client sent (anything
// at all). The model reads a request only through the documented contract: the socket is
// `req.socket` or else `req.connection`; a header is its string, a list joined with ", ", a Fetch
// `Headers` value, and anything else is absent.
//
// Runs: `RUNS` below, per property and option set (each test name states its count). The seed is
// fixed so that every run checks the same inputs; set FC_SEED to explore others.

import { isIPv6 } from 'node:net'
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import {
  compileTrust, fromFetch, proxyaddr, resolveAddr, type RequestLike, type ResolvedAddr, type TrustFn,
  type TrustOptions, type TrustSetting,
} from '../src/index.js'
import * as gen from './fixtures/generators.js'

const SEED = process.env.FC_SEED === undefined ? 20_251_122 : Number(process.env.FC_SEED)

/** Runs per property and option set. */
const RUNS = {
  noThrow: 300,
  provenance: 250,
  leftOfUntrusted: 250,
  untrustedPeer: 200,
  clientCannotChoose: 250,
  consistency: 200,
  unstringifiable: 100,
} as const

function check<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number): void {
  fc.assert(fc.property(arbitrary, predicate), { numRuns, seed: SEED })
}

// ---------------------------------------------------------------------------------------------------
// Option sets and what the model reads from them

interface OptionSet {
  readonly name: string
  readonly options: TrustOptions | undefined
}

const OPTION_SETS: readonly OptionSet[] = [
  { name: 'no options (Express)', options: undefined },
  { name: "source: 'forwarded'", options: { source: 'forwarded' } },
  { name: "source: { header: 'X-Real-IP' }", options: { source: { header: 'X-Real-IP' } } },
  { name: 'ports: true', options: { ports: true } },
  { name: "hostAndProto: 'aligned'", options: { hostAndProto: 'aligned' } },
  { name: "addresses: 'strict'", options: { addresses: 'strict' } },
  { name: 'normalize: true', options: { normalize: true } },
  { name: 'extendedRanges: true', options: { extendedRanges: true } },
  { name: 'trustSocketless: true', options: { trustSocketless: true } },
  { name: 'maxForwarded: 2', options: { maxForwarded: 2 } },
  { name: "source: 'forwarded', maxForwarded: 2", options: { source: 'forwarded', maxForwarded: 2 } },
  { name: "preset: 'strict'", options: { preset: 'strict' } },
]

/** What the model needs to know of the options, read from them as the documentation states. */
interface Mode {
  readonly express: boolean
  readonly source: 'x-forwarded-for' | 'forwarded' | 'header'
  readonly ports: boolean
  readonly normalize: boolean
  readonly extendedRanges: boolean
  /** Whether a hop that is not an address is returned as it stands (compatible X-Forwarded-For mode). */
  readonly lenient: boolean
}

function modeOf(options: TrustOptions | undefined): Mode {
  const preset = options?.preset === 'strict'
  let source: Mode['source'] = 'x-forwarded-for'
  if (options?.source === 'forwarded') source = 'forwarded'
  else if (typeof options?.source === 'object') source = 'header'
  const strict = options?.addresses === undefined ? preset : options.addresses === 'strict'
  return {
    express: options === undefined,
    source,
    ports: options?.ports === true,
    normalize: options?.normalize ?? preset,
    extendedRanges: options?.extendedRanges ?? preset,
    lenient: !strict && source === 'x-forwarded-for',
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests as the network wrote them

const HEADER_NAMES = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto', 'host'] as const
type HeaderName = (typeof HEADER_NAMES)[number]

/** What the client sent: any value for any of the headers the library reads. */
type ClientHeaders = Partial<Record<HeaderName, string>>

/** A Forwarded element a proxy appended, and the address a walk reads from its `for`. */
interface Element {
  readonly text: string
  readonly hop: string | undefined
}

/** A request as it reaches the app. */
interface Scenario {
  readonly peer: string | undefined
  readonly encrypted: boolean | undefined
  /** X-Forwarded-For entries the proxies appended, farthest first: the last one is hop 1. */
  readonly appended: readonly string[]
  /** Forwarded elements the proxies appended, farthest first. */
  readonly elements: readonly Element[]
  /** X-Real-IP as the proxy in front of the app set it, when it did (it wins over the client's). */
  readonly realIp: string | undefined
  readonly client: ClientHeaders
}

/** The lines of each header, the client's first, as they arrive (Node joins them with ", "). */
function linesOf(s: Scenario, name: HeaderName): string[] {
  const client = s.client[name]
  const lines = client === undefined ? [] : [client]
  if (name === 'x-forwarded-for' && s.appended.length > 0) lines.push(s.appended.join(', '))
  if (name === 'forwarded' && s.elements.length > 0) lines.push(s.elements.map((e) => e.text).join(', '))
  if (name === 'x-real-ip' && s.realIp !== undefined) return [s.realIp]
  return lines
}

/** Hostile header text: separators, quotes, NUL, lone surrogates, emoji, Latin-1, very long runs. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({
      unit: fc.constantFrom(...',;= "\\[]:%_.\t1270fF:x', '\u0000', '\u00e9', '\u00ff', '\ud800', '\u{1f600}', 'for=', ', '),
      maxLength: 30,
    }),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: gen.forwardedFor },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '', ',', ' ', '\u0000', '\t', 'for=', 'for="', '"', 'for=unknown', 'for="[::1]"', 'for=127.0.0.1',
      'for=127.0.0.1;proto=https;host=evil.example', '127.0.0.1', '::1', '10.0.0.1, 127.0.0.1', 'https', 'evil.example',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('1.2.3.4, ', ',', ' ', 'x', 'for=10.0.0.1, ', '"', '\u0000', '\\"', '127.0.0.1,'),
      fc.integer({ min: 500, max: 20_000 }),
    ).map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length))),
  },
)

const clientHeaders: fc.Arbitrary<ClientHeaders> = fc.record({
  'x-forwarded-for': fc.oneof(hostileText, gen.forwardedFor),
  forwarded: hostileText,
  'x-real-ip': fc.oneof(hostileText, gen.address),
  'x-forwarded-host': fc.oneof(hostileText, gen.forwardedHost),
  'x-forwarded-proto': fc.oneof(hostileText, gen.forwardedProto),
  host: fc.oneof(gen.hostValue, hostileText),
}, { requiredKeys: [] })

/**
 * What a proxy writes is clean: no list separator, no surrounding whitespace, only characters a
 * header can carry, so that the model knows where each of its hops is in every request shape.
 */
function isClean(value: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e\xa1-\xff](?:[\x20-\x2b\x2d-\x7e\xa1-\xff]*[\x21-\x2b\x2d-\x7e\xa1-\xff])?$/.test(value)
}

const proxyEntry: fc.Arbitrary<string> = gen.hopAddress.filter(isClean)

const V4_NODES = [...new Set([...gen.IPV4_POOL, ...gen.PROXY_POOL.filter((a) => !a.includes(':'))])]
const V6_NODES = [...new Set([...gen.IPV6_POOL, ...gen.PROXY_POOL.filter((a) => a.includes(':'))])]

/** A `for` value a proxy writes (RFC 7239 section 6), and the address a walk reads from it. */
const forwardedNode: fc.Arbitrary<{ readonly value: string; readonly hop: string | undefined }> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...V4_NODES).map((a) => ({ value: a, hop: a })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...V4_NODES), fc.nat(65535)).map(([a, p]) => ({ value: `"${a}:${p}"`, hop: a })) },
  { weight: 3, arbitrary: fc.constantFrom(...V6_NODES).map((a) => ({ value: `"[${a}]"`, hop: a })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...V6_NODES), fc.nat(65535)).map(([a, p]) => ({ value: `"[${a}]:${p}"`, hop: a })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { value: 'unknown', hop: undefined }, { value: '_hidden', hop: undefined }, { value: '"_hidden:_port"', hop: undefined },
      { value: '0177.0.0.1', hop: undefined }, { value: '"[fe80::1%eth0]"', hop: undefined }, { value: '"unknown:8080"', hop: undefined },
    ),
  },
)

const element: fc.Arbitrary<Element> = fc.tuple(
  forwardedNode,
  fc.option(fc.constantFrom('proto=https', 'proto=http', 'proto=HTTPS', 'proto=wss'), { nil: undefined }),
  fc.option(fc.constantFrom('host=example.com', 'host="shop.example:8443"', 'host="[2001:db8::1]"', 'host=evil.example'), { nil: undefined }),
  fc.option(fc.constantFrom('by=10.0.0.1', 'by="[::1]:80"', 'by=_lb'), { nil: undefined }),
  fc.boolean(),
).map(([node, proto, host, by, forFirst]) => {
  const rest = [proto, host, by].filter((p) => p !== undefined)
  const pairs = forFirst ? [`for=${node.value}`, ...rest] : [...rest, `for=${node.value}`]
  return { text: pairs.join(';'), hop: node.hop }
})

const scenario: fc.Arbitrary<Scenario> = fc.record({
  peer: fc.option(gen.hopAddress, { nil: undefined, freq: 8 }),
  encrypted: fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
  appended: fc.array(proxyEntry, { maxLength: 5 }),
  elements: fc.array(element, { maxLength: 5 }),
  realIp: fc.option(proxyEntry, { nil: undefined, freq: 2 }),
  client: clientHeaders,
})

// ---------------------------------------------------------------------------------------------------
// Request shapes

/** Values a header may hold in a request object that Node did not build. */
const oddValue: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  42, 0, -1, NaN, true, false, null, undefined, {}, { toString: () => '127.0.0.1' }, [], [''], [1, 2],
  [null, undefined], ['127.0.0.1', 42], [['10.0.0.1', '127.0.0.1']], [{}], () => '127.0.0.1',
  new String('127.0.0.1'), new Date(0), 10n,
)

type HeaderShape =
  | { readonly kind: 'strings' }
  | { readonly kind: 'lists' }
  | { readonly kind: 'odd values'; readonly values: Partial<Record<HeaderName, unknown>> }
  | { readonly kind: 'no headers'; readonly headers: null | undefined }
  | { readonly kind: 'fetch'; readonly https: boolean }

type SocketShape = 'socket and connection' | 'socket only' | 'connection only' | 'no socket' | 'null socket' | 'empty socket'

interface Shape {
  readonly headers: HeaderShape
  readonly socket: SocketShape
}

const shape: fc.Arbitrary<Shape> = fc.record({
  headers: fc.oneof(
    { weight: 4, arbitrary: fc.constant<HeaderShape>({ kind: 'strings' }) },
    { weight: 2, arbitrary: fc.constant<HeaderShape>({ kind: 'lists' }) },
    {
      weight: 2,
      arbitrary: fc.record(Object.fromEntries(HEADER_NAMES.map((name) => [name, oddValue])), { requiredKeys: [] })
        .map((values): HeaderShape => ({ kind: 'odd values', values })),
    },
    { weight: 1, arbitrary: fc.constantFrom<HeaderShape>({ kind: 'no headers', headers: null }, { kind: 'no headers', headers: undefined }) },
    { weight: 2, arbitrary: fc.boolean().map((https): HeaderShape => ({ kind: 'fetch', https })) },
  ),
  socket: fc.oneof(
    { weight: 6, arbitrary: fc.constant<SocketShape>('socket and connection') },
    { weight: 1, arbitrary: fc.constantFrom<SocketShape>('socket only', 'connection only', 'no socket', 'null socket', 'empty socket') },
  ),
})

/** A value Fetch `Headers` accepts: characters it refuses (NUL, CR, LF, above U+00FF) become "?". */
function headerSafe(value: string): string {
  return Array.from(value, (c) => {
    const code = c.charCodeAt(0)
    return code === 0x00 || code === 0x0a || code === 0x0d || code > 0xff ? '?' : c
  }).join('')
}

/** The request a scenario becomes in a shape. */
function build(s: Scenario, { headers: hs, socket: ss }: Shape): RequestLike {
  const socket = { remoteAddress: s.peer, encrypted: s.encrypted }
  if (hs.kind === 'fetch') {
    const headers = new Headers()
    for (const name of HEADER_NAMES) for (const line of linesOf(s, name)) headers.append(name, headerSafe(line))
    const request = new Request(hs.https ? 'https://app.test/' : 'http://app.test/', { headers })
    const connection = ss === 'no socket' || ss === 'empty socket' ? {} : { remoteAddress: s.peer }
    return fromFetch(request, s.encrypted === undefined ? connection : { ...connection, encrypted: s.encrypted })
  }

  let headers: Record<string, unknown> | null | undefined
  if (hs.kind === 'no headers') {
    headers = hs.headers
  } else {
    headers = {}
    for (const name of HEADER_NAMES) {
      const lines = linesOf(s, name)
      if (hs.kind === 'odd values' && name in hs.values) headers[name] = hs.values[name]
      else if (lines.length > 0) headers[name] = hs.kind === 'lists' ? lines : lines.join(', ')
    }
  }
  const req: Record<string, unknown> = { headers }
  if (ss === 'socket and connection') Object.assign(req, { socket, connection: socket })
  else if (ss === 'socket only') req.socket = socket
  else if (ss === 'connection only') req.connection = socket
  else if (ss === 'null socket') Object.assign(req, { socket: null, connection: null })
  else if (ss === 'empty socket') req.socket = {}
  return req as RequestLike
}

/** What a request holds, read through the documented contract only. */
interface View {
  readonly peer: string | undefined
  header(name: HeaderName): string
}

function viewOf(req: RequestLike): View {
  const socket = req.socket ? req.socket : req.connection
  const headers = req.headers as unknown
  return {
    peer: socket ? socket.remoteAddress : undefined,
    header(name) {
      if (!headers) return ''
      const get = (headers as { get?: unknown }).get
      if (typeof get === 'function') return (get.call(headers, name) as string | null) ?? ''
      const value = (headers as Record<string, unknown>)[name]
      if (typeof value === 'string') return value
      if (Array.isArray(value)) return value.join(', ')
      return ''
    },
  }
}

// ---------------------------------------------------------------------------------------------------
// The model: the hops a walk may read, and how a returned address relates to them

/** `1.2.3.4:80` and `[::1]:443` without their port, as the `ports` option reads entries. */
function portless(entry: string): string {
  const isPort = (text: string): boolean => /^:[0-9]{1,5}$/.test(text) && Number(text.slice(1)) <= 65535
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    if (close === -1) return entry
    const rest = entry.slice(close + 1)
    return rest === '' || isPort(rest) ? entry.slice(1, close) : entry
  }
  const colon = entry.indexOf(':')
  if (colon === -1 || entry.indexOf(':', colon + 1) !== -1 || !isPort(entry.slice(colon))) return entry
  return entry.slice(0, colon)
}

/** X-Forwarded-For entries as forwarded 0.2.0 splits them: at commas, spaces trimmed, empty ones skipped. */
function xffEntries(header: string): string[] {
  return header.split(',').map((entry) => entry.replace(/^ +| +$/g, '')).filter((entry) => entry !== '')
}

/** The hops after the peer, nearest first. */
interface Hops {
  /** What the predicate is asked about at hops 1, 2, …. */
  readonly texts: readonly (string | undefined)[]
  /** Whether these are all the hops the source holds (a Forwarded header with a client part may hold more). */
  readonly complete: boolean
}

function hopsOf(view: View, s: Scenario, mode: Mode): Hops {
  if (mode.source === 'header') {
    const value = view.header('x-real-ip').trim()
    return { texts: value === '' || value.includes(',') ? [] : [value], complete: true }
  }
  if (mode.source === 'forwarded') {
    const header = view.header('forwarded')
    const line = s.elements.map((e) => e.text).join(', ')
    if (line === '' || !header.endsWith(line)) return { texts: [], complete: header === '' }
    return { texts: s.elements.map((e) => e.hop).reverse(), complete: header === line }
  }
  const entries = xffEntries(view.header('x-forwarded-for')).reverse()
  return { texts: mode.ports ? entries.map(portless) : entries, complete: true }
}

/** The hops the proxies wrote, nearest first, as they are asked about (the clean part of the model). */
function proxyHops(s: Scenario, mode: Mode): (string | undefined)[] {
  if (mode.source === 'header') return s.realIp === undefined ? [] : [s.realIp]
  if (mode.source === 'forwarded') return s.elements.map((e) => e.hop).reverse()
  const entries = [...s.appended].reverse()
  return mode.ports ? entries.map(portless) : entries
}

/**
 * An address in one canonical text (IPv4-mapped as IPv4), or undefined when it is not one: as ipaddr.js
 * reads it, or for the RFC 4291 forms ending in a dotted quad that it refuses and strict mode reads
 * (`::1.2.3.4`), as the WHATWG URL parser writes them in hex groups.
 */
function canonical(text: string): string | undefined {
  if (!ipaddr.isValid(text)) {
    const zone = text.indexOf('%')
    const bare = zone === -1 ? text : text.slice(0, zone)
    if (!isIPv6(bare) || !bare.includes('.')) return undefined
    return canonical(new URL(`http://[${bare}]/`).hostname.slice(1, -1) + (zone === -1 ? '' : text.slice(zone)))
  }
  const address = ipaddr.process(text)
  return address.kind() === 'ipv6' ? `ipv6 ${(address as ipaddr.IPv6).toNormalizedString()}` : `ipv4 ${address.toString()}`
}

/** Whether `ip`, as returned, is the hop written as `text` (normalised, when the options ask for it). */
function isHop(ip: string, text: string | undefined, mode: Mode): boolean {
  if (text === undefined) return false
  if (ip === text) return true
  return mode.normalize && canonical(ip) !== undefined && canonical(ip) === canonical(text)
}

/** Whether an undefined `ip` is allowed: the peer has no address, or the options return none for a non-address. */
function mayBeUndefined(view: View, mode: Mode): boolean {
  return view.peer === undefined || !mode.lenient
}

/** Text with quoted-pairs unescaped, where a Forwarded value read from it can be found. */
function unescaped(header: string): string {
  return header.replace(/\\(.)/gs, '$1')
}

/**
 * Whether a walk trusts `addr` at hop `i`: the predicate's answer, except that with trustSocketless a
 * peer without an address is trusted by the walk, which sees the socket (the generated sockets are
 * all open, so each such peer has no address at all), not by the predicate.
 */
function trustedAt(trust: TrustFn, options: TrustOptions | undefined, addr: string | undefined, i: number): boolean {
  if (i === 0 && addr === undefined && options?.trustSocketless === true) return true
  return Boolean(trust(addr, i))
}

/** The first hop (0 is the peer) that the walk does not trust, among `texts`; undefined when it trusts them all. */
function firstUntrusted(trust: TrustFn, options: TrustOptions | undefined, peer: string | undefined, texts: readonly (string | undefined)[]): number | undefined {
  const hops = [peer, ...texts]
  for (let i = 0; i < hops.length; i++) if (!trustedAt(trust, options, hops[i], i)) return i
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// Settings

/** Settings built around a scenario's own addresses, so that walks over it go deep. */
function around(s: Scenario, mode: Mode): fc.Arbitrary<TrustSetting> {
  const own = [s.peer, ...s.appended, ...s.appended.map(portless), ...s.elements.map((e) => e.hop), s.realIp]
    .filter((a): a is string => a !== undefined && ipaddr.isValid(a))
  const names = mode.extendedRanges ? [...gen.NAMED_RANGES, 'private', 'cgnat'] : [...gen.NAMED_RANGES]
  const entries = fc.tuple(fc.subarray([...new Set(own)]), fc.subarray(names, { maxLength: 1 }))
    .map(([mine, named]) => [...mine, ...named])
  return fc.oneof(
    entries,
    entries.map((list) => list.join(', ')),
    fc.integer({ min: 0, max: s.appended.length + s.elements.length + 1 }),
  )
}

/**
 * Settings as deployments write them: trust the peer and the `j` nearest hops the proxies wrote, by
 * address, by hop count or by a custom function, so that the walk stops at hop `j + 1`.
 */
function deployment(s: Scenario, mode: Mode): fc.Arbitrary<TrustSetting> {
  const written = proxyHops(s, mode)
  return fc.integer({ min: 0, max: written.length }).chain((j) => {
    const trusted = [s.peer, ...written.slice(0, j)].filter((a): a is string => a !== undefined && ipaddr.isValid(a))
    const set = new Set<string | undefined>(trusted)
    const custom: TrustFn = Object.assign((addr: string | undefined) => set.has(addr), {
      [fc.toStringMethod]: () => `(addr) => ${JSON.stringify(trusted)}.includes(addr)`,
    })
    return fc.constantFrom<TrustSetting>(trusted, trusted.join(', '), j + 1, custom)
  })
}

function settingFor(s: Scenario, mode: Mode): fc.Arbitrary<TrustSetting> {
  return fc.oneof(
    { weight: 2, arbitrary: gen.requestTrustSetting as fc.Arbitrary<TrustSetting> },
    { weight: 2, arbitrary: around(s, mode) },
    { weight: 4, arbitrary: deployment(s, mode) },
  )
}

interface Case {
  readonly s: Scenario
  readonly setting: TrustSetting
  readonly shape: Shape
}

function casesFor(mode: Mode): fc.Arbitrary<Case> {
  return fc.tuple(scenario, shape).chain(([s, sh]) => settingFor(s, mode).map((setting) => ({ s, setting, shape: sh })))
}

/** The setting compiled with the options; a setting the options refuse (strict spellings) is skipped. */
function compiled(setting: TrustSetting, options: TrustOptions | undefined): TrustFn {
  try {
    return compileTrust(setting, options)
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    fc.pre(false)
    throw error
  }
}

/** `resolveAddr`, `proxyaddr` and `proxyaddr.all` for one request. */
function answers(req: RequestLike, trust: TrustFn): { r: ResolvedAddr; one: string | undefined; all: (string | undefined)[] } {
  return { r: resolveAddr(req, trust), one: proxyaddr(req, trust), all: proxyaddr.all(req, trust) }
}

// ---------------------------------------------------------------------------------------------------
// The properties

describe.each(OPTION_SETS.map((set) => [set.name, set] as const))('with %s', (_name, { options }) => {
  const mode = modeOf(options)
  const cases = casesFor(mode)

  it(`request-time calls never throw, whatever the headers hold (${RUNS.noThrow} runs)`, () => {
    check(fc.tuple(cases, gen.requestTrustList), ([{ s, setting, shape: sh }, list]) => {
      const req = build(s, sh)
      const trust = compiled(setting, options)
      answers(req, trust)
      if (mode.express) {
        proxyaddr(req, list)
        proxyaddr.all(req, list)
        proxyaddr.all(req)
      }
    }, RUNS.noThrow)
  })

  it(`ip is the socket address or one of the header's entries (${RUNS.provenance} runs)`, () => {
    check(cases, ({ s, setting, shape: sh }) => {
      const req = build(s, sh)
      const view = viewOf(req)
      const { ip } = resolveAddr(req, compiled(setting, options))
      if (ip === undefined) {
        expect(mayBeUndefined(view, mode)).toBe(true)
        return
      }
      const hops = hopsOf(view, s, mode)
      const raw = mode.source === 'x-forwarded-for' ? xffEntries(view.header('x-forwarded-for')) : []
      const known = [view.peer, ...hops.texts, ...raw].some((text) => isHop(ip, text, mode))
      // beyond the proxies' elements, a Forwarded header holds what the client wrote: ip is read from it
      const fromClientPart = mode.source === 'forwarded' && !hops.complete && unescaped(view.header('forwarded')).includes(ip)
      expect(known || fromClientPart, `ip ${JSON.stringify(ip)}`).toBe(true)
    }, RUNS.provenance)
  })

  it(`ip is never an entry to the left of the first untrusted hop (${RUNS.leftOfUntrusted} runs)`, () => {
    check(cases, ({ s, setting, shape: sh }) => {
      const req = build(s, sh)
      const view = viewOf(req)
      const trust = compiled(setting, options)
      const { ip } = resolveAddr(req, trust)
      const hops = hopsOf(view, s, mode)
      const k = firstUntrusted(trust, options, view.peer, hops.texts)
      // every hop known is trusted and more may follow: nothing to check
      if (k === undefined && !hops.complete) return
      const stop = k ?? hops.texts.length
      const allowed = [view.peer, ...hops.texts].slice(0, stop + 1)
      if (ip === undefined) {
        expect(mayBeUndefined(view, mode)).toBe(true)
        return
      }
      expect(allowed.some((text) => isHop(ip, text, mode)), `ip ${JSON.stringify(ip)}, hops up to ${stop}`).toBe(true)
      // in Express's mode the walk stops exactly there
      if (mode.express) expect(ip).toBe(allowed[stop])
    }, RUNS.leftOfUntrusted)
  })

  it(`an untrusted peer is the client, and its forwarding headers are ignored (${RUNS.untrustedPeer} runs)`, () => {
    check(cases, ({ s, setting, shape: sh }) => {
      const req = build(s, sh)
      const view = viewOf(req)
      const trust = compiled(setting, options)
      fc.pre(!trustedAt(trust, options, view.peer, 0))
      const r = resolveAddr(req, trust)
      const client: ClientHeaders = s.client.host === undefined ? {} : { host: s.client.host }
      const bare = resolveAddr(build({ ...s, appended: [], elements: [], realIp: undefined, client }, sh), trust)
      if (r.ip === undefined) expect(mayBeUndefined(view, mode)).toBe(true)
      else expect(isHop(r.ip, view.peer, mode), `ip ${JSON.stringify(r.ip)}`).toBe(true)
      expect(r.ips).toEqual([])
      expect(r).toEqual(bare)
    }, RUNS.untrustedPeer)
  })

  it(`a client cannot choose its address: what lies left of the first untrusted hop changes nothing (${RUNS.clientCannotChoose} runs)`, () => {
    check(fc.tuple(cases, clientHeaders), ([{ s, setting, shape: sh }, forged]) => {
      const req = build(s, sh)
      const view = viewOf(req)
      const trust = compiled(setting, options)
      // the hops the proxies wrote, as far as this request shape carries them
      const written = proxyHops(s, mode)
      const seen = hopsOf(view, s, mode).texts
      const known = written.every((text, i) => seen[i] === text) ? written : []
      const k = firstUntrusted(trust, options, view.peer, known)
      fc.pre(k !== undefined)
      // keep hops 1 to k; the client writes everything else
      const keep = k ?? 0
      const forgedScenario: Scenario = {
        peer: s.peer,
        encrypted: s.encrypted,
        appended: mode.source === 'x-forwarded-for' && keep > 0 ? s.appended.slice(s.appended.length - keep) : [],
        elements: mode.source === 'forwarded' && keep > 0 ? s.elements.slice(s.elements.length - keep) : [],
        realIp: mode.source === 'header' && keep > 0 ? s.realIp : undefined,
        client: forged,
      }
      const before = resolveAddr(req, trust)
      const after = resolveAddr(build(forgedScenario, sh), trust)
      expect({ ip: after.ip, ips: after.ips }).toEqual({ ip: before.ip, ips: before.ips })
      expect(proxyaddr(build(forgedScenario, sh), trust)).toBe(before.ip)
    }, RUNS.clientCannotChoose)
  })

  it(`ips is consistent with ip and with proxyaddr.all (${RUNS.consistency} runs)`, () => {
    check(cases, ({ s, setting, shape: sh }) => {
      const req = build(s, sh)
      const view = viewOf(req)
      const trust = compiled(setting, options)
      const { r, one, all } = answers(req, trust)
      expect(one).toBe(r.ip)
      expect(all.length).toBeGreaterThanOrEqual(1)
      expect(all[all.length - 1]).toBe(r.ip)
      // a client hop that is not an address leaves ips empty: its first element is always ip
      expect(r.ips).toEqual(r.ip === undefined ? [] : all.slice(1).reverse())
      if (r.ips.length > 0) expect(r.ips[0]).toBe(r.ip)
      // all[0] is the peer; every address walked but the last was trusted at its hop
      const first = all[0]
      if (first === undefined) expect(view.peer === undefined || !mode.lenient).toBe(true)
      else expect(isHop(first, view.peer, mode)).toBe(true)
      const hops = [view.peer, ...hopsOf(view, s, mode).texts]
      for (let i = 0; i < all.length - 1 && i < hops.length; i++) expect(trustedAt(trust, options, hops[i], i), `hop ${i}`).toBe(true)
      if (mode.express) {
        expect(r.ips.length).toBe(all.length - 1)
        expect(all).toEqual(hops.slice(0, all.length))
      }
    }, RUNS.consistency)
  })
})

describe('header lists whose members cannot become strings', () => {
  // Node never builds such a list, but "whatever the headers hold" includes it: a list member that
  // is a symbol, or an object without a prototype, cannot be joined into one string
  const unstringifiable = fc.constantFrom<unknown>([Symbol('x')], ['127.0.0.1', Symbol('y')], [Object.create(null)], [{ toString: null, valueOf: null }])

  it(`request-time calls never throw on them (${RUNS.unstringifiable} runs)`, () => {
    check(
      fc.tuple(fc.constantFrom(...OPTION_SETS), fc.constantFrom<TrustSetting>(true, 1, 'loopback'), fc.constantFrom(...HEADER_NAMES), unstringifiable),
      ([{ options }, setting, name, value]) => {
        const req: RequestLike = { socket: { remoteAddress: '127.0.0.1' }, headers: { [name]: value } as RequestLike['headers'] }
        answers(req, compileTrust(setting, options))
      },
      RUNS.unstringifiable,
    )
  })
})
