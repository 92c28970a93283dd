// fuzz.mjs: generated hostile requests through the built package: resolveAddr, proxyaddr,
// proxyaddr.all, explain, the live monitor (createMonitor: monitor(req) and monitor.resolve), the
// text, JSON and HTML renderers and the whoami server's handler (its bodies and log lines),
// asserting that nothing throws, that the README's guarantees hold, that every live warning is one
// explain gives for the same request, and that no sink (a warning, process.emitWarning, a log line,
// a text/plain, JSON or HTML body) holds a raw control or bidirectional character. `npm run fuzz` runs 1,000,000 requests; `--count N` another number,
// `--seed S` another sequence (the same seed gives the same requests). Exits 1 on the first failure,
// printing the request that caused it.

import { createRequire } from 'node:module'
import { seeded, wholeFlags } from './fuzz-run.mjs'

const require = createRequire(import.meta.url)
// the CommonJS entry is proxy-addr's function, with the package's API on it
const trustApi = require('../dist/cjs/cjs.js')
const { renderText, renderJson, renderHtml } = require('../dist/cjs/diagnostics/render.js')
const { whoami } = require('../dist/cjs/cli/serve.js')

const { count: COUNT, seed: SEED } = wholeFlags({ count: { fallback: 1_000_000, min: 1 }, seed: { fallback: 0x5eed } })
// the same seed gives the same requests
const { random, int, pick } = seeded(SEED)

const ADDRESSES = ['127.0.0.1', '10.0.0.1', '10.1.2.3', '203.0.113.5', '198.51.100.7', '::1', 'fe80::1', '2001:db8::1',
  '::ffff:10.0.0.1', '0177.0.0.1', '0x7f.1', '1', '4294967295', '10.0.0.1:8080', '[2001:db8::1]:443', 'fe80::1%eth0']
const JUNK = ['', ' ', ',', ';', '=', '"', '\\', 'unknown', '_hidden', 'for=1.2.3.4', '[', ']', ':', '%', '\x00', '\x1b[2J',
  '\x9b31m', '\x85', '\x7f', '\u202e', '\u2066', 'é', '😀', '\ud800', 'a'.repeat(300), '1,'.repeat(50), 'null', 'undefined', '__proto__']
const CONTROL = ['\x00', '\x1b', '\x9b', '\x85', '\x7f', '\u202e', '\u2069', '\r', '\n', '\t']

function piece() {
  return random() < 0.6 ? pick(ADDRESSES) : pick(JUNK)
}

function withControls(text) {
  if (random() < 0.85) return text
  const k = int(text.length + 1)
  return text.slice(0, k) + pick(CONTROL) + text.slice(k)
}

function xff() {
  const n = random() < 0.02 ? 2000 + int(4000) : int(8)
  const parts = []
  for (let k = 0; k < n; k++) parts.push(withControls(piece()))
  return parts.join(pick([',', ', ', ' ,', ',,', ' , ']))
}

/** One Forwarded element, well formed, before mutation (RFC 7239 section 4). */
function element() {
  const pairs = []
  const names = ['for', 'by', 'proto', 'host', 'FOR', 'Proto', 'ext']
  for (let k = 1 + int(3); k > 0; k--) {
    const name = pick(names)
    const kind = name.toLowerCase()
    let value = pick(ADDRESSES)
    if (kind === 'proto') value = pick(['http', 'https', 'HTTPS', 'wss', 'ftp'])
    else if (kind === 'host') value = pick(['shop.example', 'a.example:8443', '[::1]:80'])
    if (/[:[\]]/.test(value) || random() < 0.3) value = `"${value.replace(/["\\]/g, '\\$&')}"`
    pairs.push(`${name}=${value}`)
  }
  return pairs.join(';')
}

/** A Forwarded header: elements, some mutated by inserting, deleting or replacing characters of its grammar. */
function forwarded() {
  const n = random() < 0.02 ? 200 + int(400) : int(6)
  const elements = []
  for (let k = 0; k < n; k++) elements.push(element())
  let text = elements.join(pick([',', ', ']))
  for (let m = random() < 0.5 ? int(4) : 0; m > 0; m--) {
    const k = int(text.length + 1)
    const c = pick([',', ';', '=', '"', '\\', ' ', '\t', 'x', '[', ']', ':', '\x9b'])
    const op = int(3)
    if (op === 0) text = text.slice(0, k) + c + text.slice(k)
    else if (op === 1) text = text.slice(0, k) + text.slice(k + 1)
    else text = text.slice(0, k) + c + text.slice(k + 1)
  }
  return text
}

/** A header value in one of the shapes a request may carry. */
function shaped(value) {
  switch (int(12)) {
    case 0: return [value, withControls(piece())]
    case 1: return undefined
    case 2: return 42
    case 3: return { toString: () => value }
    default: return value
  }
}

function headers() {
  const h = {}
  if (random() < 0.8) h['x-forwarded-for'] = shaped(xff())
  if (random() < 0.4) h.forwarded = shaped(forwarded())
  if (random() < 0.4) h['x-forwarded-host'] = shaped(withControls(pick(['shop.example', 'evil.example, a.example', '', '[::1]:8080', 'a"b', 'x;for=1.2.3.4'])))
  if (random() < 0.4) h['x-forwarded-proto'] = shaped(withControls(pick(['https', 'http', 'HTTPS', 'https, http', '', 'wss', 'javascript'])))
  if (random() < 0.3) h['x-real-ip'] = shaped(withControls(piece()))
  if (random() < 0.7) h.host = shaped(withControls(pick(['shop.example', 'shop.example:8443', '[::1]', '', 'a,for=1.2.3.4'])))
  if (random() < 0.05) {
    // a Fetch Headers object instead
    const map = new Map(Object.entries(h).filter(([, v]) => typeof v === 'string'))
    return { get: (name) => map.get(name) ?? null }
  }
  return h
}

function socket() {
  switch (int(10)) {
    case 0: return undefined
    case 1: return null
    case 2: return {}
    case 3: return { destroyed: true }
    case 4: return { remoteAddress: withControls(pick(JUNK)) }
    default: return { remoteAddress: pick(ADDRESSES), encrypted: random() < 0.3 }
  }
}

const SETTINGS = [true, false, 0, 1, 2, 3, 'loopback', '10.0.0.0/8, 127.0.0.1', ['::1', '10.0.0.1'], 'loopback, linklocal, uniquelocal',
  '0.0.0.0/0', '2001:db8::/32', '10.0.0.1/255.0.0.0', (addr, i) => i < 2, (addr) => typeof addr === 'string' && addr.startsWith('10.')]
const OPTIONS = [{}, { source: 'forwarded' }, { preset: 'strict' }, { ports: true }, { hostAndProto: 'aligned' }, { addresses: 'strict' },
  { normalize: true }, { trustSocketless: true }, { source: { header: 'x-real-ip' } }, { maxForwarded: 2 },
  { source: 'forwarded', preset: 'strict' }, { extendedRanges: true }, { ports: true, normalize: true, hostAndProto: 'aligned' }]

// every setting with every option set, compiled once, as an application does
const TRUSTS = []
for (const setting of SETTINGS) {
  for (const options of OPTIONS) TRUSTS.push({ setting, options, trust: trustApi.compileTrust(setting, options) })
}

// eslint-disable-next-line no-control-regex
const RAW_TEXT = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[\d+m/g

// a warning is one line: not even a line end of a client's may reach it raw
// eslint-disable-next-line no-control-regex
const RAW_LINE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

// process.emitWarning, the monitor's default sink, collected instead of printed
const emitted = []
process.emitWarning = (message, options) => { emitted.push({ message, options }) }

/** A request target with a hostile ?format= and other query text. */
function target() {
  const format = pick(['text', 'json', 'html', 'xml', '', withControls(pick(JUNK)), '%C2%9B31m', '%E2%80%AE', '%22%5C', '%ZZ'])
  return pick(['/', '//', '/?', '/path']) + (random() < 0.7 ? `?format=${format}` : `?x=${encodeURIComponent(withControls(pick(JUNK)).toWellFormed())}`)
}

/** The whoami handler's answer and log line for one request, through stand-ins for Node's objects. */
function served(trust, setting, options, req) {
  const out = { status: 0, headers: {}, body: '', log: '' }
  const res = {
    headersSent: false,
    writeHead(status, headers) { out.status = status; out.headers = headers; this.headersSent = true },
    end(body) { out.body += body ?? '' },
    destroy() { out.status = -1 },
  }
  const log = { write: (text) => { out.log += text } }
  whoami({ trust, setting, context: { trust: String(setting), options } }, log)({ ...req, method: pick(['GET', 'HEAD', withControls('GET')]), url: target() }, res)
  return out
}

let failures = 0
function fail(message, req, where) {
  failures++
  console.error(`fuzz: ${message} (${where})\n  request: ${JSON.stringify(req, (_k, v) => (typeof v === 'function' ? String(v) : v))}`)
  process.exit(1)
}

const started = process.hrtime.bigint()
let rendered = 0
let watchedCount = 0
let servedCount = 0
for (let n = 0; n < COUNT; n++) {
  const { setting, options, trust } = pick(TRUSTS)
  const req = { socket: socket(), headers: headers() }
  const where = `request ${n}, setting ${typeof setting === 'function' ? 'function' : JSON.stringify(setting)}, options ${JSON.stringify(options)}`
  let r, one, all, why
  try {
    r = trustApi.resolveAddr(req, trust)
    one = trustApi.proxyaddr(req, trust)
    all = trustApi.proxyaddr.all(req, trust)
    why = trustApi.explain(req, trust, setting)
  } catch (error) {
    fail(`threw ${error && error.stack}`, req, where)
  }
  // guarantee 6: proxyaddr equals ip, and ips is the walk without the socket, its first element ip
  if (one !== r.ip) fail(`proxyaddr ${one} differs from ip ${r.ip}`, req, where)
  if (all[all.length - 1] !== r.ip) fail(`proxyaddr.all ends at ${all[all.length - 1]}, not ip ${r.ip}`, req, where)
  if (r.ips.length > 0 && r.ips[0] !== r.ip) fail(`ips[0] ${r.ips[0]} is not ip ${r.ip}`, req, where)
  // explain answers what resolveAddr answers
  if (why.result.ip !== r.ip || why.result.ips.length !== r.ips.length || why.result.protocol !== r.protocol || why.result.host !== r.host) {
    fail('explain disagrees with resolveAddr', req, where)
  }
  // guarantee 4: an untrusted peer is the client, and nothing forwarded is believed
  if (why.hops[0].trusted === false && (r.ips.length !== 0 || all.length !== 1)) fail('an untrusted peer did not end the walk', req, where)
  // secure only over https (and wss, where the options read it): Express compares exactly
  if (r.secure && r.protocol !== 'https' && r.protocol !== 'wss') fail(`secure for protocol ${r.protocol}`, req, where)
  if (r.protocol === 'https' && !r.secure) fail('https without secure', req, where)

  // the live monitor: a fresh one now and then, so that codes not yet reported are looked for
  if ((n & 1) === 0) {
    watchedCount++
    const codes = new Set(why.warnings.map((w) => w.code))
    const seen = []
    let calls = 0
    // a custom function is compiled again, counting: the monitor must ask it nothing of its own
    const counted = typeof setting === 'function' ? trustApi.compileTrust((addr, i) => { calls++; return setting(addr, i) }, options) : trust
    let watched
    let asked
    try {
      trustApi.createMonitor(counted, { onWarning: (w) => seen.push(w) })(req)
      if (calls !== 0) fail(`monitor(req) called a custom function ${calls} times`, req, where)
      trustApi.resolveAddr(req, counted)
      asked = calls
      calls = 0
      watched = trustApi.createMonitor(counted, { onWarning: (w) => seen.push(w) }).resolve(req)
      // the default sink
      trustApi.createMonitor(trust).resolve(req)
    } catch (error) {
      fail(`the monitor threw ${error && error.stack}`, req, where)
    }
    // never more than resolveAddr (which, with Express's options, may ask an untrusted peer twice:
    // once walking, once for host and protocol, as Express's getters do)
    if (calls > asked) fail(`monitor.resolve called a custom function ${calls} times, resolveAddr ${asked}`, req, where)
    if (JSON.stringify(watched) !== JSON.stringify(r)) fail('monitor.resolve answers otherwise than resolveAddr', req, where)
    for (const w of seen) {
      if (!codes.has(w.code)) fail(`the monitor warned ${w.code}, which explain does not give`, req, where)
      if (RAW_LINE.test(w.message) || RAW_LINE.test(w.fix)) fail(`warning ${w.code} holds a raw control`, req, where)
    }
    for (const { message, options: o } of emitted.splice(0)) {
      if (RAW_LINE.test(message) || RAW_LINE.test(o.detail)) fail(`process.emitWarning got a raw control (${o.code})`, req, where)
    }
  }

  // the whoami server's handler: its body and log line
  if ((n & 7) === 0) {
    servedCount++
    let out
    try {
      out = served(trust, setting, options, req)
    } catch (error) {
      fail(`the whoami handler threw ${error && error.stack}`, req, where)
    }
    if (![200, 400, 406].includes(out.status)) fail(`whoami answered ${out.status}`, req, where)
    if (RAW_TEXT.test(out.body.replace(SGR, ''))) fail(`a ${out.status} body holds a raw control`, req, where)
    if (RAW_LINE.test(out.log.slice(0, -1)) || !out.log.endsWith('\n')) fail('a log line holds a raw control', req, where)
  }

  // the renderers, for a quarter of the requests (they cost most)
  if ((n & 3) === 0) {
    rendered++
    const context = { trust: typeof setting === 'string' ? withControls(setting) : String(setting), options }
    let text, colored, json, html
    try {
      text = renderText(why, context, false)
      colored = renderText(why, context, true)
      json = renderJson(why, context)
      html = renderHtml(why, context)
    } catch (error) {
      fail(`a renderer threw ${error && error.stack}`, req, where)
    }
    if (RAW_TEXT.test(text) || RAW_TEXT.test(colored.replace(SGR, ''))) fail('text output holds a raw control character', req, where)
    if (RAW_TEXT.test(json)) fail('JSON output holds a raw control character', req, where)
    if (RAW_TEXT.test(html)) fail('HTML output holds a raw control character', req, where)
    if (JSON.parse(json).result.ip !== (r.ip ?? null)) fail('JSON output does not read back', req, where)
    if (!html.startsWith('<!doctype html>') || /<script/i.test(html)) fail('the HTML page is not the page', req, where)
  }
  if (n > 0 && n % 100_000 === 0) console.log(`fuzz: ${n} requests…`)
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.log(`fuzz: ${COUNT} requests (${TRUSTS.length} settings × options, seed ${SEED}), ${watchedCount} watched by fresh monitors, ${servedCount} served by whoami, ${rendered} rendered three ways, ${failures} failures, ${seconds.toFixed(1)} s`)
