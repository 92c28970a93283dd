// options.test.ts: resolveOptions, which validates the options of compileTrust(setting, options)
// once and fills in the defaults, and describeValue, which renders a bad value in its errors.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { EXPRESS } from '../../src/core/express.js'
import { describeValue, resolveOptions, type ResolvedOptions, type TrustOptions } from '../../src/core/options.js'

/** Options with one field changed from Express's behaviour. */
function changed(fields: Partial<ResolvedOptions>): ResolvedOptions {
  return { ...EXPRESS, ...fields }
}

/** What `preset: 'strict'` turns on. */
const STRICT_PRESET = changed({ aligned: true, strict: true, normalize: true, extendedRanges: true })

describe('EXPRESS', () => {
  it('holds every default the options reference (docs/reference/options.md) documents', () => {
    expect(EXPRESS).toEqual({
      source: 'x-forwarded-for',
      header: '',
      headerPort: false,
      ports: false,
      aligned: false,
      strict: false,
      normalize: false,
      extendedRanges: false,
      matchZones: false,
      trustSocketless: false,
      maxForwarded: 32,
      proofHeader: '',
      proofValues: [],
      forwardedPort: false,
      forwardedPrefix: false,
      allowedHosts: null,
    })
  })

  // each row of the table in docs/reference/options.md whose default is a value, given as that
  // option, changes nothing: the documented default is the one resolveOptions fills in
  it('is what each default of the options table resolves to', () => {
    const doc = readFileSync(new URL('../../docs/reference/options.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)].map((match) => [match[1] ?? '', match[2] ?? ''] as const)
    expect(rows.map(([name]) => name)).toEqual([
      'source', 'ports', 'hostAndProto', 'addresses', 'normalize', 'extendedRanges', 'zones', 'trustSocketless', 'maxForwarded',
      'forwardedPort', 'forwardedPrefix',
    ])
    for (const [name, literal] of rows) {
      const value: unknown = JSON.parse(literal.replace(/'/g, '"'))
      expect(resolveOptions({ [name]: value } as TrustOptions), `${name}: ${literal}`).toBe(EXPRESS)
    }
  })

  it('is frozen, so that no caller can change what every predicate without options shares', () => {
    expect(Object.isFrozen(EXPRESS)).toBe(true)
  })
})

describe('resolveOptions', () => {
  interface DefaultCase {
    readonly name: string
    readonly options: TrustOptions | undefined
  }

  const defaultCases: readonly DefaultCase[] = [
    { name: 'no options', options: undefined },
    { name: 'an empty object', options: {} },
    { name: 'every option undefined', options: {
      preset: undefined, source: undefined, ports: undefined, hostAndProto: undefined, addresses: undefined,
      normalize: undefined, extendedRanges: undefined, zones: undefined, trustSocketless: undefined, maxForwarded: undefined,
    } },
    { name: 'every option at its default', options: {
      source: 'x-forwarded-for', ports: false, hostAndProto: 'leftmost', addresses: 'compatible', normalize: false,
      extendedRanges: false, zones: 'ignore', trustSocketless: false, maxForwarded: 32,
    } },
    { name: "source: 'x-forwarded-for'", options: { source: 'x-forwarded-for' } },
    { name: 'ports: false', options: { ports: false } },
    { name: "hostAndProto: 'leftmost'", options: { hostAndProto: 'leftmost' } },
    { name: "addresses: 'compatible'", options: { addresses: 'compatible' } },
    { name: 'normalize: false', options: { normalize: false } },
    { name: 'extendedRanges: false', options: { extendedRanges: false } },
    { name: "zones: 'ignore'", options: { zones: 'ignore' } },
    { name: 'trustSocketless: false', options: { trustSocketless: false } },
    { name: 'maxForwarded: 32', options: { maxForwarded: 32 } },
    { name: 'the strict preset with each of its choices turned back off', options: {
      preset: 'strict', hostAndProto: 'leftmost', addresses: 'compatible', normalize: false, extendedRanges: false,
    } },
  ]

  it.each(defaultCases)('returns the EXPRESS object itself for $name', ({ options }) => {
    expect(resolveOptions(options)).toBe(EXPRESS)
  })

  interface ResolveCase {
    readonly name: string
    readonly options: TrustOptions
    readonly expected: ResolvedOptions
  }

  const optionCases: readonly ResolveCase[] = [
    { name: "source: 'forwarded'", options: { source: 'forwarded' }, expected: changed({ source: 'forwarded' }) },
    {
      name: 'source: { header }, the name lower-cased',
      options: { source: { header: 'X-Real-IP' } }, expected: changed({ source: 'header', header: 'x-real-ip' }),
    },
    {
      name: 'source: { header } with every token character RFC 7230 allows in a name',
      options: { source: { header: "!#$%&'*+-.^_`|~09AZaz" } },
      expected: changed({ source: 'header', header: "!#$%&'*+-.^_`|~09azaz" }),
    },
    {
      name: 'source: { header } naming X-Forwarded-For reads it as a single-address header',
      options: { source: { header: 'X-Forwarded-For' } }, expected: changed({ source: 'header', header: 'x-forwarded-for' }),
    },
    { name: 'ports: true', options: { ports: true }, expected: changed({ ports: true }) },
    { name: "hostAndProto: 'aligned'", options: { hostAndProto: 'aligned' }, expected: changed({ aligned: true }) },
    { name: "addresses: 'strict'", options: { addresses: 'strict' }, expected: changed({ strict: true }) },
    { name: 'normalize: true', options: { normalize: true }, expected: changed({ normalize: true }) },
    { name: 'extendedRanges: true', options: { extendedRanges: true }, expected: changed({ extendedRanges: true }) },
    { name: "zones: 'match'", options: { zones: 'match' }, expected: changed({ matchZones: true }) },
    { name: 'trustSocketless: true', options: { trustSocketless: true }, expected: changed({ trustSocketless: true }) },
    { name: 'maxForwarded: 1, the smallest cap', options: { maxForwarded: 1 }, expected: changed({ maxForwarded: 1 }) },
    { name: 'maxForwarded: 1000', options: { maxForwarded: 1000 }, expected: changed({ maxForwarded: 1000 }) },
    { name: 'a whole number written as a float (5.0)', options: { maxForwarded: 5.0 }, expected: changed({ maxForwarded: 5 }) },
    {
      name: 'several options together',
      options: { source: 'forwarded', ports: true, trustSocketless: true, maxForwarded: 8 },
      expected: changed({ source: 'forwarded', ports: true, trustSocketless: true, maxForwarded: 8 }),
    },
  ]

  it.each(optionCases)('$name', ({ options, expected }) => {
    const resolved = resolveOptions(options)
    expect(resolved).toEqual(expected)
    expect(resolved).not.toBe(EXPRESS)
  })

  const presetCases: readonly ResolveCase[] = [
    { name: "preset: 'strict' turns on strict addresses, aligned host and protocol, normalize and extendedRanges", options: { preset: 'strict' }, expected: STRICT_PRESET },
    { name: 'the preset leaves source, ports, trustSocketless and maxForwarded alone', options: { preset: 'strict' }, expected: changed({ ...STRICT_PRESET, source: 'x-forwarded-for', ports: false, trustSocketless: false, maxForwarded: 32 }) },
    { name: "hostAndProto: 'leftmost' beside the preset wins", options: { preset: 'strict', hostAndProto: 'leftmost' }, expected: { ...STRICT_PRESET, aligned: false } },
    { name: "addresses: 'compatible' beside the preset wins", options: { preset: 'strict', addresses: 'compatible' }, expected: { ...STRICT_PRESET, strict: false } },
    { name: 'normalize: false beside the preset wins', options: { preset: 'strict', normalize: false }, expected: { ...STRICT_PRESET, normalize: false } },
    { name: 'extendedRanges: false beside the preset wins', options: { preset: 'strict', extendedRanges: false }, expected: { ...STRICT_PRESET, extendedRanges: false } },
    { name: 'options the preset does not touch are added to it', options: { preset: 'strict', source: 'forwarded', ports: true, trustSocketless: true, maxForwarded: 4 }, expected: { ...STRICT_PRESET, source: 'forwarded', ports: true, trustSocketless: true, maxForwarded: 4 } },
    { name: 'values equal to the preset beside it change nothing', options: { preset: 'strict', hostAndProto: 'aligned', addresses: 'strict', normalize: true, extendedRanges: true }, expected: STRICT_PRESET },
    { name: 'preset: undefined is no preset', options: { preset: undefined, normalize: true }, expected: changed({ normalize: true }) },
  ]

  describe('the strict preset', () => {
    it.each(presetCases)('$name', ({ options, expected }) => {
      expect(resolveOptions(options)).toEqual(expected)
    })
  })

  interface ErrorCase {
    readonly name: string
    readonly options: unknown
    readonly message: string
  }

  const SOURCE_EXPECTED = "(expected 'x-forwarded-for', 'forwarded' or { header: name })"

  const errorCases: readonly ErrorCase[] = [
    { name: 'error: null options', options: null, message: 'invalid option options: null (expected an object)' },
    { name: 'error: options as a string', options: 'strict', message: 'invalid option options: "strict" (expected an object)' },
    { name: 'error: options as a boolean', options: true, message: 'invalid option options: true (expected an object)' },
    { name: 'error: options as a number', options: 1, message: 'invalid option options: 1 (expected an object)' },
    { name: 'error: options as a function', options: function lax() {}, message: 'invalid option options: function lax (expected an object)' },
    { name: 'error: options as an array of names (its index is an unknown option)', options: ['ports'], message: 'unknown option: 0' },
    { name: 'error: an unknown option', options: { sorce: 'forwarded' }, message: 'unknown option: sorce' },
    { name: 'error: an option name in the wrong case', options: { Ports: true }, message: 'unknown option: Ports' },
    { name: 'error: an unknown option beside known ones', options: { ports: true, trustProxy: true }, message: 'unknown option: trustProxy' },
    { name: 'error: an unknown option set to undefined', options: { port: undefined }, message: 'unknown option: port' },
    { name: 'error: an unknown option is reported before a bad value', options: { ports: 'yes', typo: 1 }, message: 'unknown option: typo' },
    { name: 'error: an unknown preset', options: { preset: 'secure' }, message: `invalid option preset: "secure" (expected 'strict')` },
    { name: 'error: preset true', options: { preset: true }, message: `invalid option preset: true (expected 'strict')` },
    { name: 'error: preset null', options: { preset: null }, message: `invalid option preset: null (expected 'strict')` },
    { name: 'error: the preset is checked before the other options', options: { preset: 'Strict', ports: 'yes' }, message: `invalid option preset: "Strict" (expected 'strict')` },
    { name: 'error: an unknown source', options: { source: 'xff' }, message: `invalid option source: "xff" ${SOURCE_EXPECTED}` },
    { name: 'error: a source name in capitals', options: { source: 'Forwarded' }, message: `invalid option source: "Forwarded" ${SOURCE_EXPECTED}` },
    { name: 'error: a header name given as the source', options: { source: 'x-real-ip' }, message: `invalid option source: "x-real-ip" ${SOURCE_EXPECTED}` },
    { name: 'error: source null', options: { source: null }, message: `invalid option source: null ${SOURCE_EXPECTED}` },
    { name: 'error: source true', options: { source: true }, message: `invalid option source: true ${SOURCE_EXPECTED}` },
    { name: 'error: source as a function', options: { source: () => 'x' }, message: `invalid option source: function source ${SOURCE_EXPECTED}` },
    { name: 'error: source: {} without a header', options: { source: {} }, message: 'invalid option source.header: undefined (expected a header name)' },
    { name: 'error: an empty header name', options: { source: { header: '' } }, message: 'invalid option source.header: "" (expected a header name)' },
    { name: 'error: a header name with a space', options: { source: { header: 'X Real IP' } }, message: 'invalid option source.header: "X Real IP" (expected a header name)' },
    { name: 'error: a header name with a colon', options: { source: { header: 'X-Real-IP:' } }, message: 'invalid option source.header: "X-Real-IP:" (expected a header name)' },
    { name: 'error: a pseudo-header name', options: { source: { header: ':authority' } }, message: 'invalid option source.header: ":authority" (expected a header name)' },
    { name: 'error: a header name with a newline', options: { source: { header: 'X-Real-IP\n' } }, message: 'invalid option source.header: "X-Real-IP\\n" (expected a header name)' },
    { name: 'error: a header name outside ASCII', options: { source: { header: 'X-Réal-IP' } }, message: 'invalid option source.header: "X-Réal-IP" (expected a header name)' },
    { name: 'error: a header name with a separator', options: { source: { header: 'X-Real-IP,X-Other' } }, message: 'invalid option source.header: "X-Real-IP,X-Other" (expected a header name)' },
    { name: 'error: a header name that is not a string', options: { source: { header: 42 } }, message: 'invalid option source.header: 42 (expected a header name)' },
    { name: 'error: a header name that is a list', options: { source: { header: ['X-Real-IP'] } }, message: 'invalid option source.header: ["X-Real-IP"] (expected a header name)' },
    { name: 'error: ports as a string', options: { ports: 'yes' }, message: 'invalid option ports: "yes" (expected true or false)' },
    { name: 'error: ports as a number', options: { ports: 1 }, message: 'invalid option ports: 1 (expected true or false)' },
    { name: 'error: ports null', options: { ports: null }, message: 'invalid option ports: null (expected true or false)' },
    { name: 'error: hostAndProto: true', options: { hostAndProto: true }, message: `invalid option hostAndProto: true (expected 'leftmost' or 'aligned')` },
    { name: 'error: an unknown hostAndProto', options: { hostAndProto: 'rightmost' }, message: `invalid option hostAndProto: "rightmost" (expected 'leftmost' or 'aligned')` },
    { name: 'error: hostAndProto null', options: { hostAndProto: null }, message: `invalid option hostAndProto: null (expected 'leftmost' or 'aligned')` },
    { name: 'error: addresses: true', options: { addresses: true }, message: `invalid option addresses: true (expected 'compatible' or 'strict')` },
    { name: 'error: an unknown addresses', options: { addresses: 'canonical' }, message: `invalid option addresses: "canonical" (expected 'compatible' or 'strict')` },
    { name: 'error: addresses in capitals', options: { addresses: 'STRICT' }, message: `invalid option addresses: "STRICT" (expected 'compatible' or 'strict')` },
    { name: 'error: normalize as a string', options: { normalize: 'true' }, message: 'invalid option normalize: "true" (expected true or false)' },
    { name: 'error: extendedRanges as a list of names', options: { extendedRanges: ['cgnat'] }, message: 'invalid option extendedRanges: ["cgnat"] (expected true or false)' },
    { name: 'error: zones: true', options: { zones: true }, message: `invalid option zones: true (expected 'ignore' or 'match')` },
    { name: 'error: an unknown zones', options: { zones: 'same' }, message: `invalid option zones: "same" (expected 'ignore' or 'match')` },
    { name: 'error: trustSocketless as a number', options: { trustSocketless: 0 }, message: 'invalid option trustSocketless: 0 (expected true or false)' },
    { name: 'error: maxForwarded 0', options: { maxForwarded: 0 }, message: 'invalid option maxForwarded: 0 (expected a whole number of at least 1)' },
    { name: 'error: a negative maxForwarded', options: { maxForwarded: -1 }, message: 'invalid option maxForwarded: -1 (expected a whole number of at least 1)' },
    { name: 'error: a fractional maxForwarded', options: { maxForwarded: 1.5 }, message: 'invalid option maxForwarded: 1.5 (expected a whole number of at least 1)' },
    { name: 'error: maxForwarded as a string', options: { maxForwarded: '5' }, message: 'invalid option maxForwarded: "5" (expected a whole number of at least 1)' },
    { name: 'error: maxForwarded NaN names NaN', options: { maxForwarded: NaN }, message: 'invalid option maxForwarded: NaN (expected a whole number of at least 1)' },
    { name: 'error: maxForwarded true', options: { maxForwarded: true }, message: 'invalid option maxForwarded: true (expected a whole number of at least 1)' },
  ]

  it.each(errorCases)('$name', ({ options, message }) => {
    expect(() => resolveOptions(options as TrustOptions)).toThrow(new TypeError(message))
  })

  it.each(errorCases)('compileTrust reports the same: $name', ({ options, message }) => {
    expect(() => compileTrust('loopback', options as TrustOptions)).toThrow(new TypeError(message))
  })

  it('validates the options before the setting', () => {
    expect(() => compileTrust('not an address', { ports: 'yes' } as unknown as TrustOptions))
      .toThrow(new TypeError('invalid option ports: "yes" (expected true or false)'))
  })

  it('returns a new object for options that change something, and never changes the options given', () => {
    const options = { source: { header: 'X-Real-IP' }, preset: 'strict' } as const
    const first = resolveOptions(options)
    expect(resolveOptions(options)).not.toBe(first)
    expect(resolveOptions(options)).toEqual(first)
    expect(options).toEqual({ source: { header: 'X-Real-IP' }, preset: 'strict' })
  })
})

describe('describeValue', () => {
  interface DescribeCase {
    readonly name: string
    readonly value: unknown
    readonly text: string
  }

  const circular: Record<string, unknown> = {}
  circular.self = circular
  const anonymous = [() => 1][0]

  const describeCases: readonly DescribeCase[] = [
    { name: 'a string, quoted as JSON', value: 'xff', text: '"xff"' },
    { name: 'an empty string', value: '', text: '""' },
    { name: 'a string with quotes and control characters, escaped', value: 'a"b\n', text: '"a\\"b\\n"' },
    { name: 'a number', value: 1.5, text: '1.5' },
    { name: 'a negative number', value: -1, text: '-1' },
    { name: 'NaN, by its name', value: NaN, text: 'NaN' },
    { name: 'Infinity, by its name', value: Infinity, text: 'Infinity' },
    { name: 'true', value: true, text: 'true' },
    { name: 'null', value: null, text: 'null' },
    { name: 'undefined', value: undefined, text: 'undefined' },
    { name: 'an array, as JSON', value: ['loopback', 1], text: '["loopback",1]' },
    { name: 'an object, as JSON', value: { header: 'X-Real-IP' }, text: '{"header":"X-Real-IP"}' },
    { name: 'a named function, by its name', value: function trustMe() {}, text: 'function trustMe' },
    { name: 'an anonymous function', value: anonymous, text: 'function (anonymous)' },
    { name: 'a symbol, which JSON cannot show', value: Symbol('trust'), text: 'Symbol(trust)' },
    { name: 'a BigInt, which JSON refuses, as a bigint literal', value: 10n, text: '10n' },
    { name: 'an object whose toJSON gives nothing, by its type', value: { toJSON: () => undefined }, text: '[object Object]' },
    { name: 'a circular object, which JSON refuses', value: circular, text: '[object Object]' },
  ]

  it.each(describeCases)('$name', ({ value, text }) => {
    expect(describeValue(value)).toBe(text)
  })
})
