// hostile.test.ts: inputs built to hurt. Huge X-Forwarded-For and Forwarded values (8 KB, 16 KB,
// which is Node's default header limit, and 1 MB, one of them 100,000 entries long; nothing but
// commas or spaces; one huge token) must give the right answers, and the work done must not grow
// with the part of the header left of the first untrusted hop. Work is counted, never timed: the
// calls a custom trust function receives, and the characters read through String.prototype and
// RegExp.prototype.exec, wrapped for the duration of one call.
//
// Then configuration fuzzing: every generated setting and options object either compiles to a
// working predicate or throws a TypeError whose message names the bad value, and no near-miss of
// an address, range or range name ever trusts an address it does not contain.

import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import {
  compileTrust, proxyaddr, resolveAddr, type RequestLike, type ResolvedAddr, type TrustFn, type TrustOptions,
  type TrustSetting,
} from '../src/index.js'
import * as gen from './fixtures/generators.js'

const SEED = process.env.FC_SEED === undefined ? 20_251_122 : Number(process.env.FC_SEED)

const RUNS = {
  settings: 3_000,
  oddSettings: 300,
  nearMisses: 3_000,
} as const

// ---------------------------------------------------------------------------------------------------
// Counting work

type StringMethod =
  | 'charCodeAt' | 'codePointAt' | 'charAt' | 'at' | 'indexOf' | 'lastIndexOf' | 'includes' | 'startsWith'
  | 'endsWith' | 'substring' | 'slice' | 'substr' | 'trim' | 'trimStart' | 'trimEnd' | 'toLowerCase'
  | 'toUpperCase' | 'split' | 'replace' | 'replaceAll' | 'match' | 'search' | 'normalize'

/** How many characters a call reads, at most, from the string it is called on. */
type Cost = (self: string, args: readonly unknown[], result: unknown) => number

const one: Cost = () => 1
const whole: Cost = (self) => self.length
const copied: Cost = (_self, _args, result) => (result as string).length
const searchLength = (args: readonly unknown[]): number => String(args[0]).length

const COSTS: Readonly<Record<StringMethod, Cost>> = {
  charCodeAt: one,
  codePointAt: one,
  charAt: one,
  at: one,
  indexOf: (self, args, result) => {
    const from = Math.max(0, Number(args[1] ?? 0) || 0)
    return (result as number) === -1 ? self.length - from : (result as number) - from + searchLength(args)
  },
  lastIndexOf: (self, args, result) => {
    const from = args[1] === undefined ? self.length : Math.min(self.length, Number(args[1]))
    return (result as number) === -1 ? from + 1 : from - (result as number) + searchLength(args)
  },
  includes: whole,
  startsWith: (_self, args) => searchLength(args),
  endsWith: (_self, args) => searchLength(args),
  substring: copied,
  slice: copied,
  substr: copied,
  trim: whole,
  trimStart: whole,
  trimEnd: whole,
  toLowerCase: whole,
  toUpperCase: whole,
  split: whole,
  replace: whole,
  replaceAll: whole,
  match: whole,
  search: whole,
  normalize: whole,
}

/** What one call did. */
interface Work {
  /** Characters read through String.prototype methods and RegExp.prototype.exec. */
  readonly chars: number
}

/**
 * Run `fn` with the string methods and `RegExp.prototype.exec` wrapped to count the characters they
 * read, restoring them afterwards whatever happens.
 */
function measure<T>(fn: () => T): { value: T; work: Work } {
  let chars = 0
  const strings = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>
  const originals = new Map<string, (...args: unknown[]) => unknown>()
  const exec = RegExp.prototype.exec
  try {
    for (const [name, cost] of Object.entries(COSTS)) {
      const original = strings[name] as (...args: unknown[]) => unknown
      originals.set(name, original)
      strings[name] = function counted(this: string, ...args: unknown[]): unknown {
        const result = Reflect.apply(original, this, args)
        chars += cost(this, args, result)
        return result
      }
    }
    RegExp.prototype.exec = function counted(this: RegExp, input: string): RegExpExecArray | null {
      chars += String(input).length
      return Reflect.apply(exec, this, [input]) as RegExpExecArray | null
    }
    const value = fn()
    return { value, work: { chars } }
  } finally {
    for (const [name, original] of originals) strings[name] = original
    RegExp.prototype.exec = exec
  }
}

// ---------------------------------------------------------------------------------------------------
// Hostile headers

const KB = 1024
const MB = 1024 * KB

/** `unit` repeated to at least `size` characters. */
function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length))
}

/**
 * Addresses in 10.0.0.0/8, every one trusted by the range settings below (bait for a walk that goes
 * too far), each written by `format`, joined with ", ": `count` of them, or as many as fill `size`.
 */
function tenNet(format: (address: string) => string, { count = Infinity, size = Infinity }): string {
  const parts: string[] = []
  let length = 0
  for (let i = 0; i < count && length < size; i++) {
    const part = format(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
    parts.push(part)
    length += part.length + 2
  }
  return parts.join(', ')
}

/** Something a client wrote to the left of what the proxies wrote, at one size. */
interface LeftPart {
  readonly kind: string
  readonly size: string
  /** Ends where the proxies' part begins (the separator between them included). */
  readonly text: string
}

type Maker = (size: number) => string

/** The list of entries at 8 KB, 16 KB and (100,000 of them) over 1 MB; every other kind at 16 KB and 1 MB. */
function leftParts(entries: readonly [string, Maker, Maker], others: readonly (readonly [string, Maker])[]): LeftPart[] {
  const [kind, sized, counted] = entries
  return [
    { kind, size: '8 KB', text: sized(8 * KB) },
    { kind, size: '16 KB', text: sized(16 * KB) },
    { kind, size: '1 MB', text: counted(100_000) },
    ...others.flatMap(([other, make]) => [
      { kind: other, size: '16 KB', text: make(16 * KB) },
      { kind: other, size: '1 MB', text: make(MB) },
    ]),
  ]
}

/** X-Forwarded-For: what the client wrote, to the left of what the proxies appended. */
const XFF_LEFT = leftParts(
  ['10.x entries', (size) => tenNet((a) => a, { size }) + ', ', (count) => tenNet((a) => a, { count }) + ', '],
  [
    ['commas', (size) => fill(',', size)],
    ['spaces', (size) => fill(' ', size) + ','],
    ['one token', (size) => fill('x', size) + ', '],
    ['one token of digits and dots', (size) => fill('1.', size) + ', '],
    ['tabs and NULs', (size) => fill('\t\u0000', size) + ', '],
  ],
)

/** Forwarded: the client's elements, to the left of what the proxies appended. */
const FORWARDED_LEFT = leftParts(
  ['10.x elements', (size) => tenNet((a) => `for=${a}`, { size }) + ', ', (count) => tenNet((a) => `for=${a}`, { count }) + ', '],
  [
    ['commas', (size) => fill(',', size)],
    ['spaces', (size) => fill(' ', size) + ','],
    ['one token', (size) => `for=${fill('x', size)}, `],
    ['one quoted string', (size) => `for="${fill('x', size)}", `],
    ['an unbalanced quote', (size) => `for="${fill('x', size)}, `],
    ['backslashes', (size) => `for="${fill('\\\\', size)}", `],
    ['semicolons', (size) => fill(';', size) + ', '],
  ],
)

const PEER = '10.0.0.1'
/** The client is 203.0.113.9; the proxy at 10.0.0.2 appended it; the load balancer at 10.0.0.1 (the peer) appended 10.0.0.2. */
const XFF_RIGHT = '203.0.113.9, 10.0.0.2'
const FORWARDED_RIGHT = 'for=203.0.113.9;proto=https;host=shop.example, for=10.0.0.2;proto=http;host=lb.internal'

function request(name: 'x-forwarded-for' | 'forwarded', value: string): RequestLike {
  return { socket: { remoteAddress: PEER }, headers: { host: 'app.internal', [name]: value } }
}

/** Settings that trust the peer and 10.0.0.2 but not the client: ranges and hop counts, which the walk answers without calling out. */
const SHAPED: readonly (readonly [string, TrustSetting])[] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['uniquelocal', 'uniquelocal'],
  ['2 hops', 2],
]

const XFF_MODES: readonly (readonly [string, TrustOptions | undefined])[] = [
  ['Express', undefined],
  ['ports', { ports: true }],
  ['strict addresses', { addresses: 'strict' }],
  ['normalize', { normalize: true }],
  ['aligned', { hostAndProto: 'aligned' }],
  ["preset 'strict'", { preset: 'strict' }],
]

const FORWARDED_MODES: readonly (readonly [string, TrustOptions])[] = [
  ["source: 'forwarded'", { source: 'forwarded' }],
  ["source: 'forwarded', preset 'strict'", { source: 'forwarded', preset: 'strict' }],
]

/**
 * The characters a walk may read beyond those it reads when the header holds only the proxies'
 * part: enough to see a separator, not enough to read anything the client wrote.
 */
const PEEK = 16

/** One request's answers, and the characters `resolveAddr` and `proxyaddr` read for them. */
interface Run {
  readonly label: string
  readonly resolved: ResolvedAddr
  readonly ip: string | undefined
  readonly all: (string | undefined)[]
  readonly reads: { readonly resolveAddr: number; readonly proxyaddr: number }
}

function run(label: string, req: RequestLike, trust: TrustFn): Run {
  const resolved = measure(() => resolveAddr(req, trust))
  const ip = measure(() => proxyaddr(req, trust))
  return {
    label,
    resolved: resolved.value,
    ip: ip.value,
    all: proxyaddr.all(req, trust),
    reads: { resolveAddr: resolved.work.chars, proxyaddr: ip.work.chars },
  }
}

/** Each left part in front of the proxies' part, for each shaped setting, beside the same request without it. */
function runs(header: 'x-forwarded-for' | 'forwarded', right: string, lefts: readonly LeftPart[], options: TrustOptions | undefined) {
  return SHAPED.map(([name, setting]) => {
    const trust = compileTrust(setting, options)
    return {
      baseline: run(`${name}, no left part`, request(header, right), trust),
      withLeft: lefts.map((left) => run(`${name}, ${left.kind} (${left.size})`, request(header, left.text + right), trust)),
    }
  })
}

/** The left parts that were read: characters read beyond the baseline and a peek at a separator. */
function readsOf(results: ReturnType<typeof runs>): string[] {
  const violations: string[] = []
  for (const { baseline, withLeft } of results) {
    for (const r of withLeft) {
      for (const call of ['resolveAddr', 'proxyaddr'] as const) {
        if (r.reads[call] > baseline.reads[call] + PEEK) {
          violations.push(`${call}, ${r.label}: ${r.reads[call]} characters read, ${baseline.reads[call]} without it`)
        }
      }
    }
  }
  return violations
}

/** Computed once per describe block, on first use, so that collecting the tests costs nothing. */
function lazy<T>(make: () => T): () => T {
  let value: { v: T } | undefined
  return () => (value ??= { v: make() }).v
}

describe.each(XFF_MODES.map(([name, options]) => [name, options] as const))('X-Forwarded-For, %s', (_mode, options) => {
  const results = lazy(() => runs('x-forwarded-for', XFF_RIGHT, XFF_LEFT, options))

  it('answers the client behind the proxies, whatever lies left of it', () => {
    for (const { baseline, withLeft } of results()) {
      expect(baseline.resolved, baseline.label).toMatchObject({ ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.2'] })
      for (const r of withLeft) {
        expect(r.resolved, r.label).toEqual(baseline.resolved)
        expect(r.ip, r.label).toBe('203.0.113.9')
        expect(r.all, r.label).toEqual([PEER, '10.0.0.2', '203.0.113.9'])
      }
    }
  })

  it('reads none of what lies left of the first untrusted hop (characters read per left part)', () => {
    expect(readsOf(results()).join('\n')).toBe('')
  })
})

describe.each(FORWARDED_MODES.map(([name, options]) => [name, options] as const))('Forwarded, %s', (_mode, options) => {
  const results = lazy(() => runs('forwarded', FORWARDED_RIGHT, FORWARDED_LEFT, options))

  it('answers the client, and its protocol and host from the element the outermost trusted proxy wrote, whatever lies left of it', () => {
    for (const { baseline, withLeft } of results()) {
      expect(baseline.resolved, baseline.label).toMatchObject({
        ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.2'], protocol: 'https', hostname: 'shop.example',
      })
      for (const r of withLeft) {
        expect(r.resolved, r.label).toEqual(baseline.resolved)
        expect(r.ip, r.label).toBe('203.0.113.9')
        expect(r.all, r.label).toEqual([PEER, '10.0.0.2', '203.0.113.9'])
      }
    }
  })

  it('reads none of what lies left of the first untrusted hop (characters read per left part)', () => {
    expect(readsOf(results()).join('\n')).toBe('')
  })
})

describe('the hop where a walk stops', () => {
  /** Characters `proxyaddr` reads for a request from 127.0.0.1 with this X-Forwarded-For, and its answer. */
  function readFor(xff: string, setting: string): { ip: string | undefined; chars: number } {
    const trust = compileTrust(setting)
    const { value, work } = measure(() => proxyaddr({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': xff } }, trust))
    return { ip: value, chars: work.chars }
  }

  // 198.18.0.0/15 covers the first octet of 198.51.100.77 but not the address: the walk is the same
  // under both settings, only the reading of the entry where it stops differs
  const CLIENT = '198.51.100.77'

  it('reads that entry only up to its first dot when no range covers its first octet', () => {
    const uncovered = readFor(`203.0.113.5, ${CLIENT}`, 'loopback')
    const covered = readFor(`203.0.113.5, ${CLIENT}`, 'loopback, 198.18.0.0/15')
    expect(uncovered.ip).toBe(CLIENT)
    expect(covered.ip).toBe(CLIENT)
    expect(covered.chars - uncovered.chars).toBe(CLIENT.length - '198.'.length)
  })

  it('never parses an entry that starts the header: no walk moves past it', () => {
    const uncovered = readFor(CLIENT, 'loopback')
    const covered = readFor(CLIENT, 'loopback, 198.18.0.0/15')
    expect(uncovered.ip).toBe(CLIENT)
    expect(covered).toEqual(uncovered)
  })
})

describe('a custom trust function', () => {
  /** A predicate trusting 10.0.0.0/8, and the calls it received. */
  function counting(): { trust: TrustFn; calls: [string | undefined, number][] } {
    const calls: [string | undefined, number][] = []
    const trust: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return addr !== undefined && addr.startsWith('10.')
    }
    return { trust, calls }
  }

  const walked: [string | undefined, number][] = [[PEER, 0], ['10.0.0.2', 1], ['203.0.113.9', 2]]

  describe.each([
    ['X-Forwarded-For', 'x-forwarded-for', XFF_RIGHT, XFF_LEFT, undefined],
    ['Forwarded', 'forwarded', FORWARDED_RIGHT, FORWARDED_LEFT, { source: 'forwarded' }],
  ] as const)('through %s', (_name, header, right, lefts, options) => {
    it.each(lefts.map((left) => [`${left.kind} (${left.size})`, left] as const))(
      'is asked about the hops up to the first untrusted one, and no further: %s',
      (_name, left) => {
        const { trust, calls } = counting()
        const resolved = resolveAddr(request(header, left.text + right), compileTrust(trust, options))
        expect(resolved).toMatchObject({ ip: '203.0.113.9', ips: ['203.0.113.9', '10.0.0.2'] })
        // Express asks about every address but the last: the client's entry is asked about only
        // when something that can be an entry lies to its left
        expect(calls).toEqual(walked.slice(0, calls.length))
        expect(calls.length).toBeGreaterThanOrEqual(2)
      },
    )
  })
})

describe('headers that are nothing but a hostile part (1 MB)', () => {
  const xff = (kind: string): LeftPart => {
    const left = XFF_LEFT.find((l) => l.kind === kind && l.size === '1 MB')
    if (left === undefined) throw new Error(`no 1 MB left part of ${kind}`)
    return left
  }

  /** What the walk answers for X-Forwarded-For made of the left part alone, trusting 10.0.0.0/8. */
  const XFF_ALONE: readonly (readonly [string, string | undefined, number])[] = [
    // 100,000 trusted entries: the walk goes through all of them and answers the leftmost
    ['10.x entries', '10.0.0.0', 100_000],
    ['commas', PEER, 0],
    ['spaces', PEER, 0],
    ['one token', 'x'.repeat(MB), 1],
    ['one token of digits and dots', '1.'.repeat(MB / 2), 1],
    ['tabs and NULs', '\t\u0000'.repeat(MB / 2), 1],
  ]

  it.each(XFF_ALONE)('X-Forwarded-For of %s', (kind, ip, walkedEntries) => {
    const req = request('x-forwarded-for', xff(kind).text)
    const trust = compileTrust('10.0.0.0/8')
    const [resolved, all] = [resolveAddr(req, trust), proxyaddr.all(req, trust)]
    expect(resolved.ip === ip, `ip of ${resolved.ip?.length ?? 0} characters`).toBe(true)
    expect(resolved.ips).toHaveLength(walkedEntries)
    expect(all).toHaveLength(walkedEntries + 1)
  })

  it('`true` walks every entry of 1 MB (100,000 entries and the proxies\' two) and answers the leftmost', () => {
    const header = xff('10.x entries').text + XFF_RIGHT
    expect(header.length).toBeGreaterThanOrEqual(MB)
    const req = request('x-forwarded-for', header)
    const [resolved, ip, all] = [resolveAddr(req, compileTrust(true)), proxyaddr(req, compileTrust(true)), proxyaddr.all(req, compileTrust(true))]
    expect([ip, resolved.ip]).toEqual(['10.0.0.0', '10.0.0.0'])
    expect(resolved.ips).toHaveLength(100_002)
    expect(all).toHaveLength(100_003)
  })

  /**
   * What the walk answers for Forwarded made of the left part alone, trusting 10.0.0.0/8: trusted
   * elements are read up to maxForwarded (32); an element whose `for` is not an address makes
   * `ip` undefined; a malformed element ends the list.
   */
  const FORWARDED_ALONE: readonly (readonly [string, string | undefined, number])[] = [
    ['10.x elements', '10.1.134.128', 32],
    ['commas', PEER, 0],
    ['spaces', PEER, 0],
    ['one token', undefined, 0],
    ['one quoted string', undefined, 0],
    ['an unbalanced quote', PEER, 0],
    ['backslashes', undefined, 0],
    ['semicolons', undefined, 0],
  ]

  it.each(FORWARDED_ALONE)('Forwarded of %s', (kind, ip, walkedElements) => {
    const left = FORWARDED_LEFT.find((l) => l.kind === kind && l.size === '1 MB')
    if (left === undefined) throw new Error(`no 1 MB left part of ${kind}`)
    const resolved = resolveAddr(request('forwarded', left.text), compileTrust('10.0.0.0/8', { source: 'forwarded' }))
    expect(resolved.ip).toBe(ip)
    expect(resolved.ips).toHaveLength(walkedElements)
  })
})

// ---------------------------------------------------------------------------------------------------
// Configuration fuzzing

/** Any JavaScript value, exotic ones included. */
const anyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
})

const anySetting: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: gen.anyTrustSetting },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: gen.csvOf(gen.trustEntry, { strayCommas: true }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(gen.trustEntry, anyValue), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.array(fc.array(gen.trustEntry, { maxLength: 2 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer()) },
  { weight: 2, arbitrary: anyValue },
)

/** A valid value, a near miss of one, or anything at all. */
function optionValue(valid: readonly unknown[]): fc.Arbitrary<unknown> {
  const strings = valid.filter((v): v is string => typeof v === 'string')
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    ...(strings.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...strings).map((v) => v.toUpperCase()) }] : []),
    { weight: 1, arbitrary: fc.constantFrom<unknown>('true', 'false', 1, 0, 'yes', null, '', ' strict') },
    { weight: 1, arbitrary: anyValue },
  )
}

const KNOWN_OPTIONS = new Set([
  'preset', 'source', 'ports', 'hostAndProto', 'addresses', 'normalize', 'extendedRanges', 'trustSocketless', 'maxForwarded',
  'forwardedPort', 'forwardedPrefix', 'allowedHosts',
])

const anyOptions: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  {
    weight: 6,
    arbitrary: fc.record({
      preset: optionValue(['strict', undefined]),
      source: optionValue(['x-forwarded-for', 'forwarded', { header: 'X-Real-IP' }, { header: 'cf-connecting-ip' }, { header: 'bad header' }, { header: 5 }, {}]),
      ports: optionValue([true, false]),
      hostAndProto: optionValue(['leftmost', 'aligned']),
      addresses: optionValue(['compatible', 'strict']),
      normalize: optionValue([true, false]),
      extendedRanges: optionValue([true, false]),
      trustSocketless: optionValue([true, false]),
      maxForwarded: optionValue([1, 2, 32, 0, -1, 1.5, NaN, Infinity]),
      forwardedPort: optionValue([true, false]),
      forwardedPrefix: optionValue([true, false]),
      allowedHosts: optionValue([['shop.example', '*.shop.example'], ['*'], ['a:1'], [], ['[::1]'], [1], 'shop.example']),
    }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('port', 'Ports', 'trustProxy', 'strict', 'source ', '__proto__x'), anyValue, { maxKeys: 2 }) },
  { weight: 1, arbitrary: anyValue },
)

/** The texts a message may use for a value that is not a string. */
function renderings(value: unknown): string[] {
  const texts: string[] = []
  const attempt = (render: () => string | undefined): void => {
    try {
      const text = render()
      if (text !== undefined) texts.push(text)
    } catch {
      // a value JSON or String cannot write (a BigInt, a symbol, an object without a prototype)
    }
  }
  if (typeof value === 'string') attempt(() => JSON.stringify(value))
  attempt(() => JSON.stringify(value))
  attempt(() => String(value))
  attempt(() => Object.prototype.toString.call(value))
  if (typeof value === 'function') attempt(() => `function ${value.name || '(anonymous)'}`)
  if (typeof value === 'bigint') attempt(() => `${value}n`)
  return texts
}

/** The entries of a setting as Express splits them. */
function entriesOf(setting: unknown): unknown[] {
  if (typeof setting === 'string') return setting.split(',').map((entry) => entry.trim())
  if (Array.isArray(setting)) return [...(setting as unknown[])]
  return []
}

/**
 * Whether an error message names a bad part of the input: an entry (or its address part) that
 * does not compile on its own, an option whose value it renders, or an option name it does not know.
 */
function namesBadValue(message: string, setting: unknown, options: unknown): boolean {
  const entry = /^(?:invalid IP address|invalid range on address): (.*)$/s.exec(message)
  if (entry !== null) {
    const named = entry[1] as string
    return entriesOf(setting).some((e) => {
      if (typeof e !== 'string') return renderings(e).includes(named)
      if (e !== named && e.slice(0, e.lastIndexOf('/')) !== named) return false
      try {
        compileTrust([e], options as TrustOptions)
        return false
      } catch {
        return true
      }
    })
  }
  const option = /^invalid option ([A-Za-z.[\]0-9]+): (.*?) \(expected .*\)$/s.exec(message)
  if (option !== null) {
    const [path = '', named = ''] = option.slice(1)
    if (path === 'options') return renderings(options).includes(named)
    let value: unknown = options
    for (const key of path.split(/[.[\]]+/).filter(Boolean)) value = (value as Record<string, unknown> | null | undefined)?.[key]
    return renderings(value).includes(named)
  }
  const unknown = /^unknown option: (.*)$/s.exec(message)
  if (unknown !== null) {
    const name = unknown[1] as string
    return typeof options === 'object' && options !== null && Object.keys(options).includes(name) && !KNOWN_OPTIONS.has(name)
  }
  return false
}

const SAMPLE: RequestLike = {
  socket: { remoteAddress: '127.0.0.1' },
  headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2', forwarded: 'for=203.0.113.9', 'x-real-ip': '203.0.113.9', host: 'app' },
}

/** Whether a setting is of a kind Express reads (a function, boolean, number, string or array) or means "nothing". */
function isSettingKind(setting: unknown): boolean {
  return setting === null || setting === undefined || Array.isArray(setting) ||
    ['function', 'boolean', 'number', 'string'].includes(typeof setting)
}

describe('configuration fuzzing', () => {
  it(`every setting and options object compiles to a working predicate or throws a TypeError naming the bad entry or option (${RUNS.settings} runs)`, () => {
    fc.assert(fc.property(anySetting, anyOptions, gen.probes, (setting, options, probes) => {
      let trust: TrustFn
      try {
        trust = compileTrust(setting as TrustSetting, options as TrustOptions)
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError)
        expect((error as Error).constructor).toBe(TypeError)
        const message = (error as Error).message
        // settings of a kind Express does not read are the next property's
        if (!isSettingKind(setting) && message === 'unsupported trust argument') return
        expect(namesBadValue(message, setting, options), `message ${JSON.stringify(message)}`).toBe(true)
        return
      }
      expect(typeof trust).toBe('function')
      for (const [addr, i] of probes) trust(addr, i)
      resolveAddr(SAMPLE, trust)
      proxyaddr(SAMPLE, trust)
      proxyaddr.all(SAMPLE, trust)
    }), { numRuns: RUNS.settings, seed: SEED })
  })

  // proxy-addr's message for these does not name the value; it is kept word for word, so that code
  // matching Express's errors keeps working (README: differences)
  it(`a setting of a kind Express does not read throws proxy-addr's TypeError, unsupported trust argument (${RUNS.oddSettings} runs)`, () => {
    const odd = fc.oneof(gen.oddSetting, anyValue).filter((setting) => !isSettingKind(setting))
    fc.assert(fc.property(odd, (setting) => {
      if (!setting) {
        // Express reads a falsy setting (0n, document.all) as false: trust nothing
        expect(compileTrust(setting as TrustSetting)('127.0.0.1', 0)).toBe(false)
        return
      }
      let error: unknown
      try {
        compileTrust(setting as TrustSetting)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toBe('unsupported trust argument')
    }), { numRuns: RUNS.oddSettings, seed: SEED })
  })

  /** Settings as people write them, before a typo. */
  const BASES = [
    'loopback', 'linklocal', 'uniquelocal', 'private', 'cgnat', '127.0.0.1', '127.0.0.1/8', '10.0.0.0/8',
    '172.16.0.0/12', '192.168.0.0/16', '10.0.0.0/255.0.0.0', '100.64.0.0/10', '::1', 'fc00::/7', 'fe80::/10',
    '2001:db8::/32', '::ffff:10.0.0.0/104', '198.51.100.0/24',
  ] as const

  type Edit = readonly ['insert' | 'replace', number, string] | readonly ['delete' | 'swap' | 'case', number]

  const edit: fc.Arbitrary<Edit> = fc.oneof(
    fc.tuple(fc.constantFrom('insert' as const, 'replace' as const), fc.nat(40), fc.constantFrom(...'0123456789./:abcdefx*-, %lLoOI\t')),
    fc.tuple(fc.constantFrom('delete' as const, 'swap' as const, 'case' as const), fc.nat(40)),
  )

  function apply(text: string, [op, at, char]: Edit): string {
    const i = text.length === 0 ? 0 : at % (text.length + (op === 'insert' ? 1 : 0))
    switch (op) {
      case 'insert': return text.slice(0, i) + char + text.slice(i)
      case 'replace': return text.slice(0, i) + char + text.slice(i + 1)
      case 'delete': return text.slice(0, i) + text.slice(i + 1)
      case 'swap': return text.slice(0, i) + text.slice(i + 1, i + 2) + text.slice(i, i + 1) + text.slice(i + 2)
      case 'case': return text.slice(0, i) + text.slice(i, i + 1).toUpperCase() + text.slice(i + 1)
    }
  }

  /** A near miss of a base, in the forms a setting takes. */
  const nearMiss: fc.Arbitrary<{ setting: TrustSetting; entries: string[] }> = fc.tuple(
    fc.constantFrom(...BASES),
    fc.array(edit, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('alone', 'in a list', 'in a string'),
  ).map(([base, edits, form]) => {
    const typo = edits.reduce(apply, base)
    if (form === 'alone') return { setting: typo, entries: typo.split(',').map((e) => e.trim()) }
    if (form === 'in a list') return { setting: [typo, '10.0.0.1'], entries: [typo, '10.0.0.1'] }
    const setting = `10.0.0.1, ${typo}`
    return { setting, entries: setting.split(',').map((e) => e.trim()) }
  })

  /** Addresses outside every base (but the ranges that genuinely hold them). */
  const PROBES = ['203.0.113.9', '8.8.8.8', '1.1.1.1', '198.51.100.77', '::ffff:203.0.113.9', '2606:4700::1111', '2001:db8::9']

  const NAMED: Readonly<Record<string, readonly string[]>> = {
    loopback: ['127.0.0.1/8', '::1/128'],
    linklocal: ['169.254.0.0/16', 'fe80::/10'],
    uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    private: ['127.0.0.1/8', '::1/128', '169.254.0.0/16', 'fe80::/10', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    cgnat: ['100.64.0.0/10'],
  }

  /** Whether `entry` genuinely holds `probe`, read independently with ipaddr.js; true when in doubt. */
  function holds(entry: string, probe: string): boolean {
    const named = Object.prototype.hasOwnProperty.call(NAMED, entry) ? NAMED[entry] : undefined
    if (named !== undefined) return named.some((range) => holds(range, probe))
    try {
      const slash = entry.lastIndexOf('/')
      const text = slash === -1 ? entry : entry.slice(0, slash)
      if (!ipaddr.isValid(text)) return false
      const network = ipaddr.parse(text)
      const max = network.kind() === 'ipv4' ? 32 : 128
      let prefix = max
      if (slash !== -1) {
        const range = entry.slice(slash + 1)
        prefix = /^[0-9]+$/.test(range) ? parseInt(range, 10) : ipaddr.IPv4.parse(range).prefixLengthFromSubnetMask() ?? -1
      }
      if (prefix < 0 || prefix > max) return false
      // the probe in both families, as far as it has a form in each
      const address = ipaddr.parse(probe)
      let v4: ipaddr.IPv4 | undefined
      let v6: ipaddr.IPv6
      if (address.kind() === 'ipv4') {
        v4 = address as ipaddr.IPv4
        v6 = v4.toIPv4MappedAddress()
      } else {
        v6 = address as ipaddr.IPv6
        if (v6.isIPv4MappedAddress()) v4 = v6.toIPv4Address()
      }
      if (network.kind() === 'ipv4') return v4 !== undefined && v4.match(network as ipaddr.IPv4, prefix)
      return v6.match(network as ipaddr.IPv6, prefix)
    } catch {
      return true
    }
  }

  it(`no near miss of an address, range or range name trusts an address it does not hold (${RUNS.nearMisses} runs)`, () => {
    const optionSets = fc.constantFrom<TrustOptions | undefined>(undefined, { extendedRanges: true }, { addresses: 'strict' }, { preset: 'strict' })
    fc.assert(fc.property(nearMiss, optionSets, ({ setting, entries }, options) => {
      let trust: TrustFn
      try {
        trust = compileTrust(setting, options)
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError)
        return
      }
      const extended = options?.extendedRanges === true || options?.preset === 'strict'
      for (const probe of PROBES) {
        if (!trust(probe, 1)) continue
        const genuine = entries.some((entry) => (extended || (entry !== 'private' && entry !== 'cgnat')) && holds(entry, probe))
        expect(genuine, `${JSON.stringify(setting)} trusts ${probe}`).toBe(true)
      }
    }), { numRuns: RUNS.nearMisses, seed: SEED })
  })
})
