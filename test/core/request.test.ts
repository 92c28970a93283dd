// request.test.ts: the request shapes the library reads. socketOf and headerValue on Node-style
// requests and Fetch Headers; fromFetch on real Fetch Requests; and real servers: an HTTP/2 server
// (h2c) whose Http2ServerRequest carries the authority as `:authority`, and a Fetch handler served
// by @hono/node-server whose Request is adapted with fromFetch.

import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import net, { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn, type TrustSetting } from '../../src/core/compile.js'
import type { TrustOptions } from '../../src/core/options.js'
import {
  fromFetch, headerValue, socketless, socketOf, type ConnectionInfo, type FetchRequestLike, type HeadersLike, type RequestLike,
  type SocketLike,
} from '../../src/core/request.js'
import { resolveAddr, type ResolvedAddr } from '../../src/core/resolve.js'
import { explain } from '../../src/diagnostics/explain.js'

const LOCAL = '127.0.0.1'
const CLIENT = '203.0.113.5'

describe('socketOf', () => {
  const socket: SocketLike = { remoteAddress: '10.0.0.1', encrypted: true }
  const connection: SocketLike = { remoteAddress: '10.0.0.2' }

  interface SocketCase {
    readonly name: string
    readonly req: RequestLike
    readonly expected: SocketLike | null | undefined
  }

  const socketCases: readonly SocketCase[] = [
    { name: 'req.socket', req: { socket }, expected: socket },
    { name: 'req.socket rather than req.connection when both are there', req: { socket, connection }, expected: socket },
    { name: 'req.connection when there is no req.socket', req: { connection }, expected: connection },
    { name: 'req.connection when req.socket is null', req: { socket: null, connection }, expected: connection },
    { name: 'fail: neither', req: {}, expected: undefined },
    { name: 'fail: a null connection and no socket', req: { socket: undefined, connection: null }, expected: null },
  ]

  it.each(socketCases)('$name', ({ req, expected }) => {
    expect(socketOf(req)).toBe(expected)
  })
})

describe('headerValue', () => {
  interface HeaderCase {
    readonly name: string
    readonly headers: HeadersLike | null | undefined
    readonly header: string
    readonly expected: string
  }

  /** A Fetch Headers object built from lines, as a client sent them. */
  function fetchHeaders(lines: readonly (readonly [string, string])[]): Headers {
    const headers = new Headers()
    for (const [name, value] of lines) headers.append(name, value)
    return headers
  }

  const recordCases: readonly HeaderCase[] = [
    { name: 'a string value', headers: { 'x-forwarded-for': '10.0.0.1' }, header: 'x-forwarded-for', expected: '10.0.0.1' },
    { name: 'a value as it stands, spaces and all', headers: { host: ' example.com ' }, header: 'host', expected: ' example.com ' },
    { name: 'an empty string', headers: { host: '' }, header: 'host', expected: '' },
    { name: 'a list, joined with ", " as Node joins repeated lines', headers: { forwarded: ['for=1.2.3.4', 'for=10.0.0.1'] }, header: 'forwarded', expected: 'for=1.2.3.4, for=10.0.0.1' },
    { name: 'a list of one', headers: { 'x-real-ip': ['203.0.113.5'] }, header: 'x-real-ip', expected: '203.0.113.5' },
    { name: 'an HTTP/2 pseudo-header in a Node record', headers: { ':authority': 'example.com:8443' }, header: ':authority', expected: 'example.com:8443' },
    { name: 'a Node header named "get", which is a string and not a Fetch get()', headers: { get: 'value' } as HeadersLike, header: 'get', expected: 'value' },
    { name: 'fail: an empty list', headers: { forwarded: [] }, header: 'forwarded', expected: '' },
    { name: 'fail: a missing header', headers: { host: 'example.com' }, header: 'x-forwarded-for', expected: '' },
    { name: 'fail: a missing header beside a Node header named "get"', headers: { get: 'value' } as HeadersLike, header: 'host', expected: '' },
    { name: 'fail: names are looked up as given (Node lower-cases them)', headers: { 'X-Forwarded-For': '10.0.0.1' }, header: 'x-forwarded-for', expected: '' },
    { name: 'fail: a number', headers: { host: 42 } as unknown as HeadersLike, header: 'host', expected: '' },
    { name: 'fail: a boolean', headers: { host: true } as unknown as HeadersLike, header: 'host', expected: '' },
    { name: 'fail: null', headers: { host: null } as unknown as HeadersLike, header: 'host', expected: '' },
    { name: 'fail: an object', headers: { host: { toString: () => 'example.com' } } as unknown as HeadersLike, header: 'host', expected: '' },
    { name: 'fail: an inherited property of a plain object', headers: {}, header: 'constructor', expected: '' },
    { name: 'fail: no headers (undefined)', headers: undefined, header: 'host', expected: '' },
    { name: 'fail: no headers (null)', headers: null, header: 'host', expected: '' },
  ]

  const fetchCases: readonly HeaderCase[] = [
    { name: 'a Fetch Headers value, read through get()', headers: fetchHeaders([['X-Forwarded-For', '10.0.0.1']]), header: 'x-forwarded-for', expected: '10.0.0.1' },
    { name: 'a Fetch Headers value whose name is in any case', headers: fetchHeaders([['x-real-ip', CLIENT]]), header: 'X-Real-IP', expected: CLIENT },
    { name: 'repeated Fetch lines, joined by Headers itself', headers: fetchHeaders([['Forwarded', 'for=1.2.3.4'], ['Forwarded', 'for=10.0.0.1']]), header: 'forwarded', expected: 'for=1.2.3.4, for=10.0.0.1' },
    { name: 'an object with a get() of its own', headers: { get: (name: string) => (name === 'host' ? 'example.com' : null) }, header: 'host', expected: 'example.com' },
    { name: "an own property wins over get()", headers: { host: 'own.example', get: () => 'got.example' } as HeadersLike, header: 'host', expected: 'own.example' },
    { name: 'fail: a missing Fetch header (get() answers null)', headers: fetchHeaders([]), header: 'x-forwarded-for', expected: '' },
    { name: 'fail: a pseudo-header name, which Headers.get would reject by throwing', headers: fetchHeaders([['host', 'example.com']]), header: ':authority', expected: '' },
    { name: 'fail: a Headers method name, which is no header', headers: fetchHeaders([]), header: 'get', expected: '' },
  ]

  describe.each([
    ['Node records', recordCases],
    ['Fetch Headers', fetchCases],
  ] as const)('%s', (_group, cases) => {
    it.each(cases)('$name', ({ headers, header, expected }) => {
      expect(headerValue(headers, header)).toBe(expected)
    })
  })

  it('does not call get() for a pseudo-header name, nor for a header that is there', () => {
    const asked: string[] = []
    const headers = {
      host: 'example.com',
      get(name: string): string | null {
        asked.push(name)
        if (name.startsWith(':')) throw new TypeError(`Headers.get: "${name}" is an invalid header name.`)
        return null
      },
    } as HeadersLike
    expect([headerValue(headers, ':authority'), headerValue(headers, 'host'), headerValue(headers, 'forwarded')]).toEqual(['', 'example.com', ''])
    expect(asked).toEqual(['forwarded'])
  })

  // The Fetch standard has Headers.get throw for a name that is no header name
  // (https://fetch.spec.whatwg.org/#dom-headers-get). Node's undici does so from 5.28.4: Node 18.20.0
  // (undici 5.28.3) and 18.19.0 (5.26.4) answer null, 18.20.1 (5.28.4) throws. headerValue holds either way.
  it('confirms that a real Headers.get throws for a pseudo-header name from undici 5.28.4 on, and answers null before', () => {
    const [major = 0, minor = 0, patch = 0] = (process.versions['undici'] ?? '0.0.0').split('.').map(Number)
    const throws = major > 5 || (major === 5 && (minor > 28 || (minor === 28 && patch >= 4)))
    if (throws) expect(() => new Headers().get(':authority')).toThrow(TypeError)
    else expect(new Headers().get(':authority')).toBeNull()
  })
})

describe('fromFetch', () => {
  interface FetchCase {
    readonly name: string
    readonly request: FetchRequestLike
    readonly connection?: ConnectionInfo
    readonly setting: TrustSetting
    readonly expected: ResolvedAddr
  }

  const fetchCases: readonly FetchCase[] = [
    {
      name: 'an https URL: the socket is encrypted, and the URL gives the host',
      request: new Request('https://shop.example/cart'), connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
    {
      name: 'an http URL: the socket is not encrypted',
      request: new Request('http://shop.example/cart'), connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'http', secure: false },
    },
    {
      name: 'encrypted: false wins over an https URL',
      request: new Request('https://shop.example/'), connection: { remoteAddress: CLIENT, encrypted: false }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'http', secure: false },
    },
    {
      name: 'encrypted: true wins over an http URL',
      request: new Request('http://shop.example/'), connection: { remoteAddress: CLIENT, encrypted: true }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
    {
      name: 'a missing Host falls back to the URL host, port and all',
      request: new Request('http://shop.example:8443/'), connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example:8443', hostname: 'shop.example', protocol: 'http', secure: false },
    },
    {
      name: "the URL's default port is not part of its host",
      request: new Request('https://shop.example:443/'), connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
    {
      name: 'an IPv6 URL host keeps its brackets',
      request: new Request('http://[::1]:3000/'), connection: { remoteAddress: '::1' }, setting: false,
      expected: { ip: '::1', ips: [], host: '[::1]:3000', hostname: '[::1]', protocol: 'http', secure: false },
    },
    {
      name: 'a Host header wins over the URL',
      request: new Request('http://10.0.0.9:8080/', { headers: { host: 'shop.example' } }), connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'http', secure: false },
    },
    {
      name: 'forwarding headers are read through get() from a trusted peer',
      request: new Request('http://backend/', { headers: { 'X-Forwarded-For': `198.51.100.7, ${CLIENT}`, 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'shop.example' } }),
      connection: { remoteAddress: LOCAL }, setting: 'loopback',
      expected: { ip: CLIENT, ips: [CLIENT], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
    {
      name: 'forwarding headers from an untrusted peer are ignored',
      request: new Request('http://backend/', { headers: { 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' } }),
      connection: { remoteAddress: CLIENT }, setting: 'loopback',
      expected: { ip: CLIENT, ips: [], host: 'backend', hostname: 'backend', protocol: 'http', secure: false },
    },
    {
      name: 'fail: no connection details: the peer is unknown and a range does not trust it',
      request: new Request('https://shop.example/', { headers: { 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'http' } }),
      setting: 'loopback',
      expected: { ip: undefined, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
    {
      name: 'no connection details and true: the unknown peer is trusted, as Express trusts every hop',
      request: new Request('https://shop.example/', { headers: { 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'http' } }),
      setting: true,
      expected: { ip: '198.51.100.7', ips: ['198.51.100.7'], host: 'shop.example', hostname: 'shop.example', protocol: 'http', secure: false },
    },
    {
      name: 'fail: an unparsable URL: no host, and not encrypted',
      request: { headers: new Headers(), url: 'not a url' }, connection: { remoteAddress: CLIENT }, setting: false,
      expected: { ip: CLIENT, ips: [], host: undefined, hostname: undefined, protocol: 'http', secure: false },
    },
    {
      name: 'an unparsable URL with a Host header and explicit encryption',
      request: { headers: new Headers({ host: 'shop.example' }), url: '/relative' }, connection: { remoteAddress: CLIENT, encrypted: true }, setting: false,
      expected: { ip: CLIENT, ips: [], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true },
    },
  ]

  it.each(fetchCases)('$name', ({ request, connection, setting, expected }) => {
    const adapted = connection === undefined ? fromFetch(request) : fromFetch(request, connection)
    expect(resolveAddr(adapted, compileTrust(setting))).toEqual(expected)
  })

  it('gives a socket with the remote address and the TLS flag', () => {
    expect(fromFetch(new Request('https://shop.example/'), { remoteAddress: CLIENT }).socket).toEqual({ remoteAddress: CLIENT, encrypted: true })
    expect(fromFetch(new Request('http://shop.example/')).socket).toEqual({ remoteAddress: undefined, encrypted: false })
    // a lost peer is a closed socket's to socketless: trustSocketless never trusts it
    expect(fromFetch(new Request('http://shop.example/'), { lost: true }).socket).toEqual({ remoteAddress: undefined, encrypted: false, destroyed: true })
    expect(socketless(fromFetch(new Request('http://shop.example/'), { lost: true }).socket)).toBe(false)
    expect(socketless(fromFetch(new Request('http://shop.example/')).socket)).toBe(true)
  })

  it('answers header lookups through the request headers, the URL standing in only for Host', () => {
    const adapted = fromFetch(new Request('http://shop.example:8080/', { headers: { 'X-Real-IP': CLIENT } }))
    expect(['x-real-ip', 'host', 'x-forwarded-for', ':authority'].map((name) => headerValue(adapted.headers, name)))
      .toEqual([CLIENT, 'shop.example:8080', '', ''])
  })

  it('reads the URL only when it is needed, and at most once', () => {
    let reads = 0
    const request = (host: string | null): FetchRequestLike => ({
      headers: { get: (name: string) => (name === 'host' ? host : null) },
      get url() {
        reads++
        return 'https://shop.example/'
      },
    })
    const trust = compileTrust(false)
    resolveAddr(fromFetch(request('shop.example'), { remoteAddress: CLIENT, encrypted: true }), trust)
    expect(reads).toBe(0)
    const answer = resolveAddr(fromFetch(request(null), { remoteAddress: CLIENT }), trust)
    expect([reads, answer.protocol, answer.host]).toEqual([1, 'https', 'shop.example'])
  })

  it('carries the options of the predicate like any other request', () => {
    const request = new Request('http://backend/', { headers: { Forwarded: `for="[2001:db8::5]:4711";proto=https;host=shop.example`, 'X-Forwarded-For': '198.51.100.7' } })
    expect(resolveAddr(fromFetch(request, { remoteAddress: LOCAL }), compileTrust('loopback', { source: 'forwarded' }))).toEqual({
      ip: '2001:db8::5', ips: ['2001:db8::5'], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true,
    })
  })
})

// -- real servers -------------------------------------------------------------------------------------

/** What a server saw: the resolved answer and the headers the request carried. */
interface Seen {
  readonly result: ResolvedAddr
  readonly headers: Readonly<Record<string, unknown>>
}

describe('an HTTP/2 server (node:http2, h2c)', () => {
  let server: http2.Http2Server
  let port = 0
  const trusts = new Map<string, TrustFn>([
    ['false', compileTrust(false)],
    ['loopback', compileTrust('loopback')],
    ['loopback aligned', compileTrust('loopback', { hostAndProto: 'aligned' })],
  ])

  beforeAll(async () => {
    server = http2.createServer((req, res) => {
      const trust = trusts.get(String(req.headers['x-test-trust'])) as TrustFn
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ result: { ...resolveAddr(req, trust), ip: resolveAddr(req, trust).ip ?? null }, headers: req.headers }))
    })
    await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /** An HTTP/2 GET without a Host header: the authority travels as `:authority`. */
  function ask(trust: string, headers: Readonly<Record<string, string>> = {}): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const session = http2.connect(`http://${LOCAL}:${port}`)
      session.on('error', reject)
      const req = session.request({ ':path': '/', ':authority': 'shop.example:8443', 'x-test-trust': trust, ...headers })
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => { body += chunk })
      req.on('end', () => {
        session.close()
        resolve(JSON.parse(body) as Seen)
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('carries the authority as :authority and no Host header', async () => {
    const { headers } = await ask('false')
    expect([headers[':authority'], headers.host]).toEqual(['shop.example:8443', undefined])
  })

  it('an untrusted peer: the peer address, host from :authority, http over h2c', async () => {
    expect((await ask('false', { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'https' })).result).toEqual({
      ip: LOCAL, ips: [], host: 'shop.example:8443', hostname: 'shop.example', protocol: 'http', secure: false,
    })
  })

  it('a trusted peer: X-Forwarded-For and -Proto are read, host still from :authority', async () => {
    expect((await ask('loopback', { 'x-forwarded-for': `198.51.100.7, ${CLIENT}`, 'x-forwarded-proto': 'https' })).result).toEqual({
      ip: CLIENT, ips: [CLIENT], host: 'shop.example:8443', hostname: 'shop.example', protocol: 'https', secure: true,
    })
  })

  it('with options (aligned): the walk with options also takes host from :authority', async () => {
    expect((await ask('loopback aligned', { 'x-forwarded-for': CLIENT, 'x-forwarded-proto': 'https' })).result).toEqual({
      ip: CLIENT, ips: [CLIENT], host: 'shop.example:8443', hostname: 'shop.example', protocol: 'https', secure: true,
    })
  })
})

describe('a Fetch handler served by @hono/node-server, adapted with fromFetch', () => {
  let server: ReturnType<typeof createAdaptorServer>
  let port = 0
  const seen: { request: Request; result: ResolvedAddr }[] = []
  const settings = new Map<string, [TrustSetting, TrustOptions?]>([
    ['loopback', ['loopback']],
    ['false', [false]],
    ['forwarded', ['loopback', { source: 'forwarded' }]],
  ])

  beforeAll(async () => {
    server = createAdaptorServer({
      fetch: (request, env) => {
        const [setting, options] = settings.get(request.headers.get('x-test-trust') ?? '') ?? [false]
        const remoteAddress = env.incoming.socket.remoteAddress
        seen.push({ request, result: resolveAddr(fromFetch(request, { remoteAddress }), compileTrust(setting, options)) })
        return new Response('ok')
      },
    })
    await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve))
    port = (server.address() as AddressInfo).port
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  /** A request over a real socket; what the handler resolved. */
  function ask(trust: string, headers: Readonly<Record<string, string>> = {}): Promise<{ request: Request; result: ResolvedAddr }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: LOCAL, port, path: '/', headers: { 'x-test-trust': trust, ...headers }, agent: false }, (res) => {
        res.resume()
        res.on('end', () => resolve(seen[seen.length - 1] as { request: Request; result: ResolvedAddr }))
      })
      req.on('error', reject)
      req.end()
    })
  }

  it('hands the handler a real Request', async () => {
    const { request } = await ask('false')
    expect(request).toBeInstanceOf(Request)
    expect(new URL(request.url).host).toBe(`${LOCAL}:${port}`)
  })

  it("an untrusted peer: the socket's address and the Host header", async () => {
    expect((await ask('false', { host: 'shop.example:8443', 'x-forwarded-for': '198.51.100.7' })).result).toEqual({
      ip: LOCAL, ips: [], host: 'shop.example:8443', hostname: 'shop.example', protocol: 'http', secure: false,
    })
  })

  it('a trusted peer: the forwarding headers are read through the Request', async () => {
    const headers = { host: 'backend', 'x-forwarded-for': `198.51.100.7, ${CLIENT}`, 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }
    expect((await ask('loopback', headers)).result).toEqual({
      ip: CLIENT, ips: [CLIENT], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true,
    })
  })

  it("source: 'forwarded' through the Request", async () => {
    const headers = { host: 'backend', forwarded: `for=198.51.100.7, for=${CLIENT};proto=https;host=shop.example`, 'x-forwarded-for': '198.51.100.66' }
    expect((await ask('forwarded', headers)).result).toEqual({
      ip: CLIENT, ips: [CLIENT], host: 'shop.example', hostname: 'shop.example', protocol: 'https', secure: true,
    })
  })
})

describe('socketless: a peer that really has no socket address', () => {
  const ipServer = { address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 80 }) }
  const pipeServer = { address: () => '/run/app.sock' }

  it.each([
    ['a request shape without a socket', undefined, true],
    ['a socket object without an address (a shim)', {}, true],
    ['a socket on a unix-socket server', { server: pipeServer }, true],
    ['a socket whose server has no address method', { server: {} }, true],
    ['fail: a socket with an address', { remoteAddress: '10.0.0.1' }, false],
    ['fail: a closed socket (its peer has gone)', { destroyed: true }, false],
    ['fail: a closed socket on a unix-socket server', { destroyed: true, server: pipeServer }, false],
    ['fail: an open socket of an IP listener without an address (a reset being processed)', { server: ipServer }, false],
  ])('%s: %s', (_name, socket, expected) => {
    expect(socketless(socket as SocketLike | undefined)).toBe(expected)
  })
})

describe('trustSocketless over real sockets', () => {
  const trust = compileTrust('10.0.0.0/8', { trustSocketless: true })
  const FORGED = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' }

  it('trusts the peer of a server listening on a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-unix-'))
    const path = join(dir, 'app.sock')
    const server = http.createServer((req, res) => {
      res.end(JSON.stringify({ ...resolveAddr(req, trust), reason: explain(req, trust).hops[0]?.reason }))
    })
    try {
      await new Promise<void>((resolve) => server.listen(path, resolve))
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ socketPath: path, path: '/', headers: FORGED }, (res) => {
          let text = ''
          res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk }).on('end', () => resolve(text))
        }).on('error', reject)
      })
      expect(JSON.parse(body)).toMatchObject({ ip: '6.6.6.6', protocol: 'https', reason: 'trustSocketless: a socket without an address' })
    } finally {
      await new Promise((resolve) => server.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fail: does not trust a TCP client that hangs up before the handler reads the request', async () => {
    let answer: (value: unknown) => void = () => undefined
    const answered = new Promise((resolve) => { answer = resolve })
    const server = http.createServer((req) => {
      // read the request only once the client has gone, as a handler that awaits something would
      req.socket.once('close', () => {
        const explained = explain(req, trust)
        answer({ peer: req.socket.remoteAddress, result: resolveAddr(req, trust), hop: explained.hops[0] })
      })
    })
    try {
      await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve))
      const { port } = server.address() as AddressInfo
      const client = net.connect({ host: LOCAL, port })
      await once(client, 'connect')
      client.write('GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\n\r\n')
      // hang up once the server has the request
      setTimeout(() => client.destroy(), 50)
      const seen = await answered as { peer: unknown; result: ResolvedAddr; hop: { trusted: boolean; reason: string } }
      expect(seen.peer).toBeUndefined()
      expect(seen.result).toMatchObject({ ip: undefined, ips: [], protocol: 'http' })
      expect(seen.hop).toMatchObject({ trusted: false, reason: 'not an IP address' })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
