// rfc7239.test.ts: parseForwarded and parseNode, on RFC 7239's own examples, on the edges of its
// grammar, on hostile headers, and on generated well-formed lists whose answer is known.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_MAX_ELEMENTS,
  ForwardedReader,
  parseForwarded,
  parseNode,
  type ForwardedElement,
  type ForwardedList,
  type ForwardedNode,
} from '../../src/core/rfc7239.js'

/** The answer for a header read to its end without trouble. */
function read(...elements: ForwardedElement[]): ForwardedList {
  return { elements, malformed: false, truncated: false }
}

/** The answer for a header whose reading stopped at a malformed element. */
function stopped(...elements: ForwardedElement[]): ForwardedList {
  return { elements, malformed: true, truncated: false }
}

/** The answer for a header whose reading stopped at the cap. */
function capped(...elements: ForwardedElement[]): ForwardedList {
  return { elements, malformed: false, truncated: true }
}

/**
 * How many times, and how far to the left, `header` is read by `run`: every read of a string's
 * characters by the parser goes through `String.prototype.charCodeAt`, which is wrapped meanwhile.
 */
function reads(header: string, run: () => void): { count: number; lowest: number } {
  const original = String.prototype.charCodeAt
  let count = 0
  let lowest = Infinity
  String.prototype.charCodeAt = function (this: string, index: number): number {
    if (this === header) {
      count++
      if (index < lowest) lowest = index
    }
    return original.call(this, index)
  }
  try {
    run()
  } finally {
    String.prototype.charCodeAt = original
  }
  return { count, lowest }
}

const MB = 1 << 20

interface HeaderCase {
  readonly name: string
  readonly header: string
  readonly expected: ForwardedList
}

interface CapCase extends HeaderCase {
  readonly max: number
}

// RFC 7239's own examples, by section. Sections 7.2 and 7.3 (header preservation, relation to Via) hold no
// header example.
const rfcCases: readonly HeaderCase[] = [
  { name: 'section 4: an obfuscated node in a quoted-string', header: 'for="_gazonk"', expected: read({ for: '_gazonk' }) },
  {
    name: 'section 4: a capitalised name and a bracketed IPv6 address with a port, quoted',
    header: 'For="[2001:db8:cafe::17]:4711"',
    expected: read({ for: '[2001:db8:cafe::17]:4711' }),
  },
  {
    name: 'section 4: three parameters of one element, in any order',
    header: 'for=192.0.2.60;proto=http;by=203.0.113.43',
    expected: read({ for: '192.0.2.60', proto: 'http', by: '203.0.113.43' }),
  },
  {
    name: 'section 4: two elements, rightmost first',
    header: 'for=192.0.2.43, for=198.51.100.17',
    expected: read({ for: '198.51.100.17' }, { for: '192.0.2.43' }),
  },
  {
    name: 'section 6.1: an IPv4 address with a port',
    header: 'for="192.0.2.43:47011"',
    expected: read({ for: '192.0.2.43:47011' }),
  },
  {
    name: 'section 6.1: an IPv6 address with a port',
    header: 'for="[2001:db8:cafe::17]:47011"',
    expected: read({ for: '[2001:db8:cafe::17]:47011' }),
  },
  {
    name: 'section 6.3: obfuscated identifiers as tokens',
    header: 'for=_hidden, for=_SEVKISEK',
    expected: read({ for: '_SEVKISEK' }, { for: '_hidden' }),
  },
  {
    name: 'section 7.1: a list without spaces',
    header: 'for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown',
    expected: read({ for: 'unknown' }, { for: '[2001:db8:cafe::17]' }, { for: '192.0.2.43' }),
  },
  {
    name: 'section 7.1: the same list with spaces, also what two header lines join to',
    header: 'for=192.0.2.43, for="[2001:db8:cafe::17]", for=unknown',
    expected: read({ for: 'unknown' }, { for: '[2001:db8:cafe::17]' }, { for: '192.0.2.43' }),
  },
  {
    name: 'section 7.4: the X-Forwarded-For list of an IPv4 and an IPv6 hop, transcribed',
    header: 'for=192.0.2.43, for="[2001:db8:cafe::17]"',
    expected: read({ for: '[2001:db8:cafe::17]' }, { for: '192.0.2.43' }),
  },
  { name: 'section 7.5: the header between the two proxies', header: 'for=192.0.2.43', expected: read({ for: '192.0.2.43' }) },
  {
    name: 'section 7.5: the header reaching the origin server',
    header: 'for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com',
    expected: read({ for: '198.51.100.17', by: '203.0.113.60', proto: 'http', host: 'example.com' }, { for: '192.0.2.43' }),
  },
]

// String.raw keeps the backslashes as the header has them.
const quotedCases: readonly HeaderCase[] = [
  { name: 'a quoted value loses its quotes', header: 'proto="https"', expected: read({ proto: 'https' }) },
  { name: 'an empty quoted-string is a value', header: 'for=""', expected: read({ for: '' }) },
  { name: 'an even run of two backslashes closes the string: a\\', header: String.raw`for="a\\"`, expected: read({ for: 'a\\' }) },
  { name: 'an odd run escapes the quote: a"', header: String.raw`for="a\""`, expected: read({ for: 'a"' }) },
  { name: 'a run of three escapes the quote: a\\"', header: String.raw`for="a\\\""`, expected: read({ for: 'a\\"' }) },
  { name: 'a run of four closes the string: a\\\\', header: String.raw`for="a\\\\"`, expected: read({ for: 'a\\\\' }) },
  { name: 'an escaped quote alone', header: String.raw`for="\""`, expected: read({ for: '"' }) },
  { name: 'an escaped backslash alone', header: String.raw`for="\\"`, expected: read({ for: '\\' }) },
  { name: 'any character may be escaped', header: String.raw`for="\a\b\[\:"`, expected: read({ for: 'ab[:' }) },
  { name: 'an escaped tab and space', header: 'for="a\\\tb\\ c"', expected: read({ for: 'a\tb c' }) },
  { name: 'a comma, a semicolon and an equals sign inside quotes do not split', header: 'for="a,b;c=d"', expected: read({ for: 'a,b;c=d' }) },
  { name: 'an escaped quote followed by a comma does not split', header: String.raw`for="a\", b"`, expected: read({ for: 'a", b' }) },
  { name: 'obs-text is allowed inside quotes', header: 'for="caf\u00e9\u00ff"', expected: read({ for: 'caf\u00e9\u00ff' }) },
  { name: 'a tab is allowed inside quotes', header: 'for="a\tb"', expected: read({ for: 'a\tb' }) },
  {
    name: 'quoted values in several elements',
    header: String.raw`for="[::1]";by="a\"b", for="x\\"`,
    expected: read({ for: 'x\\' }, { for: '[::1]', by: 'a"b' }),
  },
  { name: 'fail: an odd run before the last quote leaves the string open', header: String.raw`for="a\"`, expected: stopped() },
  { name: 'fail: a single backslash before the last quote', header: String.raw`for=\"`, expected: stopped() },
  { name: 'fail: a string with no opening quote', header: 'for=a"', expected: stopped() },
  { name: 'fail: a string with no closing quote', header: 'for="a', expected: stopped() },
  { name: 'fail: a lone quote', header: '"', expected: stopped() },
  { name: 'fail: the only quote to the left is escaped', header: String.raw`for=\"a"`, expected: stopped() },
  { name: 'fail: text after the closing quote', header: 'for="a"b', expected: stopped() },
  { name: 'fail: two quoted-strings in one value', header: 'for="a""b"', expected: stopped() },
  { name: 'fail: a control character inside quotes', header: 'for="a\u0001b"', expected: stopped() },
  { name: 'fail: an escaped control character', header: 'for="a\\\u0000"', expected: stopped() },
  { name: 'fail: DEL inside quotes', header: 'for="a\u007f"', expected: stopped() },
  { name: 'fail: a character above U+00FF inside quotes', header: 'for="a\u0100"', expected: stopped() },
  { name: 'fail: a quoted name', header: '"for"=a', expected: stopped() },
  { name: 'fail: a value quoted in the middle', header: 'for=a"b"', expected: stopped() },
]

const injectionCases: readonly HeaderCase[] = [
  {
    name: 'a pair inside another parameter\'s quoted value is not a pair',
    header: 'for=192.0.2.1;ext="for=1.2.3.4;proto=https"',
    expected: read({ for: '192.0.2.1' }),
  },
  {
    name: 'a pair inside the quoted value of a kept parameter stays in that value',
    header: 'for="1.2.3.4;proto=https"',
    expected: read({ for: '1.2.3.4;proto=https' }),
  },
  {
    name: 'an element inside a quoted value is not an element',
    header: 'for=192.0.2.1;host="a, for=6.6.6.6"',
    expected: read({ for: '192.0.2.1', host: 'a, for=6.6.6.6' }),
  },
  {
    name: 'an escaped quote does not end the value early',
    header: String.raw`for=192.0.2.1;ext="x\", proto=https, for=6.6.6.6"`,
    expected: read({ for: '192.0.2.1' }),
  },
  {
    name: 'an escaped quote and a comma do not make an element',
    header: String.raw`for=1.2.3.4, x="a\", for=5.6.7.8"`,
    expected: read({}, { for: '1.2.3.4' }),
  },
  {
    name: 'a client\'s unbalanced quote does not swallow the proxy\'s token element',
    header: 'for="6.6.6.6, for=192.0.2.1',
    expected: stopped({ for: '192.0.2.1' }),
  },
  {
    name: 'a client\'s unbalanced quote does not swallow the proxy\'s quoted element',
    header: 'a="x, for="[2001:db8::1]";proto=https',
    expected: stopped({ for: '[2001:db8::1]', proto: 'https' }),
  },
  {
    name: 'a client\'s dangling escape does not reach the proxy\'s element',
    header: String.raw`for="a\, for="192.0.2.1"`,
    expected: stopped({ for: '192.0.2.1' }),
  },
  {
    name: 'a line break ends reading where it stands',
    header: 'for=6.6.6.6\r\n, for=192.0.2.1',
    expected: stopped({ for: '192.0.2.1' }),
  },
  { name: 'fail: a NUL after a value', header: 'for=192.0.2.1\u0000', expected: stopped() },
  { name: 'fail: a header line smuggled after a value', header: 'for=192.0.2.1\r\nX-Evil: 1', expected: stopped() },
]

const caseCases: readonly HeaderCase[] = [
  { name: 'For', header: 'For=a', expected: read({ for: 'a' }) },
  { name: 'FOR', header: 'FOR=a', expected: read({ for: 'a' }) },
  { name: 'fOr', header: 'fOr=a', expected: read({ for: 'a' }) },
  { name: 'BY', header: 'BY=a', expected: read({ by: 'a' }) },
  { name: 'bY', header: 'bY=a', expected: read({ by: 'a' }) },
  { name: 'Host', header: 'Host=a', expected: read({ host: 'a' }) },
  { name: 'HOST', header: 'HOST=a', expected: read({ host: 'a' }) },
  { name: 'PROTO', header: 'PROTO=a', expected: read({ proto: 'a' }) },
  { name: 'pRoTo', header: 'pRoTo=a', expected: read({ proto: 'a' }) },
  { name: 'values keep their case', header: 'proto=HTTPS;host=Example.COM', expected: read({ proto: 'HTTPS', host: 'Example.COM' }) },
]

// Names that look like kept ones but are extensions: each differs in one place.
const nearNameCases: readonly HeaderCase[] = ['fo', 'fr', 'xor', 'fxr', 'fox', 'forr', 'b', 'bx', 'xy', 'xost', 'hxst', 'hoxt', 'hosx',
  'hosts', 'xroto', 'pxoto', 'prxto', 'proxo', 'protx', 'protos', 'f_r']
  .map((name) => ({ name: `${name} is an extension`, header: `${name}=a`, expected: read({}) }))

const owsCases: readonly HeaderCase[] = [
  { name: 'a space after ";" is accepted', header: 'for=192.0.2.1; proto=https', expected: read({ for: '192.0.2.1', proto: 'https' }) },
  { name: 'a space before ";" is accepted', header: 'for=192.0.2.1 ;proto=https', expected: read({ for: '192.0.2.1', proto: 'https' }) },
  {
    name: 'spaces and tabs on both sides of ";" are accepted',
    header: 'for=192.0.2.1 \t; \tproto=https',
    expected: read({ for: '192.0.2.1', proto: 'https' }),
  },
  { name: 'spaces and tabs around "," are accepted', header: 'for=a \t,\t for=b', expected: read({ for: 'b' }, { for: 'a' }) },
  { name: 'spaces at both ends are accepted', header: '  for=a  ', expected: read({ for: 'a' }) },
  { name: 'fail: a space before "="', header: 'for =192.0.2.1', expected: stopped() },
  { name: 'fail: a space after "="', header: 'for= 192.0.2.1', expected: stopped() },
  { name: 'fail: spaces around "="', header: 'for = 192.0.2.1', expected: stopped() },
  { name: 'fail: two pairs separated by a space only', header: 'for=a proto=b', expected: stopped() },
  { name: 'fail: a space inside a token value', header: 'for=a b', expected: stopped() },
  { name: 'fail: a line feed is not OWS', header: 'for=a;\nproto=b', expected: stopped() },
]

const duplicateCases: readonly HeaderCase[] = [
  { name: 'fail: for twice', header: 'for=a;for=b', expected: stopped() },
  { name: 'fail: for twice in different case and quoting', header: 'for=a;For="b"', expected: stopped() },
  { name: 'fail: by twice', header: 'by=a;by=a', expected: stopped() },
  { name: 'fail: host twice', header: 'host=a;HOST=b', expected: stopped() },
  { name: 'fail: proto twice with another between', header: 'proto=http;by=x;proto=https', expected: stopped() },
  { name: 'fail: an extension twice', header: 'ext=1;EXT=2', expected: stopped() },
  { name: 'fail: an extension twice with another between', header: 'ext=1;ext2=2;Ext=3', expected: stopped() },
  { name: 'fail: a repeat in a left element keeps the elements to its right', header: 'for=a;for=b, for=c', expected: stopped({ for: 'c' }) },
  { name: 'one parameter in each of two elements is no repeat', header: 'for=a;ext=1, for=b;ext=1', expected: read({ for: 'b' }, { for: 'a' }) },
  { name: 'different extensions are ignored', header: 'a=1;b="2";for=c;c=3', expected: read({ for: 'c' }) },
]

const emptyCases: readonly HeaderCase[] = [
  { name: 'an empty header has no element', header: '', expected: read() },
  { name: 'spaces have no element', header: ' \t ', expected: read() },
  { name: 'a comma has no element', header: ',', expected: read() },
  { name: 'commas and spaces have no element', header: ' ,,, , ,', expected: read() },
  { name: 'empty list elements between elements are skipped', header: 'for=a,,for=b', expected: read({ for: 'b' }, { for: 'a' }) },
  { name: 'empty list elements at both ends are skipped', header: ', ,for=a , ,', expected: read({ for: 'a' }) },
  { name: 'a lone ";" is an element without parameters', header: ';', expected: read({}) },
  { name: 'an element of only extensions has no kept parameter', header: 'ext=1', expected: read({}) },
  { name: 'an empty slot before a pair is allowed', header: ';for=a', expected: read({ for: 'a' }) },
  { name: 'an empty slot after a pair is allowed', header: 'for=a;', expected: read({ for: 'a' }) },
  { name: 'empty slots around and between pairs are allowed', header: ';;for=a;;;proto=b;;', expected: read({ for: 'a', proto: 'b' }) },
  { name: 'an element of ";" between elements counts', header: 'for=a, ;, for=b', expected: read({ for: 'b' }, {}, { for: 'a' }) },
]

const malformedCases: readonly HeaderCase[] = [
  { name: 'fail: a name without "="', header: 'for', expected: stopped() },
  { name: 'fail: a name without "=" keeps the elements to its right', header: 'by, for=a', expected: stopped({ for: 'a' }) },
  { name: 'fail: an empty name', header: '=a', expected: stopped() },
  { name: 'fail: an empty name after ";"', header: 'for=a;=b', expected: stopped() },
  { name: 'fail: an empty value', header: 'for=', expected: stopped() },
  { name: 'fail: an empty value before ";"', header: 'for=;proto=http', expected: stopped() },
  { name: 'fail: an empty value before ","', header: 'for=, for=a', expected: stopped({ for: 'a' }) },
  { name: 'fail: two "=" in a pair', header: 'for=a=b', expected: stopped() },
  { name: 'fail: "=" alone', header: '=', expected: stopped() },
  { name: 'fail: a bare quoted-pair outside quotes', header: String.raw`for=a\b`, expected: stopped() },
  { name: 'fail: a backslash ending a token', header: String.raw`for=a\ `, expected: stopped() },
  { name: 'fail: a character outside tchar in a name', header: 'f@r=a', expected: stopped() },
  { name: 'fail: a character outside tchar in a value', header: 'for=a/b', expected: stopped() },
  { name: 'fail: an unquoted IPv6 address (":" and "[" are not tchar)', header: 'for=[2001:db8::1]', expected: stopped() },
  { name: 'fail: an unquoted port', header: 'for=192.0.2.1:80', expected: stopped() },
  { name: 'fail: a name alone after ";"', header: 'for=a;;proto', expected: stopped() },
  { name: 'fail: a NUL', header: '\u0000', expected: stopped() },
  { name: 'fail: a NUL inside a token', header: 'for=a\u0000b', expected: stopped() },
  { name: 'fail: DEL in a token', header: 'for=\u007f', expected: stopped() },
  { name: 'fail: obs-text in a token', header: 'for=caf\u00e9', expected: stopped() },
  { name: 'fail: an emoji (surrogate pair) in a token', header: 'for=\u{1f600}', expected: stopped() },
  { name: 'fail: a character above U+00FF in a name', header: '\u0192or=a', expected: stopped() },
  { name: 'fail: reading stops at the first malformed element from the right', header: 'for=a, b, for=c, d=, for=e', expected: stopped({ for: 'e' }) },
]

describe('parseForwarded', () => {
  it('reads 32 elements unless told otherwise', () => {
    expect(DEFAULT_MAX_ELEMENTS).toBe(32)
  })

  describe.each([
    ['RFC 7239 examples', rfcCases],
    ['quoted-strings', quotedCases],
    ['injection attempts', injectionCases],
    ['parameter names are case-insensitive', caseCases],
    ['names close to kept ones', nearNameCases],
    ['OWS around ";" but not around "="', owsCases],
    ['a parameter occurs once per element', duplicateCases],
    ['empty list elements and empty elements', emptyCases],
    ['malformed elements stop reading', malformedCases],
  ] as const)('%s', (_title, cases) => {
    it.each(cases)('$name', ({ header, expected }) => {
      expect(parseForwarded(header)).toStrictEqual(expected)
    })
  })

  it('returns elements holding only the parameters present', () => {
    const [element] = parseForwarded('for=a;ext=1').elements
    expect(Object.keys(element ?? { missing: true })).toStrictEqual(['for'])
  })

  it('reads the three spellings of section 7.1 the same', () => {
    const joined = ['for=192.0.2.43', 'for="[2001:db8:cafe::17]", for=unknown'].join(', ')
    const spaced = parseForwarded('for=192.0.2.43, for="[2001:db8:cafe::17]", for=unknown')
    expect(parseForwarded('for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown')).toStrictEqual(spaced)
    expect(parseForwarded(joined)).toStrictEqual(spaced)
  })

  const three = 'for=a, for=b, for=c'
  const capCases: readonly CapCase[] = [
    { name: 'a cap of 1 reads the rightmost element', header: three, max: 1, expected: capped({ for: 'c' }) },
    { name: 'a cap of 2 reads two', header: three, max: 2, expected: capped({ for: 'c' }, { for: 'b' }) },
    { name: 'a cap equal to the count reads all', header: three, max: 3, expected: read({ for: 'c' }, { for: 'b' }, { for: 'a' }) },
    { name: 'a cap above the count reads all', header: three, max: 4, expected: read({ for: 'c' }, { for: 'b' }, { for: 'a' }) },
    { name: 'an infinite cap reads all', header: three, max: Infinity, expected: read({ for: 'c' }, { for: 'b' }, { for: 'a' }) },
    { name: 'a fractional cap is rounded down', header: three, max: 2.9, expected: capped({ for: 'c' }, { for: 'b' }) },
    { name: 'a cap of 0 reads nothing', header: three, max: 0, expected: capped() },
    { name: 'a negative cap reads nothing', header: three, max: -1, expected: capped() },
    { name: 'a NaN cap reads nothing', header: three, max: NaN, expected: capped() },
    { name: 'a cap of 0 on an empty header is not truncated', header: '', max: 0, expected: read() },
    { name: 'the element past the cap is never examined', header: 'for=a"b, for=c', max: 1, expected: capped({ for: 'c' }) },
    { name: 'a comma at the very start is not more', header: ',for=a', max: 1, expected: read({ for: 'a' }) },
    {
      name: 'separators before the last element read count as more (they are not examined)',
      header: ', , for=a',
      max: 1,
      expected: capped({ for: 'a' }),
    },
    { name: 'a malformed element within the cap is reported', header: 'for=a"b, for=c', max: 2, expected: stopped({ for: 'c' }) },
  ]

  describe('the cap', () => {
    it.each(capCases)('$name', ({ header, max, expected }) => {
      expect(parseForwarded(header, max)).toStrictEqual(expected)
    })

    it('reads 32 elements of a longer list by default, and reports the rest', () => {
      const header = Array.from({ length: 40 }, (_, i) => `for=${i}`).join(', ')
      const result = parseForwarded(header)
      expect(result.truncated).toBe(true)
      expect(result.elements).toHaveLength(32)
      expect(result.elements[31]).toStrictEqual({ for: '8' })
    })

    it('reads a list of exactly 32 elements whole by default', () => {
      const header = Array.from({ length: 32 }, (_, i) => `for=${i}`).join(', ')
      const result = parseForwarded(header)
      expect(result.truncated).toBe(false)
      expect(result.elements).toHaveLength(32)
    })
  })

  describe('hostile headers', () => {
    const hostile: readonly HeaderCase[] = [
      { name: 'a megabyte of commas', header: ','.repeat(MB), expected: read() },
      { name: 'a megabyte of quotes', header: '"'.repeat(MB), expected: stopped() },
      { name: 'a megabyte of backslashes', header: '\\'.repeat(MB), expected: stopped() },
      { name: 'a megabyte of escaped quotes', header: '\\"'.repeat(MB / 2), expected: stopped() },
      { name: 'a megabyte of semicolons', header: ';'.repeat(MB), expected: read({}) },
      { name: 'a megabyte of NULs', header: '\u0000'.repeat(MB), expected: stopped() },
      { name: 'a megabyte-long token', header: `for=${'a'.repeat(MB)}`, expected: read({ for: 'a'.repeat(MB) }) },
      { name: 'a megabyte inside quotes', header: `for="${',;='.repeat(MB / 3)}"`, expected: read({ for: ',;='.repeat(MB / 3) }) },
      { name: 'an unterminated quote before a megabyte', header: `for="${'a'.repeat(MB)}`, expected: stopped() },
      { name: 'a megabyte with no opening quote', header: `${'a,'.repeat(MB / 2)}"`, expected: stopped() },
      { name: 'one element repeating for a megabyte', header: 'for=a;'.repeat(MB / 6), expected: stopped() },
      {
        name: 'one element of many distinct extensions',
        header: Array.from({ length: 50_000 }, (_, i) => `x${i}=1`).join(';'),
        expected: read({}),
      },
    ]
    it.each(hostile)('$name', ({ header, expected }) => {
      expect(parseForwarded(header, Infinity)).toStrictEqual(expected)
    })

    it('a header that is not a string reads as empty', () => {
      expect(parseForwarded(undefined as unknown as string)).toStrictEqual(read())
      expect(parseForwarded(42 as unknown as string)).toStrictEqual(read())
    })
  })

  describe('work depends on the elements read, not on the text to their left', () => {
    const suffix = ', for=192.0.2.1;proto=https, for="[2001:db8::1]:80"'
    const short = parseForwarded(suffix, 2)
    const lefts: readonly (readonly [string, string])[] = [
      ['commas', ','.repeat(MB)],
      ['spaces', ' '.repeat(MB)],
      ['quotes', '"'.repeat(MB)],
      ['backslashes', '\\'.repeat(MB)],
      ['an unterminated quoted-string', `for="${'a'.repeat(MB)}`],
      ['a quoted-string', `for="${'a'.repeat(MB)}"`],
      ['well-formed elements', 'for=10.0.0.1, '.repeat(MB / 14)],
      ['letters', 'a'.repeat(MB)],
      ['NULs', '\u0000'.repeat(MB)],
    ]

    it.each(lefts)('a megabyte of %s to the left changes neither the answer nor the characters read', (_name, left) => {
      const header = left + suffix
      let result: ForwardedList = read()
      const { count, lowest } = reads(header, () => {
        result = parseForwarded(header, 2)
      })
      expect(result).toStrictEqual({ ...short, truncated: true })
      // the separator before the second element is the leftmost character read
      expect(lowest).toBe(left.length)
      expect(count).toBeLessThan(4 * suffix.length)
    })

    it('a megabyte of commas to the left of one element is not read', () => {
      const element = 'for=192.0.2.1'
      const header = `${','.repeat(MB)}${element}`
      const { count, lowest } = reads(header, () => parseForwarded(header, 1))
      expect(lowest).toBe(MB - 1)
      expect(count).toBeLessThan(4 * element.length)
    })

    it('reads each character a bounded number of times, whatever the input', () => {
      const alphabet = fc.constantFrom(...'"\\,;= \tfFoOrR_.:[]1aé\u0000\u0100')
      fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 60 }), fc.integer({ min: 0, max: 40 }), (header, max) => {
        const { count } = reads(header, () => parseForwarded(header, max))
        expect(count).toBeLessThanOrEqual(4 * header.length + 4)
      }))
    })
  })

  describe('properties', () => {
    const KNOWN = ['for', 'by', 'host', 'proto'] as const
    const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 6 })
    // every character a quoted-string may hold: HTAB, SP, VCHAR, obs-text
    const octet = fc.oneof(
      fc.constantFrom('\t', '"', '\\', ',', ';', '=', ' '),
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
    )
    const value = fc.oneof(token, fc.string({ unit: octet, maxLength: 10 }))
    const extension = token.filter((name) => !(KNOWN as readonly string[]).includes(name.toLowerCase()))

    type Pair = readonly [name: string, value: string]
    /** An element's pairs, kept parameters first, and the element they should read as. */
    const element: fc.Arbitrary<{ pairs: Pair[]; expected: ForwardedElement }> = fc
      .tuple(fc.subarray([...KNOWN]), fc.uniqueArray(extension, { selector: (name) => name.toLowerCase(), maxLength: 2 }))
      .chain(([known, extensions]) => {
        const names = [...known, ...extensions]
        return fc.tuple(...names.map(() => value)).map((values) => {
          const pairs = names.map((name, i): Pair => [name, values[i] ?? ''])
          const expected = Object.fromEntries(pairs.slice(0, known.length)) as ForwardedElement
          return { pairs, expected }
        })
      })
    const list = fc.array(element, { minLength: 1, maxLength: 5 })

    const isToken = (s: string): boolean => s.length > 0 && [...s].every((c) => TCHARS.includes(c))

    /** One well-formed spelling of `elements`, with random quoting, escaping, case and spacing. */
    function serialise(g: fc.GeneratorValue, elements: readonly { pairs: Pair[] }[], leading: boolean): string {
      const ows = (): string => g(fc.constantFrom, '', '', ' ', '\t', '  ', ' \t')
      const spell = ([name, v]: Pair): string => {
        const cased = [...name].map((c) => (g(fc.boolean) ? c.toUpperCase() : c.toLowerCase())).join('')
        if (isToken(v) && g(fc.boolean)) return `${cased}=${v}`
        const escaped = [...v].map((c) => (c === '"' || c === '\\' || g(fc.boolean) ? `\\${c}` : c)).join('')
        return `${cased}="${escaped}"`
      }
      const spellElement = ({ pairs }: { pairs: Pair[] }): string => {
        const order = g(fc.shuffledSubarray, pairs, { minLength: pairs.length, maxLength: pairs.length })
        // an element without pairs needs a ";" to be an element rather than an empty list element
        if (order.length === 0) return ';'.repeat(g(fc.integer, { min: 1, max: 2 }))
        const slots = (): string => (g(fc.boolean) ? `${ows()};${ows()}` : '')
        return slots() + order.map(spell).join(`${ows()};${slots()}${ows()}`) + slots()
      }
      const separator = (): string => `${ows()},${g(fc.boolean) ? `${ows()},` : ''}${ows()}`
      const body = elements.map(spellElement).join(separator())
      return (leading && g(fc.boolean) ? separator() : '') + body + (g(fc.boolean) ? separator() : '')
    }

    const reversed = (elements: readonly { expected: ForwardedElement }[]): ForwardedElement[] =>
      elements.map((e) => e.expected).reverse()

    it('reads a generated well-formed list as its elements reversed', () => {
      fc.assert(fc.property(list, fc.gen(), (elements, g) => {
        const header = serialise(g, elements, true)
        expect(parseForwarded(header)).toStrictEqual(read(...reversed(elements)))
      }), { numRuns: 300 })
    })

    it('reads the first elements of a generated list up to the cap, and reports the rest', () => {
      fc.assert(fc.property(list, fc.gen(), fc.integer({ min: 0, max: 6 }), (elements, g, max) => {
        const header = serialise(g, elements, false)
        const expected = reversed(elements)
        const result = parseForwarded(header, max)
        expect(result).toStrictEqual({
          elements: expected.slice(0, max),
          malformed: false,
          truncated: max < expected.length,
        })
      }), { numRuns: 300 })
    })

    it('reads a well-formed suffix the same whatever precedes its comma, without reading the prefix', () => {
      const anyText = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'"\\,;= \tfor=a\u0000'), maxLength: 20 }))
      fc.assert(fc.property(anyText, list, fc.gen(), (prefix, elements, g) => {
        const header = `${prefix},${serialise(g, elements, false)}`
        const expected = reversed(elements)
        let result: ForwardedList = read()
        const { lowest } = reads(header, () => {
          result = parseForwarded(header, expected.length)
        })
        expect(result).toStrictEqual({ elements: expected, malformed: false, truncated: prefix.length > 0 })
        expect(lowest).toBeGreaterThanOrEqual(prefix.length)
        expect(parseForwarded(header, Infinity).elements.slice(0, expected.length)).toStrictEqual(expected)
      }), { numRuns: 300 })
    })

    it('never throws, and keeps its promises, on arbitrary strings', () => {
      const texts = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: fc.constantFrom(...'"\\,;= \tforbyhostproto=_[]:.1\u0000\u00ff'), maxLength: 80 }),
      )
      fc.assert(fc.property(texts, fc.integer({ min: -1, max: 40 }), (header, max) => {
        const result = parseForwarded(header, max)
        expect(result.elements.length).toBeLessThanOrEqual(Math.max(max, 0))
        expect(result.malformed && result.truncated).toBe(false)
        for (const e of result.elements) {
          for (const key of Object.keys(e)) expect(KNOWN).toContain(key)
        }
      }), { numRuns: 2000 })
    })
  })
})

interface NodeCase {
  readonly name: string
  readonly value: string
  readonly expected: ForwardedNode
}

const INVALID: ForwardedNode = { kind: 'invalid' }

const nodeCases: readonly NodeCase[] = [
  { name: 'section 6.1: an IPv4 address with a port', value: '192.0.2.43:47011', expected: { kind: 'ip', address: '192.0.2.43', port: '47011' } },
  {
    name: 'section 6.1: an IPv6 address with a port',
    value: '[2001:db8:cafe::17]:47011',
    expected: { kind: 'ip', address: '2001:db8:cafe::17', port: '47011' },
  },
  { name: 'section 4: an IPv6 address with a port', value: '[2001:db8:cafe::17]:4711', expected: { kind: 'ip', address: '2001:db8:cafe::17', port: '4711' } },
  { name: 'section 4: an obfuscated node', value: '_gazonk', expected: { kind: 'obfuscated', address: '_gazonk' } },
  { name: 'section 6.3: an obfuscated node', value: '_hidden', expected: { kind: 'obfuscated', address: '_hidden' } },
  { name: 'section 6.3: an obfuscated node in capitals', value: '_SEVKISEK', expected: { kind: 'obfuscated', address: '_SEVKISEK' } },
  { name: 'section 6.2: the unknown identifier', value: 'unknown', expected: { kind: 'unknown' } },
  { name: 'an IPv4 address', value: '192.0.2.60', expected: { kind: 'ip', address: '192.0.2.60' } },
  { name: 'the lowest IPv4 address', value: '0.0.0.0', expected: { kind: 'ip', address: '0.0.0.0' } },
  { name: 'the highest IPv4 address', value: '255.255.255.255', expected: { kind: 'ip', address: '255.255.255.255' } },
  { name: 'an IPv6 address', value: '[2001:db8:cafe::17]', expected: { kind: 'ip', address: '2001:db8:cafe::17' } },
  { name: 'the shortest IPv6 address', value: '[::]', expected: { kind: 'ip', address: '::' } },
  { name: 'an IPv6 address in capitals', value: '[2001:DB8::A]', expected: { kind: 'ip', address: '2001:DB8::A' } },
  { name: 'an IPv4-mapped IPv6 address', value: '[::ffff:192.0.2.1]:80', expected: { kind: 'ip', address: '::ffff:192.0.2.1', port: '80' } },
  { name: 'unknown in capitals (ABNF strings are case-insensitive)', value: 'UNKNOWN', expected: { kind: 'unknown' } },
  { name: 'unknown in mixed case', value: 'UnKnOwN', expected: { kind: 'unknown' } },
  { name: 'unknown with a port', value: 'unknown:4711', expected: { kind: 'unknown', port: '4711' } },
  { name: 'unknown with an obfuscated port', value: 'unknown:_p', expected: { kind: 'unknown', port: '_p' } },
  { name: 'an obfuscated node with an obfuscated port', value: '_hidden:_port', expected: { kind: 'obfuscated', address: '_hidden', port: '_port' } },
  { name: 'an obfuscated node with a port', value: '_h:1', expected: { kind: 'obfuscated', address: '_h', port: '1' } },
  { name: 'an obfuscated node of every allowed character', value: '_aZ09._-', expected: { kind: 'obfuscated', address: '_aZ09._-' } },
  { name: 'an IPv4 address with an obfuscated port', value: '192.0.2.1:_x.Y-9', expected: { kind: 'ip', address: '192.0.2.1', port: '_x.Y-9' } },
  { name: 'a port of one digit', value: '192.0.2.1:0', expected: { kind: 'ip', address: '192.0.2.1', port: '0' } },
  { name: 'a port of five digits above 65535 (the grammar allows it)', value: '192.0.2.1:99999', expected: { kind: 'ip', address: '192.0.2.1', port: '99999' } },
  { name: 'fail: empty', value: '', expected: INVALID },
  { name: 'fail: an unbracketed IPv6 address (a group or a port?)', value: '2001:db8::1', expected: INVALID },
  { name: 'fail: text after the bracket', value: '[2001:db8::1]x', expected: INVALID },
  { name: 'fail: no closing bracket', value: '[2001:db8::1', expected: INVALID },
  { name: 'fail: empty brackets', value: '[]', expected: INVALID },
  { name: 'fail: an IPv4 address in brackets', value: '[192.0.2.1]', expected: INVALID },
  { name: 'fail: one colon is no IPv6 address', value: '[1:2]', expected: INVALID },
  { name: 'fail: a zone id (not in RFC 3986 IPv6address)', value: '[fe80::1%eth0]', expected: INVALID },
  { name: 'fail: a non-hex letter in brackets', value: '[2001:db8::g]', expected: INVALID },
  { name: 'fail: an IPv6 address with an empty port', value: '[::1]:', expected: INVALID },
  { name: 'fail: an IPv6 address with two ports', value: '[::1]:80:90', expected: INVALID },
  { name: 'fail: an IPv4 address with an empty port', value: '192.0.2.1:', expected: INVALID },
  { name: 'fail: an IPv4 address with two ports', value: '192.0.2.1:80:90', expected: INVALID },
  { name: 'fail: a port of six digits', value: '192.0.2.1:123456', expected: INVALID },
  { name: 'fail: a port with a letter', value: '192.0.2.1:8a', expected: INVALID },
  { name: 'fail: a negative port', value: '192.0.2.1:-1', expected: INVALID },
  { name: 'fail: an obfuscated port of only "_"', value: '192.0.2.1:_', expected: INVALID },
  { name: 'fail: an obfuscated port with a space', value: '192.0.2.1:_a b', expected: INVALID },
  { name: 'fail: an obfuscated node of only "_"', value: '_', expected: INVALID },
  { name: 'fail: an obfuscated node with "/"', value: '_a/b', expected: INVALID },
  { name: 'fail: an obfuscated node with a non-ASCII letter', value: '_\u00e9', expected: INVALID },
  { name: 'fail: unknown with a suffix', value: 'unknownx', expected: INVALID },
  { name: 'fail: a word of seven letters that is not unknown', value: 'unknowx', expected: INVALID },
  { name: 'fail: a prefix of unknown', value: 'unknow', expected: INVALID },
  { name: 'fail: a leading zero (octal to some parsers)', value: '010.0.0.1', expected: INVALID },
  { name: 'fail: a leading zero in the last octet', value: '192.0.2.01', expected: INVALID },
  { name: 'fail: a hex octet', value: '0x7f.0.0.1', expected: INVALID },
  { name: 'fail: a 32-bit number', value: '3221225985', expected: INVALID },
  { name: 'fail: three octets', value: '192.0.2', expected: INVALID },
  { name: 'fail: five octets', value: '192.0.2.1.5', expected: INVALID },
  { name: 'fail: an octet above 255', value: '256.0.0.1', expected: INVALID },
  { name: 'fail: an octet of four digits', value: '1000.0.0.1', expected: INVALID },
  { name: 'fail: a trailing dot', value: '192.0.2.', expected: INVALID },
  { name: 'fail: a leading dot', value: '.192.0.2', expected: INVALID },
  { name: 'fail: two dots', value: '192..0.2', expected: INVALID },
  { name: 'fail: a host name', value: 'example.com', expected: INVALID },
  { name: 'fail: a space', value: '192.0.2.1 ', expected: INVALID },
]

describe('ForwardedReader', () => {
  it('reads the elements parseForwarded returns, one at a time, and keeps answering undefined once it stopped', () => {
    const reader = new ForwardedReader('for=192.0.2.43, for="bad, for=198.51.100.17', 32)
    expect(reader.next()).toEqual({ for: '198.51.100.17' })
    expect(reader.next()).toBeUndefined()
    expect(reader.malformed).toBe(true)
    expect(reader.next()).toBeUndefined()
    expect(reader.truncated).toBe(false)
  })
  it('reads as parseForwarded does when two readers take turns', () => {
    const left = 'for="[2001:db8::1]:80";proto=https, for=_a;by="x\\"y", for=192.0.2.1'
    const right = 'host="a,b";for=10.0.0.1, for=unknown;x=1, for="\\"q"'
    const a = new ForwardedReader(left)
    const b = new ForwardedReader(right)
    const seen: [ForwardedElement[], ForwardedElement[]] = [[], []]
    for (let k = 0; k < 4; k++) {
      const x = a.next()
      const y = b.next()
      if (x !== undefined) seen[0].push(x)
      if (y !== undefined) seen[1].push(y)
    }
    expect(seen.map((list) => list.length)).toEqual([3, 3])
    expect(seen).toEqual([parseForwarded(left).elements, parseForwarded(right).elements])
  })
})

describe('parseNode', () => {
  it.each(nodeCases)('$name: $value', ({ value, expected }) => {
    expect(parseNode(value)).toStrictEqual(expected)
  })

  it('a value that is not a string is invalid', () => {
    expect(parseNode(undefined as unknown as string)).toStrictEqual(INVALID)
  })

  describe('properties', () => {
    const obfuscated = fc.string({ unit: fc.constantFrom(...'aZ09._-'), minLength: 1, maxLength: 6 }).map((s) => `_${s}`)
    const port = fc.option(fc.oneof(fc.integer({ min: 0, max: 99999 }).map(String), fc.stringMatching(/^[0-9]{1,5}$/), obfuscated), { nil: undefined })
    const nodename: fc.Arbitrary<{ text: string; kind: ForwardedNode['kind']; address?: string }> = fc.oneof(
      fc.ipV4().map((a) => ({ text: a, kind: 'ip' as const, address: a })),
      fc.ipV6().map((a) => ({ text: `[${a}]`, kind: 'ip' as const, address: a })),
      fc.mixedCase(fc.constant('unknown')).map((text) => ({ text, kind: 'unknown' as const })),
      obfuscated.map((a) => ({ text: a, kind: 'obfuscated' as const, address: a })),
    )

    it('splits every node form into its parts', () => {
      fc.assert(fc.property(nodename, port, ({ text, kind, address }, p) => {
        const node = parseNode(p === undefined ? text : `${text}:${p}`)
        expect(node).toStrictEqual({
          kind,
          ...(address === undefined ? {} : { address }),
          ...(p === undefined ? {} : { port: p }),
        })
      }), { numRuns: 1000 })
    })

    it('accepts exactly the RFC 3986 spellings of IPv4 addresses', () => {
      const decOctet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
      const canonical = new RegExp(`^${decOctet}(\\.${decOctet}){3}$`)
      fc.assert(fc.property(fc.oneof(fc.ipV4Extended(), fc.stringMatching(/^[0-9.]{0,16}$/)), (text) => {
        expect(parseNode(text).kind).toBe(canonical.test(text) ? 'ip' : 'invalid')
      }), { numRuns: 1000 })
    })

    it('never throws on arbitrary strings', () => {
      const texts = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(...'[]:._-0123456789abcdefunknowUNKOW%'), maxLength: 30 }))
      fc.assert(fc.property(texts, (text) => {
        expect(['ip', 'unknown', 'obfuscated', 'invalid']).toContain(parseNode(text).kind)
      }), { numRuns: 2000 })
    })
  })
})
