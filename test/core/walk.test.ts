// walk.test.ts: the addresses of a request as forwarded 0.2.0 lists them, and the walk that
// proxy-addr 2.0.8 makes over them; with socketOf and headerValue, which it reads them with.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compiledOf, compileTrust, type Compiled, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import { headerValue, socketOf, type HeadersLike, type RequestLike } from '../../src/core/request.js'
import { EXPRESS } from '../../src/core/express.js'
import type { TrustOptions } from '../../src/core/options.js'
import { hopsOf } from '../../src/core/sources/hops.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { Decision, decide, walk, walkHops, WalkRecord } from '../../src/core/walk.js'
import * as gen from '../fixtures/generators.js'
import { forwardedFrom, requestFrom } from '../fixtures/unit-requests.js'

const PEER = '127.0.0.1'

/** What the walk reads from a predicate compileTrust built; undefined for any other function. */
function shapeOf(trust: TrustFn): Compiled | undefined {
  return compiledOf(trust)
}

/** Every address of a request, the socket peer first, as `proxyaddr.all(req)` lists them. */
function allAddresses(req: RequestLike): (string | undefined)[] {
  const list: (string | undefined)[] = []
  walk(req, trustAll, shapeOf(trustAll), list)
  return list
}

const trustAll = compileTrust(true)

interface SplitCase {
  readonly name: string
  readonly header: string
  /** The entries, nearest (rightmost) first, as forwarded 0.2.0 returns them after the socket. */
  readonly entries: readonly string[]
}

const splitCases: readonly SplitCase[] = [
  { name: 'no entries in an empty header', header: '', entries: [] },
  { name: 'one entry', header: '10.0.0.1', entries: ['10.0.0.1'] },
  { name: 'entries right to left', header: '10.0.0.1, 10.0.0.2, 10.0.0.3', entries: ['10.0.0.3', '10.0.0.2', '10.0.0.1'] },
  { name: 'entries without spaces', header: '10.0.0.1,10.0.0.2', entries: ['10.0.0.2', '10.0.0.1'] },
  { name: 'entries with spaces around them, trimmed', header: '  10.0.0.1  ,  10.0.0.2  ', entries: ['10.0.0.2', '10.0.0.1'] },
  { name: 'spaces before a comma, trimmed', header: '10.0.0.1 ,10.0.0.2', entries: ['10.0.0.2', '10.0.0.1'] },
  { name: 'tabs, kept (only 0x20 is trimmed)', header: '\t10.0.0.1\t, 10.0.0.2', entries: ['10.0.0.2', '\t10.0.0.1\t'] },
  { name: 'other whitespace, kept', header: '10.0.0.1\n,\u00a010.0.0.2', entries: ['\u00a010.0.0.2', '10.0.0.1\n'] },
  { name: 'inner spaces, kept in one entry', header: '10.0.0.1 10.0.0.2', entries: ['10.0.0.1 10.0.0.2'] },
  { name: 'inner spaces of an entry among others, kept', header: 'a  b , c', entries: ['c', 'a  b'] },
  { name: 'empty entries, skipped', header: '10.0.0.1,,10.0.0.2', entries: ['10.0.0.2', '10.0.0.1'] },
  { name: 'blank entries, skipped', header: '10.0.0.1, , ,10.0.0.2', entries: ['10.0.0.2', '10.0.0.1'] },
  { name: 'leading and trailing commas, skipped', header: ',10.0.0.1,', entries: ['10.0.0.1'] },
  { name: 'no entries in a header of commas', header: ',,,', entries: [] },
  { name: 'no entries in a header of spaces', header: '   ', entries: [] },
  { name: 'no entries in a header of commas and spaces', header: ' , , ', entries: [] },
  { name: 'one-character entries', header: 'a,b', entries: ['b', 'a'] },
  { name: 'entries that are not addresses, kept as they are', header: 'unknown, _hidden, [::1]:80, 1.2.3.4:5', entries: ['1.2.3.4:5', '[::1]:80', '_hidden', 'unknown'] },
  { name: 'IPv6 entries', header: '2001:db8::1, ::1', entries: ['::1', '2001:db8::1'] },
]

describe('walk: X-Forwarded-For entries, as forwarded 0.2.0 splits them', () => {
  describe.each(splitCases)('$name: $header', ({ header, entries }) => {
    const req = forwardedFrom(PEER, header)

    it('lists the socket peer, then the entries right to left', () => {
      expect(allAddresses(req)).toEqual([PEER, ...entries])
    })

    it('answers the leftmost entry (or the peer) when every hop is trusted', () => {
      const expected = entries.length === 0 ? PEER : entries[entries.length - 1]
      expect(walk(req, trustAll, shapeOf(trustAll), null)).toBe(expected)
      expect(walk(req, () => true, undefined, null)).toBe(expected)
    })
  })

  it('lists only the socket peer without the header', () => {
    expect(allAddresses(forwardedFrom(PEER))).toEqual([PEER])
  })

  it('reads only x-forwarded-for, in lower case as Node gives it', () => {
    const req = requestFrom(PEER, { 'X-Forwarded-For': '10.0.0.1', forwarded: 'for=10.0.0.2', 'x-real-ip': '10.0.0.3' })
    expect(allAddresses(req)).toEqual([PEER])
  })
})

describe('walk: the trust predicate', () => {
  interface CallCase {
    readonly name: string
    readonly peer: string | undefined
    readonly header: string | undefined
    /** The addresses the custom predicate trusts. */
    readonly trusted: readonly (string | undefined)[]
    readonly calls: readonly (readonly [string | undefined, number])[]
    readonly answer: string | undefined
    readonly list: readonly (string | undefined)[]
  }

  const callCases: readonly CallCase[] = [
    {
      name: 'is never called when the peer is the only address',
      peer: PEER, header: undefined, trusted: [PEER],
      calls: [], answer: PEER, list: [PEER],
    },
    {
      name: 'is never called when the header has no entries',
      peer: PEER, header: ' , ', trusted: [PEER],
      calls: [], answer: PEER, list: [PEER],
    },
    {
      name: 'is called for every address but the last when all are trusted',
      peer: PEER, header: '10.0.0.1, 10.0.0.2, 10.0.0.3', trusted: [PEER, '10.0.0.3', '10.0.0.2', '10.0.0.1'],
      calls: [[PEER, 0], ['10.0.0.3', 1], ['10.0.0.2', 2]], answer: '10.0.0.1', list: [PEER, '10.0.0.3', '10.0.0.2', '10.0.0.1'],
    },
    {
      name: 'stops at an untrusted peer',
      peer: PEER, header: '10.0.0.1, 10.0.0.2', trusted: [],
      calls: [[PEER, 0]], answer: PEER, list: [PEER],
    },
    {
      name: 'stops at the first untrusted entry, which is the answer',
      peer: PEER, header: '10.0.0.1, 10.0.0.2, 10.0.0.3', trusted: [PEER, '10.0.0.3', '10.0.0.1'],
      calls: [[PEER, 0], ['10.0.0.3', 1], ['10.0.0.2', 2]], answer: '10.0.0.2', list: [PEER, '10.0.0.3', '10.0.0.2'],
    },
    {
      name: 'receives the entries trimmed, as forwarded 0.2.0 gives them',
      peer: PEER, header: ' 10.0.0.1 ,  10.0.0.2  ', trusted: [PEER, '10.0.0.2'],
      calls: [[PEER, 0], ['10.0.0.2', 1]], answer: '10.0.0.1', list: [PEER, '10.0.0.2', '10.0.0.1'],
    },
    {
      name: 'receives undefined for a socket without an address',
      peer: undefined, header: '10.0.0.1', trusted: [undefined],
      calls: [[undefined, 0]], answer: '10.0.0.1', list: [undefined, '10.0.0.1'],
    },
    {
      name: 'receives entries that are not addresses, as proxy-addr passes them',
      peer: PEER, header: 'a, unknown', trusted: [PEER, 'unknown'],
      calls: [[PEER, 0], ['unknown', 1]], answer: 'a', list: [PEER, 'unknown', 'a'],
    },
  ]

  it.each(callCases)('$name', ({ peer, header, trusted, calls, answer, list }) => {
    const seen: [string | undefined, number][] = []
    const custom: TrustFn = (addr, i) => {
      seen.push([addr, i])
      return trusted.includes(addr)
    }
    const req = forwardedFrom(peer, header)
    expect(walk(req, custom, undefined, null)).toBe(answer)
    expect(seen).toEqual(calls)

    seen.length = 0
    const walked: (string | undefined)[] = []
    expect(walk(req, custom, undefined, walked)).toBe(answer)
    expect(walked).toEqual(list)
    expect(seen).toEqual(calls)
  })

  it('is called with the hop index, so that a hop count can be written as a function', () => {
    const req = forwardedFrom(PEER, '10.0.0.1, 10.0.0.2, 10.0.0.3')
    expect(walk(req, (_addr, i) => i < 2, undefined, null)).toBe('10.0.0.2')
  })

  it('counts a truthy answer from an untyped predicate as trusted', () => {
    const truthy = ((addr: string | undefined) => (addr === PEER ? 1 : 0)) as unknown as TrustFn
    expect(walk(forwardedFrom(PEER, '10.0.0.1, 10.0.0.2'), truthy, undefined, null)).toBe('10.0.0.2')
  })

  it('appends to a list that already holds addresses', () => {
    const list: (string | undefined)[] = ['earlier']
    walk(forwardedFrom(PEER, '10.0.0.1'), trustAll, shapeOf(trustAll), list)
    expect(list).toEqual(['earlier', PEER, '10.0.0.1'])
  })
})

describe('walk: compiled predicates answer from their shape as the same custom function would', () => {
  const settings: readonly (readonly [string, TrustSetting])[] = [
    ['true', true],
    ['false', false],
    ['0 hops', 0],
    ['1 hop', 1],
    ['2 hops', 2],
    ['Infinity hops', Number.POSITIVE_INFINITY],
    ['loopback', 'loopback'],
    ['loopback and 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ['IPv6 ranges', ['::1', 'fe80::/10']],
    ['a mapped subnet', ['::ffff:127.0.0.0/104', '10.0.0.1']],
  ]

  const requests: readonly (readonly [string, RequestLike])[] = [
    ['no header', forwardedFrom(PEER)],
    ['an empty header', forwardedFrom(PEER, '')],
    ['one entry', forwardedFrom(PEER, '10.0.0.1')],
    ['a chain of private hops', forwardedFrom(PEER, '203.0.113.9, 10.0.0.2, 10.0.0.1')],
    ['a chain through a public hop', forwardedFrom(PEER, '10.0.0.3, 203.0.113.9, 10.0.0.1')],
    ['spaces, commas and empty entries', forwardedFrom(PEER, ' ,203.0.113.9 ,, 10.0.0.1 , ')],
    ['separators before a trusted leftmost entry', forwardedFrom(PEER, ' , 10.0.0.2,10.0.0.1')],
    ['odd spellings of trusted hops', forwardedFrom(PEER, '203.0.113.9, 0x7f.0.0.2, 012.0.0.1, ::ffff:10.0.0.3, 2130706434')],
    ['an entry that is not an address', forwardedFrom(PEER, '203.0.113.9, unknown, 127.0.0.2')],
    ['a tab-padded trusted entry', forwardedFrom(PEER, '203.0.113.9, \t127.0.0.2\t')],
    ['IPv6 hops', forwardedFrom('::1', '2001:db8::9, fe80::1%eth0, ::1')],
    ['a mapped peer', forwardedFrom('::ffff:127.0.0.1', '203.0.113.9, 10.0.0.1')],
    ['a public peer', forwardedFrom('203.0.113.1', '10.0.0.1')],
    ['a socket without an address', forwardedFrom(undefined, '203.0.113.9, 10.0.0.1')],
    ['no socket at all', { headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } }],
  ]

  describe.each(settings)('%s', (_name, setting) => {
    const shaped = compileTrust(setting)
    const shape = shapeOf(shaped)
    const plain: TrustFn = (addr, i) => shaped(addr, i)

    it('has a shape', () => {
      expect(shape?.shape).toBeDefined()
    })

    it.each(requests)('gives the same answer and list for %s', (_request, req) => {
      expect(walk(req, shaped, shape, null)).toBe(walk(req, plain, undefined, null))
      const fast: (string | undefined)[] = []
      const slow: (string | undefined)[] = []
      expect(walk(req, shaped, shape, fast)).toBe(walk(req, plain, undefined, slow))
      expect(fast).toEqual(slow)
    })

    it.each(requests)('gives walkHops\'s answer and list for %s, for the shape and for the function', (_request, req) => {
      for (const rule of [shape as Compiled, { shape: undefined, call: plain, options: EXPRESS }]) {
        const list: (string | undefined)[] = []
        const answer = walk(req, rule.call, rule.shape === undefined ? undefined : rule, list)
        const walked = walkHops(req, rule, hopsOf(req, EXPRESS), null)
        expect(walked.ip).toBe(answer)
        expect(walked.addrs).toEqual(list)
      }
    })
  })

  interface AnswerCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly req: RequestLike
    readonly answer: string | undefined
  }

  const answerCases: readonly AnswerCase[] = [
    { name: 'true answers the leftmost entry', setting: true, req: forwardedFrom(PEER, ' 203.0.113.9 , 10.0.0.1'), answer: '203.0.113.9' },
    { name: 'false answers the peer', setting: false, req: forwardedFrom(PEER, '203.0.113.9, 10.0.0.1'), answer: PEER },
    { name: '1 hop answers the rightmost entry', setting: 1, req: forwardedFrom(PEER, '203.0.113.9, 10.0.0.1'), answer: '10.0.0.1' },
    { name: '5 hops stop at the leftmost entry', setting: 5, req: forwardedFrom(PEER, '203.0.113.9, 10.0.0.1'), answer: '203.0.113.9' },
    { name: 'loopback answers the first entry outside it', setting: 'loopback', req: forwardedFrom(PEER, '203.0.113.9, 10.0.0.1, 127.0.0.2'), answer: '10.0.0.1' },
    { name: 'a range answers the first untrusted entry as written', setting: '10.0.0.0/8', req: forwardedFrom('10.0.0.9', 'a,  203.0.113.9  , 10.0.0.1'), answer: '203.0.113.9' },
    { name: 'a range answers an untrusted entry that is not an address', setting: 'loopback', req: forwardedFrom(PEER, '203.0.113.9, unknown'), answer: 'unknown' },
    { name: 'a range answers an untrusted peer', setting: 'loopback', req: forwardedFrom('203.0.113.1', '10.0.0.1'), answer: '203.0.113.1' },
    { name: 'a range answers undefined for a socket without an address', setting: 'loopback', req: forwardedFrom(undefined, '10.0.0.1'), answer: undefined },
    { name: 'a range trusts a tab-padded entry not at all', setting: 'loopback', req: forwardedFrom(PEER, '203.0.113.9, \t127.0.0.2'), answer: '\t127.0.0.2' },
    { name: 'true answers the leftmost entry with no socket', setting: true, req: { headers: { 'x-forwarded-for': '203.0.113.9' } }, answer: '203.0.113.9' },
    { name: 'true answers undefined with no socket and no header', setting: true, req: {}, answer: undefined },
  ]

  it.each(answerCases)('$name', ({ setting, req, answer }) => {
    const trust = compileTrust(setting)
    expect(walk(req, trust, shapeOf(trust), null)).toBe(answer)
  })
})

describe('walk: the one-pass reading of a table\'s dotted quads is the general rule', () => {
  // Over a range table the walk finds and decides a canonical dotted quad in one pass
  // (heldQuadStart); every other entry goes through `decide`. The function that wraps the same
  // predicate has no shape, so its walk asks the predicate about every hop (the general path), and
  // walkHops reads the same hops through ForwardedForHops and `decide`.
  const setting: fc.Arbitrary<TrustSetting> = fc.oneof(
    fc.array(gen.validTrustEntry, { minLength: 1, maxLength: 4 }),
    fc.constantFrom<TrustSetting>('uniquelocal', 'loopback, 10.0.0.0/8', ['::ffff:10.0.0.0/104', '192.168.1.0/24']),
  )
  const entry: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: gen.hopAddress },
    { weight: 2, arbitrary: gen.ipv4Spelled },
    { weight: 1, arbitrary: gen.ipv4Odd },
    { weight: 1, arbitrary: gen.ipv4Mapped },
    { weight: 1, arbitrary: gen.zoned },
    { weight: 1, arbitrary: gen.notAddress },
    { weight: 1, arbitrary: fc.constantFrom('10.0.0.1:80', 'a 10.0.0.1', '\t10.0.0.1', '010.0.0.1', '10.0.0.1.') },
  )
  const header: fc.Arbitrary<string | undefined> = fc.option(fc.tuple(
    fc.constantFrom('', ' ', ', ', ' ,, '),
    fc.array(fc.tuple(entry, fc.constantFrom(', ', ',', ' , ', ',,', ' ,, ')), { maxLength: 8 }),
  ).map(([lead, parts]) => lead + parts.map(([e, sep]) => e + sep).join('')), { nil: undefined, freq: 10 })

  it('gives the answer and list of the general path and of walkHops for generated chains and settings', () => {
    fc.assert(fc.property(setting, gen.maybeAddress, header, (trustSetting, peer, xff) => {
      const shaped = compileTrust(trustSetting)
      const compiled = shapeOf(shaped) as Compiled
      const plain: TrustFn = (addr, i) => shaped(addr, i)
      const req = forwardedFrom(peer, xff)
      const fast: (string | undefined)[] = []
      const slow: (string | undefined)[] = []
      const ip = walk(req, shaped, compiled, fast)
      expect(ip).toBe(walk(req, plain, undefined, slow))
      expect(fast).toEqual(slow)
      expect(walk(req, shaped, compiled, null)).toBe(ip)
      const walked = walkHops(req, compiled, hopsOf(req, EXPRESS), null)
      expect(walked.ip).toBe(ip)
      expect(walked.addrs).toEqual(fast)
    }), { numRuns: 1500 })
  })
})

describe('decide: the one rule for hops that are not addresses', () => {
  // A count or `true` never looks at the entries it walks past (as in Express, realclientip-go's
  // count strategy and Werkzeug's ProxyFix): only strict addresses and the sources that name hosts
  // only by address (Forwarded, a single-address header) refuse a hop that is not an address.
  interface RuleCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly options: TrustOptions
    readonly xff: string
    readonly ip: string | undefined
  }
  const cases: readonly RuleCase[] = [
    { name: 'ports: true walks past text', setting: true, options: { ports: true }, xff: '203.0.113.9, nope, 7.7.7.7.7', ip: '203.0.113.9' },
    { name: 'normalize: true walks past text', setting: true, options: { normalize: true }, xff: '203.0.113.9, nope, 7.7.7.7.7', ip: '203.0.113.9' },
    { name: 'aligned: true walks past text', setting: true, options: { hostAndProto: 'aligned' }, xff: '203.0.113.9, nope, 7.7.7.7.7', ip: '203.0.113.9' },
    { name: 'ports: a hop count walks past text', setting: 3, options: { ports: true }, xff: '203.0.113.9, nope, 7.7.7.7.7', ip: '203.0.113.9' },
    { name: 'ports: a range is asked about text, and it is not in the range', setting: 'loopback', options: { ports: true }, xff: '203.0.113.9, nope', ip: 'nope' },
    { name: 'strict: true stops at text, which is no ip', setting: true, options: { addresses: 'strict' }, xff: '203.0.113.9, nope, 7.7.7.7.7', ip: undefined },
    { name: 'strict: a hop count stops at text', setting: 3, options: { addresses: 'strict' }, xff: '203.0.113.9, nope, 10.0.0.2', ip: undefined },
  ]

  it.each(cases)('$name', ({ setting, options, xff, ip }) => {
    expect(resolveAddr(forwardedFrom(PEER, xff), compileTrust(setting, options)).ip).toBe(ip)
  })

  it.each<[string, TrustOptions, string, number, Decision]>([
    ['a peer without an address is trusted with trustSocketless', { trustSocketless: true }, '', 0, Decision.Socketless],
    ['text after the peer is refused under strict addresses', { addresses: 'strict' }, 'nope', 1, Decision.NotAnAddress],
    ['text after the peer is refused from Forwarded', { source: 'forwarded' }, 'nope', 1, Decision.NotAnAddress],
    ['text after the peer is asked about with ports', { ports: true }, 'nope', 1, Decision.Trusted],
    ['a peer that is text is asked about under strict addresses', { addresses: 'strict' }, 'nope', 0, Decision.Trusted],
  ])('%s', (_name, options, text, i, decision) => {
    const compiled = compiledOf(compileTrust(true, options)) as Compiled
    expect(decide(compiled, text === '' ? undefined : text, 0, -1, i)).toBe(decision)
  })
})

describe('walkHops: what it records for a reader', () => {
  it('records each hop read and each decision, and nothing when not asked to', () => {
    const compiled = compiledOf(compileTrust('loopback', { ports: true })) as Compiled
    const req = forwardedFrom(PEER, '203.0.113.9:80, 127.0.0.2:81, 10.0.0.1')
    const record = new WalkRecord()
    const walked = walkHops(req, compiled, hopsOf(req, compiled.options), record)
    expect(walked).toEqual({ ip: '10.0.0.1', addrs: [PEER, '10.0.0.1'], peerTrusted: true, element: undefined })
    expect(record).toEqual({
      received: [PEER, '10.0.0.1'], texts: [PEER, '10.0.0.1'], elements: [undefined, undefined],
      decisions: [Decision.Trusted, Decision.Untrusted],
    })
  })

  it('reads one hop past the client for a custom function, which is asked only about hops with a successor', () => {
    const asked: number[] = []
    const custom: TrustFn = (_addr, i) => {
      asked.push(i)
      return i < 1
    }
    const compiled = compiledOf(compileTrust(custom, { ports: true })) as Compiled
    const req = forwardedFrom(PEER, '203.0.113.9, 10.0.0.2, 10.0.0.1')
    const record = new WalkRecord()
    expect(walkHops(req, compiled, hopsOf(req, compiled.options), record).ip).toBe('10.0.0.1')
    expect(asked).toEqual([0, 1])
    expect(record.received).toEqual([PEER, '10.0.0.1', '10.0.0.2'])
  })

  it('asks a custom function about the peer once, after the walk, when there are no hops', () => {
    const asked: number[] = []
    const compiled = compiledOf(compileTrust((_addr, i) => asked.push(i) > 0, { ports: true })) as Compiled
    const req = forwardedFrom(PEER)
    const record = new WalkRecord()
    expect(walkHops(req, compiled, hopsOf(req, compiled.options), record).peerTrusted).toBe(true)
    expect(asked).toEqual([0])
    expect(record.decisions).toEqual([Decision.Trusted])
  })
})

describe('walk: where the addresses come from', () => {
  interface SourceCase {
    readonly name: string
    readonly req: RequestLike
    readonly list: readonly (string | undefined)[]
  }

  const sourceCases: readonly SourceCase[] = [
    { name: 'reads the peer from req.socket', req: { socket: { remoteAddress: '10.0.0.1' } }, list: ['10.0.0.1'] },
    { name: 'prefers req.socket to req.connection', req: { socket: { remoteAddress: '10.0.0.1' }, connection: { remoteAddress: '10.0.0.2' } }, list: ['10.0.0.1'] },
    { name: 'falls back to req.connection without req.socket', req: { connection: { remoteAddress: '10.0.0.2' } }, list: ['10.0.0.2'] },
    { name: 'falls back to req.connection when req.socket is null', req: { socket: null, connection: { remoteAddress: '10.0.0.2' } }, list: ['10.0.0.2'] },
    { name: 'has an undefined peer without a socket (proxy-addr throws)', req: { headers: { 'x-forwarded-for': '10.0.0.1' } }, list: [undefined, '10.0.0.1'] },
    { name: 'has an undefined peer when the connection is null', req: { connection: null }, list: [undefined] },
    { name: 'has an undefined peer for a socket without an address', req: { socket: {} }, list: [undefined] },
    { name: 'has no entries without headers', req: { socket: { remoteAddress: PEER } }, list: [PEER] },
    { name: 'has no entries when headers are null', req: { socket: { remoteAddress: PEER }, headers: null }, list: [PEER] },
    { name: 'joins a header given as a list with ", "', req: requestFrom(PEER, { 'x-forwarded-for': ['10.0.0.1', '10.0.0.2, 10.0.0.3'] }), list: [PEER, '10.0.0.3', '10.0.0.2', '10.0.0.1'] },
    { name: 'reads a Fetch Headers object', req: { socket: { remoteAddress: PEER }, headers: new Headers({ 'X-Forwarded-For': '10.0.0.1, 10.0.0.2' }) }, list: [PEER, '10.0.0.2', '10.0.0.1'] },
    { name: 'difference: ignores a number header (proxy-addr ignores it too)', req: requestFrom(PEER, { 'x-forwarded-for': 5 } as unknown as HeadersLike), list: [PEER] },
    { name: 'difference: ignores an object header (proxy-addr throws)', req: requestFrom(PEER, { 'x-forwarded-for': { 0: '10.0.0.1' } } as unknown as HeadersLike), list: [PEER] },
  ]

  it.each(sourceCases)('$name', ({ req, list }) => {
    expect(allAddresses(req)).toEqual(list)
  })
})

describe('socketOf', () => {
  const socket = { remoteAddress: '10.0.0.1' }
  const connection = { remoteAddress: '10.0.0.2' }

  it.each<[string, RequestLike, unknown]>([
    ['req.socket', { socket, connection }, socket],
    ['req.connection without a socket', { connection }, connection],
    ['req.connection when the socket is null', { socket: null, connection }, connection],
    ['undefined without either', {}, undefined],
    ['null when the connection is null', { connection: null }, null],
  ])('gives %s', (_name, req, expected) => {
    expect(socketOf(req)).toBe(expected)
  })
})

describe('headerValue', () => {
  it.each<[string, HeadersLike | null | undefined, string]>([
    ['a string as it is', { 'x-forwarded-for': ' 10.0.0.1 , x ' }, ' 10.0.0.1 , x '],
    ['an empty string', { 'x-forwarded-for': '' }, ''],
    ['a list joined with ", "', { 'x-forwarded-for': ['10.0.0.1', '10.0.0.2'] }, '10.0.0.1, 10.0.0.2'],
    ['an empty list as empty', { 'x-forwarded-for': [] }, ''],
    ['a missing header as empty', { host: 'example.com' }, ''],
    ['an undefined header as empty', { 'x-forwarded-for': undefined }, ''],
    ['a number as empty', { 'x-forwarded-for': 5 } as unknown as HeadersLike, ''],
    ['an object as empty', { 'x-forwarded-for': { a: 1 } } as unknown as HeadersLike, ''],
    ['empty without headers', undefined, ''],
    ['empty for null headers', null, ''],
    ['a Fetch Headers value', new Headers([['X-Forwarded-For', '10.0.0.1'], ['x-forwarded-for', '10.0.0.2']]), '10.0.0.1, 10.0.0.2'],
    ['a missing Fetch Headers value as empty', new Headers(), ''],
  ])('gives %s', (_name, headers, expected) => {
    expect(headerValue(headers, 'x-forwarded-for')).toBe(expected)
  })

  it('reads a Node header named "get" as a header, not as a Fetch Headers method', () => {
    expect(headerValue({ get: 'yes', 'x-forwarded-for': '10.0.0.1' } as unknown as HeadersLike, 'x-forwarded-for')).toBe('10.0.0.1')
  })

  it('reads the exact (lower-case) name from a Node headers object', () => {
    expect(headerValue({ 'X-Forwarded-For': '10.0.0.1' }, 'x-forwarded-for')).toBe('')
  })
})
