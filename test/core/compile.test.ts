// compile.test.ts: compileTrust (Express's `trust proxy` settings), compileList (proxy-addr's
// compile), the shapes the walk reads, and the reasons predicates give.

import { createRequire } from 'node:module'
import { runInNewContext } from 'node:vm'
import proxyAddr from 'proxy-addr'
import { describe, expect, it } from 'vitest'
import {
  compiledOf, compileList, compileTrust, holds, isTrusted, reasonFor, trustAll, trustNone,
  type Shape, type TrustFn, type TrustSetting,
} from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'

/** The shape the walk reads from a predicate compileTrust built; undefined for any other function. */
function shapeOf(trust: TrustFn): Shape | undefined {
  return compiledOf(trust)?.shape
}

/** A setting as a caller without types could pass it. */
function untyped(value: unknown): TrustSetting {
  return value as TrustSetting
}

/** The table of a predicate compiled from ranges, as plain arrays. */
function tableOf(trust: TrustFn): { v4: number[]; v6: number[] } {
  const shape = shapeOf(trust)
  if (shape?.kind !== 'table') throw new Error(`not a table predicate: ${JSON.stringify(shape)}`)
  return { v4: Array.from(shape.table.v4), v6: Array.from(shape.table.v6) }
}

/** A signed 32-bit IPv4 word. */
function ipv4(dotted: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number)
  return (a << 24) | (b << 16) | (c << 8) | d
}

describe('compileTrust', () => {
  it('returns a function setting as it is, without a shape', () => {
    const custom: TrustFn = (addr) => addr === '10.0.0.1'
    expect(compileTrust(custom)).toBe(custom)
    expect(shapeOf(custom)).toBeUndefined()
  })

  it('returns the predicate it built before as it is', () => {
    const trust = compileTrust('loopback')
    expect(compileTrust(trust)).toBe(trust)
  })

  it('compiles true to trustAll, which trusts every address at every hop', () => {
    const trust = compileTrust(true)
    expect(trust).toBe(trustAll)
    expect(shapeOf(trust)).toEqual({ kind: 'all' })
    expect([trust('8.8.8.8', 0), trust(undefined, 0), trust('unknown', 5)]).toEqual([true, true, true])
  })

  describe.each([false, null, undefined])('compiles %s to trustNone', (setting) => {
    it('trusts nothing', () => {
      const trust = compileTrust(setting)
      expect(trust).toBe(trustNone)
      expect(shapeOf(trust)).toEqual({ kind: 'none' })
      expect([trust('127.0.0.1', 0), trust(undefined, 0), trust('10.0.0.1', 3)]).toEqual([false, false, false])
    })
  })

  it('compiles an empty array to trustNone', () => {
    expect(compileTrust([])).toBe(trustNone)
  })

  interface HopCase {
    readonly name: string
    readonly setting: number
    /** What the predicate answers for hops 0, 1, 2, 3. */
    readonly answers: readonly boolean[]
  }

  const hopCases: readonly HopCase[] = [
    { name: '0 trusts no hop', setting: 0, answers: [false, false, false, false] },
    { name: '1 trusts the socket peer only', setting: 1, answers: [true, false, false, false] },
    { name: '2 trusts the first two hops', setting: 2, answers: [true, true, false, false] },
    { name: '1.5 trusts the hops below 1.5 (i < n, as Express)', setting: 1.5, answers: [true, true, false, false] },
    { name: '-1 trusts no hop', setting: -1, answers: [false, false, false, false] },
    { name: 'NaN trusts no hop', setting: Number.NaN, answers: [false, false, false, false] },
    { name: 'Infinity trusts every hop', setting: Number.POSITIVE_INFINITY, answers: [true, true, true, true] },
  ]

  it.each(hopCases)('a hop count of $name, whatever the address', ({ setting, answers }) => {
    const trust = compileTrust(setting)
    expect(shapeOf(trust)).toEqual({ kind: 'hops', hops: setting })
    expect([0, 1, 2, 3].map((i) => trust('203.0.113.9', i))).toEqual(answers)
    expect([0, 1, 2, 3].map((i) => trust(undefined, i))).toEqual(answers)
  })

  interface ListCase {
    readonly name: string
    readonly setting: TrustSetting
    readonly trusted: readonly string[]
    readonly untrusted: readonly string[]
  }

  const listCases: readonly ListCase[] = [
    { name: 'a string with one address', setting: '10.0.0.1', trusted: ['10.0.0.1'], untrusted: ['10.0.0.2'] },
    { name: 'a comma-separated string', setting: '10.0.0.1,192.168.0.0/16', trusted: ['10.0.0.1', '192.168.4.4'], untrusted: ['10.0.0.2'] },
    { name: 'a string with spaces around entries', setting: ' loopback ,  10.0.0.0/8 ', trusted: ['127.0.0.1', '::1', '10.9.9.9'], untrusted: ['11.0.0.1'] },
    { name: 'a string with tabs around entries (String.prototype.trim, as Express)', setting: '\tloopback\t,\n10.0.0.1', trusted: ['127.0.0.1', '10.0.0.1'], untrusted: ['10.0.0.2'] },
    { name: 'a string naming a range', setting: 'uniquelocal', trusted: ['10.1.1.1', 'fd00::1'], untrusted: ['127.0.0.1'] },
    { name: 'an array of entries', setting: ['loopback', '10.0.0.1', 'fe80::/10'], trusted: ['127.0.0.1', '10.0.0.1', 'fe80::1'], untrusted: ['10.0.0.2', 'fec0::1'] },
    { name: 'an array with a netmask subnet', setting: ['10.0.0.0/255.255.0.0'], trusted: ['10.0.255.255'], untrusted: ['10.1.0.0'] },
    { name: 'an array with a mapped subnet', setting: ['::ffff:10.0.0.0/104'], trusted: ['10.1.2.3', '::ffff:10.1.2.3'], untrusted: ['11.0.0.1', '::a01:203'] },
    { name: 'an array with an IPv6 range (never IPv4 peers)', setting: ['::/96'], trusted: ['::1'], untrusted: ['0.0.0.1', '::ffff:0.0.0.1'] },
    { name: 'an array with repeated entries', setting: ['10.0.0.1', '10.0.0.1', 'loopback', 'loopback'], trusted: ['10.0.0.1', '127.0.0.1'], untrusted: ['10.0.0.2'] },
    { name: 'difference: a /0 entry (proxy-addr throws)', setting: '0.0.0.0/0', trusted: ['1.2.3.4', '::ffff:1.2.3.4'], untrusted: ['::1'] },
  ]

  it.each(listCases)('compiles $name into a range predicate', ({ setting, trusted, untrusted }) => {
    const trust = compileTrust(setting)
    expect(shapeOf(trust)?.kind).toBe('table')
    for (const address of trusted) expect([address, trust(address, 0)]).toEqual([address, true])
    for (const address of untrusted) expect([address, trust(address, 0)]).toEqual([address, false])
  })

  it('answers a range predicate the same at every hop', () => {
    const trust = compileTrust('10.0.0.0/8')
    expect([0, 1, 7].map((i) => trust('10.0.0.1', i))).toEqual([true, true, true])
  })

  it('answers false for an address a range predicate cannot read', () => {
    const trust = compileTrust(['0.0.0.0/0', '::/0'])
    expect([undefined, '', 'unknown', '127.1', ' 10.0.0.1'].map((address) => trust(address, 0)))
      .toEqual([false, false, false, false, false])
  })

  it('compiles a list whose ranges can match nothing to trustNone', () => {
    expect(compileTrust(['::ffff:0:0/80'])).toBe(trustNone)
  })

  interface ErrorCase {
    readonly name: string
    readonly setting: unknown
    readonly message: string
  }

  const errorCases: readonly ErrorCase[] = [
    { name: 'error: the empty string is one empty entry', setting: '', message: 'invalid IP address: ' },
    { name: 'error: a trailing comma makes an empty entry', setting: 'loopback,', message: 'invalid IP address: ' },
    { name: 'error: two commas make an empty entry', setting: '10.0.0.1,,10.0.0.2', message: 'invalid IP address: ' },
    { name: 'error: a string that is not an address', setting: 'foo', message: 'invalid IP address: foo' },
    { name: 'error: a named range in another case', setting: 'Loopback', message: 'invalid IP address: Loopback' },
    { name: 'error: a name from Object.prototype is not a named range', setting: 'constructor', message: 'invalid IP address: constructor' },
    { name: 'error: __proto__ is not a named range', setting: ['__proto__'], message: 'invalid IP address: __proto__' },
    { name: 'error: hasOwnProperty is not a named range', setting: ['hasOwnProperty'], message: 'invalid IP address: hasOwnProperty' },
    { name: 'error: a prefix out of range', setting: '10.0.0.1/33', message: 'invalid range on address: 10.0.0.1/33' },
    { name: 'error: a non-contiguous netmask', setting: '10.0.0.0/255.0.255.0', message: 'invalid range on address: 10.0.0.0/255.0.255.0' },
    { name: 'error: array entries are not trimmed', setting: [' 10.0.0.1'], message: 'invalid IP address:  10.0.0.1' },
    { name: 'error: array entries are not split on commas', setting: ['10.0.0.1,10.0.0.2'], message: 'invalid IP address: 10.0.0.1,10.0.0.2' },
    { name: 'error: the first bad entry is named', setting: ['10.0.0.1', 'foo', 'bar'], message: 'invalid IP address: foo' },
    { name: 'error: an object', setting: {}, message: 'unsupported trust argument' },
    { name: 'error: an array-like object', setting: { length: 1, 0: 'loopback' }, message: 'unsupported trust argument' },
    { name: 'error: a String object', setting: new String('loopback'), message: 'unsupported trust argument' },
    { name: 'error: a bigint', setting: 1n, message: 'unsupported trust argument' },
    { name: 'error: a symbol', setting: Symbol('trust'), message: 'unsupported trust argument' },
    { name: 'difference: a number entry names the value (proxy-addr: note.lastIndexOf is not a function)', setting: [5], message: 'invalid IP address: 5' },
    { name: 'difference: a null entry names the value', setting: [null], message: 'invalid IP address: null' },
    { name: 'difference: an undefined entry names the value', setting: [undefined], message: 'invalid IP address: undefined' },
    { name: 'difference: a boolean entry names the value', setting: [true], message: 'invalid IP address: true' },
    { name: 'difference: an object entry names the value as JSON', setting: [{ a: 1 }], message: 'invalid IP address: {"a":1}' },
    { name: 'difference: a nested array entry names the value as JSON', setting: [['10.0.0.1']], message: 'invalid IP address: ["10.0.0.1"]' },
    { name: 'difference: a named function entry names the function', setting: [function proxy(): boolean { return true }], message: 'invalid IP address: function proxy' },
    { name: 'difference: an anonymous function entry says so', setting: [(): boolean => true], message: 'invalid IP address: function (anonymous)' },
    { name: 'difference: a symbol entry names the symbol', setting: [Symbol('s')], message: 'invalid IP address: Symbol(s)' },
    { name: 'difference: a bigint entry, which JSON cannot render, is named as a bigint literal', setting: [1n], message: 'invalid IP address: 1n' },
  ]

  it.each(errorCases)('$name', ({ setting, message }) => {
    expect(() => compileTrust(untyped(setting))).toThrow(new TypeError(message))
  })

  it('difference: a circular object entry, which JSON cannot render, names its type', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(() => compileTrust(untyped([circular]))).toThrow(new TypeError('invalid IP address: [object Object]'))
  })
})

describe('entries proxy-addr 2.0.8 reads through coercion', () => {
  // proxy-addr looks names up with hasOwnProperty (which converts the entry to a string) and parses
  // the rest with String methods: these entries are not strings, and it accepts them
  const probes = ['127.0.0.1', '::1', '10.0.0.1', '10.9.8.7', '169.254.1.1', 'fe80::1', '192.168.0.1', '::ffff:10.0.0.1']
  const cases: readonly { name: string; setting: unknown[]; trusted: readonly string[] }[] = [
    { name: 'a nested array holding a range name names that range', setting: [['loopback']], trusted: ['127.0.0.1', '::1'] },
    { name: 'an array nested twice holding a range name names that range', setting: [[['linklocal']]], trusted: ['169.254.1.1', 'fe80::1'] },
    { name: 'a String object holding a range name names that range', setting: [new String('loopback')], trusted: ['127.0.0.1', '::1'] },
    { name: 'a String object holding an address is that address', setting: [new String('10.0.0.1')], trusted: ['10.0.0.1', '::ffff:10.0.0.1'] },
    { name: 'a String object holding a subnet is that subnet', setting: [new String('10.0.0.0/8')], trusted: ['10.0.0.1', '10.9.8.7', '::ffff:10.0.0.1'] },
    { name: 'a String object holding a netmask subnet is that subnet', setting: [new String('192.168.0.0/255.255.0.0')], trusted: ['192.168.0.1'] },
    { name: 'a String object holding an IPv6 address is that address', setting: [new String('::1')], trusted: ['::1'] },
    { name: 'an object whose toString() gives a range name names that range', setting: [{ toString: (): string => 'uniquelocal' }], trusted: ['10.0.0.1', '10.9.8.7', '192.168.0.1', '::ffff:10.0.0.1'] },
    { name: 'coerced entries mix with strings, in order', setting: [['loopback'], '10.0.0.0/8', new String('fe80::1')], trusted: ['127.0.0.1', '::1', '10.0.0.1', '10.9.8.7', 'fe80::1', '::ffff:10.0.0.1'] },
  ]

  it.each(cases)('$name', ({ setting, trusted }) => {
    const theirs = proxyAddr.compile(setting as string[])
    const ours = compileTrust(untyped(setting))
    expect(probes.filter((addr) => theirs(addr, 1))).toEqual(trusted)
    expect(probes.filter((addr) => ours(addr, 1))).toEqual(trusted)
  })

  it('a String object from another realm is read as its string', () => {
    const foreign = runInNewContext('new String("10.0.0.0/8")') as unknown
    expect(compileTrust(untyped([foreign]))('10.1.2.3', 1)).toBe(true)
  })

  it('reads an extended range name through coercion too', () => {
    expect(compileTrust(untyped([['cgnat']]), { extendedRanges: true })('100.64.0.1', 1)).toBe(true)
  })

  it('labels a String object entry with its text', () => {
    expect(reasonFor(compileTrust(untyped([new String('10.0.0.0/8')])), '10.0.0.1', 1)).toEqual({ trusted: true, rule: '10.0.0.0/8' })
  })

  it.each([
    { name: 'error: a String object holding no address is named by its text, as proxy-addr names it', setting: [new String('foo')], message: 'invalid IP address: foo' },
    { name: 'error: a String object with a bad prefix', setting: [new String('10.0.0.0/33')], message: 'invalid range on address: 10.0.0.0/33' },
    { name: 'error: a String object holding an odd spelling under strict addresses', setting: [new String('0177.0.0.1')], message: 'invalid IP address: 0177.0.0.1', strict: true },
  ])('$name', ({ setting, message, strict }) => {
    if (!strict) expect(() => proxyAddr.compile(setting as unknown as string[])).toThrow(new TypeError(message))
    expect(() => compileTrust(untyped(setting), strict ? { addresses: 'strict' } : undefined)).toThrow(new TypeError(message))
  })

  it('error: an entry that cannot be converted to a string is named, where proxy-addr throws a conversion error', () => {
    const bare = Object.create(null) as object
    expect(() => proxyAddr.compile([bare] as unknown as string[])).toThrow(TypeError)
    expect(() => compileTrust(untyped([bare]))).toThrow(new TypeError('invalid IP address: {}'))
  })

  it('error: an object whose toString() gives an address is not read as that address, as in proxy-addr', () => {
    const entry = { toString: (): string => '10.0.0.1' }
    expect(() => proxyAddr.compile([entry] as unknown as string[])).toThrow(new TypeError('note.lastIndexOf is not a function'))
    expect(() => compileTrust(untyped([entry]))).toThrow(new TypeError('invalid IP address: {}'))
  })
})

describe('the named ranges', () => {
  interface NamedCase {
    readonly name: string
    readonly v4: readonly number[]
    readonly v6: readonly number[]
    readonly members: readonly string[]
    readonly others: readonly string[]
  }

  const namedCases: readonly NamedCase[] = [
    {
      name: 'loopback',
      v4: [ipv4('127.0.0.0'), ipv4('255.0.0.0')],
      v6: [0, 0, 0, 1, -1, -1, -1, -1],
      members: ['127.0.0.0', '127.0.0.1', '127.255.255.255', '::1', '::ffff:127.0.0.1'],
      others: ['126.255.255.255', '128.0.0.0', '::', '::2', '::ffff:128.0.0.1'],
    },
    {
      name: 'linklocal',
      v4: [ipv4('169.254.0.0'), ipv4('255.255.0.0')],
      v6: [0xfe800000 | 0, 0, 0, 0, 0xffc00000 | 0, 0, 0, 0],
      members: ['169.254.0.0', '169.254.255.255', 'fe80::', 'fe80::1%eth0', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
      others: ['169.253.255.255', '169.255.0.0', 'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fec0::'],
    },
    {
      name: 'uniquelocal',
      v4: [
        ipv4('10.0.0.0'), ipv4('255.0.0.0'),
        ipv4('172.16.0.0'), ipv4('255.240.0.0'),
        ipv4('192.168.0.0'), ipv4('255.255.0.0'),
      ],
      v6: [0xfc000000 | 0, 0, 0, 0, 0xfe000000 | 0, 0, 0, 0],
      members: [
        '10.0.0.0', '10.255.255.255', '172.16.0.0', '172.31.255.255', '192.168.0.0', '192.168.255.255',
        'fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:10.0.0.1',
      ],
      others: [
        '9.255.255.255', '11.0.0.0', '172.15.255.255', '172.32.0.0', '192.167.255.255', '192.169.0.0',
        'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe00::', '127.0.0.1',
      ],
    },
  ]

  describe.each(namedCases)('$name', ({ name, v4, v6, members, others }) => {
    it('compiles to exactly the ranges proxy-addr 2.0.8 lists', () => {
      expect(tableOf(compileTrust(name))).toEqual({ v4, v6 })
    })

    it.each(members)('holds %s', (address) => {
      expect(compileTrust(name)(address, 0)).toBe(true)
    })

    it.each(others)('does not hold %s', (address) => {
      expect(compileTrust(name)(address, 0)).toBe(false)
    })
  })

  it('compiles several names to their ranges in order', () => {
    expect(tableOf(compileTrust('loopback, linklocal'))).toEqual({
      v4: [ipv4('127.0.0.0'), ipv4('255.0.0.0'), ipv4('169.254.0.0'), ipv4('255.255.0.0')],
      v6: [0, 0, 0, 1, -1, -1, -1, -1, 0xfe800000 | 0, 0, 0, 0, 0xffc00000 | 0, 0, 0, 0],
    })
  })
})

describe('compileList', () => {
  it('reads a string as one entry', () => {
    expect(compileList('10.0.0.1')('10.0.0.1', 0)).toBe(true)
    expect(compileList('loopback')('::1', 0)).toBe(true)
  })

  it('does not split a string on commas', () => {
    expect(() => compileList('10.0.0.1, 10.0.0.2')).toThrow(new TypeError('invalid IP address: 10.0.0.1, 10.0.0.2'))
  })

  it('does not trim a string', () => {
    expect(() => compileList(' loopback')).toThrow(new TypeError('invalid IP address:  loopback'))
  })

  it('reads an array of entries', () => {
    const trust = compileList(['loopback', '10.0.0.0/8'])
    expect([trust('127.0.0.1', 0), trust('10.2.3.4', 0), trust('11.0.0.1', 0)]).toEqual([true, true, false])
  })

  it('compiles an empty array to trustNone', () => {
    expect(compileList([])).toBe(trustNone)
  })

  it.each([['', ''], ['null', null], ['undefined', undefined], ['0', 0], ['false', false], ['NaN', Number.NaN]])(
    'error: %s is argument is required',
    (_name, value) => {
      expect(() => compileList(value)).toThrow(new TypeError('argument is required'))
    },
  )

  it.each([['a number', 5], ['true', true], ['an object', {}], ['a function', (): boolean => true]])(
    'error: %s is an unsupported trust argument',
    (_name, value) => {
      expect(() => compileList(value)).toThrow(new TypeError('unsupported trust argument'))
    },
  )

  it('names an invalid entry', () => {
    expect(() => compileList(['10.0.0.1', '10.0.0.1/33'])).toThrow(new TypeError('invalid range on address: 10.0.0.1/33'))
  })
})

describe('shapeOf', () => {
  it.each<[string, TrustFn, Shape | undefined]>([
    ['trustAll', trustAll, { kind: 'all' }],
    ['trustNone', trustNone, { kind: 'none' }],
    ['a hop count', compileTrust(3), { kind: 'hops', hops: 3 }],
    ['a custom function', (): boolean => true, undefined],
  ])('gives the shape of %s', (_name, trust, shape) => {
    expect(shapeOf(trust)).toEqual(shape)
  })

  it('gives a range predicate the table of its ranges', () => {
    const shape = shapeOf(compileTrust('10.0.0.0/8, ::1'))
    expect(shape?.kind).toBe('table')
    expect(tableOf(compileTrust('10.0.0.0/8, ::1'))).toEqual({
      v4: [ipv4('10.0.0.0'), ipv4('255.0.0.0')],
      v6: [0, 0, 0, 1, -1, -1, -1, -1],
    })
  })

  it('gives each compilation its own predicate', () => {
    expect(compileTrust(2)).not.toBe(compileTrust(2))
    expect(compileTrust('loopback')).not.toBe(compileTrust('loopback'))
  })
})

describe('compiledOf', () => {
  it('knows nothing of a custom function', () => {
    expect(compiledOf((): boolean => false)).toBeUndefined()
  })

  it('knows the shape, the function to call and the Express options of a predicate it built', () => {
    const trust = compileTrust(1)
    const compiled = compiledOf(trust)
    expect(compiled?.shape).toEqual({ kind: 'hops', hops: 1 })
    expect(compiled?.call).toBe(trust)
    expect(compiled?.options.source).toBe('x-forwarded-for')
  })

  it('answers the same when asked about the same predicate twice in a row', () => {
    const trust = compileTrust('loopback')
    const first = compiledOf(trust)
    expect(compiledOf(trust)).toBe(first)
    expect(compiledOf(trustAll)?.shape).toEqual({ kind: 'all' })
    expect(compiledOf(trust)).toBe(first)
  })
})

describe('compileTrust with options', () => {
  it('returns the Express predicate when the options change nothing', () => {
    expect(compileTrust(true, {})).toBe(trustAll)
    expect(compileTrust(false, { ports: false })).toBe(trustNone)
  })

  it('wraps a predicate in a new one that carries the options and keeps the shape', () => {
    const trust = compileTrust(true, { ports: true })
    expect(trust).not.toBe(trustAll)
    expect(shapeOf(trust)).toEqual({ kind: 'all' })
    expect(compiledOf(trust)?.call).toBe(trustAll)
    expect(compiledOf(trust)?.options.ports).toBe(true)
    expect([trust('1.2.3.4', 0), trust(undefined, 9)]).toEqual([true, true])
  })

  it('wraps a custom function, which stays the one called', () => {
    const calls: [string | undefined, number][] = []
    const custom: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return addr === '10.0.0.1'
    }
    const trust = compileTrust(custom, { normalize: true })
    expect(trust).not.toBe(custom)
    expect(shapeOf(trust)).toBeUndefined()
    expect(compiledOf(trust)?.call).toBe(custom)
    expect([trust('10.0.0.1', 0), trust('10.0.0.2', 1)]).toEqual([true, false])
    expect(calls).toEqual([['10.0.0.1', 0], ['10.0.0.2', 1]])
  })

  it('with trustSocketless, the predicate alone trusts no missing address: only a walk, which sees the socket, does', () => {
    const trust = compileTrust('loopback', { trustSocketless: true })
    expect([trust(undefined, 0), trust(undefined, 1), trust('127.0.0.1', 0), trust('10.0.0.1', 0)])
      .toEqual([false, false, true, false])
  })

  it('accepts the extended range names only with extendedRanges', () => {
    expect(() => compileTrust('cgnat')).toThrow(new TypeError('invalid IP address: cgnat'))
    expect(() => compileTrust('private')).toThrow(new TypeError('invalid IP address: private'))
    const cgnat = compileTrust('cgnat', { extendedRanges: true })
    expect([cgnat('100.64.0.0', 0), cgnat('100.127.255.255', 0), cgnat('100.128.0.0', 0)]).toEqual([true, true, false])
    const all = compileTrust('private', { extendedRanges: true })
    expect(['127.0.0.1', '::1', '169.254.1.1', 'fe80::1', '10.0.0.1', '172.16.0.1', '192.168.0.1', 'fc00::1', '8.8.8.8']
      .map((address) => all(address, 0))).toEqual([true, true, true, true, true, true, true, true, false])
  })

  it('with strict addresses, rejects odd spellings in the setting and never trusts them in requests', () => {
    expect(() => compileTrust('0177.0.0.1', { addresses: 'strict' })).toThrow(new TypeError('invalid IP address: 0177.0.0.1'))
    expect(() => compileTrust('10.0.0.0/0xff000000', { addresses: 'strict' }))
      .toThrow(new TypeError('invalid range on address: 10.0.0.0/0xff000000'))
    const trust = compileTrust('127.0.0.0/8', { addresses: 'strict' })
    expect(['127.0.0.1', '0177.0.0.1', '2130706433', '::ffff:127.0.0.1'].map((address) => trust(address, 0)))
      .toEqual([true, false, false, true])
  })

  it('without strict addresses, trusts odd spellings as proxy-addr does', () => {
    const trust = compileTrust('127.0.0.0/8')
    expect(['0177.0.0.1', '2130706433', '0x7f000001'].map((address) => trust(address, 0))).toEqual([true, true, true])
  })

  it('error: an unknown option', () => {
    expect(() => compileTrust(true, { port: true } as never)).toThrow(new TypeError('unknown option: port'))
  })

  it('error: an option of the wrong type', () => {
    expect(() => compileTrust(true, { ports: 'yes' } as never)).toThrow(new TypeError('invalid option ports: "yes" (expected true or false)'))
  })
})

describe("compileTrust with zones: 'match'", () => {
  const fastifyProxyAddr = createRequire(import.meta.url)('@fastify/proxy-addr') as {
    (req: object, trust: unknown): string | undefined
    compile(val: unknown): (addr: string) => boolean
  }
  const MATCH = { zones: 'match' } as const

  // @fastify/proxy-addr 5.1.3's zone cases (test/compile.test.js and test/base.test.js), run on
  // both packages
  it.each([
    { name: '@fastify/proxy-addr: zoned IPv6 trust should require the same zone', setting: 'fe80::1%proxy0' },
    { name: '@fastify/proxy-addr: zoned IPv6 trust in an array should require the same zone', setting: ['127.0.0.1', 'fe80::1%proxy0'] },
  ])('$name', ({ setting }) => {
    for (const trust of [fastifyProxyAddr.compile(setting), compileTrust(setting, MATCH)]) {
      expect([trust('fe80::1%proxy0', 0), trust('fe80::1%edge0', 0), trust('fe80::1', 0)]).toEqual([true, false, false])
    }
  })

  it('@fastify/proxy-addr: when a zoned IPv6 proxy is trusted should reject another zone', () => {
    const req = { socket: { remoteAddress: 'fe80::1%edge0' }, headers: { 'x-forwarded-for': '198.51.100.7' } }
    expect(fastifyProxyAddr(req, 'fe80::1%proxy0')).toBe('fe80::1%edge0')
    expect(proxyAddr(req as never, 'fe80::1%proxy0')).toBe('198.51.100.7')
    expect(resolveAddr(req, compileTrust('fe80::1%proxy0', MATCH)).ip).toBe('fe80::1%edge0')
    expect(resolveAddr(req, compileTrust('fe80::1%proxy0')).ip).toBe('198.51.100.7')
  })

  it.each([
    { name: 'an entry without a zone holds every zone, and addresses without one', setting: 'fe80::/10', addrs: ['fe80::1%eth0', 'fe80::1%lo0', 'fe80::1'], trusted: [true, true, true] },
    { name: 'a zoned subnet holds only its zone', setting: 'fe80::%eth0/10', addrs: ['fe80::1%eth0', 'fe80::2%eth1', 'fe80::3'], trusted: [true, false, false] },
    { name: 'zone ids are compared exactly, case included', setting: 'fe80::1%eth0', addrs: ['fe80::1%eth0', 'fe80::1%ETH0'], trusted: [true, false] },
    { name: 'the same address in two zones: each entry its own', setting: ['fe80::1%eth0', 'fe80::1%eth1'], addrs: ['fe80::1%eth0', 'fe80::1%eth1', 'fe80::1%eth2'], trusted: [true, true, false] },
    { name: 'an odd spelling with a zone keeps its zone', setting: 'fe80::1%eth0', addrs: ['fe80:0:0:0:0:0:0:1%eth0', 'FE80::0001%eth1'], trusted: [true, false] },
    { name: 'IPv4 and mapped addresses are matched as IPv4, without zones', setting: ['::ffff:10.0.0.1', 'fe80::1%eth0'], addrs: ['10.0.0.1', '::ffff:10.0.0.1%eth1'], trusted: [true, true] },
  ])('$name', ({ setting, addrs, trusted }) => {
    const trust = compileTrust(setting, MATCH)
    expect(addrs.map((addr) => trust(addr, 1))).toEqual(trusted)
  })

  it('a walk stops at a hop from another zone', () => {
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.9, fe80::2%eth1, fe80::1%eth0' } }
    expect(resolveAddr(req, compileTrust(['loopback', 'fe80::/10'], MATCH)).ip).toBe('203.0.113.9')
    expect(resolveAddr(req, compileTrust(['loopback', 'fe80::%eth0/10'], MATCH))).toMatchObject({ ip: 'fe80::2%eth1', ips: ['fe80::2%eth1', 'fe80::1%eth0'] })
  })

  it('without the option, zones are ignored, as in proxy-addr 2.0.8', () => {
    const trust = compileTrust('fe80::1%proxy0')
    const theirs = proxyAddr.compile('fe80::1%proxy0')
    for (const addr of ['fe80::1%proxy0', 'fe80::1%edge0', 'fe80::1']) expect([addr, trust(addr, 0)]).toEqual([addr, theirs(addr, 0)])
    expect(trust('fe80::1%edge0', 0)).toBe(true)
  })

  it('explains a zone that does not match as no range matched', () => {
    const trust = compileTrust(['fe80::1%eth0'], MATCH)
    expect(reasonFor(trust, 'fe80::1%eth1', 1)).toEqual({ trusted: false, rule: 'no range matched' })
    expect(reasonFor(trust, 'fe80::1%eth0', 1)).toEqual({ trusted: true, rule: 'fe80::1%eth0' })
  })

  it('with strict addresses too, a zone is still read from a canonical address', () => {
    const trust = compileTrust('fe80::1%eth0', { zones: 'match', addresses: 'strict' })
    expect([trust('fe80::1%eth0', 1), trust('fe80::1%eth1', 1)]).toEqual([true, false])
  })
})

describe('isTrusted', () => {
  it('calls a predicate without a shape with the address and hop', () => {
    const calls: [string | undefined, number][] = []
    const custom: TrustFn = (addr, i) => {
      calls.push([addr, i])
      return i === 0
    }
    expect(isTrusted(custom, undefined, '10.0.0.1', 0)).toBe(true)
    expect(isTrusted(custom, undefined, undefined, 1)).toBe(false)
    expect(calls).toEqual([['10.0.0.1', 0], [undefined, 1]])
  })

  it('answers from the shape without calling the predicate', () => {
    const never: TrustFn = () => {
      throw new Error('called')
    }
    expect(isTrusted(never, { kind: 'all' }, '10.0.0.1', 0)).toBe(true)
    expect(isTrusted(never, { kind: 'none' }, '10.0.0.1', 0)).toBe(false)
    expect(isTrusted(never, { kind: 'hops', hops: 1 }, '10.0.0.1', 0)).toBe(true)
    expect(isTrusted(never, { kind: 'hops', hops: 1 }, '10.0.0.1', 1)).toBe(false)
  })

  it('answers a table shape from the whole address', () => {
    const shape = shapeOf(compileTrust('10.0.0.0/8'))
    expect(isTrusted(trustNone, shape, '10.0.0.1', 0)).toBe(true)
    expect(isTrusted(trustNone, shape, '11.0.0.1', 0)).toBe(false)
    expect(isTrusted(trustNone, shape, undefined, 0)).toBe(false)
  })
})

describe('holds', () => {
  const table = shapeOf(compileTrust('10.0.0.0/8, ::1'))
  if (table === undefined) throw new Error('no table shape')

  interface HoldsCase {
    readonly name: string
    readonly shape: Shape
    readonly i: number
    readonly s: string | undefined
    readonly start: number
    readonly end: number
    readonly expected: boolean
  }

  const holdsCases: readonly HoldsCase[] = [
    { name: 'all holds at any hop', shape: { kind: 'all' }, i: 9, s: 'x', start: 0, end: -1, expected: true },
    { name: 'all holds without an address', shape: { kind: 'all' }, i: 0, s: undefined, start: 0, end: -1, expected: true },
    { name: 'none never holds', shape: { kind: 'none' }, i: 0, s: '10.0.0.1', start: 0, end: -1, expected: false },
    { name: 'hops holds below the count', shape: { kind: 'hops', hops: 2 }, i: 1, s: 'x', start: 0, end: -1, expected: true },
    { name: 'hops fails at the count', shape: { kind: 'hops', hops: 2 }, i: 2, s: 'x', start: 0, end: -1, expected: false },
    { name: 'a table holds for the whole string when end is -1', shape: table, i: 0, s: '10.1.2.3', start: 0, end: -1, expected: true },
    { name: 'a table reads only from start to end', shape: table, i: 1, s: '1.1.1.1, 10.1.2.3 ,2.2.2.2', start: 9, end: 17, expected: true },
    { name: 'a table reads an IPv6 entry from start to end', shape: table, i: 1, s: 'a,::1,b', start: 2, end: 5, expected: true },
    { name: 'a table fails for a slice outside its ranges', shape: table, i: 1, s: '1.1.1.1, 10.1.2.3', start: 0, end: 7, expected: false },
    { name: 'a table fails for a slice that is not an address', shape: table, i: 1, s: '10.1.2.3', start: 0, end: 4, expected: false },
    { name: 'a table fails without an address', shape: table, i: 0, s: undefined, start: 0, end: -1, expected: false },
  ]

  it.each(holdsCases)('$name', ({ shape, i, s, start, end, expected }) => {
    expect(holds(shape, i, s, start, end)).toBe(expected)
  })
})

describe('reasonFor', () => {
  const custom: TrustFn = (addr) => addr === '10.0.0.1'

  it.each<[string, TrustFn, string | undefined, number, { trusted: boolean; rule: string }]>([
    ['trust all', trustAll, '1.2.3.4', 3, { trusted: true, rule: 'trust all' }],
    ['trust nothing', trustNone, '1.2.3.4', 0, { trusted: false, rule: 'trust nothing' }],
    ['a hop below the count', compileTrust(2), '1.2.3.4', 1, { trusted: true, rule: 'hop 1 < 2' }],
    ['a hop at the count', compileTrust(2), '1.2.3.4', 2, { trusted: false, rule: 'hop 2 >= 2' }],
    ['a named range, with the range that held', compileTrust('loopback'), '::1', 0, { trusted: true, rule: 'loopback (::1/128)' }],
    ['a range as it was written', compileTrust('10.0.0.0/255.0.0.0'), '10.1.1.1', 0, { trusted: true, rule: '10.0.0.0/255.0.0.0' }],
    ['the first range that holds', compileTrust('10.0.0.0/8, 10.0.0.1'), '10.0.0.1', 0, { trusted: true, rule: '10.0.0.0/8' }],
    ['no range holding', compileTrust('loopback'), '10.0.0.1', 0, { trusted: false, rule: 'no range matched' }],
    ['an address that is not one', compileTrust('loopback'), 'unknown', 1, { trusted: false, rule: 'not an IP address' }],
    ['a custom function', custom, '10.0.0.1', 0, { trusted: true, rule: 'custom function' }],
    ['a custom function saying no', custom, '10.0.0.2', 0, { trusted: false, rule: 'custom function' }],
    ['a missing peer with trustSocketless (the walk, not the predicate, trusts a socketless peer)', compileTrust(false, { trustSocketless: true }), undefined, 0, { trusted: false, rule: 'trust nothing' }],
    ['a missing address past the peer with trustSocketless', compileTrust(false, { trustSocketless: true }), undefined, 1, { trusted: false, rule: 'trust nothing' }],
  ])('explains %s', (_name, trust, addr, i, reason) => {
    expect(reasonFor(trust, addr, i)).toEqual(reason)
  })
})
