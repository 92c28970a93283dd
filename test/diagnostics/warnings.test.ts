// warnings.test.ts: every warning is true of the request it is given. Over the differential
// generator's requests and settings (with and without options, with Forwarded and single-address
// headers added), each code's claim is checked against facts worked out without explain: the
// headers as sent, the predicate's own answer for the peer, resolveAddr's answer and the walk
// proxyaddr.all reports. Where a code's condition is simple to state, the converse is checked too:
// it fires whenever its condition holds. A monitor's warnings (monitor(req), and monitor.resolve(req),
// which also answers as resolveAddr) are the same both ways, and a subset of explain's, each under its
// live condition. The option sets include an edge proof, which requests send, send wrong, or not.
//
// Runs: RUNS below per property (each test name states its count). The seed is fixed so that every
// run checks the same inputs; set FC_SEED to explore others.

import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isValidHost } from '../../src/core/authority.js'
import { compiledOf, compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { proxyaddr } from '../../src/core/proxyaddr.js'
import type { RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { parseForwarded } from '../../src/core/rfc7239.js'
import { explain, type WarningCode } from '../../src/diagnostics/explain.js'
import { createMonitor } from '../../src/diagnostics/monitor.js'
import type { Warning } from '../../src/diagnostics/warnings.js'
import * as gen from '../fixtures/generators.js'

const SEED = process.env.FC_SEED === undefined ? 20_261_201 : Number(process.env.FC_SEED)

const RUNS = { express: 12_000, options: 12_000, healthy: 1_000 } as const

/** The edge proof of the option sets that ask one (`edgeProof`), which a request sends or not. */
const SECRET = 'proof-0123456789abcdef'

// ---------------------------------------------------------------------------------------------------
// Generated cases

/** Options beyond Express, each on or off. */
const trustOptions: fc.Arbitrary<TrustOptions> = fc.record({
  preset: fc.constantFrom(undefined, 'strict' as const),
  source: fc.constantFrom(undefined, 'x-forwarded-for' as const, 'forwarded' as const, 'forwarded' as const, { header: 'X-Real-IP' }),
  ports: fc.boolean(),
  hostAndProto: fc.constantFrom(undefined, 'leftmost' as const, 'aligned' as const, 'aligned' as const),
  addresses: fc.constantFrom(undefined, 'compatible' as const, 'strict' as const),
  normalize: fc.boolean(),
  extendedRanges: fc.boolean(),
  trustSocketless: fc.boolean(),
  maxForwarded: fc.constantFrom(undefined, 1, 2, 32),
  forwardedPort: fc.boolean(),
  forwardedPrefix: fc.boolean(),
  allowedHosts: fc.constantFrom(undefined, ['shop.example'], ['*.example', '[::1]']),
  edgeProof: fc.constantFrom(undefined, { header: 'X-Origin-Verify', values: [SECRET] }),
}, { requiredKeys: [] })

/** A Forwarded node: proxy and client addresses as proxies write them, hidden nodes, junk. */
const forwardedNode: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...gen.PROXY_POOL.filter((a) => !a.includes(':')), '203.0.113.5', '198.51.100.7') },
  { weight: 2, arbitrary: fc.constantFrom(...gen.IPV6_POOL).map((a) => `"[${a}]"`) },
  { weight: 1, arbitrary: fc.constantFrom('"10.0.0.1:80"', '"[::1]:443"', 'unknown', '_hidden', '""', 'localhost', '010.0.0.1') },
)

/** A Forwarded element, with proto= and host= sometimes, now and then malformed. */
const forwardedElement = gen.forwardedElementOf(forwardedNode, ['shop.example', '"shop.example:8443"', '"[::1]:80"', '"a b"'])

/** Headers beside the generator's: Forwarded, X-Real-IP, :authority. */
const extraHeaders = fc.record({
  forwarded: fc.array(forwardedElement, { minLength: 1, maxLength: 4 }).map((elements) => elements.join(', ')),
  'x-real-ip': fc.oneof(gen.hopAddress, fc.constantFrom('1.2.3.4, 5.6.7.8', ' 10.0.0.1 ', '')),
  ':authority': gen.hostValue,
  'x-forwarded-port': fc.constantFrom('443', '8080, 443', '0', '+80', '65536', '443, 0'),
  'x-forwarded-prefix': fc.constantFrom('/shop', '/a, /b', '//evil.example', '/a/../b', 'http://x', '/a\u0007'),
  'x-origin-verify': fc.constantFrom(SECRET, SECRET, 'proof-0123456789abcdeF', `${SECRET}, ${SECRET}`),
}, { requiredKeys: [] })

interface Case {
  readonly setting: TrustSetting
  readonly options: TrustOptions | undefined
  readonly req: gen.GeneratedRequest & { readonly headers: Record<string, string | undefined> }
}

/** The differential generator's settings and requests, in Express mode. */
const expressCase: fc.Arbitrary<Case> = fc.tuple(gen.requestWithTrust, fc.option(extraHeaders, { nil: undefined, freq: 3 }))
  .map(([[setting, r], extra]) => ({ setting: setting as TrustSetting, options: undefined, req: { ...r, headers: { ...r.headers, ...extra } } }))

/** The same with options, and simple settings over requests with the extra headers. */
const optionCase: fc.Arbitrary<Case> = fc.tuple(
  fc.oneof(
    gen.requestWithTrust,
    gen.request.chain((r) => fc.constantFrom<unknown>(true, 'loopback', 'loopback, uniquelocal', 2, ['10.0.0.0/8', '::1'])
      .map((s): [unknown, gen.GeneratedRequest] => [s, r])),
  ),
  trustOptions,
  extraHeaders,
).map(([[setting, r], options, extra]) => ({ setting: setting as TrustSetting, options, req: { ...r, headers: { ...r.headers, ...extra } } }))

// ---------------------------------------------------------------------------------------------------
// Facts, worked out without explain

const LOCAL_RANGES = new Set(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat'])

/** Whether `addr` is loopback, link-local, unique-local or RFC 6598, by ipaddr.js's range names. */
function isLocal(addr: string | undefined): boolean {
  if (addr === undefined || !ipaddr.isValid(addr)) return false
  const parsed = ipaddr.parse(addr)
  const v4 = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed
  return LOCAL_RANGES.has(v4.range())
}

interface Facts {
  readonly h: (name: string) => string
  readonly source: string
  readonly peer: string | undefined
  readonly peerTrusted: boolean
  /** Whether the request carries the edge proof its options ask (true when they ask none). */
  readonly proven: boolean
  readonly socketProtocol: string
  readonly result: ReturnType<typeof resolveAddr>
  readonly walked: (string | undefined)[]
}

function factsOf(c: Case, trust: TrustFn): Facts {
  const headers = c.req.headers
  const h = (name: string): string => headers[name] ?? ''
  const o = c.options ?? {}
  const source = typeof o.source === 'object' ? o.source.header.toLowerCase() : o.source ?? 'x-forwarded-for'
  // the one value the option sets accept, sent alone (a repeated line, joined, is not it)
  const proven = o.edgeProof === undefined || h('x-origin-verify') === SECRET
  return {
    h,
    source,
    peer: c.req.socket.remoteAddress,
    // trustSocketless is the walk's, for a peer that never had an address (a generated socket has no
    // server and is never closed): the predicate alone does not trust a missing address; and a peer
    // without the edge proof is never trusted
    peerTrusted: proven && ((o.trustSocketless === true && c.req.socket.remoteAddress === undefined) || Boolean(trust(c.req.socket.remoteAddress, 0))),
    proven,
    socketProtocol: c.req.socket.encrypted ? 'https' : 'http',
    result: resolveAddr(c.req, trust),
    walked: proxyaddr.all(c.req, trust),
  }
}

const DISPLAYED: Readonly<Record<string, string>> = { 'X-Forwarded-For': 'x-forwarded-for', Forwarded: 'forwarded' }

/** The quoted values of a message, in order. */
function quoted(message: string): string[] {
  // escape.ts writes \xNN where JSON writes \u00NN
  return [...message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${(m[1] as string).replace(/\\\\|\\x([0-9a-f]{2})/g, (all, hex?: string) => (hex === undefined ? all : `\\u00${hex}`))}"`) as string)
}

function aligned(c: Case): boolean {
  const o = c.options ?? {}
  return o.hostAndProto === 'aligned' || (o.hostAndProto === undefined && o.preset === 'strict') || o.source === 'forwarded'
}

/**
 * A claim that must hold; a plain check rather than expect(), which costs more than the rest of a
 * case. fast-check reports the case that fails, and the stack the line.
 */
function must(holds: boolean): void {
  if (!holds) throw new Error('a warning claims what the request does not show')
}

/** Addresses to ask a predicate about: the generator's pools, and the loopback and local ones. */
const PROBES = [...gen.IPV4_POOL, ...gen.IPV6_POOL, ...gen.PROXY_POOL, '127.0.0.1', '::1', '10.0.0.1', '172.17.0.1', '::ffff:127.0.0.1', undefined]

/**
 * Whether a setting trusts no hop, as far as asking its predicate shows: no probe address at any
 * of the first hops, nor the request's own peer, is trusted.
 */
function trustsNoProxy(trust: TrustFn, peer: string | undefined): boolean {
  return [...PROBES, peer].every((addr) => [0, 1, 2, 3].every((i) => !trust(addr, i)))
}

/** The header names a message says were sent or carried ("sent X-Forwarded-For, X-Forwarded-Proto:"). */
const SENT = /(?:sent|carries) ((?:[A-Za-z-]+)(?:, [A-Za-z-]+)*):/

/** Whether every header a message says was sent is one the source reads (X-Forwarded-Host and -Proto never with Forwarded). */
function namesOnlyRead(message: string, source: string): boolean {
  const names = SENT.exec(message)?.[1]?.split(', ') ?? []
  return names.every((name) => source !== 'forwarded' || (name !== 'X-Forwarded-Host' && name !== 'X-Forwarded-Proto'))
}

/** Each warning's claim, against the facts; then the converse of the simple ones. */
function checkWarnings(c: Case, trust: TrustFn, warnings: readonly Warning[]): void {
  const f = factsOf(c, trust)
  const { h, result, walked } = f
  const o = c.options ?? {}
  const has = (code: WarningCode): boolean => warnings.some((w) => w.code === code)
  const ownHost = h('host') || h(':authority')
  // X-Forwarded-Host and -Proto are read with every source but Forwarded
  const hostProto = f.source !== 'forwarded' && (h('x-forwarded-host') !== '' || h('x-forwarded-proto') !== '')

  for (const w of warnings) {
    switch (w.code) {
      case 'TRUST_ALL':
        must(c.setting === true)
        break
      case 'TRUST_ALL_WITH_HEADERS':
        must(c.setting === true)
        must(h(f.source) !== '' || hostProto)
        must(namesOnlyRead(w.message, f.source))
        break
      case 'UNTRUSTED_PEER_WITH_HEADERS':
        must(!f.peerTrusted)
        must(h(f.source) !== '')
        // the fix that warns against trusting an address every client arrives from: only where
        // the setting trusts no proxy at all
        if (w.fix.startsWith('The setting trusts no proxy')) must(trustsNoProxy(trust, f.peer))
        // ignored: the walk is the peer alone
        must(walked.length === 1)
        must(result.ips.length === 0)
        must(result.ip === walked[0])
        must(w.message.includes('a local address') === isLocal(f.peer))
        break
      case 'HOST_PROTO_FROM_UNTRUSTED':
        must(!f.peerTrusted)
        must(hostProto)
        must(result.protocol === f.socketProtocol)
        must([undefined, h('host'), h(':authority')].includes(result.host))
        break
      case 'HOP_COUNT':
        must(typeof c.setting === 'number')
        must(namesOnlyRead(w.message, f.source))
        if (w.message.includes('the walk took its leftmost entry')) {
          // every entry the source gives was walked, fewer than the count
          const all = proxyaddr.all(c.req, compileTrust(true, c.options))
          must(isDeepStrictEqual(walked, all))
          must(walked.length - 1 >= 1)
          must(walked.length - 1 < (c.setting as number))
          must(result.ip === all[all.length - 1])
        }
        break
      case 'PEER_WITHOUT_ADDRESS':
        must(f.peer === undefined || f.peer === '')
        must(!f.peerTrusted)
        must(result.ip === undefined || result.ip === '')
        must(result.ips.length === 0)
        break
      case 'ENTRY_NOT_AN_ADDRESS': {
        const hop = Number(/^hop (\d+) /.exec(w.message)?.[1])
        // a hop the walk reached (or a single-address header read as no hop at all)
        must(hop <= walked.length - 1 || (f.source !== 'x-forwarded-for' && f.source !== 'forwarded' && hop === 1))
        const [text] = quoted(w.message)
        if (f.source === 'x-forwarded-for' && o.preset === undefined && o.addresses !== 'strict' && o.ports !== true && text !== undefined) {
          must(!ipaddr.isValid(text))
          if (w.message.endsWith('ip is that text as it stands')) must(result.ip === text)
        }
        break
      }
      case 'PROTO_NOT_HTTP': {
        const [odd] = quoted(w.message)
        must(f.peerTrusted)
        must(f.source !== 'forwarded')
        must(odd !== undefined && !['http', 'https'].includes(odd))
        // the value protocol was read from, exactly: Express's reading, neither aligned nor Forwarded
        must(!aligned(c))
        must(result.protocol === odd)
        must((h('x-forwarded-proto').split(',')[0] as string).trim() === odd)
        break
      }
      case 'UNREAD_FORWARDING_HEADER': {
        const unread = DISPLAYED[/carries (\S+) and no/.exec(w.message)?.[1] as string] as string
        must(unread !== f.source)
        must(h(unread) !== '')
        must(h(f.source) === '')
        break
      }
      case 'FORWARDED_AND_X_FORWARDED_FOR':
        must(h('forwarded') !== '')
        must(h('x-forwarded-for') !== '')
        break
      case 'ALIGNED_FALLBACK': {
        must(aligned(c))
        must(f.peerTrusted)
        const forwarded = f.source === 'forwarded'
        const elements = parseForwarded(h('forwarded'), o.maxForwarded ?? 32).elements
        if (w.message.includes("protocol is the socket's")) {
          must(result.protocol === f.socketProtocol)
          must(forwarded ? elements.some((e) => e.proto !== undefined) : h('x-forwarded-proto') !== '')
        }
        if (w.message.includes('host is from Host')) {
          must([undefined, ownHost].includes(result.host))
          must(forwarded ? elements.some((e) => e.host !== undefined) : h('x-forwarded-host') !== '')
        }
        break
      }
      case 'FORWARDED_MALFORMED':
        must(f.source === 'forwarded')
        must(f.peerTrusted)
        must(parseForwarded(h('forwarded'), o.maxForwarded ?? 32).malformed)
        break
      case 'FORWARDED_LIMIT':
        must(f.source === 'forwarded')
        must(parseForwarded(h('forwarded'), o.maxForwarded ?? 32).truncated)
        must(walked.length - 1 === (o.maxForwarded ?? 32))
        break
      case 'HOST_NOT_ALLOWED': {
        const [refused] = quoted(w.message)
        must(o.allowedHosts !== undefined)
        must(f.peerTrusted)
        // the refused host is not in the list, by a reading of the list written here
        const name = (refused ?? '').replace(/:\d+$/, '').toLowerCase()
        const listed = (o.allowedHosts ?? []).some((p) => (p.startsWith('*.') ? name.endsWith(p.substring(1)) && name.length > p.length - 1 : name === p))
        // a listed name is refused only as no host at all (a port above 65535, a character a host cannot hold)
        must(!listed || (w.message.includes('not a valid host') && !isValidHost(refused ?? '')))
        must(result.host !== refused || refused === ownHost)
        must([undefined, ownHost].includes(result.host))
        break
      }
      case 'FORWARDED_VALUE_INVALID': {
        const port = w.message.includes('X-Forwarded-Port')
        const [value] = quoted(w.message)
        must(port ? o.forwardedPort === true : o.forwardedPrefix === true)
        must(f.peerTrusted)
        must((port ? result.port : result.prefix) === undefined)
        // the value shown was read from the header, and is not valid
        must(value !== undefined && h(port ? 'x-forwarded-port' : 'x-forwarded-prefix').includes(value))
        if (port) must(!/^[1-9][0-9]{0,4}$/.test(value as string) || Number(value) > 65_535)
        break
      }
      case 'SETTING_ODD_ADDRESS':
      case 'SETTING_HOST_BITS':
      case 'SETTING_WHOLE_FAMILY':
        must(typeof c.setting === 'string' || Array.isArray(c.setting))
        break
    }
  }

  // the converse, where the condition is simple
  must((has('TRUST_ALL') || has('TRUST_ALL_WITH_HEADERS')) === (c.setting === true))
  must(has('HOP_COUNT') === (typeof c.setting === 'number'))
  must(has('FORWARDED_AND_X_FORWARDED_FOR') === (h('forwarded') !== '' && h('x-forwarded-for') !== ''))
  const unread = ['x-forwarded-for', 'forwarded'].some((name) => name !== f.source && h(name) !== '')
  must(has('UNREAD_FORWARDING_HEADER') === (h(f.source) === '' && unread))
  must(has('PEER_WITHOUT_ADDRESS') === ((f.peer === undefined || f.peer === '') && !f.peerTrusted))
  // port and prefix only with their option, only from a trusted peer, and only what the header holds
  must(('port' in result) === (o.forwardedPort === true))
  must(('prefix' in result) === (o.forwardedPrefix === true))
  if (result.port !== undefined) must(f.peerTrusted && h('x-forwarded-port').split(',').map((v) => v.trim()).includes(String(result.port)))
  if (result.prefix !== undefined) must(f.peerTrusted && h('x-forwarded-prefix').split(',').map((v) => v.trim()).includes(result.prefix))
}

/**
 * A monitor's warnings: explain's codes for the same request, each under its live condition, as
 * the documentation states it, through monitor(req) and monitor.resolve(req) alike.
 */
function checkMonitor(c: Case, trust: TrustFn, explained: readonly Warning[]): void {
  const alone: Warning[] = []
  createMonitor(trust, { onWarning: (w) => alone.push(w) })(c.req)
  // and watching the walk that answers, as the adapters do: the same answers as resolveAddr
  const resolving: Warning[] = []
  const watched = createMonitor(trust, { onWarning: (w) => resolving.push(w) }).resolve(c.req)
  const f = factsOf(c, trust)
  must(isDeepStrictEqual(watched, f.result))
  // the two ways in decide the peer alike, so they see the same; with a custom function, which
  // monitor(req) never calls, it sees nothing
  must(isDeepStrictEqual(alone, compiledOf(trust)?.shape === undefined ? [] : resolving))
  // no request without the edge proof shows anything: it did not come through your edge
  if (!f.proven) must(resolving.length === 0)
  for (const w of resolving) {
    must(explained.map((e) => e.code).includes(w.code))
    if (w.code === 'TRUST_ALL_WITH_HEADERS' || w.code === 'HOP_COUNT') {
      must(f.peerTrusted)
      must(ipaddr.isValid(f.peer ?? '') && !isLocal(f.peer))
    }
    if (w.code === 'UNTRUSTED_PEER_WITH_HEADERS') must(isLocal(f.peer))
    // "protocol is that value"
    if (w.code === 'PROTO_NOT_HTTP') must(f.result.protocol === quoted(w.message)[0])
    if (w.code === 'PEER_WITHOUT_ADDRESS') must(!f.peerTrusted)
    // live messages are explain's, but for the peer named in the first two
    if (w.code !== 'TRUST_ALL_WITH_HEADERS' && w.code !== 'HOP_COUNT') must(explained.some((e) => isDeepStrictEqual(e, w)))
  }
}

function compiled(c: Case): TrustFn | undefined {
  try {
    return compileTrust(c.setting, c.options)
  } catch {
    // strict addresses refuse odd spellings in a setting
    return undefined
  }
}

function property(c: Case): void {
  const trust = compiled(c)
  fc.pre(trust !== undefined)
  const { warnings } = explain(c.req as RequestLike, trust as TrustFn, c.setting)
  checkWarnings(c, trust as TrustFn, warnings)
  checkMonitor(c, trust as TrustFn, warnings)
}

describe('every warning is true of the request it is given', () => {
  it(`in Express mode (${RUNS.express.toLocaleString('en')} generated)`, () => {
    fc.assert(fc.property(expressCase, property), { numRuns: RUNS.express, seed: SEED })
  })

  it(`with options (${RUNS.options.toLocaleString('en')} generated)`, () => {
    fc.assert(fc.property(optionCase, property), { numRuns: RUNS.options, seed: SEED })
  })
})

// ---------------------------------------------------------------------------------------------------
// Healthy deployments

const PROXIES = ['10.0.0.2', '10.1.2.3', '127.0.0.1', '::1', 'fd00::5'] as const
const CLIENTS = ['203.0.113.5', '198.51.100.7', '2001:db8::1', '192.0.2.44'] as const

/**
 * A request as a healthy chain delivers it: a client, then proxies of the trusted ranges, each
 * appending to X-Forwarded-For (the last one is the peer), X-Forwarded-Proto set to http or https.
 */
const healthy: fc.Arbitrary<RequestLike> = fc.tuple(
  fc.constantFrom(...CLIENTS),
  fc.array(fc.constantFrom(...PROXIES), { minLength: 1, maxLength: 4 }),
  fc.option(fc.constantFrom('http', 'https'), { nil: undefined }),
  fc.boolean(),
).map(([client, proxies, proto, encrypted]) => {
  const peer = proxies[proxies.length - 1] as string
  const xff = [client, ...proxies.slice(0, -1)].join(', ')
  const headers: Record<string, string> = { host: 'shop.example', 'x-forwarded-for': xff }
  if (proto !== undefined) headers['x-forwarded-proto'] = proto
  return { socket: { remoteAddress: peer, encrypted }, headers }
})

describe('a healthy request never warns', () => {
  it(`through trusted proxies, live and explained (${RUNS.healthy.toLocaleString('en')} generated)`, () => {
    const trust = compileTrust('loopback, uniquelocal')
    const seen: Warning[] = []
    const monitor = createMonitor(trust, { onWarning: (w) => seen.push(w) })
    fc.assert(fc.property(healthy, (req) => {
      monitor(req)
      expect(explain(req, trust, 'loopback, uniquelocal').warnings).toEqual([])
    }), { numRuns: RUNS.healthy, seed: SEED })
    expect(seen).toEqual([])
  })
})
