// escape.ts: text a client or a command line wrote, made safe to show: visible escapes for terminals
// and logs, \u escapes in JSON, character references in HTML. Every renderer and the command line
// escape through here, so that no byte a request carried reaches a terminal raw.

/**
 * The code points a terminal or a log viewer acts on instead of showing: C0 controls and DEL (ESC
 * starts ANSI sequences, CR and BS overwrite a line), C1 controls (0x9b is CSI on its own, and Node
 * accepts header bytes 0x80-0x9f, which arrive as these code points), and the Unicode bidirectional
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder the text around
 * them (the "Trojan Source" characters, CVE-2021-42574).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

// eslint-disable-next-line no-control-regex
const CONTROLS_ALL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

/** A quoted value needs its quotes and backslashes escaped too, so that it reads back unambiguously. */
// eslint-disable-next-line no-control-regex
const QUOTED_ALL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"\\]/g

/** The C0 controls with a usual short escape. */
const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' }

/** One code point as an escape: `\n`, `\x1b`, `\x9b`, `\u202e`. */
function escapeOne(c: string): string {
  const short = SHORT[c]
  if (short !== undefined) return short
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Whether `text` holds a code point that a terminal would act on. */
export function hasControls(text: string): boolean {
  return CONTROLS.test(text)
}

/**
 * `text` with every control and bidirectional code point shown as an escape (`\x1b`, `\x9b`,
 * `\u202e`), everything else as it is. For messages, whose values are quoted already: a line of a
 * log or of a terminal then shows what was sent and cannot be driven by it.
 *
 * @example
 * visible('evil\x9b2J') // 'evil\\x9b2J'
 */
export function visible(text: string): string {
  return CONTROLS.test(text) ? text.replace(CONTROLS_ALL, escapeOne) : text
}

/**
 * A value for a terminal or a log: as it is when it is plain, else quoted with its controls,
 * bidirectional code points, quotes and backslashes escaped; `-` for none and `""` for empty.
 *
 * @example
 * printable('10.0.0.1') // '10.0.0.1'
 * printable('1.2.3.4\x1b[2J') // '"1.2.3.4\\x1b[2J"'
 */
export function printable(text: string | undefined): string {
  if (text === undefined) return '-'
  return text === '' || CONTROLS.test(text) ? quoted(text) : text
}

/**
 * A value in double quotes, with controls, bidirectional code points, quotes and backslashes escaped.
 *
 * @example
 * quoted('/a"b') // '"/a\\"b"'
 */
export function quoted(text: string): string {
  return `"${text.replace(QUOTED_ALL, escapeOne)}"`
}

/** What JSON.stringify leaves raw but a terminal acts on: DEL, C1 and the bidirectional controls. */
const JSON_RAW = /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

/**
 * JSON text with DEL, C1 and the bidirectional controls written as `\u` escapes, which
 * `JSON.stringify` leaves raw (it escapes only C0): the same value once parsed, and safe to print.
 * Such code points can occur only inside strings, where a `\u` escape means the same.
 *
 * @example
 * jsonSafe(JSON.stringify('a\x9b')) // '"a\\u009b"'
 */
export function jsonSafe(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Text for HTML content and attribute values: controls and bidirectional code points shown as the
 * terminal shows them (`visible`: a browser would apply a bidi override, and copy a C1 control into
 * whatever the reader pastes it), then the HTML specials as character references.
 *
 * @example
 * escapeHtml('<b>\u202e') // '&#60;b&#62;\\u202e'
 */
export function escapeHtml(text: string): string {
  return visible(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * `escapeHtml` for text whose line breaks are its own (a form's textarea, code to paste): each line
 * escaped as `escapeHtml` escapes it, the breaks kept as line feeds (a CR LF pair read as one break).
 *
 * @example
 * escapeHtmlLines('a: 1\r\nb: <2>') // 'a: 1\nb: &#60;2&#62;'
 */
export function escapeHtmlLines(text: string): string {
  return text.split(/\r?\n/).map(escapeHtml).join('\n')
}
