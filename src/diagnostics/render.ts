// render.ts: an explanation as a text table for terminals, as JSON for machines, and as a small
// self-contained HTML page for browsers.

import type { ConnectionHop, Explanation, ExplainedHop } from './explain.js'
import type { TrustOptions } from '../core/options.js'
import { escapeHtml, jsonSafe, printable, visible } from './escape.js'

/** What was asked, which the explanation itself does not hold: the setting and options as given. */
export interface RenderContext {
  /** The trust setting as given (`--trust`). */
  readonly trust: string
  readonly options: TrustOptions
}

/** Text styles for a terminal; identity functions without colour. */
interface Styles {
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly green: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
}

const sgr = (open: number, close: number) => (text: string): string => `\x1b[${open}m${text}\x1b[${close}m`
const COLOR: Styles = { bold: sgr(1, 22), dim: sgr(2, 22), green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39) }
const plain = (text: string): string => text
const PLAIN: Styles = { bold: plain, dim: plain, green: plain, red: plain, yellow: plain }

/** The options as one line: `preset: strict, ports: true`, or `none (Express)`. */
export function describeOptions(options: TrustOptions): string {
  // range names stand for long lists, which the ranges line shows
  const parts = Object.entries(options).map(([name, value]) =>
    name === 'ranges'
      ? `ranges: ${Object.keys(value as object).join(' ')}`
      : `${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
  return parts.length === 0 ? 'none (Express)' : parts.join(', ')
}

/** The snapshots a setting uses, one line: `cdn (cloudflare, retrieved 2026-08-22, 101 days ago)`. */
export function describeRanges(explanation: Explanation): string {
  return explanation.ranges.map((age) => `${age.name} (${age.provider}, retrieved ${age.retrieved}, ${age.days} days ago)`).join(', ')
}

function yesNo(value: boolean | undefined): string {
  if (value === undefined) return '-'
  return value ? 'yes' : 'no'
}

/** The hop table's columns; `address` only when some hop's address differs from what was received. */
function hopColumns(hops: readonly ExplainedHop[]): [string, (hop: ExplainedHop) => string][] {
  const columns: [string, (hop: ExplainedHop) => string][] = [
    ['#', (hop) => String(hop.index)],
    ['role', (hop) => hop.role],
    ['from', (hop) => hop.from],
    ['received', (hop) => printable(hop.received)],
  ]
  if (hops.some((hop) => hop.address !== hop.received)) columns.push(['address', (hop) => printable(hop.address)])
  columns.push(['valid', (hop) => yesNo(hop.valid)], ['trusted', (hop) => yesNo(hop.trusted)], ['reason', (hop) => hop.reason])
  return columns
}

/**
 * Cells padded to their column's width; the last column is not padded. The widths are found in a
 * loop: spreading one argument per row into Math.max overflows the stack on a long chain.
 */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] as readonly string[]).map(() => 0)
  for (const row of rows) {
    row.forEach((cell, k) => {
      if (cell.length > (widths[k] as number)) widths[k] = cell.length
    })
  }
  return rows.map((row) => row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k] as number))).join('  '))
}

/** Chains up to this many hops are shown whole; longer ones lose their middle (JSON never does). */
const SHOWN_WHOLE = 200
/** What a long chain keeps: its first hops, those around the client, and its last hops. */
const KEPT_HEAD = 50
const KEPT_AROUND = 25
const KEPT_TAIL = 50

/** A run of hops that a long chain does not show: how many. */
interface Elided {
  readonly elided: number
}

/**
 * The hops to show, in order, with runs left out replaced by their count: every hop of a chain of up
 * to 200, else the first 50, the 25 each side of the client (hop `client`) and the last 50.
 */
export function shownHops(hops: readonly ExplainedHop[], client: number): (ExplainedHop | Elided)[] {
  if (hops.length <= SHOWN_WHOLE) return [...hops]
  const keep = (k: number): boolean =>
    k < KEPT_HEAD || Math.abs(k - client) <= KEPT_AROUND || k >= hops.length - KEPT_TAIL
  const shown: (ExplainedHop | Elided)[] = []
  let gap = 0
  hops.forEach((hop, k) => {
    if (!keep(k)) {
      gap++
      return
    }
    if (gap > 0) shown.push({ elided: gap })
    gap = 0
    shown.push(hop)
  })
  // the last hops are always kept, so no run is left over at the end
  return shown
}

function isElided(row: ExplainedHop | Elided): row is Elided {
  return 'elided' in row
}

/** The line or cell standing for a run of hops (or addresses) not shown. */
function elidedText(row: Elided, nouns: readonly [string, string] = ['hop', 'hops']): string {
  return `... ${row.elided} ${row.elided === 1 ? nouns[0] : nouns[1]} not shown ...`
}

/**
 * The explanation for a terminal: the hop table, where the walk stopped, the answers with the
 * header each came from, and the warnings. `color` adds ANSI styles.
 */
export function renderText(explanation: Explanation, context: RenderContext, color: boolean): string {
  const s = color ? COLOR : PLAIN
  const { hops, result, from } = explanation
  const out: string[] = []
  out.push(`trust: ${printable(context.trust)}    options: ${visible(describeOptions(context.options))}    source: ${printable(explanation.source)}`)
  if (explanation.ranges.length > 0) out.push(`ranges: ${visible(describeRanges(explanation))}`)
  if (explanation.connection !== undefined) out.push(`connection: ${visible(describeConnection(explanation.connection))}`)
  // every list is printed, or said to be empty, in the same way: "no …"
  const headers = Object.entries(explanation.headers)
  out.push('')
  if (headers.length === 0) out.push('no forwarding headers')
  for (const [name, value] of headers) out.push(`  ${printable(name)}: ${printable(value)}`)

  out.push('')
  const columns = hopColumns(hops)
  const rows = shownHops(hops, explanation.stop.index)
  const shown = rows.filter((row): row is ExplainedHop => !isElided(row))
  const lines = table([columns.map(([title]) => title), ...shown.map((hop) => columns.map(([, cell]) => cell(hop)))])
  out.push('  ' + s.bold(lines[0] as string))
  let k = 0
  for (const row of rows) {
    if (isElided(row)) {
      out.push('  ' + s.dim(elidedText(row)))
      continue
    }
    const line = lines[++k] as string
    if (row.role === 'ignored') out.push('  ' + s.dim(line))
    else if (row.role === 'client') out.push('  ' + s.bold(row.trusted === false ? s.red(line) : line))
    else out.push('  ' + s.green(line))
  }
  out.push('', `stop (${explanation.stop.reason}): ${visible(explanation.stop.message)}`, '')

  const answers: [string, string, string | undefined][] = [
    ['ip', printable(result.ip), from.ip],
    ['ips', result.ips.length === 0 ? '-' : ipsText(result.ips, printable), from.ips],
    ['host', printable(result.host), from.host],
    ['hostname', printable(result.hostname), from.hostname],
    ['protocol', printable(result.protocol), from.protocol],
    ['secure', String(result.secure), from.secure],
  ]
  const answerLines = table(answers.map(([name, value, origin]) => [name, value, origin === undefined ? '' : `from ${printable(origin)}`]))
  answerLines.forEach((line, k) => out.push('  ' + (k === 0 ? s.bold(line) : line).trimEnd()))

  const { warnings } = explanation
  out.push('', warnings.length === 0 ? 'no warnings' : `${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'}:`)
  for (const warning of warnings) {
    out.push(`  ${s.yellow('! ' + visible(warning.code))}  ${visible(warning.message)}`, `    fix: ${visible(warning.fix)}`)
  }
  return out.join('\n') + '\n'
}

/** The trusted chain as one line, each address shown by `show`; the middle of a long one as a count. */
function ipsText(ips: readonly string[], show: (ip: string) => string): string {
  if (ips.length <= SHOWN_WHOLE) return ips.map(show).join(', ')
  const head = ips.slice(0, KEPT_HEAD).map(show)
  const tail = ips.slice(ips.length - KEPT_TAIL).map(show)
  return [...head, elidedText({ elided: ips.length - KEPT_HEAD - KEPT_TAIL }, ['address', 'addresses']), ...tail].join(', ')
}

/**
 * The explanation as JSON: the setting and options as given, then every field of the explanation,
 * with absent values as `null`.
 */
export function renderJson(explanation: Explanation, context: RenderContext): string {
  const body = { trust: context.trust, options: context.options, ...explanation }
  return jsonSafe(JSON.stringify(body, (_key, value: unknown) => (value === undefined ? null : value), 2)) + '\n'
}

/** The balancer before hop 0, when a PROXY protocol header named it, in one line. */
function describeConnection(connection: ConnectionHop): string {
  return `hop 0 from a PROXY protocol v${connection.version} header sent by ${connection.balancer ?? 'a peer without an address'}, trusted by ${connection.reason}`
}

/** The class of a hop's trusted cell. */
function trustClass(trusted: boolean | undefined): string {
  if (trusted === undefined) return 'unasked'
  return trusted ? 'trusted' : 'untrusted'
}

function cell(text: string | undefined): string {
  return text === undefined ? '<td class="none">-</td>' : `<td>${escapeHtml(text)}</td>`
}

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn-bg: #fff8c5; --warn-edge: #d4a72c; --muted: #6e7781; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; padding: 1.5rem; }
@media (max-width: 30rem) { body { padding: .75rem; } }
main { max-width: 60rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h1 code { font-size: 1.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
code, td, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.stop { margin: 0; color: var(--muted); }
/* a narrow screen scrolls a table in its own box, never the page; names never break inside */
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
table.result { width: auto; min-width: 50%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th, td.name, dt { white-space: nowrap; }
th { font-size: .85rem; }
td.none { color: var(--muted); }
tr.proxy td.trusted { color: var(--ok); font-weight: 600; }
tr.client { font-weight: 700; background: rgba(84, 174, 255, .15); }
tr.client td.untrusted { color: var(--bad); }
tr.ignored { color: var(--muted); }
ul.warnings { list-style: none; padding: 0; margin: 0; }
li.warning { background: var(--warn-bg); color: #3b2e00; border-left: 4px solid var(--warn-edge); padding: .5rem .75rem; margin: 0 0 .5rem; }
li.warning .code { font-weight: 700; }
li.warning .fix { display: block; font-size: .9rem; }
p.ok { color: var(--ok); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
`

/**
 * The explanation as a self-contained HTML page (inline styles, no scripts, no external resources):
 * the client address, warnings highlighted, the hop table, the answers and the request's headers.
 */
export function renderHtml(explanation: Explanation, context: RenderContext): string {
  const { hops, result, from, warnings } = explanation
  const warningItems = warnings.length === 0
    ? '<p class="ok">No warnings.</p>'
    : `<ul class="warnings">${warnings.map((w) =>
      `<li class="warning" data-code="${w.code}"><span class="code">${w.code}</span> ${escapeHtml(w.message)}` +
      `<span class="fix">Fix: ${escapeHtml(w.fix)}</span></li>`).join('')}</ul>`
  const hopRows = shownHops(hops, explanation.stop.index).map((hop) => {
    if (isElided(hop)) return `<tr class="elided"><td colspan="8">${elidedText(hop)}</td></tr>`
    return `<tr class="hop ${hop.role}" data-role="${hop.role}">` +
      `<td>${hop.index}</td><td>${hop.role}</td><td class="name">${escapeHtml(hop.from)}</td>${cell(hop.received)}${cell(hop.address)}` +
      `<td>${yesNo(hop.valid)}</td><td class="${trustClass(hop.trusted)}">${yesNo(hop.trusted)}</td><td>${escapeHtml(hop.reason)}</td></tr>`
  }).join('')
  const answers: [string, string | undefined, string | undefined][] = [
    ['ip', result.ip, from.ip],
    ['ips', result.ips.length === 0 ? undefined : ipsText(result.ips, (ip) => ip), from.ips],
    ['host', result.host, from.host],
    ['hostname', result.hostname, from.hostname],
    ['protocol', result.protocol, from.protocol],
    ['secure', String(result.secure), from.secure],
  ]
  const answerRows = answers.map(([name, value, origin]) =>
    `<tr><th scope="row">${name}</th>${cell(value)}${origin === undefined ? cell(origin) : `<td class="name">${escapeHtml(origin)}</td>`}</tr>`).join('')
  const headers = Object.entries(explanation.headers)
  const headerList = headers.length === 0
    ? '<p>None.</p>'
    : `<dl>${headers.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>proxy-trust: ${escapeHtml(result.ip ?? 'no address')}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>You are <code id="ip">${escapeHtml(result.ip ?? 'no address')}</code></h1>
<p class="stop">Stop (${explanation.stop.reason}): ${escapeHtml(explanation.stop.message)}</p>
${explanation.connection === undefined ? '' : `<p class="connection">Connection: ${escapeHtml(describeConnection(explanation.connection))}</p>\n`}<h2>Warnings</h2>
${warningItems}
<h2>Hops</h2>
<div class="scroll">
<table class="hops">
<thead><tr><th>#</th><th>role</th><th>from</th><th>received</th><th>address</th><th>valid</th><th>trusted</th><th>reason</th></tr></thead>
<tbody>${hopRows}</tbody>
</table>
</div>
<h2>Result</h2>
<div class="scroll">
<table class="result">
<thead><tr><th>answer</th><th>value</th><th>from</th></tr></thead>
<tbody>${answerRows}</tbody>
</table>
</div>
<h2>Forwarding headers</h2>
${headerList}
<footer>trust: <span class="mono">${escapeHtml(context.trust)}</span> · options: ${escapeHtml(describeOptions(context.options))} · source: ${escapeHtml(explanation.source)}${explanation.ranges.length > 0 ? ` · ranges: ${escapeHtml(describeRanges(explanation))}` : ''}</footer>
</main>
</body>
</html>
`
}
