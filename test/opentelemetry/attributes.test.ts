// attributes.test.ts: the span attributes of one answer, table by table (request shapes without
// sockets), the hook's errors and its promise never to name a client a header chose from an
// untrusted peer; the real instrumentation over sockets is in instrumentation.test.ts.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn } from '../../src/core/compile.js'
import type { RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { incomingSpanHook, type IncomingSpanHookOptions } from '../../src/opentelemetry.js'
import { clientPortOf, spanAttributesOf } from '../../src/uses/attributes.js'

interface Row {
  readonly name: string
  readonly trust: TrustFn
  readonly req: RequestLike
  readonly expected: Record<string, unknown>
}

const peer = (remoteAddress: string | undefined, extra: Record<string, unknown> = {}): RequestLike['socket'] => ({ remoteAddress, ...extra })

const ROWS: readonly Row[] = [
  {
    name: 'a direct client: its socket address and port, the Host header, the socket\'s scheme',
    trust: compileTrust('10.0.0.0/8'),
    req: { socket: peer('198.51.100.2', { remotePort: 40000 }), headers: { host: 'shop.example:8080', 'x-forwarded-for': '6.6.6.6' } },
    expected: { 'client.address': '198.51.100.2', 'client.port': 40000, 'server.address': 'shop.example', 'server.port': 8080, 'url.scheme': 'http' },
  },
  {
    name: 'a direct client over TLS: https and its default port',
    trust: compileTrust('10.0.0.0/8'),
    req: { socket: peer('198.51.100.2', { remotePort: 40000, encrypted: true }), headers: { host: 'shop.example' } },
    expected: { 'client.address': '198.51.100.2', 'client.port': 40000, 'server.address': 'shop.example', 'server.port': 443, 'url.scheme': 'https' },
  },
  {
    name: 'an IPv6 literal host: the address without its brackets',
    trust: compileTrust(false),
    req: { socket: peer('::1', { remotePort: 1 }), headers: { host: '[2001:db8::1]:8443' } },
    expected: { 'client.address': '::1', 'client.port': 1, 'server.address': '2001:db8::1', 'server.port': 8443, 'url.scheme': 'http' },
  },
  {
    name: 'a request shape whose socket has no port: no client.port',
    trust: compileTrust(false),
    req: { socket: peer('198.51.100.2'), headers: { host: 'shop.example' } },
    expected: { 'client.address': '198.51.100.2', 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
  },
  {
    name: 'fail: a request shape without a socket: no client, the Host header over plain http',
    trust: compileTrust('loopback'),
    req: { headers: { host: 'shop.example', 'x-forwarded-for': '7.7.7.7' } },
    expected: { 'client.address': undefined, 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
  },
  {
    name: 'trustSocketless, no socket, a proto that is no web scheme: plain http',
    trust: compileTrust('loopback', { trustSocketless: true }),
    req: { headers: { host: 'shop.example', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'gopher' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
  },
  {
    name: 'fail: trust true and a client entry that is no address (compatible addresses): no client.address',
    trust: compileTrust(true),
    req: { socket: peer('127.0.0.1', { remotePort: 3 }), headers: { host: 'shop.example', 'x-forwarded-for': '<script>, 203.0.113.5' } },
    expected: { 'client.address': undefined, 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
  },
  {
    name: 'fail: no Host at all: no server attributes, and they remove the instrumentation\'s',
    trust: compileTrust(false),
    req: { socket: peer('198.51.100.2', { remotePort: 2 }), headers: {} },
    expected: { 'client.address': '198.51.100.2', 'client.port': 2, 'server.address': undefined, 'server.port': undefined, 'url.scheme': 'http' },
  },
  {
    name: 'fail: a trusted X-Forwarded-Host that is no host (leftmost, passed on by Express): no server attributes',
    trust: compileTrust('loopback'),
    req: { socket: peer('127.0.0.1'), headers: { host: 'backend', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'evil example/<script>' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': undefined, 'server.port': undefined, 'url.scheme': 'http' },
  },
  {
    name: 'a trusted X-Forwarded-Proto that is no web scheme (leftmost): the socket\'s scheme',
    trust: compileTrust('loopback'),
    req: { socket: peer('127.0.0.1', { encrypted: true }), headers: { host: 'shop.example', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'gopher' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 443, 'url.scheme': 'https' },
  },
  {
    name: 'aligned ws: the WebSocket scheme and its default port (RFC 6455 section 3)',
    trust: compileTrust('loopback', { hostAndProto: 'aligned' }),
    req: { socket: peer('127.0.0.1'), headers: { host: 'backend', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'chat.example', 'x-forwarded-proto': 'ws' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'chat.example', 'server.port': 80, 'url.scheme': 'ws' },
  },
  {
    name: 'forwardedPort: server.port is the answer\'s port, the X-Forwarded-Port the proxy wrote, not the scheme\'s default',
    trust: compileTrust('loopback', { hostAndProto: 'aligned', forwardedPort: true }),
    req: { socket: peer('127.0.0.1'), headers: { host: 'backend:3000', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'shop.example', 'server.port': 8443, 'url.scheme': 'https' },
  },
  {
    name: 'forwardedPort: the answer\'s port over the port of a Host the proxy passed on as it received it',
    trust: compileTrust('loopback', { hostAndProto: 'aligned', forwardedPort: true }),
    req: { socket: peer('127.0.0.1'), headers: { host: 'backend:3000', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-port': '443' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'backend', 'server.port': 443, 'url.scheme': 'http' },
  },
  {
    name: 'fail: forwardedPort with an invalid X-Forwarded-Port: the host\'s own port',
    trust: compileTrust('loopback', { hostAndProto: 'aligned', forwardedPort: true }),
    req: { socket: peer('127.0.0.1'), headers: { host: 'backend:3000', 'x-forwarded-for': '203.0.113.5', 'x-forwarded-port': '08443' } },
    expected: { 'client.address': '203.0.113.5', 'client.port': undefined, 'server.address': 'backend', 'server.port': 3000, 'url.scheme': 'http' },
  },
  {
    name: 'fail: forwardedPort from an untrusted peer: the host\'s own port',
    trust: compileTrust('loopback', { hostAndProto: 'aligned', forwardedPort: true }),
    req: { socket: peer('198.51.100.2', { remotePort: 7 }), headers: { host: 'shop.example', 'x-forwarded-port': '8443' } },
    expected: { 'client.address': '198.51.100.2', 'client.port': 7, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
  },
]

describe('spanAttributesOf', () => {
  it.each(ROWS)('$name', ({ trust, req, expected }) => {
    expect(spanAttributesOf(req, trust, resolveAddr(req, trust), true)).toStrictEqual(expected)
  })

  it('without server attributes: the client alone', () => {
    const { trust, req } = ROWS[0] as Row
    expect(spanAttributesOf(req, trust, resolveAddr(req, trust), false)).toStrictEqual({ 'client.address': '198.51.100.2', 'client.port': 40000 })
  })
})

describe('clientPortOf', () => {
  const behind = (headers: Record<string, string>): RequestLike => ({ socket: peer('127.0.0.1', { remotePort: 9 }), headers })
  it.each([
    { name: 'a Forwarded for= node with a port', trust: compileTrust('loopback', { source: 'forwarded' }), req: behind({ forwarded: 'for="[2001:db8::7]:4711"' }), port: 4711 },
    { name: 'fail: a Forwarded node with an obfuscated port', trust: compileTrust('loopback', { source: 'forwarded' }), req: behind({ forwarded: 'for="198.51.100.7:_p1"' }), port: undefined },
    { name: 'fail: a Forwarded node without a port', trust: compileTrust('loopback', { source: 'forwarded' }), req: behind({ forwarded: 'for=198.51.100.7' }), port: undefined },
    { name: 'the entry two hops out, past a trusted proxy', trust: compileTrust('loopback, 10.0.0.0/8', { ports: true }), req: behind({ 'x-forwarded-for': '6.6.6.6:1, 198.51.100.7:2222, 10.0.0.1:3' }), port: 2222 },
    { name: 'fail: an X-Forwarded-For entry without a port, with ports', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '198.51.100.7' }), port: undefined },
    { name: 'fail: a bracketed IPv6 entry without a port, with ports', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '[2001:db8::7]' }), port: undefined },
    { name: 'fail: an empty Forwarded port', trust: compileTrust('loopback', { source: 'forwarded' }), req: behind({ forwarded: 'for="198.51.100.7:"' }), port: undefined },
    { name: 'fail: an empty X-Forwarded-For port', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '198.51.100.7:' }), port: undefined },
    { name: 'fail: port 0', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '198.51.100.7:0' }), port: undefined },
    { name: 'fail: port 65536', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '198.51.100.7:65536' }), port: undefined },
    { name: 'fail: six digits', trust: compileTrust('loopback', { ports: true }), req: behind({ 'x-forwarded-for': '198.51.100.7:000080' }), port: undefined },
    { name: 'fail: X-Forwarded-For without ports keeps no port (the entry is the address as written)', trust: compileTrust('loopback'), req: behind({ 'x-forwarded-for': '198.51.100.7:80' }), port: undefined },
    { name: 'fail: a single-address header carries no port', trust: compileTrust('loopback', { source: { header: 'x-real-ip' } }), req: behind({ 'x-real-ip': '198.51.100.7' }), port: undefined },
    { name: 'fail: a plain function (options unknown here) gives no port beyond the socket', trust: ((_addr: string | undefined, i: number) => i < 1) as TrustFn, req: behind({ 'x-forwarded-for': '198.51.100.7:80' }), port: undefined },
    { name: 'the socket\'s port when the walk stops at the peer', trust: compileTrust('loopback', { ports: true }), req: behind({}), port: 9 },
    { name: 'fail: no client address, no port', trust: compileTrust('loopback', { addresses: 'strict' }), req: behind({ 'x-forwarded-for': 'junk' }), port: undefined },
  ])('$name', ({ trust, req, port }) => {
    expect(clientPortOf(req, trust, resolveAddr(req, trust))).toBe(port)
  })
})

describe('incomingSpanHook', () => {
  it.each([
    { name: 'error: trust is not a function', call: () => incomingSpanHook('loopback' as unknown as TrustFn), message: 'incomingSpanHook: trust must be a function from compileTrust(setting, options), got "loopback"' },
    { name: 'error: server is not a boolean', call: () => incomingSpanHook(compileTrust(false), { server: 'yes' as unknown as boolean }), message: 'incomingSpanHook: invalid option server: "yes" (expected true or false)' },
    { name: 'error: a misspelt server option, which would leave server attributes on unseen', call: () => incomingSpanHook(compileTrust(false), { sever: false } as IncomingSpanHookOptions), message: 'incomingSpanHook: unknown option: sever (expected server)' },
    { name: 'error: options null', call: () => incomingSpanHook(compileTrust(false), null as unknown as IncomingSpanHookOptions), message: 'incomingSpanHook: invalid option options: null (expected an object)' },
  ])('$name', ({ call, message }) => {
    expect(call).toThrow(new TypeError(message))
  })

  it.each([
    { server: true, expected: { 'client.address': undefined, 'client.port': undefined, 'server.address': undefined, 'server.port': undefined } },
    { server: false, expected: { 'client.address': undefined, 'client.port': undefined } },
  ])('fail: a trust function that throws (server $server): every client and server attribute removed, no throw', ({ server, expected }) => {
    const hook = incomingSpanHook(compileTrust(() => {
      throw new Error('broken')
    }), { server })
    const req: RequestLike = { socket: peer('127.0.0.1'), headers: { host: 'evil.example', 'x-forwarded-for': '7.7.7.7, 6.6.6.6' } }
    expect(hook(req)).toStrictEqual(expected)
  })

  it('never names a client or host a header chose when the peer is untrusted (generated headers)', () => {
    const hook = incomingSpanHook(compileTrust('10.0.0.0/8', { hostAndProto: 'aligned' }))
    const header = fc.string({ unit: 'binary-ascii', maxLength: 40 })
    fc.assert(fc.property(
      fc.record({ forwarded: header, 'x-forwarded-for': header, 'x-forwarded-host': header, 'x-forwarded-proto': header, 'x-real-ip': header }),
      (forged) => {
        const attributes = hook({ socket: peer('198.51.100.2', { remotePort: 5 }), headers: { ...forged, host: 'shop.example' } })
        expect(attributes).toStrictEqual({ 'client.address': '198.51.100.2', 'client.port': 5, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' })
      },
    ), { numRuns: 2000 })
  })

  it('never throws, whatever the socket and headers hold (generated, several settings and options)', () => {
    const hooks = [
      incomingSpanHook(compileTrust(true)),
      incomingSpanHook(compileTrust('loopback', { source: 'forwarded' })),
      incomingSpanHook(compileTrust('loopback', { ports: true, hostAndProto: 'aligned' })),
      incomingSpanHook(compileTrust(2, { preset: 'strict' }), { server: false }),
    ]
    const text = fc.string({ unit: 'binary', maxLength: 40 })
    fc.assert(fc.property(
      fc.option(fc.oneof(fc.constant('127.0.0.1'), fc.ipV6(), text), { nil: undefined }),
      fc.option(fc.integer({ min: -1, max: 70000 }), { nil: undefined }),
      fc.dictionary(fc.constantFrom('host', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', ':authority'), text),
      (remoteAddress, remotePort, headers) => {
        for (const hook of hooks) hook({ socket: peer(remoteAddress, { remotePort }), headers })
      },
    ), { numRuns: 2000 })
  })
})
