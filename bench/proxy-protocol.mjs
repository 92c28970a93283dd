// bench/proxy-protocol.mjs: the PROXY header parse each connection pays, proxy-trust's
// parseProxyHeader against proxy-protocol-js, on the first chunk a balancer sends (the header and
// a request after it). proxy-protocol-js is told the version first (ProxyProtocolIdentifier), as a
// server must; it reads version 1 from a string, so the chunk's decoding is part of its cost, and it
// neither validates addresses nor reads TLVs, which parseProxyHeader does (and, with a CRC32C,
// verifies). Called from bench/run.mjs, which times the rows as it times the others.

import { createRequire } from 'node:module'
import path from 'node:path'

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
