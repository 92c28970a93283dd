// rfc7239.ts: the RFC 7239 `Forwarded` header, read right to left into elements, and the node
// values (`for`, `by`) split into address and port.
//
// Why right to left: the rightmost elements were written by the proxies nearest the server, the
// only ones a walk may trust, and everything to their left may have been written by the client.
// Reading from the right, element by element and only as far as asked, makes the cost depend on
// the elements read, never on how much text a client put to their left, and makes the trusted
// suffix read the same whatever that text is: if `header` is `G + "," + S` with `S` a well-formed
// list, the first elements returned are exactly those of `S`, for any `G` (an unbalanced quote in
// `G` included), because no scan of an element of `S` crosses its own boundaries. A left-to-right
// parser cannot promise that: a stray `"` in `G` swallows the proxies' elements.
//
// Implementation decisions (each pinned by a named test):
// - OWS (spaces and tabs) is accepted on both sides of ";", as around "," in every HTTP list, although
//   RFC 7239 section 4's `forwarded-element` has none there, because proxy configurations written by
//   hand can produce `for=192.0.2.1; proto=https`; it is refused around "=", where the grammar has none
//   and no proxy writes any. Other parsers accept the same: the `forwarded-parse` package (index.js:
//   OWS is skipped after "," and ";", and ends a value before them) and actix-web (src/info.rs: each
//   ";"-separated pair is trimmed, and its tests send `for=192.0.2.60; proto=https`).
// - A malformed element stops reading: it and everything to its left are discarded, and the
//   elements to its right are returned with `malformed: true`. Guessing where a malformed element
//   ends could let text that is not a well-formed element be read as one.
// - Every parameter, extensions included, may occur once per element (RFC 7239 section 4: "MUST
//   NOT occur more than once"); a repeat makes the element malformed, since two `for` values leave
//   no honest choice between them.
// - An element made only of ";" (`for=a, ;`) is an element without parameters, `{}`; an empty list
//   element (`for=a, , for=b`) is not an element (RFC 7230 section 7).
// - `for=""` is well formed (a quoted-string may be empty) and yields `for: ''`, which `parseNode`
//   calls invalid; `for=` has no value and is malformed.
// - Only octets are text: a character above U+00FF (Node never produces one in a header) is
//   malformed wherever it occurs.

import { hexValue } from './address.js'

/** How many elements `parseForwarded` reads when not told otherwise. */
export const DEFAULT_MAX_ELEMENTS = 32

/** One forwarded-element's parameters, values unquoted and unescaped; names matched case-insensitively. */
export interface ForwardedElement {
  readonly for?: string
  readonly by?: string
  readonly host?: string
  readonly proto?: string
}

/** What `parseForwarded` read. */
export interface ForwardedList {
  /** Well-formed elements, RIGHTMOST FIRST (the order a walk from the server outwards reads them). */
  readonly elements: ForwardedElement[]
  /** True when reading stopped at a malformed element (it is not in `elements`). */
  readonly malformed: boolean
  /**
   * True when reading stopped because `maxElements` elements were read and more remain. The text
   * left of the last element read is not examined, so "more remain" means "the header goes on
   * past the list separator before that element": a header such as `, , for=a` read with a cap of
   * 1 reports `truncated` although only separators remain.
   */
  readonly truncated: boolean
}

/** A node value split per RFC 7239 section 6. */
export interface ForwardedNode {
  /**
   * `ip` for an IPv4 address or a bracketed IPv6 address, `unknown` for the identifier `unknown`,
   * `obfuscated` for an obfuscated identifier (`_hidden`), `invalid` for anything else.
   */
  readonly kind: 'ip' | 'unknown' | 'obfuscated' | 'invalid'
  /** For `ip`, the address text without brackets or port; for `obfuscated`, the identifier. */
  readonly address?: string
  /** The node-port as written, digits (`4711`) or an obfuscated port (`_p1`), when there is one. */
  readonly port?: string
}

type MutableElement = { -readonly [K in keyof ForwardedElement]: ForwardedElement[K] }

/**
 * Read the elements of a `Forwarded` header from its right end, at most `maxElements` of them
 * (default `DEFAULT_MAX_ELEMENTS`, 32; a cap below 1 reads nothing). `header` is the field value,
 * several header lines already joined with ", ". The cost is linear in the text from the right end
 * to the start of the last element examined (the last one returned, or the malformed one that
 * stopped reading), and nothing to the left of that is read. (The element examined may be long: a
 * quoted-string is searched leftwards for its opening quote, and for a malformed one ending in `"`
 * that search can run to the start of the header or to the first control character.)
 * Never throws; a value that is not a string reads as an empty header.
 *
 * @example
 * parseForwarded('for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com')
 * // {
 * //   elements: [
 * //     { for: '198.51.100.17', by: '203.0.113.60', proto: 'http', host: 'example.com' },
 * //     { for: '192.0.2.43' },
 * //   ],
 * //   malformed: false,
 * //   truncated: false,
 * // }
 */
export function parseForwarded(header: string, maxElements: number = DEFAULT_MAX_ELEMENTS): ForwardedList {
  const reader = new ForwardedReader(header, maxElements)
  const elements: ForwardedElement[] = []
  for (let element = reader.next(); element !== undefined; element = reader.next()) elements.push(element)
  return { elements, malformed: reader.malformed, truncated: reader.truncated }
}

/**
 * `parseForwarded` one element at a time, for a walk that stops early: nothing left of the last
 * element returned (or of the malformed one that ended reading) is examined.
 *
 * @example
 * const reader = new ForwardedReader(header, 32)
 * for (let element = reader.next(); element !== undefined; element = reader.next()) …
 */
export class ForwardedReader {
  readonly #header: string
  readonly #cap: number
  /** header[0, pos) is unread; reading goes leftwards, one element at a time */
  #pos: number
  #read = 0
  #done = false
  readonly #scan = new Scan()
  /** True once reading stopped at a malformed element. */
  malformed = false
  /** True once reading stopped at the cap with more of the header left (see `ForwardedList`). */
  truncated = false

  constructor(header: string, maxElements: number = DEFAULT_MAX_ELEMENTS) {
    this.#header = typeof header === 'string' ? header : ''
    this.#cap = Math.floor(maxElements)
    this.#pos = this.#header.length
  }

  /** The next element leftwards, or undefined at the end, at a malformed element or at the cap. */
  next(): ForwardedElement | undefined {
    if (this.#done) return undefined
    const header = this.#header
    // written so that a NaN cap reads nothing
    if (!(this.#read < this.#cap)) return this.#stop(false, this.#pos > 0)
    // 1#element = *( "," OWS ) element *( OWS "," [ OWS element ] ) (RFC 7230 section 7)
    let end = this.#pos
    while (end > 0 && isListSeparator(header.charCodeAt(end - 1))) end--
    if (end === 0) return this.#stop(false, false)
    const element = readElement(header, end, this.#scan)
    if (element === null) return this.#stop(true, false)
    this.#read++
    this.#pos = this.#scan.elementStart
    return element
  }

  #stop(malformed: boolean, truncated: boolean): undefined {
    this.#done = true
    this.malformed = malformed
    this.truncated = truncated
    return undefined
  }
}

/**
 * Where the right-to-left scanners leave what they found besides their return value: one per
 * reader, so that no position is shared between readers (a walk may read two headers at once).
 */
class Scan {
  /** Set by `readElement`: the index of the "," before the element it read, or 0. */
  elementStart = 0
  /** Set by `readPair`: where the name of the pair it read ends (the index of its "="). */
  nameEnd = 0
  /** Set by `readPair`: the value of the pair it read is `header[valueFrom, valueTo)`, quotes excluded. */
  valueFrom = 0
  valueTo = 0
  /** Set by `readPair`: whether that value holds quoted-pairs, to be unescaped. */
  escaped = false
  /** Set by `openingQuote`: whether the quoted-string it delimited holds a backslash. */
  quoteEscaped = false
}

/** Bits of `seen` in `readElement`, one per parameter kept. */
const FOR = 1
const BY = 2
const HOST = 4
const PROTO = 8

/**
 * The element that ends at `end` (`header[end - 1]` is neither OWS nor ","), read right to left;
 * null when it is malformed. Sets `scan.elementStart`.
 *
 *   forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
 *
 * with OWS tolerated around ";" (see the decisions at the top).
 */
function readElement(header: string, end: number, scan: Scan): MutableElement | null {
  const element: MutableElement = {}
  let seen = 0
  // lower-cased extension names, made only for elements that have extensions
  let extensions: Set<string> | null = null
  // true right after a pair: what comes before it must be ";" or the element's left edge
  let afterPair = false
  let i = end
  for (;;) {
    while (i > 0 && isOws(header.charCodeAt(i - 1))) i--
    if (i === 0) {
      scan.elementStart = 0
      return element
    }
    const c = header.charCodeAt(i - 1)
    if (c === 0x2c) { /* , */
      scan.elementStart = i - 1
      return element
    }
    if (c === 0x3b) { /* ; */
      afterPair = false
      i--
      continue
    }
    // a pair right after another, with no ";" between them
    if (afterPair) return null
    const start = readPair(header, i, scan)
    if (start < 0) return null
    const bit = knownName(header, start, scan.nameEnd)
    if (bit === 0) {
      const name = header.substring(start, scan.nameEnd).toLowerCase()
      if (extensions === null) extensions = new Set()
      else if (extensions.has(name)) return null
      extensions.add(name)
    } else {
      if ((seen & bit) !== 0) return null
      seen |= bit
      const value = scan.escaped ? unquote(header, scan.valueFrom, scan.valueTo) : header.substring(scan.valueFrom, scan.valueTo)
      if (bit === FOR) element.for = value
      else if (bit === BY) element.by = value
      else if (bit === HOST) element.host = value
      else element.proto = value
    }
    afterPair = true
    i = start
  }
}

/**
 * The start of the pair that ends at `end` (`header[end - 1]` is neither OWS, "," nor ";"), or -1
 * when there is none. Sets `scan.nameEnd`, `scan.valueFrom`, `scan.valueTo` and `scan.escaped`.
 *
 *   forwarded-pair = token "=" value
 *   value          = token / quoted-string
 */
function readPair(header: string, end: number, scan: Scan): number {
  let valueStart: number
  if (header.charCodeAt(end - 1) === 0x22) { /* " */
    valueStart = openingQuote(header, end - 1, scan)
    if (valueStart < 0) return -1
    scan.valueFrom = valueStart + 1
    scan.valueTo = end - 1
    scan.escaped = scan.quoteEscaped
  } else {
    valueStart = tokenStart(header, end)
    // an empty value (`for=`, `for=;`) or a character no token or quoted-string holds
    if (valueStart === end) return -1
    scan.valueFrom = valueStart
    scan.valueTo = end
    scan.escaped = false
  }
  if (valueStart === 0 || header.charCodeAt(valueStart - 1) !== 0x3d) return -1 /* = */
  const nameEnd = valueStart - 1
  scan.nameEnd = nameEnd
  const nameStart = tokenStart(header, nameEnd)
  return nameStart === nameEnd ? -1 : nameStart
}

/**
 * The index of the quote that opens the quoted-string closed by the quote at `close`, or -1 when
 * no well-formed quoted-string ends there. Sets `scan.quoteEscaped`.
 *
 *   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *   qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
 *   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
 *   obs-text      = %x80-FF
 *
 * Why reading backwards is unambiguous. Read forwards, a backslash inside a quoted-string always
 * begins a quoted-pair (qdtext excludes it) and takes the next character with it. Take a maximal
 * run of n backslashes inside the string: the character before it is not a backslash, so it is the
 * opening quote, a qdtext character or the second character of a quoted-pair, and in each case the
 * run starts a new item. The run therefore reads as floor(n / 2) escaped backslashes followed, when
 * n is odd, by a backslash that escapes the character after the run. Hence a quote preceded by an
 * odd run is escaped content, and one preceded by an even run (zero included) ends the string.
 * The quote that opens the string is preceded by "=", an even (empty) run. So, from the
 * closing quote, the opening one is the nearest quote to its left preceded by an even run: every
 * quote in between is escaped. Conversely, what this function accepts is a well-formed
 * quoted-string on its own: all its characters are allowed in one (HTAB, SP, VCHAR and obs-text;
 * which are qdtext and which are escaped only matters for `"` and `\`), each quote inside follows
 * an odd run, so it is escaped, and the run before the closing quote is even, so it escapes nothing.
 * (`"a\\"` is `a\`, closed; `"a\"` never closes; `"a\""` is `a"`.)
 */
function openingQuote(header: string, close: number, scan: Scan): number {
  let i = close - 1
  let run = 0
  while (i >= 0 && header.charCodeAt(i) === 0x5c) { /* \ */
    i--
    run++
  }
  // an odd run escapes the last quote: the string has no end
  if (run % 2 === 1) return -1
  let escaped = run > 0
  for (; i >= 0; i--) {
    const c = header.charCodeAt(i)
    if (c === 0x22) { /* " */
      let j = i - 1
      while (j >= 0 && header.charCodeAt(j) === 0x5c) j-- /* \ */
      if ((i - 1 - j) % 2 === 0) {
        scan.quoteEscaped = escaped
        return i
      }
      escaped = true
      // the backslashes of the run are allowed characters: go on from the one before it
      i = j + 1
    } else if (c === 0x5c) { /* \ */
      escaped = true
    } else if (!isQuotedText(c)) {
      // a control character cannot be inside a quoted-string, even escaped: no opening quote
      // can be to its left, so the search stops here
      return -1
    }
  }
  return -1
}

/**
 * The text of the quoted-string whose content is `header[from, to)`, quoted-pairs replaced by the
 * character they escape. The content is known to be well formed (see `openingQuote`).
 */
function unquote(header: string, from: number, to: number): string {
  let out = ''
  let chunk = from
  for (let i = from; i < to; i++) {
    if (header.charCodeAt(i) === 0x5c) { /* \ */
      out += header.substring(chunk, i)
      // the escaped character opens the next chunk and is not itself read as an escape
      i++
      chunk = i
    }
  }
  return out + header.substring(chunk, to)
}

/** The start of the run of token characters that ends at `end` (equal to `end` when it is empty). */
function tokenStart(header: string, end: number): number {
  let i = end
  while (i > 0 && isTokenChar(header.charCodeAt(i - 1))) i--
  return i
}

/**
 * The bit of a kept parameter named by `header[start, end)`, case-insensitively, or 0 for an
 * extension. The name is a token, so `c | 0x20` equals a lower-case letter only for that letter
 * and its capital.
 */
function knownName(header: string, start: number, end: number): number {
  const length = end - start
  const c0 = header.charCodeAt(start) | 0x20
  const c1 = header.charCodeAt(start + 1) | 0x20
  if (length === 2) return c0 === 0x62 && c1 === 0x79 ? BY : 0 /* b y */
  if (length === 3) { /* f o r */
    return c0 === 0x66 && c1 === 0x6f && (header.charCodeAt(start + 2) | 0x20) === 0x72 ? FOR : 0
  }
  if (length === 4) { /* h o s t */
    return c0 === 0x68 && c1 === 0x6f && (header.charCodeAt(start + 2) | 0x20) === 0x73 &&
      (header.charCodeAt(start + 3) | 0x20) === 0x74 ? HOST : 0
  }
  if (length === 5) { /* p r o t o */
    return c0 === 0x70 && c1 === 0x72 && (header.charCodeAt(start + 2) | 0x20) === 0x6f &&
      (header.charCodeAt(start + 3) | 0x20) === 0x74 && (header.charCodeAt(start + 4) | 0x20) === 0x6f ? PROTO : 0
  }
  return 0
}

/**
 *   tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
 *         / DIGIT / ALPHA
 */
const TOKEN_CHARS = (() => {
  const table = new Uint8Array(128)
  const symbols = "!#$%&'*+-.^_`|~"
  for (let i = 0; i < symbols.length; i++) table[symbols.charCodeAt(i)] = 1
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1 /* 0-9 */
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1 /* A-Z */
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1 /* a-z */
  return table
})()

function isTokenChar(c: number): boolean {
  return TOKEN_CHARS[c] === 1
}

/** OWS = *( SP / HTAB ) */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09 /* SP HTAB */
}

/** What may stand between list elements: OWS and ",". */
function isListSeparator(c: number): boolean {
  return c === 0x2c || c === 0x20 || c === 0x09 /* , SP HTAB */
}

/** HTAB / SP / VCHAR / obs-text: every character a quoted-string may hold, escaped or not. */
function isQuotedText(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c <= 0xff && c !== 0x7f) /* HTAB, SP to U+00FF but DEL */
}

const INVALID_NODE: ForwardedNode = { kind: 'invalid' }
const UNKNOWN_NODE: ForwardedNode = { kind: 'unknown' }

/**
 * Split a node value (the unquoted value of `for` or `by`) per RFC 7239 section 6. This is syntax
 * only: an `ip` node's address is for the caller's address parser to validate. IPv4 addresses are
 * held to RFC 3986's IPv4address (four decimal octets, no leading zeros), so that spellings other
 * parsers read as octal or hex (`010.0.0.1`) are not addresses here; inside brackets only the
 * IPv6 alphabet is checked. An IPv6 address without brackets is invalid, as the RFC requires
 * them and `2001:db8::1:80` could end with a group or a port. `unknown` is matched
 * case-insensitively, as ABNF strings are (RFC 5234 section 2.3). Never throws.
 *
 *   node      = nodename [ ":" node-port ]
 *   nodename  = IPv4address / "[" IPv6address "]" / "unknown" / obfnode
 *   obfnode   = "_" 1*( ALPHA / DIGIT / "." / "_" / "-" )
 *   node-port = port / obfport
 *   port      = 1*5DIGIT
 *   obfport   = "_" 1*( ALPHA / DIGIT / "." / "_" / "-" )
 *
 * @example
 * parseNode('[2001:db8:cafe::17]:4711') // { kind: 'ip', address: '2001:db8:cafe::17', port: '4711' }
 * parseNode('192.0.2.43')               // { kind: 'ip', address: '192.0.2.43' }
 * parseNode('unknown')                  // { kind: 'unknown' }
 * parseNode('_hidden:_port')            // { kind: 'obfuscated', address: '_hidden', port: '_port' }
 */
export function parseNode(value: string): ForwardedNode {
  if (typeof value !== 'string' || value.length === 0) return INVALID_NODE
  let kind: ForwardedNode['kind']
  let address = ''
  // the end of the nodename
  let end: number
  if (value.charCodeAt(0) === 0x5b) { /* [ */
    let i = 1
    let colons = 0
    for (; i < value.length; i++) {
      const c = value.charCodeAt(i)
      if (c === 0x3a) colons++ /* : */
      else if (c !== 0x2e && hexValue(c) < 0) break /* . */
    }
    // every IPv6address has at least two colons ("::" is the shortest)
    if (value.charCodeAt(i) !== 0x5d || colons < 2) return INVALID_NODE /* ] */
    kind = 'ip'
    address = value.substring(1, i)
    end = i + 1
  } else {
    end = value.indexOf(':')
    if (end === -1) end = value.length
    if (value.charCodeAt(0) === 0x5f) { /* _ */
      if (!isObfuscated(value, 0, end)) return INVALID_NODE
      kind = 'obfuscated'
      address = value.substring(0, end)
    } else if (isUnknown(value, end)) {
      kind = 'unknown'
    } else if (isIpv4(value, end)) {
      kind = 'ip'
      address = value.substring(0, end)
    } else {
      return INVALID_NODE
    }
  }
  if (end === value.length) return kind === 'unknown' ? UNKNOWN_NODE : { kind, address }
  if (value.charCodeAt(end) !== 0x3a || !isPort(value, end + 1)) return INVALID_NODE /* : */
  const port = value.substring(end + 1)
  return kind === 'unknown' ? { kind, port } : { kind, address, port }
}

/** `"_" 1*( ALPHA / DIGIT / "." / "_" / "-" )` at `value[start, end)`, the form of obfnode and obfport. */
function isObfuscated(value: string, start: number, end: number): boolean {
  if (end - start < 2) return false
  for (let i = start + 1; i < end; i++) {
    const c = value.charCodeAt(i)
    const lower = c | 0x20
    const ok = (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a) || /* 0-9 A-Z a-z */
      c === 0x2e || c === 0x5f || c === 0x2d /* . _ - */
    if (!ok) return false
  }
  return true
}

/** `port / obfport` from `start` to the end of `value`. */
function isPort(value: string, start: number): boolean {
  if (value.charCodeAt(start) === 0x5f) return isObfuscated(value, start, value.length) /* _ */
  const length = value.length - start
  if (length < 1 || length > 5) return false
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false /* 0-9 */
  }
  return true
}

/** `"unknown"`, case-insensitively, as `value[0, end)`. */
function isUnknown(value: string, end: number): boolean {
  if (end !== 7) return false
  const word = 'unknown'
  for (let i = 0; i < 7; i++) {
    if ((value.charCodeAt(i) | 0x20) !== word.charCodeAt(i)) return false
  }
  return true
}

/**
 * RFC 3986 section 3.2.2, at `value[0, end)`:
 *
 *   IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet
 *   dec-octet   = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35
 *
 * that is 0 to 255 without leading zeros.
 */
function isIpv4(value: string, end: number): boolean {
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) { /* 0-9 */
      if (digits === 1 && part === 0) return false
      part = part * 10 + (c - 0x30)
      if (++digits > 3 || part > 255) return false
    } else if (c === 0x2e) { /* . */
      if (digits === 0 || ++dots > 3) return false
      part = 0
      digits = 0
    } else {
      return false
    }
  }
  return digits > 0 && dots === 3
}
