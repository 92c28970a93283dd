// fuzz.mjs: hostile PROXY headers through the built package. First the parser alone: byte-level
// mutations of valid version 1 and 2 headers (flips, insertions, deletions, cuts, repeats, random
// bytes), asserting that it never throws, returns one of its three states, never claims more bytes
// than it was given, and reads every strict prefix of a header it accepts as `partial`. Then a real
// server with acceptProxyProtocol: mutated headers followed by a request, split at random points
// (byte by byte for some) and sent slowly for others, asserting that the process never sees an
// exception, that any answer names exactly the address the parser reads from the same bytes (or the
// TCP peer when the header keeps it), and that the server still answers a good request at the end.
//
//   npm run fuzz:proxy-protocol                      # 200,000 parses, 400 connections
//   npm run fuzz:proxy-protocol -- --count N --connections M --seed S
//
// Prints `proxy-protocol fuzz: N parses, M connections, K failed` and exits 1 when a check fails.

import http from 'node:http'
import net from 'node:net'
import { acceptProxyProtocol, parseProxyHeader } from 'proxy-trust/proxy-protocol'
import { seeded, wholeFlags } from '../../scripts/fuzz-run.mjs'

const { count: COUNT, connections: CONNECTIONS, seed: SEED } = wholeFlags({
  count: { fallback: 200_000, min: 0 },
  connections: { fallback: 400, min: 0 },
  seed: { fallback: 0x9e3779b9, min: 0 },
})
// seeded, so that a failing run can be repeated
const { random, int, pick } = seeded(SEED)

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]
function v2(command, fam, addresses, tlvs = []) {
  const body = Buffer.concat([Buffer.from(addresses), ...tlvs.map(([type, value]) => Buffer.concat([Buffer.from([type, value.length >> 8, value.length & 0xff]), Buffer.from(value)]))])
  const head = Buffer.from([...SIGNATURE, 0x20 | command, fam, body.length >> 8, body.length & 0xff])
  return Buffer.concat([head, body])
}
const ipv4Block = [203, 0, 113, 9, 127, 0, 0, 1, 0x9c, 0x40, 0, 80]
const ipv6Block = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 9, ...new Array(15).fill(0), 1, 0x9c, 0x41, 0, 80]
const SEEDS = [
  Buffer.from('PROXY TCP4 203.0.113.9 127.0.0.1 40000 80\r\n'),
  Buffer.from('PROXY TCP6 2001:db8::9 ::1 40001 80\r\n'),
  Buffer.from('PROXY UNKNOWN\r\n'),
  v2(1, 0x11, ipv4Block),
  v2(1, 0x21, ipv6Block),
  v2(0, 0x00, []),
  v2(1, 0x31, new Array(216).fill(0x41)),
  v2(1, 0x11, ipv4Block, [[0x01, [0x68, 0x32]], [0x02, [...Buffer.from('shop.example')]], [0x05, [1, 2, 3]],
    [0x20, [0x07, 0, 0, 0, 0, 0x21, 0, 7, ...Buffer.from('TLSv1.3'), 0x22, 0, 5, ...Buffer.from('alice')]], [0xea, [1, ...Buffer.from('vpce-1')]], [0xe0, [9]]]),
]

/** One byte-level mutation of `bytes`. */
function mutate(bytes) {
  const out = [...bytes]
  const rounds = 1 + int(3)
  for (let r = 0; r < rounds; r++) {
    const at = int(out.length + 1)
    switch (int(7)) {
      case 0: if (out.length > 0) out[at % out.length] ^= 1 << int(8); break
      case 1: out.splice(at, 0, int(256)); break
      case 2: out.splice(at, 1); break
      case 3: out.length = Math.min(out.length, at); break
      case 4: out.splice(at, 0, ...out.slice(int(out.length), int(out.length) + 1 + int(8))); break
      case 5: if (out.length > 0) out[at % out.length] = pick([0x00, 0x0a, 0x0d, 0x20, 0x3a, 0x2e, 0xff, 0x30, 0x39]); break
      default: for (let i = 0; i < 1 + int(16); i++) out.splice(int(out.length + 1), 0, int(256))
    }
  }
  return Buffer.from(out)
}

let failed = 0
function fail(message, bytes) {
  failed++
  if (failed <= 10) console.log(`not ok - ${message}\n  bytes ${bytes.toString('hex')}`)
}

// ---------------------------------------------------------------------------------------------------
// the parser alone

for (let n = 0; n < COUNT; n++) {
  const bytes = random() < 0.9 ? mutate(pick(SEEDS)) : Buffer.from(Array.from({ length: int(64) }, () => int(256)))
  const max = 108 + int(4096)
  let result
  try {
    result = parseProxyHeader(bytes, max)
  } catch (error) {
    fail(`parseProxyHeader threw ${error}`, bytes)
    continue
  }
  if (result.state === 'done') {
    if (!(result.length > 0 && result.length <= bytes.length)) fail(`done with length ${result.length} of ${bytes.length} bytes`, bytes)
    // every strict prefix of an accepted header is partial (checked on a sample, it is quadratic)
    if (n % 16 === 0) {
      for (let k = 0; k < result.length; k++) {
        if (parseProxyHeader(bytes.subarray(0, k), max).state !== 'partial') {
          fail(`a prefix of ${k} bytes of an accepted header is not partial`, bytes)
          break
        }
      }
    }
  } else if (result.state === 'invalid') {
    if (typeof result.reason !== 'string' || result.reason === '') fail('invalid without a reason', bytes)
  } else if (result.state !== 'partial') {
    fail(`unknown state ${result.state}`, bytes)
  }
}

// ---------------------------------------------------------------------------------------------------
// a real server

let exceptions = 0
process.on('uncaughtException', (error) => {
  exceptions++
  console.log(`not ok - uncaught exception: ${error.stack}`)
})

const server = acceptProxyProtocol(http.createServer((req, res) => res.end(String(req.socket.remoteAddress))), { from: 'loopback', timeout: 300 })
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address()
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')

/** What the server must answer for these bytes: the announced address, the TCP peer, or nothing. */
function expected(header) {
  const result = parseProxyHeader(header, 4096)
  if (result.state !== 'done') return undefined
  const { command, family, source } = result.header
  return command === 'proxy' && (family === 'IPv4' || family === 'IPv6') ? source.address : '127.0.0.1'
}

/**
 * Send `bytes` in pieces (one byte each, or random sizes); with `stall`, the first piece is a strict
 * prefix of the header that the parser reads as partial, then nothing for `stall` ms.
 */
function send(bytes, split, stall = 0, header = bytes) {
  return new Promise((resolve) => {
    let text = ''
    const socket = net.connect({ port, host: '127.0.0.1' }, async () => {
      let at = 0
      if (stall > 0) {
        let k = 1 + int(Math.max(1, header.length - 1))
        if (parseProxyHeader(header.subarray(0, k)).state !== 'partial') k = 1
        socket.write(bytes.subarray(0, k))
        at = k
        await new Promise((done) => setTimeout(done, stall))
      }
      while (at < bytes.length && !socket.destroyed) {
        const size = split === 'byte' ? 1 : 1 + int(Math.max(1, bytes.length - at))
        socket.write(bytes.subarray(at, at + size))
        at += size
        await new Promise((done) => setImmediate(done))
      }
    })
    socket.setEncoding('latin1')
    socket.on('data', (chunk) => { text += chunk })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(text))
  })
}

async function one(n) {
  const header = n % 4 === 0 ? pick(SEEDS) : mutate(pick(SEEDS))
  const want = expected(header)
  const split = n % 3 === 0 ? 'byte' : 'random'
  // one connection in twenty stalls mid-header long enough for the timeout to close it
  const stall = n % 20 === 7 && parseProxyHeader(header.subarray(0, 1)).state === 'partial' ? 400 : 0
  const answer = await send(Buffer.concat([header, REQUEST]), split, stall, header)
  const at = answer.indexOf('\r\n\r\n')
  const body = at === -1 ? undefined : answer.slice(at + 4)
  if (stall > 0) {
    if (answer !== '') fail(`a sender stalled mid-header past the timeout was answered: ${JSON.stringify(answer.slice(0, 80))}`, header)
  } else if (want === undefined) {
    // a header the parser refuses closes the connection, or (a PROXY header cut where the request
    // begins) leaves an HTTP request that cannot be one
    if (body !== undefined && answer.startsWith('HTTP/1.1 200')) fail(`a refused header was answered ${JSON.stringify(body)}`, header)
  } else if (answer.startsWith('HTTP/1.1 200') && body !== want) {
    fail(`answered ${JSON.stringify(body)}, the header says ${want}`, header)
  }
}

// sixteen connections at a time: slow ones wait for the timeout side by side
const BATCH = 16
for (let n = 0; n < CONNECTIONS; n += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, CONNECTIONS - n) }, (_, i) => one(n + i)))
}
const last = await send(Buffer.concat([SEEDS[0], REQUEST]), 'random')
if (!last.endsWith('203.0.113.9')) fail(`the server no longer answers a good request: ${JSON.stringify(last.slice(0, 80))}`, SEEDS[0])
await new Promise((resolve) => server.close(resolve))
failed += exceptions

console.log(`proxy-protocol fuzz: ${COUNT} parses, ${CONNECTIONS} connections, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
