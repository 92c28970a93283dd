// fuzz-ranges.mjs: generated hostile provider answers served from a local HTTP server to the built
// package's fetcher (the code `ranges fetch` and `watchRanges` use), then its one check: bodies of
// every provider's format mutated, truncated, padded, in random bytes, gzip, deflate and brotli,
// gzip bombs and oversized bodies, wrong statuses and redirects. Asserts that a fetch only ever
// resolves or rejects with an Error (never throws anything else, never hangs past its bound), that
// the process stays small, and that a list the check passes holds no subnet wider than its bound or
// special-purpose. `--count N` cases (default 2,000), `--seed S`. Prints one summary line; exits 1 on
// the first failure, printing the case.

import { once } from 'node:events'
import http from 'node:http'
import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { seeded, wholeFlags } from './fuzz-run.mjs'

const require = createRequire(import.meta.url)
const { fetchList } = require('../dist/cjs/ranges/fetch.js')
const { PROVIDERS } = require('../dist/cjs/ranges/providers.js')
const { listProblem, WIDEST } = require('../dist/cjs/ranges/validate.js')

const { count: COUNT, seed: SEED } = wholeFlags({ count: { fallback: 2_000, min: 1 }, seed: { fallback: 0x5eed } })
// the same seed gives the same cases
const { random, int, pick } = seeded(SEED)

/** Small bodies a byte bound of 64 KiB applies to in this run, so that the oversized cases stay cheap. */
const MAX_BYTES = 64 * 1024
const TIMEOUT = 2_000
const SUBNETS = ['173.245.48.0/20', '2400:cb00::/32', '10.0.0.0/8', '0.0.0.0/0', '::/0', '2000::/3', '32.0.0.0/3', '64:ff9b::/96',
  '::ffff:1.2.3.0/120', '127.0.0.1', 'fe80::/10', '1.2.3.4/33', '1.2.3', '\x1b[2J', '\u202e1.2.3.0/24', '3.0.0.0/8', '2.0.0.0/7',
  '2a00::/16', '2a00::/15', '198.51.100.0/24', '', ' ', '0x7f.1/8', '01.2.3.4/24', '1.2.3.4/24', 'a'.repeat(3000)]

const GOOD = ['173.245.48.0/20', '103.21.244.0/22', '104.16.0.0/13', '3.0.0.0/8', '2400:cb00::/32', '2606:4700::/32', '2a00::/16', '198.51.100.0/24']

function subnetList() {
  // mostly good subnets, so that many lists pass and what passes is worth checking
  return Array.from({ length: 1 + int(12) }, () => (random() < 0.9 ? pick(GOOD) : pick(SUBNETS)))
}

/** A body in the format of `provider`, with hostile subnets. */
function formatted(provider) {
  const list = subnetList()
  switch (provider.name) {
    case 'fastly': return JSON.stringify({ addresses: list, ipv6_addresses: subnetList() })
    case 'cloudfront': return JSON.stringify({
      prefixes: list.map((ip_prefix) => ({ ip_prefix, service: pick(['CLOUDFRONT_ORIGIN_FACING', 'EC2', 'CLOUDFRONT', 7, null]) })),
      ipv6_prefixes: subnetList().map((ipv6_prefix) => ({ ipv6_prefix, service: pick(['CLOUDFRONT', 'S3']) })),
    })
    case 'google-lb': return `# page\n| Global external Application Load Balancer | ${list.join(' ')} ${'f'.repeat(int(20_000))} |\n`
    default: return list.join(pick(['\n', '\r\n', ' ', ',']))
  }
}

function mutate(text) {
  const bytes = Buffer.from(text)
  switch (int(10)) {
    case 0: return bytes.subarray(0, int(bytes.length + 1)) // truncated
    case 1: { // random bytes flipped
      for (let k = int(4); k >= 0 && bytes.length > 0; k--) bytes[int(bytes.length)] = int(256)
      return bytes
    }
    case 2: return Buffer.concat([bytes, Buffer.alloc(int(MAX_BYTES * 2), pick([0x0a, 0x31, 0x7b]))]) // padded, maybe past the bound
    case 3: return Buffer.from(Array.from({ length: int(4096) }, () => int(256))) // garbage
    default: return bytes
  }
}

/** One case: how the server answers, as data, so that a failure can be printed. */
function generate() {
  const provider = pick(PROVIDERS)
  const bodies = provider.urls.map(() => {
    const kind = random()
    const encoding = pick(['identity', 'identity', 'gzip', 'deflate', 'br', 'bomb', 'lying'])
    const status = kind < 0.9 ? 200 : pick([204, 304, 404, 500, 302, 301])
    return { status, encoding, body: mutate(formatted(provider)) }
  })
  return { provider, bodies }
}

function encode({ encoding, body }) {
  switch (encoding) {
    case 'gzip': return { headers: { 'content-encoding': 'gzip' }, data: zlib.gzipSync(body) }
    case 'deflate': return { headers: { 'content-encoding': 'deflate' }, data: zlib.deflateSync(body) }
    case 'br': return { headers: { 'content-encoding': 'br' }, data: zlib.brotliCompressSync(body) }
    case 'bomb': return { headers: { 'content-encoding': 'gzip' }, data: BOMB }
    case 'lying': return { headers: { 'content-encoding': 'gzip' }, data: body } // says gzip, is not
    default: return { headers: {}, data: body }
  }
}

// 32 MiB of newlines in about 32 KiB of gzip
const BOMB = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x0a), { level: 9 })

let current = null
const server = http.createServer((req, res) => {
  const answer = current?.bodies[Number(req.url.slice(1))]
  if (answer === undefined) return void res.writeHead(404).end()
  const { headers, data } = encode(answer)
  if (answer.status === 302 || answer.status === 301) return void res.writeHead(answer.status, { location: pick(['/0', 'http://localhost:1/x', 'ftp://x/']) }).end()
  res.writeHead(answer.status, headers).end(answer.status === 304 || answer.status === 204 ? undefined : data)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
const base = `http://127.0.0.1:${server.address().port}`

/** What must hold of a list the check passes, worked out apart from it. */
function acceptedProblem(subnets) {
  for (const entry of [...subnets.v4, ...subnets.v6]) {
    const slash = entry.lastIndexOf('/')
    const family = entry.includes(':') ? 6 : 4
    const prefix = slash === -1 ? { 4: 32, 6: 128 }[family] : Number(entry.slice(slash + 1))
    if (prefix < WIDEST[family]) return `accepted ${entry}, wider than /${WIDEST[family]}`
    if (/^(10\.|127\.|0\.|::1?$|::1\/|fe[89ab]|f[cd]|64:ff9b:|::ffff:)/i.test(entry)) return `accepted special-purpose ${entry}`
  }
  return undefined
}

let failed = 0
let refused = 0
let accepted = 0
let peak = 0
for (let n = 0; n < COUNT; n++) {
  current = generate()
  if (process.env.FUZZ_TRACE) console.error(n, current.provider.name, current.bodies.map((b) => `${b.status} ${b.encoding} ${b.body.length}`).join(" | "))
  const urls = current.bodies.map((_, k) => `${base}/${k}`)
  let problem
  try {
    const fetched = await fetchList(current.provider, urls, { maxBytes: MAX_BYTES, timeout: TIMEOUT })
    if (fetched.status !== 'ok') problem = `a ${fetched.status} answer without validators`
    else if (listProblem(fetched.subnets) === undefined) {
      accepted++
      problem = acceptedProblem(fetched.subnets)
    } else refused++
  } catch (error) {
    if (!(error instanceof Error) || typeof error.message !== 'string') problem = `threw a non-Error: ${String(error)}`
    else refused++
  }
  peak = Math.max(peak, process.memoryUsage().rss)
  // the bodies are bounded to 64 KiB and bombs stop there: a process near 400 MB means something kept them
  if (problem === undefined && process.memoryUsage().rss > 400 * 1024 * 1024) problem = `rss ${process.memoryUsage().rss} bytes`
  if (problem !== undefined) {
    failed++
    console.error(`case ${n} (seed ${SEED}): ${problem}\n${JSON.stringify({ provider: current.provider.name, bodies: current.bodies.map((b) => ({ ...b, body: b.body.subarray(0, 200).toString('latin1') })) })}`)
    break
  }
}
server.closeAllConnections()
server.close()
console.log(`ranges fetch fuzz: ${COUNT} cases, ${failed} failed (${accepted} accepted, ${refused} refused, peak rss ${Math.round(peak / 1024 / 1024)} MB)`)
process.exitCode = failed === 0 ? 0 : 1
