// bench/proxy-protocol.mjs: the PROXY header parse each connection pays, proxy-trust's
// parseProxyHeader against proxy-protocol-js, on the first chunk a balancer sends (the header and
// a request after it). proxy-protocol-js is told the version first (ProxyProtocolIdentifier), as a
// server must; it reads version 1 from a string, so the chunk's decoding is part of its cost, and it
// neither validates addresses nor reads TLVs, which parseProxyHeader does (and, with a CRC32C,
// verifies). Called from bench/run.mjs, which times the rows as it times the others; with them, a
// real node:http server over loopback without and with acceptProxyProtocol (proxyProtocolHttp).

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n')
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

function v2(fam, addresses, tlvs = []) {
  const body = Buffer.concat([Buffer.from(addresses), ...tlvs.map(([type, value]) => Buffer.concat([Buffer.from([type, value.length >> 8, value.length & 0xff]), Buffer.from(value)]))])
  return Buffer.concat([Buffer.from([...SIGNATURE, 0x21, fam, body.length >> 8, body.length & 0xff]), body])
}

/** The rows: one per header shape, with `proxy-trust` and, in the peer's column, proxy-protocol-js. */
export function proxyProtocolScenarios(root) {
  const { parseProxyHeader } = require(path.join(root, 'dist/cjs/proxy-protocol.js'))
  const oracle = require('proxy-protocol-js')
  const theirs = (chunk) => {
    const version = oracle.ProxyProtocolIdentifier.identify(chunk)
    return version === oracle.ProxyProtocolVersion.V1
      ? oracle.V1ProxyProtocol.parse(chunk.toString('latin1'))
      : oracle.V2ProxyProtocol.parse(chunk)
  }
  const ipv4 = [203, 0, 113, 9, 10, 0, 0, 5, 0x9c, 0x40, 1, 0xbb]
  const ipv6 = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 9, 0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 5, 0x9c, 0x40, 1, 0xbb]
  const headers = [
    ['PROXY v1 TCP4', Buffer.from('PROXY TCP4 203.0.113.9 10.0.0.5 40000 443\r\n')],
    ['PROXY v1 TCP6', Buffer.from('PROXY TCP6 2001:db8::9 2001:db8::5 40000 443\r\n')],
    ['PROXY v2 IPv4', v2(0x11, ipv4)],
    ['PROXY v2 IPv6', v2(0x21, ipv6)],
    ['PROXY v2 IPv4 with ALPN, authority and SSL TLVs', v2(0x11, ipv4, [[0x01, [0x68, 0x32]], [0x02, [...Buffer.from('shop.example')]],
      [0x20, [0x01, 0, 0, 0, 0, 0x21, 0, 7, ...Buffer.from('TLSv1.3')]]])],
  ]
  return headers.map(([name, header]) => {
    const chunk = Buffer.concat([header, REQUEST])
    const ours = parseProxyHeader(chunk)
    if (ours.state !== 'done' || theirs(chunk) === undefined) throw new Error(`${name}: not parsed`)
    return { name, op: 'parse', fns: { 'proxy-trust': () => parseProxyHeader(chunk), 'proxy-addr': () => theirs(chunk) } }
  })
}

/**
 * Over loopback: the same node:http server without and with acceptProxyProtocol (`from: 'loopback'`),
 * loaded in turns (A B, B A, …) from this process by four lanes of raw clients. `connection` opens a
 * connection per request (Connection: close), the server with the protocol receiving a version 2
 * header first; `keep-alive` sends one header, then requests one after another on the same
 * connection. Returns, per shape, the medians of requests/s and the time each request costs more.
 */
export async function proxyProtocolHttp({ quick }) {
  const http = await import('node:http')
  const net = await import('node:net')
  const { acceptProxyProtocol } = require(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist/cjs/proxy-protocol.js'))
  const handler = (req, res) => res.end('ok')
  const plain = http.createServer(handler)
  const proxied = acceptProxyProtocol(http.createServer(handler), { from: 'loopback' })
  for (const server of [plain, proxied]) await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const header = v2(0x11, [203, 0, 113, 9, 127, 0, 0, 1, 0x9c, 0x40, 0, 80])
  const close = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  const keep = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')

  /** Requests answered in `ms` by four lanes against `server`. */
  const rate = async (server, withHeader, shape, ms) => {
    const { port } = server.address()
    const until = Date.now() + ms
    let done = 0
    const connectionLane = async () => {
      while (Date.now() < until) {
        await new Promise((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => socket.end(withHeader ? Buffer.concat([header, close]) : close))
          socket.on('data', () => undefined)
          socket.on('error', resolve)
          socket.on('close', resolve)
        })
        done++
      }
    }
    const keepAliveLane = () => new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(withHeader ? Buffer.concat([header, keep]) : keep))
      socket.setEncoding('latin1')
      socket.on('data', (chunk) => {
        // one answer at a time: each ends with its two-byte body
        if (!chunk.endsWith('ok')) return
        done++
        if (Date.now() < until) socket.write(keep)
        else socket.end()
      })
      socket.on('error', resolve)
      socket.on('close', resolve)
    })
    const lane = shape === 'connection' ? connectionLane : keepAliveLane
    const t0 = process.hrtime.bigint()
    await Promise.all([lane(), lane(), lane(), lane()])
    return done / (Number(process.hrtime.bigint() - t0) / 1e9)
  }

  const results = []
  try {
    for (const shape of ['connection', 'keep-alive']) {
      await rate(plain, false, shape, 200)
      await rate(proxied, true, shape, 200)
      const without = []
      const withProtocol = []
      for (let turn = 0; turn < (quick ? 3 : 8); turn++) {
        const order = turn % 2 === 0 ? [[plain, false, without], [proxied, true, withProtocol]] : [[proxied, true, withProtocol], [plain, false, without]]
        for (const [server, withHeader, list] of order) list.push(await rate(server, withHeader, shape, quick ? 150 : 500))
      }
      const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
      const a = median(without)
      const b = median(withProtocol)
      results.push({ shape, without: a, with: b, ratio: b / a, extraMicroseconds: (1 / b - 1 / a) * 4e6 })
    }
  } finally {
    for (const server of [plain, proxied]) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
  return results
}
