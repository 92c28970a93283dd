// cases.mjs: the requests every proxy is sent, honest and hostile, and how a proxy's expected answers
// are written: one answer for all of them, then each request whose answer differs, with why.

import { FORGER, HONEST, HOST, answer } from './lib.mjs'

/** The address a forging client writes into the headers it controls. */
export const FORGED_IP = '198.51.100.1'
/** A forged header 20,000 bytes long: above the default limit for one header line of every proxy tested but Caddy and Traffic Server. */
const OVERSIZED = Array.from({ length: 1430 }, () => FORGED_IP).join(', ')
/** A forged X-Forwarded-For within the limits: 200 entries naming a trusted proxy's address. */
const LONG = Array.from({ length: 200 }, () => '127.0.0.1').join(', ')

/**
 * The requests, by key: who sends them and with which headers (an array is one header line each).
 * Every one but `honest` comes from the forging client. `differs`, when a request has it, is the
 * answer every proxy gives unless its own table says otherwise; `like` names the request whose
 * answer it gets unless the proxy's table names it (see casesOf).
 */
export const REQUESTS = {
  honest: { name: 'an honest request', from: HONEST, headers: {} },
  xff: { name: 'forging X-Forwarded-For', headers: { 'x-forwarded-for': FORGED_IP } },
  xffProxy: { name: "forging X-Forwarded-For with a trusted proxy's address after the forged one", headers: { 'x-forwarded-for': `${FORGED_IP}, 127.0.0.1` } },
  xffDuplicate: { name: 'forging two X-Forwarded-For lines', headers: { 'x-forwarded-for': [FORGED_IP, '127.0.0.1'] } },
  xffLong: { name: 'forging X-Forwarded-For with 200 trusted addresses', headers: { 'x-forwarded-for': LONG } },
  xfh: { name: 'forging X-Forwarded-Host', headers: { 'x-forwarded-host': 'evil.example' } },
  xfhDuplicate: { name: 'forging two X-Forwarded-Host lines', headers: { 'x-forwarded-host': ['evil.example', 'evil2.example'] } },
  xfp: { name: 'forging X-Forwarded-Proto', headers: { 'x-forwarded-proto': 'https' } },
  forwarded: { name: 'forging Forwarded', headers: { forwarded: `for=${FORGED_IP};proto=https;host=evil.example` } },
  forwardedProxy: { name: "forging Forwarded with a trusted proxy's element after the forged one", headers: { forwarded: `for=${FORGED_IP};proto=https;host=evil.example, for=127.0.0.1` } },
  single: { name: 'forging X-Real-IP, True-Client-IP and CF-Connecting-IP', headers: { 'x-real-ip': FORGED_IP, 'true-client-ip': FORGED_IP, 'cf-connecting-ip': FORGED_IP } },
  everything: { name: 'forging every forwarding header', headers: { 'x-forwarded-for': FORGED_IP, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: `for=${FORGED_IP};proto=https;host=evil.example` } },
  hopByHop: { name: 'Connection naming X-Forwarded-For (asking the proxy to strip what it adds)', headers: { connection: 'X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, Forwarded' } },
  hostElement: { name: 'Host with a comma and a Forwarded element', headers: { host: `shop.example,for=${FORGED_IP}` } },
  hostParameter: { name: 'Host with a semicolon and a Forwarded parameter', headers: { host: `shop.example;proto=https` } },
  hostQuote: { name: 'Host with a quote, a comma and a forged protocol', headers: { host: `shop.example";proto=https,for="${FORGED_IP}` } },
  // answered as hostParameter unless the proxy passes the forged X-Forwarded-Host on
  hostAndXfh: { name: 'Host with a semicolon and a forged X-Forwarded-Host', like: 'hostParameter', headers: { host: 'shop.example;proto=https', 'x-forwarded-host': 'evil.example' } },
  // RFC 9112 section 3.2: a server MUST answer 400 to a request with more than one Host line
  hostDuplicate: { name: 'two Host lines', headers: { host: ['shop.example', 'evil.example'] }, differs: { why: 'refused (400), as RFC 9112 section 3.2 requires', leftmost: { status: 400 }, aligned: { status: 400 }, forwarded: { status: 400 } } },
  hostPort: { name: 'Host with a port', from: HONEST, host: 'shop.example:8443', headers: { host: 'shop.example:8443' } },
  oversized: { name: 'an X-Forwarded-For of 20,000 bytes', headers: { 'x-forwarded-for': OVERSIZED } },
}

/** The honest answer to the forging client: what every hostile request should get. */
export const SAFE = { leftmost: answer(FORGER), aligned: answer(FORGER) }

/**
 * The cases of one configuration: every request of REQUESTS, expecting `base` (with the honest
 * client's address for the honest ones) unless `differs` names the request with its own answers.
 * `differs` entries are `{ why, leftmost?, aligned?, forwarded? }`; an omitted target keeps base's.
 */
export function casesOf(base, differs = {}) {
  for (const key of Object.keys(differs)) if (!(key in REQUESTS)) throw new Error(`no request ${key}`)
  return Object.entries(REQUESTS).map(([key, request]) => {
    // a proxy's own word on the request, else on the request it is like, else what every proxy does with it
    const own = differs[key] ?? (request.like ? differs[request.like] : undefined) ?? request.differs
    const expect = {}
    for (const target of ['leftmost', 'aligned', 'forwarded']) {
      // the request's own default asks only the applications the proxy's table asks
      if (own === request.differs && !(target in base)) continue
      const value = own && target in own ? own[target] : base[target]
      if (value === undefined) continue
      expect[target] = request.from === HONEST && !(own && target in own) ? honestOf(value, request.host) : value
    }
    return { name: own ? `${request.name}: ${own.why}` : request.name, from: request.from ?? FORGER, headers: request.headers, expect }
  })
}

/** The base answer with the honest client's address where the forging client's stands, and its Host where the usual one stands. */
function honestOf(value, host) {
  if (value === null || typeof value !== 'object' || 'status' in value) return value
  const honest = { ...value, ip: value.ip === FORGER ? HONEST : value.ip, ips: value.ips.map((ip) => (ip === FORGER ? HONEST : ip)) }
  if (host === undefined || value.host !== HOST) return honest
  return { ...honest, host, hostname: host.split(':')[0] }
}

/** The Host a request of REQUESTS sends. */
export function hostOf(key) {
  return REQUESTS[key].headers.host
}

/** The answers when the application's peer (a trusted proxy) is the only hop: what a proxy adding nothing gives an honest request. */
export const PEER_ONLY = { leftmost: answer('127.0.0.1', []), aligned: answer('127.0.0.1', []) }

/**
 * The answers to the hostile requests when a proxy passes every forwarding header on as the client
 * wrote it and adds none, the application trusting the proxy: the client chooses every answer
 * Express reads (the leftmost X-Forwarded-Host and -Proto), and its address. `host` is the Host the
 * application gets: the client's, unless the proxy writes its own (then the Host cases are not
 * listed: they get the base answer).
 */
export function passedThrough(host = HOST) {
  const peer = (ip, ips, h = host, protocol = 'http') => answer(ip, ips, h, protocol)
  const hosts = host !== HOST ? {} : {
    hostElement: { why: "passed on: Express's getter returns the Host as it is; proxy-trust refuses it", leftmost: peer('127.0.0.1', [], hostOf('hostElement')), aligned: peer('127.0.0.1', [], null) },
    hostParameter: { why: "passed on: Express's getter returns the Host as it is; proxy-trust refuses it", leftmost: peer('127.0.0.1', [], hostOf('hostParameter')), aligned: peer('127.0.0.1', [], null) },
    hostQuote: { why: "passed on: Express's getter returns the Host as it is; proxy-trust refuses it", leftmost: peer('127.0.0.1', [], hostOf('hostQuote')), aligned: peer('127.0.0.1', [], null) },
  }
  return {
    xff: { why: 'passed on: the forged address is the client', leftmost: peer(FORGED_IP), aligned: peer(FORGED_IP) },
    xffProxy: { why: 'passed on: both forged entries are believed', leftmost: peer(FORGED_IP, [FORGED_IP, '127.0.0.1']), aligned: peer(FORGED_IP, [FORGED_IP, '127.0.0.1']) },
    xffDuplicate: { why: 'passed on: both forged lines are believed', leftmost: peer(FORGED_IP, [FORGED_IP, '127.0.0.1']), aligned: peer(FORGED_IP, [FORGED_IP, '127.0.0.1']) },
    xffLong: { why: 'passed on: every entry is trusted, the leftmost is the client', leftmost: peer('127.0.0.1', Array(200).fill('127.0.0.1')), aligned: peer('127.0.0.1', Array(200).fill('127.0.0.1')) },
    xfh: { why: "passed on: Express's getter believes it; aligned reads none, the walk stops at the peer", leftmost: peer('127.0.0.1', [], 'evil.example') },
    xfhDuplicate: { why: "passed on: Express's getter takes the first", leftmost: peer('127.0.0.1', [], 'evil.example') },
    xfp: { why: "passed on: Express's getter believes it; aligned reads none, the walk stops at the peer", leftmost: peer('127.0.0.1', [], host, 'https') },
    everything: { why: 'passed on: the client chooses every answer', leftmost: peer(FORGED_IP, [FORGED_IP], 'evil.example', 'https'), aligned: peer(FORGED_IP, [FORGED_IP], 'evil.example', 'https') },
    ...hosts,
  }
}

/** passedThrough() with the client's Host. */
export const PASSED_THROUGH = passedThrough()

/** A forged Forwarded that reaches an application reading it, behind one trusted proxy that adds no element. */
export const FORWARDED_PASSED_THROUGH = {
  forwarded: { why: 'passed on: the forged element is believed', forwarded: answer(FORGED_IP, [FORGED_IP], 'evil.example', 'https') },
  forwardedProxy: { why: 'passed on: both forged elements are believed', forwarded: answer(FORGED_IP, [FORGED_IP, '127.0.0.1'], 'evil.example', 'https') },
  everything: { why: 'passed on: the forged element is believed', forwarded: answer(FORGED_IP, [FORGED_IP], 'evil.example', 'https') },
}

/** Merge the `differs` of several tables, request by request (a later table's targets win). */
export function differing(...tables) {
  const out = {}
  for (const table of tables) {
    for (const [key, own] of Object.entries(table)) {
      out[key] = out[key] ? { ...out[key], ...own, why: `${out[key].why}; ${own.why}` } : own
    }
  }
  return out
}

/** An answer the proxy gives itself, to every application, instead of passing the request on. */
export function refused(status, why) {
  return { why, leftmost: { status }, aligned: { status }, forwarded: { status } }
}

/**
 * The Host cases when a proxy passes a Host that is no host name on and writes no X-Forwarded-Host:
 * Express's getter returns it as it is, proxy-trust refuses it. `forwarded` is the client the
 * application reading Forwarded finds (`[ip, ips]`), or undefined when that application is not asked.
 */
export function hostsPassedOn(forwarded) {
  const out = {}
  for (const key of ['hostElement', 'hostParameter', 'hostQuote']) {
    out[key] = { why: "passed on: Express's getter returns the Host as it is; proxy-trust refuses it", leftmost: answer(FORGER, [FORGER], hostOf(key)), aligned: answer(FORGER, [FORGER], null) }
    if (forwarded) out[key].forwarded = answer(forwarded[0], forwarded[1], null)
  }
  return out
}

/**
 * Requests over TLS to the proxy, which must say so itself: every application answers https, whatever
 * X-Forwarded-Proto or Forwarded the client wrote. `forwarded` says whether the application reading
 * Forwarded is asked, and with which client (`[ip, ips]`).
 */
export function tlsCases(forwarded) {
  const secure = answer(FORGER, [FORGER], HOST, 'https')
  const expect = { leftmost: secure, aligned: secure, ...(forwarded ? { forwarded: answer(forwarded[0], forwarded[1], HOST, 'https') } : {}) }
  return [
    { name: 'over TLS', from: FORGER, headers: {}, tls: true, expect },
    { name: 'over TLS, forging X-Forwarded-Proto: http and Forwarded proto=http', from: FORGER, headers: { 'x-forwarded-proto': 'http', forwarded: 'for=198.51.100.1;proto=http' }, tls: true, expect },
  ]
}
