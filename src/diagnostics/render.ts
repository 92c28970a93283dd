// render.ts: an explanation as a text table for terminals, as JSON for machines, and as a small
// self-contained HTML page for browsers.

import type { ConnectionHop, Explanation, ExplainedHop } from './explain.js'
import type { TrustSetting } from '../core/compile.js'
import type { TrustOptions } from '../core/options.js'
import { escapeHtml, escapeHtmlLines, jsonSafe, printable, visible } from './escape.js'
import { ageText } from './stale.js'

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
  const parts = Object.entries(options).map(([name, value]) => {
    if (name === 'ranges') return `ranges: ${Object.keys(value as object).join(' ')}`
    // the proof's values are secrets: only the header is shown
    if (name === 'edgeProof') return `edgeProof: ${String((value as { header?: unknown }).header)} (values not shown)`
    return `${name}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`
  })
  return parts.length === 0 ? 'none (Express)' : parts.join(', ')
}

/** The snapshots a setting uses, one line: `cdn (cloudflare, retrieved 2026-08-22, 101 days ago)`. */
export function describeRanges(explanation: Explanation): string {
  return explanation.ranges.map((age) => `${age.name} (${age.provider}, retrieved ${age.retrieved}, ${ageText(age.days)})`).join(', ')
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
  const { suggestion } = explanation
  if (suggestion !== undefined) out.push('', 'suggested setting:', ...suggestion.code.split('\n').map((line) => `  ${visible(line)}`))
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
  // the edge proof's values are secrets: only its header is written
  const proof = context.options.edgeProof
  const options = proof === undefined ? context.options : { ...context.options, edgeProof: { header: proof.header, values: '(not shown)' } }
  const body = { trust: context.trust, options, ...explanation }
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

/** A setting as one line of text, as `--trust` writes it. */
export function settingText(setting: TrustSetting): string {
  if (typeof setting === 'function') return 'a custom function'
  if (Array.isArray(setting)) return setting.join(', ')
  return String(setting)
}

/** A hop's address as the chain shows it: the address, else what was received, else that there was none. */
function hopAddress(hop: ExplainedHop): string {
  return hop.address ?? hop.received ?? 'no address'
}

/**
 * Where a hop came from, in words: the connection itself, an entry a trusted hop wrote (naming that
 * hop), or an entry left of the client, which anyone on the way, the client first, could have written.
 */
function hopOrigin(hop: ExplainedHop, hops: readonly ExplainedHop[]): string {
  if (hop.index === 0) return 'the connection to this server'
  if (hop.role === 'ignored') return `in ${hop.from}, left of the client: anyone could have written it`
  // every hop past the socket has a nearer one, which wrote it
  const nearer = hops[hop.index - 1] as ExplainedHop
  return `in ${hop.from}, written by hop ${nearer.index} (${hopAddress(nearer)})`
}

/** Whether a hop was trusted and by which rule, in words. */
function hopVerdict(hop: ExplainedHop): string {
  if (hop.trusted === true) return `trusted: ${hop.reason}`
  if (hop.trusted === false) return `not trusted: ${hop.reason}`
  return hop.reason
}

/** What a hop is in the chain, as its badge says. */
const ROLE_BADGE: Readonly<Record<ExplainedHop['role'], string>> = {
  proxy: 'proxy',
  client: 'client: you',
  ignored: 'ignored',
}

/**
 * The chain in traffic order, as an ordered list: the hops left of the client (ignored, greyed), the
 * client (marked), each proxy from the farthest to the socket peer, then this server. Arrows between
 * steps are drawn by the style sheet and hidden from screen readers, which read the list's order.
 */
function chainHtml(explanation: Explanation): string {
  const { hops } = explanation
  const steps = shownHops(hops, explanation.stop.index).reverse().map((row) => {
    if (isElided(row)) return `<li class="step elided">${elidedText(row)}</li>`
    const received = row.received !== undefined && row.received !== row.address
      ? ` <span class="received">received as <code>${escapeHtml(row.received)}</code></span>` : ''
    return `<li class="step ${row.role}" data-hop="${row.index}"${row.role === 'client' ? ' aria-current="true"' : ''}>` +
      `<span class="badge">${ROLE_BADGE[row.role]}</span> <span class="hopno">hop ${row.index}</span> ` +
      `<code class="addr">${escapeHtml(hopAddress(row))}</code>${received}` +
      `<span class="origin">${escapeHtml(hopOrigin(row, hops))}</span><span class="sr">; </span>` +
      `<span class="verdict ${trustClass(row.trusted)}">${escapeHtml(hopVerdict(row))}</span></li>`
  })
  steps.push('<li class="step server"><span class="badge">this server</span> <span class="origin">answers with the client above</span></li>')
  return `<ol class="chain" aria-labelledby="chain-title">${steps.join('')}</ol>`
}

/** Why the client is who it is, in one sentence, for the top of the page. */
function whySentence(explanation: Explanation): string {
  const { stop, hops } = explanation
  const client = hops[stop.index] as ExplainedHop
  const who = escapeHtml(hopAddress(client))
  const proxies = stop.index === 1 ? 'the proxy that connected' : `the ${stop.index} proxies nearest this server`
  switch (stop.reason) {
    case 'untrusted':
      return stop.index === 0
        ? `The setting does not trust the peer that connected (<code>${who}</code>), so it is the client and every forwarding header is ignored.`
        : `The setting trusts ${proxies} but not hop ${stop.index} (<code>${who}</code>), so that is the client; nothing left of it is read.`
    case 'end':
      return stop.index === 0
        ? `The peer that connected (<code>${who}</code>) is trusted, but names nobody before it, so it is the client.`
        : `The setting trusts ${proxies}, and nothing lies beyond hop ${stop.index} (<code>${who}</code>), so that is the client.`
    case 'malformed':
      return `What lies beyond hop ${stop.index} (<code>${who}</code>) cannot be read, so the walk stopped there: that is the client.`
    case 'limit':
      return `The walk read as many <code>Forwarded</code> elements as it may and stopped at hop ${stop.index} (<code>${who}</code>): that is the client.`
  }
}

/** The most fixes the top of the page lists, so that it stays within a screen's first lines. */
const TOP_FIXES = 3

/** The setting in use, and the one suggested (or, without a suggestion, the warnings' fixes). */
function settingHtml(explanation: Explanation, context: RenderContext): string {
  const { suggestion } = explanation
  const lines = [
    `<dt>Setting in use</dt><dd><code id="setting">${escapeHtml(context.trust)}</code>` +
    ` <span class="muted">options: ${escapeHtml(describeOptions(context.options))}; source: ${escapeHtml(explanation.source)}</span></dd>`,
  ]
  if (suggestion !== undefined) {
    // the code says what to paste, with the options it needs (a provider's ranges by name, not listed)
    lines.push(`<dt>Suggested</dt><dd class="suggested"><code id="suggestion">${escapeHtml(settingText(suggestion.setting))}</code>` +
      `<pre class="suggestion"><code>${escapeHtmlLines(suggestion.code)}</code></pre></dd>`)
  } else if (explanation.warnings.length > 0) {
    // the top of the page holds a few; the warnings below hold every one
    const fixes = [...new Set(explanation.warnings.map((warning) => warning.fix))]
    const shown = fixes.slice(0, TOP_FIXES).map((fix) => `<li>${escapeHtml(fix)}</li>`)
    if (fixes.length > TOP_FIXES) shown.push(`<li class="more">and ${fixes.length - TOP_FIXES} more, with the warnings below</li>`)
    lines.push(`<dt>To fix</dt><dd><ul class="fixes">${shown.join('')}</ul></dd>`)
  }
  return `<dl class="setting">${lines.join('')}</dl>`
}

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn-bg: #fff8c5; --warn-fg: #3b2e00; --warn-edge: #d4a72c;
  --muted: #59636e; --line: #d0d7de; --you: rgba(84, 174, 255, .18); --you-edge: #0969da; --panel: rgba(127, 127, 127, .08); }
@media (prefers-color-scheme: dark) {
  :root { --ok: #3fb950; --bad: #ff7b72; --warn-bg: #3b2e00; --warn-fg: #f8e3a1; --warn-edge: #d29922; --muted: #9198a1;
    --line: #3d444d; --you: rgba(56, 139, 253, .22); --you-edge: #4493f8; }
}
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; padding: 1.5rem; }
@media (max-width: 30rem) { body { padding: .75rem; } }
main { max-width: 60rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h1 code { font-size: 1.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
code, td, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { overflow-wrap: anywhere; }
.muted, .stop { color: var(--muted); }
/* words for screen readers only: the pauses the layout shows by lines */
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.why { margin: 0 0 .5rem; }
dl.setting { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; margin: 0; padding: .5rem .75rem;
  background: var(--panel); border-radius: 6px; }
dl.setting dd { font-family: inherit; word-break: normal; overflow-wrap: anywhere; }
dl.setting dd.suggested code { font-weight: 700; }
ul.fixes { margin: 0; padding-left: 1.1rem; }
/* the chain: a row of steps with arrows between them, one step under another on a narrow screen */
ol.chain { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; align-items: stretch; gap: .5rem 1.75rem; }
ol.chain > li { position: relative; flex: 1 1 8.5rem; max-width: 16rem; min-width: 0; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; }
ol.chain > li + li::before { content: "\\2192" / ""; position: absolute; left: -1.45rem; top: 50%; transform: translateY(-50%); color: var(--muted); }
ol.chain .badge { font-weight: 700; font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; }
ol.chain .hopno { color: var(--muted); font-size: .85rem; }
ol.chain .addr { display: block; font-size: 1.05rem; }
ol.chain .received, ol.chain .origin, ol.chain .verdict { display: block; font-size: .85rem; overflow-wrap: anywhere; }
ol.chain .origin { color: var(--muted); }
ol.chain .verdict.trusted { color: var(--ok); }
ol.chain .verdict.untrusted { color: var(--bad); }
ol.chain li.client { border: 2px solid var(--you-edge); background: var(--you); }
ol.chain li.ignored, ol.chain li.elided { opacity: .6; border-style: dashed; }
ol.chain li.server { background: var(--panel); }
@media (max-width: 40rem) {
  ol.chain { flex-direction: column; gap: 1.5rem; }
  ol.chain > li { flex: none; max-width: none; }
  ol.chain > li + li::before { content: "\\2193" / ""; left: 1rem; top: -1.45rem; transform: none; }
}
/* a narrow screen scrolls the detail tables in their own box, never the page; names never break inside */
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; }
table.result { width: auto; min-width: 50%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th, td.name, dt { white-space: nowrap; }
th { font-size: .85rem; }
td.none { color: var(--muted); }
tr.proxy td.trusted { color: var(--ok); font-weight: 600; }
tr.client { font-weight: 700; background: var(--you); }
tr.client td.untrusted { color: var(--bad); }
tr.ignored { color: var(--muted); }
ul.warnings { list-style: none; padding: 0; margin: 0; }
li.warning { background: var(--warn-bg); color: var(--warn-fg); border-left: 4px solid var(--warn-edge); padding: .5rem .75rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
li.warning .code { font-weight: 700; }
li.warning .fix { display: block; font-size: .9rem; }
p.ok { color: var(--ok); }
dl.headers { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { font-weight: 600; }
dl.headers dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
dd { margin: 0; }
form.playground { display: grid; gap: .5rem; max-width: 40rem; }
form.playground label { font-weight: 600; }
form.playground input, form.playground textarea { font: 14px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; width: 100%; box-sizing: border-box; }
form.playground button, form.again button { justify-self: start; font: inherit; padding: .3rem .9rem; }
form.again { margin-top: 1.25rem; }
p.error { color: var(--bad); font-weight: 600; overflow-wrap: anywhere; }
pre.suggestion { overflow-x: auto; margin: .25rem 0 0; padding: .5rem .75rem; border-left: 4px solid var(--ok); white-space: pre; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
`

/** What the playground's form holds: the setting, the peer address and the header lines, as typed. */
export interface PlaygroundFields {
  readonly trust: string
  readonly remote: string
  readonly headers: string
}

/** The playground form, filled with `fields`; it posts back to `/explain`. */
function playgroundForm(fields: PlaygroundFields): string {
  return `<form class="playground" method="post" action="/explain">
<label for="trust">Setting (<code>--trust</code>)</label>
<input id="trust" name="trust" value="${escapeHtml(fields.trust)}" autocomplete="off" spellcheck="false">
<label for="remote">Peer address (<code>--remote</code>; empty for a socket without one)</label>
<input id="remote" name="remote" value="${escapeHtml(fields.remote)}" autocomplete="off" spellcheck="false">
<label for="headers">Request headers (<code>--header</code>, one <code>Name: value</code> a line)</label>
<textarea id="headers" name="headers" rows="6" spellcheck="false">${escapeHtmlLines(fields.headers)}</textarea>
<button type="submit">Explain this request</button>
</form>`
}

/** The document around a page's main content. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}

/** Where a page stands: the whoami answer to the request itself, or the playground's answer with its form. */
export type PageKind = { readonly kind: 'whoami' } | { readonly kind: 'playground'; readonly fields: PlaygroundFields }

/**
 * The explanation as a self-contained HTML page (inline styles, no scripts, no external resources):
 * at the top the client, why, the setting in use and the suggested one (or the warnings' fixes); the
 * chain drawn in traffic order; then the warnings, the hop table, the answers and the request's
 * headers. `where` adds the playground's form (filled with what was asked) or a button to it.
 */
export function renderHtml(explanation: Explanation, context: RenderContext, where?: PageKind): string {
  const { hops, result, from, warnings } = explanation
  const warningItems = warnings.length === 0
    ? '<p class="ok">No warnings.</p>'
    : `<ul class="warnings">${warnings.map((w) =>
      `<li class="warning" data-code="${w.code}"><span class="code">${w.code}</span> ${escapeHtml(w.message)}` +
      `<span class="fix">Fix: ${escapeHtml(w.fix)}</span></li>`).join('')}</ul>`
  const hopRows = shownHops(hops, explanation.stop.index).map((hop) => {
    if (isElided(hop)) return `<tr class="elided"><td colspan="8">${elidedText(hop)}</td></tr>`
    // what was received, only where it is not the address shown beside it
    const received = hop.received === hop.address ? '<td class="none"></td>' : cell(hop.received)
    return `<tr class="hop ${hop.role}" data-role="${hop.role}">` +
      `<td>${hop.index}</td><td>${hop.role}</td><td class="name">${escapeHtml(hop.from)}</td>${cell(hop.address)}${received}` +
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
    : `<dl class="headers">${headers.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`
  let playground = ''
  if (where?.kind === 'playground') playground = `<h2>Try another request</h2>\n${playgroundForm(where.fields)}\n`
  else if (where?.kind === 'whoami') playground = '<form class="again" method="get" action="/explain"><button type="submit">Explain another request</button></form>\n'
  const title = where?.kind === 'playground' ? 'proxy-trust playground' : 'proxy-trust'
  return page(`${title}: ${escapeHtml(result.ip ?? 'no address')}`, `<h1>${where?.kind === 'playground' ? 'The client is' : 'You are'} <code id="ip">${escapeHtml(result.ip ?? 'no address')}</code></h1>
<p class="why" id="why">${whySentence(explanation)}</p>
${explanation.connection === undefined ? '' : `<p class="connection">Connection: ${escapeHtml(describeConnection(explanation.connection))}</p>\n`}${settingHtml(explanation, context)}
<h2 id="chain-title">The chain, in traffic order</h2>
${chainHtml(explanation)}
<h2>Warnings</h2>
${warningItems}
<h2>Hops</h2>
<div class="scroll">
<table class="hops">
<thead><tr><th>#</th><th>role</th><th>from</th><th>address</th><th>received</th><th>valid</th><th>trusted</th><th>reason</th></tr></thead>
<tbody>${hopRows}</tbody>
</table>
</div>
<p class="stop">The walk stopped (${explanation.stop.reason}): ${escapeHtml(explanation.stop.message)}</p>
<h2>Result</h2>
<div class="scroll">
<table class="result">
<thead><tr><th>answer</th><th>value</th><th>from</th></tr></thead>
<tbody>${answerRows}</tbody>
</table>
</div>
<h2>Forwarding headers</h2>
${headerList}
${playground}<footer>trust: <span class="mono">${escapeHtml(context.trust)}</span> · options: ${escapeHtml(describeOptions(context.options))} · source: ${escapeHtml(explanation.source)}${explanation.ranges.length > 0 ? ` · ranges: ${escapeHtml(describeRanges(explanation))}` : ''}</footer>`)
}

/**
 * The playground's own page: the form, filled with `fields`, and an error when what was asked could
 * not be explained (a bad setting, header line or address), as the command line words it.
 */
export function renderPlayground(fields: PlaygroundFields, error?: string): string {
  const problem = error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>\n`
  return page('proxy-trust playground', `<h1>Explain a request</h1>
<p>Paste a trust setting, the address that connects to your server and the request's headers, and see how
they resolve: the same page as for a request this server receives, for one it has not. Nothing is kept.</p>
${problem}${playgroundForm(fields)}`)
}
