// runtimes.ts: each runtime's peer read its own way. These are the shapes each runtime hands a
// handler; test/runtimes/run.mjs runs the same calls inside Bun, Deno and workerd themselves.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileTrust, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import { fromFetch, type RequestLike } from '../../src/core/request.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { fromBun, fromDeno, fromWorker, type BunServerLike } from '../../src/core/runtimes.js'

const trust = compileTrust('loopback')
const request = (headers: Record<string, string> = {}, url = 'http://shop.example/') => new Request(url, { headers })
const forged = { 'x-forwarded-for': '6.6.6.6, 203.0.113.5' }

/** A stand-in for Bun's server: requestIP answers a SocketAddress for the requests it served. */
function bunServer(address: string | null): BunServerLike {
  return { requestIP: () => (address === null ? null : { address, family: address.includes(':') ? 'IPv6' : 'IPv4', port: 50_000 }) }
}

describe('fromBun(request, server)', () => {
  it.each([
    { name: 'a loopback peer is trusted and the walk goes on', peer: '127.0.0.1', ip: '203.0.113.5', ips: ['203.0.113.5'] },
    { name: 'an IPv6 loopback peer likewise', peer: '::1', ip: '203.0.113.5', ips: ['203.0.113.5'] },
    { name: 'a public peer is the client, whatever it wrote', peer: '198.51.100.9', ip: '198.51.100.9', ips: [] },
  ])('$name', ({ peer, ip, ips }) => {
    const answer = resolveAddr(fromBun(request(forged), bunServer(peer)), trust)
    expect({ ip: answer.ip, ips: answer.ips }).toEqual({ ip, ips })
  })

  it.each([
    { name: 'fail: a unix socket (requestIP answers null) has no peer', server: bunServer(null) },
    { name: 'fail: a server whose requestIP throws gives no peer, never an exception', server: { requestIP: () => { throw new TypeError('not mine') } } },
    { name: 'fail: an object without requestIP gives no peer', server: {} as BunServerLike },
    { name: 'fail: no server at all gives no peer', server: undefined as unknown as BunServerLike },
    { name: 'fail: an address that is not a string gives no peer', server: { requestIP: () => ({ address: 7 as unknown as string }) } },
  ])('$name', ({ server }) => {
    const answer = resolveAddr(fromBun(request(forged), server), trust)
    expect({ ip: answer.ip, ips: answer.ips }).toEqual({ ip: undefined, ips: [] })
  })

  it('asks requestIP about this request, with the server as this', () => {
    const seen: unknown[] = []
    const server = { requestIP(this: unknown, r: unknown) { seen.push(this, r); return { address: '127.0.0.1' } } }
    const r = request()
    fromBun(r, server)
    expect(seen).toEqual([server, r])
  })

  it("the URL's scheme gives the protocol (Bun's Request carries no TLS flag)", () => {
    const answer = resolveAddr(fromBun(request({}, 'https://shop.example/'), bunServer('198.51.100.9')), trust)
    expect({ protocol: answer.protocol, secure: answer.secure }).toEqual({ protocol: 'https', secure: true })
  })
})

describe('fromDeno(request, info)', () => {
  it.each([
    { name: 'a tcp peer on loopback is trusted', info: { remoteAddr: { transport: 'tcp', hostname: '127.0.0.1', port: 50_000 } }, ip: '203.0.113.5' },
    { name: 'a tcp peer elsewhere is the client', info: { remoteAddr: { transport: 'tcp', hostname: '198.51.100.9', port: 50_000 } }, ip: '198.51.100.9' },
    { name: 'fail: a unix socket has no peer address', info: { remoteAddr: { transport: 'unix', path: '/run/app.sock' } }, ip: undefined },
    { name: 'fail: no info has no peer', info: undefined, ip: undefined },
    { name: 'fail: a hostname that is not a string has no peer', info: { remoteAddr: { transport: 'tcp', hostname: 1 } }, ip: undefined },
  ])('$name', ({ info, ip }) => {
    expect(resolveAddr(fromDeno(request(forged), info as never), trust).ip).toBe(ip)
  })
})

describe('fromWorker(request)', () => {
  it.each([
    { name: 'CF-Connecting-IP is the peer (Cloudflare sets it)', header: '127.0.0.1', ip: '203.0.113.5' },
    { name: 'an IPv6 CF-Connecting-IP likewise', header: '2001:db8::5', ip: '2001:db8::5' },
    { name: 'fail: no CF-Connecting-IP, no peer', header: undefined, ip: undefined },
    { name: 'fail: a value that is not an address is no peer', header: 'evil.example', ip: undefined },
    { name: 'fail: a list is no peer', header: '127.0.0.1, 10.0.0.1', ip: undefined },
    { name: 'fail: an address with a port is no peer (Cloudflare writes none)', header: '127.0.0.1:80', ip: undefined },
  ])('$name', ({ header, ip }) => {
    const headers: Record<string, string> = { ...forged }
    if (header !== undefined) headers['cf-connecting-ip'] = header
    expect(resolveAddr(fromWorker(request(headers)), trust).ip).toBe(ip)
  })
})

describe('never throws (property)', () => {
  // whatever the server, the info or the header holds, the helpers give a request shape, and
  // resolving it answers; a peer they give is always an address
  const anything = fc.oneof(fc.anything(), fc.constant(null), fc.constant(undefined))
  const serverOf = fc.oneof(
    anything,
    anything.map((answer) => ({ requestIP: () => answer })),
    fc.string().map((message) => ({ requestIP: () => { throw new Error(message) } })),
  )

  it('fromBun, fromDeno and fromWorker, for any server, info or CF-Connecting-IP', () => {
    fc.assert(fc.property(serverOf, anything, fc.string(), (server, info, header) => {
      const ask = request({ 'cf-connecting-ip': header.replace(/[\r\n\0]/g, '').trim() || 'x' })
      for (const req of [fromBun(ask, server as BunServerLike), fromDeno(ask, info as never), fromWorker(ask)]) {
        const answer = resolveAddr(req, trust)
        expect(typeof answer.protocol).toBe('string')
      }
      const worker = resolveAddr(fromWorker(ask), compileTrust(false)).ip
      expect(worker === undefined || /^[0-9a-f.:]+$/i.test(worker)).toBe(true)
    }), { numRuns: 1000 })
  })
})

describe('trustSocketless: a peer without an address is trusted where it never had one, never where it is lost', () => {
  const socketlessTrust = compileTrust('loopback', { trustSocketless: true })
  it.each([
    { name: 'Bun on a unix socket: requestIP answers null and the server has no port', req: () => fromBun(request(forged), { requestIP: () => null, port: undefined } as BunServerLike), ip: '203.0.113.5' },
    { name: 'fail: Bun, a closed request: requestIP answers null but the server listens on a port', req: () => fromBun(request(forged), { requestIP: () => null, port: 3000 } as BunServerLike), ip: undefined },
    { name: 'fail: Bun, a server without requestIP says nothing of the peer', req: () => fromBun(request(forged), {} as BunServerLike), ip: undefined },
    { name: 'Deno on a unix socket', req: () => fromDeno(request(forged), { remoteAddr: { transport: 'unix' } }), ip: '203.0.113.5' },
    { name: 'fail: Deno without info says nothing of the peer', req: () => fromDeno(request(forged), undefined as never), ip: undefined },
    { name: 'fail: a Worker without CF-Connecting-IP: it has no unix socket, its peer is unknown', req: () => fromWorker(request(forged)), ip: undefined },
  ])('$name', ({ req, ip }) => {
    expect(resolveAddr(req(), socketlessTrust).ip).toBe(ip)
  })

  it('a lost peer is answered as if trustSocketless were off, for generated settings, options, lost shapes and headers', () => {
    const lostShapes = fc.constantFrom<(r: Request) => RequestLike>(
      (r) => fromBun(r, { requestIP: () => null, port: 3000 } as BunServerLike),
      (r) => fromBun(r, {} as BunServerLike),
      (r) => fromDeno(r, {} as never),
      (r) => fromWorker(r),
      (r) => fromFetch(r, { lost: true }),
      (r) => ({ socket: { remoteAddress: undefined, destroyed: true }, headers: Object.fromEntries(r.headers) }),
    )
    const settings = fc.constantFrom<TrustSetting>('loopback', '10.0.0.0/8', 1, true, false, (addr: string | undefined) => addr === undefined)
    const headers = fc.record({
      'x-forwarded-for': fc.constantFrom('6.6.6.6', '203.0.113.5, 10.0.0.1'),
      'x-forwarded-proto': fc.constantFrom('https', 'http'),
      'x-forwarded-host': fc.constantFrom('evil.example', 'shop.example'),
      forwarded: fc.constantFrom('for=6.6.6.6;proto=https'),
    }, { requiredKeys: [] })
    const options = fc.record({
      source: fc.constantFrom<TrustOptions['source']>('x-forwarded-for', 'forwarded'),
      hostAndProto: fc.constantFrom<TrustOptions['hostAndProto']>('leftmost', 'aligned'),
    })
    fc.assert(fc.property(lostShapes, settings, options, headers, (shape, setting, given, sent) => {
      const req = shape(request(sent))
      const off = resolveAddr(req, compileTrust(setting, given))
      expect(resolveAddr(req, compileTrust(setting, { ...given, trustSocketless: true }))).toEqual(off)
    }), { numRuns: 1500 })
  })
})
