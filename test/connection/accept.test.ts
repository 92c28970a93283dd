import http from 'node:http'
import http2 from 'node:http2'
import https from 'node:https'
import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { acceptProxyProtocol, proxyProtocolOf as proxyConnectionOf, type ProxyProtocolOptions } from '../../src/proxy-protocol.js'
import { selfSigned, type KeyPair } from './cert.js'
import { connect, h2, http1, https1, readAll } from './client.js'
import { inet, inet6, ssl, v2 } from './encode.js'

let pair: KeyPair
beforeAll(() => {
  pair = selfSigned()
})

const servers: net.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => {
    ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
    server.close(resolve)
  })))
})

/** What each server answers: the request's socket peer, and the balancer and rule from its record. */
function describeSocket(socket: net.Socket): string {
  const record = proxyConnectionOf(socket)
  const tlvs = record?.header.tlvs
  return [
    socket.remoteAddress, socket.remotePort, socket.remoteFamily,
    record ? `v${record.header.version} ${record.header.command} via ${record.peer.address} (${record.rule})` : 'no header',
    tlvs?.authority ?? '', tlvs?.ssl?.cn ?? '',
  ].join(' ')
}

type Kind = 'http' | 'https' | 'h2c' | 'h2'

function create(kind: Kind): net.Server {
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    res.end(describeSocket(req.socket as net.Socket))
  }
  switch (kind) {
    case 'http':
      return http.createServer(handler)
    case 'https':
      return https.createServer(pair, handler)
    case 'h2c':
      return http2.createServer(handler)
    case 'h2':
      return http2.createSecureServer(pair, handler)
  }
}

async function serve(kind: Kind, options: ProxyProtocolOptions, before = true): Promise<number> {
  const server = create(kind)
  servers.push(server)
  if (before) acceptProxyProtocol(server, options)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  if (!before) acceptProxyProtocol(server, options)
  return (server.address() as net.AddressInfo).port
}

function ask(kind: Kind, port: number, header: Uint8Array | string, from?: string) {
  switch (kind) {
    case 'http':
      return http1(port, header, from)
    case 'https':
      return https1(port, header, from)
    case 'h2c':
      return h2(port, header, false, from)
    case 'h2':
      return h2(port, header, true, from)
  }
}

const V1 = 'PROXY TCP4 198.51.100.7 127.0.0.1 40001 443\r\n'
const V2 = v2({ fam: 0x11, addresses: inet('198.51.100.8', '127.0.0.1', 40002, 443), tlvs: [{ type: 0x02, value: 'shop.example' }], crc: true })
const V2_IPV6 = v2({ fam: 0x21, addresses: inet6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 9], [0, 0, 0, 0, 0, 0, 0, 1], 40003, 443) })
const V2_SSL = v2({ fam: 0x11, addresses: inet('198.51.100.9', '127.0.0.1', 40004, 443), tlvs: [{ type: 0x20, value: ssl(0x03, 0, [{ type: 0x21, value: 'TLSv1.3' }, { type: 0x22, value: 'alice' }]) }] })
const LOCAL = v2({ command: 0, fam: 0x00 })
const FROM = { from: '127.0.0.1' }

describe.each(['http', 'https', 'h2c', 'h2'] as const)('%s server', (kind) => {
  const cases: readonly [string, Uint8Array | string, string][] = [
    ['version 1: the announced client becomes the peer', V1, '198.51.100.7 40001 IPv4 v1 proxy via 127.0.0.1 (127.0.0.1)  '],
    ['version 2 with an authority and a CRC32C', V2, '198.51.100.8 40002 IPv4 v2 proxy via 127.0.0.1 (127.0.0.1) shop.example '],
    ['version 2 over IPv6', V2_IPV6, '2001:db8::9 40003 IPv6 v2 proxy via 127.0.0.1 (127.0.0.1)  '],
    ['version 2 with the SSL TLV: the client certificate\'s CN on the socket', V2_SSL, '198.51.100.9 40004 IPv4 v2 proxy via 127.0.0.1 (127.0.0.1)  alice'],
  ]
  it.each(cases)('%s', async (_name, header, expected) => {
    const port = await serve(kind, FROM)
    expect((await ask(kind, port, header)).body).toBe(expected)
  })

  it('LOCAL (a health check) keeps the TCP peer, with the record on the socket', async () => {
    const port = await serve(kind, FROM)
    expect((await ask(kind, port, LOCAL)).body).toMatch(/^127\.0\.0\.1 \d+ IPv4 v2 local via 127\.0\.0\.1 \(127\.0\.0\.1\) {2}$/)
  })

  it('installed after listen', async () => {
    const port = await serve(kind, FROM, false)
    expect((await ask(kind, port, V1)).body).toMatch(/^198\.51\.100\.7 /)
  })

  it('fail: a trusted peer without a header is closed under require', async () => {
    const port = await serve(kind, FROM)
    expect((await ask(kind, port, '')).body).toBeUndefined()
  })

  it('a trusted peer without a header keeps its address under optional', async () => {
    const port = await serve(kind, { ...FROM, policy: 'optional' })
    expect((await ask(kind, port, '')).body).toMatch(/^127\.0\.0\.1 \d+ IPv4 no header/)
    expect((await ask(kind, port, V1)).body).toMatch(/^198\.51\.100\.7 /)
  })

  it('fail: a peer outside from is closed under reject, header or not', async () => {
    const port = await serve(kind, FROM)
    expect((await ask(kind, port, V1, '127.0.0.2')).body).toBeUndefined()
    expect((await ask(kind, port, '', '127.0.0.2')).body).toBeUndefined()
  })

  it('a peer outside from is served with its own address under ignore, and closed when it sends a header', async () => {
    const port = await serve(kind, { ...FROM, untrusted: 'ignore' })
    expect((await ask(kind, port, '', '127.0.0.2')).body).toMatch(/^127\.0\.0\.2 \d+ IPv4 no header/)
    expect((await ask(kind, port, V1, '127.0.0.2')).body).toBeUndefined()
    expect((await ask(kind, port, V2, '127.0.0.2')).body).toBeUndefined()
  })
})

describe('a TLS socket before its handshake ends', () => {
  // tls.Server's events that hand the TLS socket over before secureConnection: a handshake that
  // fails (a log of it names the client) and the key log line of one that succeeds
  const events: readonly [string, 'tlsClientError' | 'keylog', string][] = [
    ['tlsClientError names the announced client of a failed handshake', 'tlsClientError', 'not a TLS ClientHello\r\n\r\n'],
    ['keylog names the announced client', 'keylog', ''],
  ]
  it.each(events)('%s', async (_name, event, after) => {
    const port = await serve('https', FROM)
    const server = servers[servers.length - 1] as https.Server
    const seen = new Promise<string>((resolve) => {
      server.once(event, (_first: unknown, socket: net.Socket) => resolve(`${socket.remoteAddress} ${socket.remotePort} ${socket.remoteFamily}`))
    })
    const reply = after === '' ? https1(port, V1) : readAll(await connect(port, V1 + after)).then(() => ({ body: undefined }))
    expect(await seen).toBe('198.51.100.7 40001 IPv4')
    // and the request, when the handshake succeeds, sees the same client and the record
    expect((await reply).body).toBe(after === '' ? '198.51.100.7 40001 IPv4 v1 proxy via 127.0.0.1 (127.0.0.1)  ' : undefined)
  })

  it('a connection without a header is not given the record of another still in its handshake', async () => {
    const port = await serve('https', { ...FROM, policy: 'optional' })
    const server = servers[servers.length - 1] as https.Server
    const handed = new Promise((resolve) => server.once('connection', resolve))
    const waiting = await connect(port, V1)
    await handed
    expect((await https1(port, '')).body).toMatch(/^127\.0\.0\.1 \d+ IPv4 no header/)
    waiting.destroy()
  })
})

describe('one connection at a time', () => {
  it.each(['require', 'optional'] as const)('a header split byte by byte is read whole (%s)', async (policy) => {
    const port = await serve('http', { ...FROM, policy })
    const socket = await connect(port, '')
    const bytes = Buffer.concat([Buffer.from(V2), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])
    const reply = readAll(socket)
    for (const byte of bytes) {
      socket.write(Buffer.from([byte]))
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await reply).toMatch(/\r\n\r\n198\.51\.100\.8 40002 IPv4/)
  })

  it('a long header in many small pieces is read whole, every byte as sent (its CRC32C checks them)', async () => {
    const port = await serve('http', { ...FROM, maxHeaderBytes: 65_551 })
    const noise = Buffer.from(Array.from({ length: 40_000 }, (_, k) => (k * 131 + 7) & 255))
    const header = v2({ fam: 0x11, addresses: inet('198.51.100.8', '127.0.0.1', 40005, 443), tlvs: [{ type: 0xe0, value: noise }], crc: true })
    const bytes = Buffer.concat([header, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])
    const socket = await connect(port, '')
    socket.setNoDelay(true)
    const reply = readAll(socket)
    // pieces of 1 to 997 bytes, each its own read on the server: the store grows, and fills between growths
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const size = k < 64 ? 1 : (k * 389) % 997 + 1
      socket.write(bytes.subarray(at, at + size))
      at += size
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await reply).toMatch(/\r\n\r\n198\.51\.100\.8 40005 IPv4/)
  })

  const bad: readonly [string, Uint8Array | string][] = [
    ['a malformed version 1 line', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n'],
    ['a version 2 header with a bad CRC32C', Buffer.concat([V2.subarray(0, 20), Buffer.from([0xff]), V2.subarray(21)])],
    ['an HTTP request without a header', 'GET / HTTP/1.1\r\n\r\n'],
  ]
  it.each(bad)('fail: %s closes that connection; the server keeps answering others', async (_name, header) => {
    const port = await serve('http', FROM)
    const [broken, good] = await Promise.all([http1(port, header), http1(port, V1)])
    expect(broken.body).toBeUndefined()
    expect(good.body).toMatch(/^198\.51\.100\.7 /)
  })

  it('fail: a header longer than maxHeaderBytes is closed', async () => {
    const port = await serve('http', { ...FROM, maxHeaderBytes: 200 })
    const long = v2({ fam: 0x11, addresses: inet('198.51.100.8', '127.0.0.1', 1, 2), tlvs: [{ type: 0xe0, value: Buffer.alloc(300) }] })
    expect((await http1(port, long)).body).toBeUndefined()
  })

  it('fail: a peer that sends part of a header and waits is closed after the timeout', async () => {
    const port = await serve('http', { ...FROM, timeout: 50 })
    const socket = await connect(port, 'PROXY TCP4 ')
    expect(await readAll(socket)).toBe('')
  })

  it('fail: a peer that half-closes before its header is complete is closed', async () => {
    const port = await serve('http', FROM)
    const socket = await connect(port, 'PROXY TCP4 ')
    socket.end()
    expect(await readAll(socket)).toBe('')
  })

  it('a peer that resets mid-header closes only itself', async () => {
    const port = await serve('http', FROM)
    const socket = await connect(port, 'PROX')
    socket.resetAndDestroy()
    expect((await http1(port, V1)).body).toMatch(/^198\.51\.100\.7 /)
  })

  it('a plain net.Server sees the client and the bytes after the header', async () => {
    const server = net.createServer((socket) => socket.once('data', (data) => socket.end(`${socket.remoteAddress}:${socket.remotePort} ${data}`)))
    servers.push(server)
    acceptProxyProtocol(server, { from: 'loopback' })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const socket = await connect((server.address() as net.AddressInfo).port, V1 + 'after')
    expect(await readAll(socket)).toBe('198.51.100.7:40001 after')
  })

  it('an exception in the server\'s own connection listener is not swallowed', async () => {
    const server = net.createServer()
    servers.push(server)
    acceptProxyProtocol(server, FROM)
    const error = new Error('listener')
    server.on('connection', () => {
      throw error
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const caught = new Promise((resolve) => process.once('uncaughtException', resolve))
    const socket = await connect((server.address() as net.AddressInfo).port, V1)
    expect(await caught).toBe(error)
    socket.destroy()
  })
})

describe('configuration', () => {
  const FROM_ERROR = "acceptProxyProtocol: options.from must name the balancers allowed to send a PROXY header (addresses, subnets, range names such as 'loopback', a list of them, or a function of the address); " +
    'true or a hop count would believe a header from every peer, false or null from none; got '
  const server = http.createServer()
  afterAll(() => server.close())
  const errors: readonly [string, unknown, unknown, string][] = [
    ['error: not a server', {}, FROM, "acceptProxyProtocol: server must be a net.Server (from net, http, https or http2), got an object (Object); pass the server a framework listens on (app.listen() for Express and Koa, fastify.server, the server Hono's serve() returns)"],
    ['error: null as server', null, FROM, "acceptProxyProtocol: server must be a net.Server (from net, http, https or http2), got null; pass the server a framework listens on (app.listen() for Express and Koa, fastify.server, the server Hono's serve() returns)"],
    ['error: no options', server, undefined, "acceptProxyProtocol: options must be an object with from (the balancers' addresses), got undefined"],
    ['error: no from', server, {}, "acceptProxyProtocol: options.from is required: the balancers allowed to send a PROXY header, such as '10.0.0.0/8' or 'loopback'"],
    ['error: a policy', server, { ...FROM, policy: 'sometimes' }, `acceptProxyProtocol: options.policy must be 'require' or 'optional', got "sometimes"`],
    ['error: an untrusted policy', server, { ...FROM, untrusted: true }, "acceptProxyProtocol: options.untrusted must be 'reject' or 'ignore', got true"],
    ['error: a timeout of 0', server, { ...FROM, timeout: 0 }, 'acceptProxyProtocol: options.timeout must be a number of milliseconds above 0 and at most 2147483647 (the longest timer Node keeps), got 0'],
    ['error: a timeout longer than a timer can wait', server, { ...FROM, timeout: 2 ** 31 }, 'acceptProxyProtocol: options.timeout must be a number of milliseconds above 0 and at most 2147483647 (the longest timer Node keeps), got 2147483648'],
    ['error: an infinite timeout', server, { ...FROM, timeout: Infinity }, 'acceptProxyProtocol: options.timeout must be a number of milliseconds above 0 and at most 2147483647 (the longest timer Node keeps), got Infinity'],
    ['error: a timeout as text', server, { ...FROM, timeout: '5s' }, 'acceptProxyProtocol: options.timeout must be a number of milliseconds above 0 and at most 2147483647 (the longest timer Node keeps), got "5s"'],
    ['error: maxHeaderBytes below 108', server, { ...FROM, maxHeaderBytes: 107 }, 'acceptProxyProtocol: options.maxHeaderBytes must be an integer from 108 to 65551, got 107'],
    ['error: maxHeaderBytes as a symbol', server, { ...FROM, maxHeaderBytes: Symbol('x') }, 'acceptProxyProtocol: options.maxHeaderBytes must be an integer from 108 to 65551, got symbol'],
    ['error: from true, which would believe a header from every peer', server, { from: true }, FROM_ERROR + 'true'],
    ['error: from as a hop count, which would believe a header from every peer', server, { from: 1 }, FROM_ERROR + '1'],
    ['error: from false, which would close every connection', server, { from: false }, FROM_ERROR + 'false'],
    ['error: from null, which would close every connection', server, { from: null }, FROM_ERROR + 'null'],
    ['error: an object with no constructor', Object.create(null), FROM, "acceptProxyProtocol: server must be a net.Server (from net, http, https or http2), got an object (no constructor); pass the server a framework listens on (app.listen() for Express and Koa, fastify.server, the server Hono's serve() returns)"],
  ]
  it.each(errors)('%s', (_name, target, options, message) => {
    expect(() => acceptProxyProtocol(target as net.Server, options as ProxyProtocolOptions)).toThrow(new TypeError(message))
  })

  it('error: a bad from is compileTrust\'s own error', () => {
    expect(() => acceptProxyProtocol(http.createServer(), { from: 'nowhere' })).toThrow(TypeError)
  })

  it('error: installed twice', () => {
    const twice = http.createServer()
    expect(acceptProxyProtocol(twice, FROM)).toBe(twice)
    expect(() => acceptProxyProtocol(twice, FROM)).toThrow(new TypeError('acceptProxyProtocol: this server already accepts the PROXY protocol; call acceptProxyProtocol once per server'))
  })

  it('proxyConnectionOf: nothing for what is not a socket with a record', () => {
    expect(proxyConnectionOf(undefined)).toBeUndefined()
    expect(proxyConnectionOf(new net.Socket())).toBeUndefined()
  })
})
