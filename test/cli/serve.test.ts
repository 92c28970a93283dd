// serve.test.ts: the whoami server never dies on a request: hostile request lines and headers sent
// over raw sockets to the built executable, unreadable targets answered 400, errors while answering
// caught per request, and every log line free of raw control characters. And its playground at
// /explain, over real sockets to `main(['serve', ...])` in this process: the form, a posted request
// explained, every field escaped, bad fields answered with the command line's words, the body
// bounded (413), other media types and methods refused, nothing kept between requests.

import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn } from '../../src/core/compile.js'
import { main, type Io } from '../../src/cli/command.js'
import { PLAYGROUND_LIMIT, queryOf, whoami } from '../../src/cli/serve.js'
import { UsageError } from '../../src/cli/usage.js'
import { chainSteps } from '../fixtures/whoami-page.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = join(ROOT, 'dist/cjs/cli.js')

/** What came back on a raw connection: the status code (0 for none) and the body. */
interface RawReply {
  readonly status: number
  readonly body: string
}

/** Send `bytes` as they are on a new connection and read until the server closes it. */
function raw(port: number, bytes: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer after 10 s')))
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)
      const split = text.indexOf('\r\n\r\n')
      const head = split === -1 ? text : text.substring(0, split)
      const body = split === -1 ? '' : text.substring(split + 4)
      resolve({ status: status ? Number(status[1]) : 0, body: /\r\ntransfer-encoding: chunked\r\n/i.test(head + '\r\n') ? unchunked(body) : body })
    })
    // latin1: each character one byte, so that 0x80-0x9f go out as those bytes
    socket.end(Buffer.from(bytes, 'latin1'))
  })
}

/** A chunked body (RFC 9112 section 7.1) joined. */
function unchunked(body: string): string {
  let out = ''
  let pos = 0
  for (;;) {
    const eol = body.indexOf('\r\n', pos)
    const size = parseInt(body.substring(pos, eol), 16)
    if (!(size > 0)) return out
    out += body.substring(eol + 2, eol + 2 + size)
    pos = eol + 2 + size + 2
  }
}

const UNREADABLE = /^bad request: the target is neither a path nor an absolute URL\n$/

/** A request line and headers, closing the connection after the answer. */
function requestBytes(line: string, headers: readonly string[] = []): string {
  return [line, 'Host: whoami.example', 'Connection: close', ...headers, '', ''].join('\r\n')
}

describe('serve never dies on a request (the built executable, over raw sockets)', () => {
  let child: ChildProcessByStdio<null, Readable, Readable>
  let port = 0
  let stderr = ''

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/cjs/cli.js is missing: run `node scripts/build.mjs` first')
    child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--trust', 'loopback'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stderr.setEncoding('latin1').on('data', (chunk: string) => { stderr += chunk })
    for await (const line of createInterface({ input: child.stdout })) {
      const match = /^listening on http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(line)
      if (match) {
        port = Number(match[1])
        break
      }
    }
  })

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })

  it.each([
    { name: 'a target of two slashes (nginx passes it on)', line: 'GET // HTTP/1.1', status: 200, body: /^trust: loopback / },
    { name: 'two slashes and a bracket', line: 'GET //[ HTTP/1.1', status: 200, body: /^trust: loopback / },
    { name: 'two slashes and a query', line: 'GET //?format=json HTTP/1.1', status: 200, body: /^\{\n {2}"trust": "loopback",/ },
    { name: 'a path with a bad percent escape in the query', line: 'GET /?format=%ZZ%% HTTP/1.1', status: 406, body: /^unknown format "%ZZ%%": expected text, json, html\n$/ },
    {
      name: 'a format holding a C1 control, a bidi override and a quote, shown as escapes in the 406 body',
      line: 'GET /?format=%C2%9B31m%E2%80%AE%22 HTTP/1.1', status: 406, body: /^unknown format "\\x9b31m\\u202e\\"": expected text, json, html\n$/,
    },
    { name: 'a bad percent escape beside the format', line: 'GET /?x=%ZZ%%&format=json HTTP/1.1', status: 200, body: /^\{\n/ },
    { name: 'the asterisk form', line: 'OPTIONS * HTTP/1.1', status: 200, body: /^trust: / },
    { name: 'an absolute URL', line: 'GET http://whoami.example/?format=json HTTP/1.1', status: 200, body: /^\{\n/ },
    { name: 'fail: a scheme and nothing else', line: 'GET http:// HTTP/1.1', status: 400, body: UNREADABLE },
    { name: 'fail: an absolute URL with an open bracket', line: 'GET http://[ HTTP/1.1', status: 400, body: UNREADABLE },
    { name: 'fail: a target that is neither a path nor a URL (Node\'s parser answers)', line: 'GET whoami HTTP/1.1', status: 400, body: /^$/ },
    { name: 'fail: an unknown method (Node\'s parser answers)', line: 'BREW / HTTP/1.1', status: 400, body: /^$/ },
    { name: 'fail: a method of 300 letters (Node\'s parser answers)', line: `${'G'.repeat(300)} / HTTP/1.1`, status: 400, body: /^$/ },
    { name: 'fail: ESC in a header (Node\'s parser answers)', line: 'GET / HTTP/1.1\r\nX-Forwarded-For: \x1b[2J', status: 400, body: /^$/ },
  ])('$name: answered $status', async ({ line, status, body }) => {
    const reply = await raw(port, requestBytes(line))
    expect(reply.status).toBe(status)
    expect(reply.body).toMatch(body)
    expect(child.exitCode).toBeNull()
  })

  it.each([
    { name: 'C1 CSI sequences in X-Forwarded-For', header: 'X-Forwarded-For: \x9b2J\x9b31m, 127.0.0.1' },
    { name: 'C1 bytes 0x80-0x9f in Host', header: 'Host: \x85\x9b\x9fwhoami' },
    { name: 'a Forwarded header of quotes and semicolons', header: 'Forwarded: for="\\";;;,,=="' },
    { name: 'a 16 KB X-Forwarded-For of "1," entries', header: `X-Forwarded-For: ${'1,'.repeat(8000)}` },
    { name: 'an Accept of nothing but separators', header: 'Accept: ;;,,;q=;q=x,' },
  ])('$name: answered 200', async ({ header }) => {
    const reply = await raw(port, requestBytes('GET / HTTP/1.1', [header]))
    expect(reply.status).toBe(200)
    expect(child.exitCode).toBeNull()
  })

  it('answers an ordinary request after all of the above', async () => {
    const reply = await raw(port, requestBytes('GET /?format=json HTTP/1.1'))
    expect(reply.status).toBe(200)
    expect((JSON.parse(reply.body) as { result: { ip: string } }).result.ip).toBe('127.0.0.1')
  })

  it('logs every request with its controls escaped, and still shuts down with status 0', async () => {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    expect(await exited).toEqual([0, null])
    const lines = stderr.trimEnd().split('\n')
    expect(lines.some((line) => line.endsWith(' GET "//" peer 127.0.0.1 ip 127.0.0.1 text 0 warnings'))).toBe(true)
    expect(lines.some((line) => line.endsWith(' GET "http://" 400 unreadable target'))).toBe(true)
    expect(lines.some((line) => line.includes(' ip "\\x9b2J\\x9b31m" text '))).toBe(true)
    // eslint-disable-next-line no-control-regex
    expect(stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/)
  })
})

describe('queryOf: the query of a request target', () => {
  it.each([
    ['/', ''],
    ['/?format=json', 'format=json'],
    ['/a?b=c#frag', 'b=c'],
    ['//', ''],
    ['//[?x', 'x'],
    ['*', ''],
    ['http://h.example/p?format=html', 'format=html'],
    ['http://', undefined],
    ['http://[', undefined],
    ['whoami', undefined],
    ['', undefined],
  ])('%j gives %j', (target, query) => {
    expect(queryOf(target)).toBe(query)
  })
})

describe('whoami: an error while answering is caught per request', () => {
  const context = { trust: 'custom', options: {} }
  const request = { method: 'GET', url: '/', headers: { 'x-forwarded-for': '1.2.3.4' }, socket: { remoteAddress: '127.0.0.1' } } as unknown as http.IncomingMessage

  /** A response that records what was written. */
  function response(): { res: http.ServerResponse; written: unknown[]; destroyed: () => boolean } {
    const written: unknown[] = []
    let sent = false
    let destroyed = false
    const res = {
      get headersSent() { return sent },
      writeHead: (...args: unknown[]) => {
        sent = true
        written.push(args)
      },
      end: (body: unknown) => written.push(body),
      destroy: () => { destroyed = true },
    }
    return { res: res as unknown as http.ServerResponse, written, destroyed: () => destroyed }
  }

  it('answers 500 and logs the error when explaining throws', () => {
    const log: string[] = []
    const failing: TrustFn = () => { throw new Error('boom\x9b') }
    const handler = whoami({ trust: failing, setting: failing, context }, { write: (line: string) => log.push(line) })
    const { res, written } = response()
    handler(request, res)
    expect(written).toEqual([
      [500, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }],
      'internal error: see the server log\n',
    ])
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/Z GET "\/" 500 Error: boom\\x9b\n$/)
  })

  it('answers 400 to a target it cannot read, without explaining it', () => {
    const log: string[] = []
    const handler = whoami({ trust: compileTrust('loopback'), setting: 'loopback', context }, { write: (line: string) => log.push(line) })
    const { res, written } = response()
    handler({ ...request, method: 'GET\x85', url: 'http://[\x9b' } as unknown as http.IncomingMessage, res)
    expect(written).toEqual([
      [400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' }],
      'bad request: the target is neither a path nor an absolute URL\n',
    ])
    expect(log[0]).toMatch(/Z "GET\\x85" "http:\/\/\[\\x9b" 400 unreadable target\n$/)
  })

  it('ends the connection when the error comes after the answer started, and survives a log that throws', () => {
    let calls = 0
    const log = { write: () => { calls++; throw new Error('log is full') } }
    const handler = whoami({ trust: compileTrust('loopback'), setting: 'loopback', context }, log)
    const { res, written, destroyed } = response()
    expect(() => handler(request, res)).not.toThrow()
    expect((written[0] as unknown[])[0]).toBe(200)
    expect(destroyed()).toBe(true)
    expect(calls).toBe(2)
  })
})

// ---------------------------------------------------------------------------------------------------
// the playground

/** What came back from a request through node:http: status, headers and body. */
interface Reply {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', localAddress: '127.0.0.1', port, method, path, headers }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }))
    })
    request.on('error', reject)
    request.end(body)
  })
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/** A form body as a browser encodes it. */
function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

describe('the playground at /explain (main serve in this process, over real sockets)', () => {
  let port = 0
  let stderr = ''
  let stop: ((signal: string) => void) | undefined
  let running: Promise<number>

  beforeAll(async () => {
    let listening: (url: string) => void = () => undefined
    const url = new Promise<string>((resolve) => { listening = resolve })
    const io: Io = {
      stdout: { write: (text: string) => { const match = /^listening on (\S+)\n/.exec(text); if (match) listening(match[1] as string); return true } },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      onSignal: (handler) => {
        stop = handler
        return () => { stop = undefined }
      },
      version: () => '9.9.9',
    }
    running = main(['serve', '--port', '0', '--trust', 'loopback, 10.0.0.0/8'], io)
    port = Number(new URL(await url).port)
  })

  afterAll(async () => {
    stop?.('SIGTERM')
    expect(await running).toBe(0)
  })

  it('answers GET with the form, filled with the server\'s setting and this request\'s peer and forwarding headers', async () => {
    const reply = await send(port, 'GET', '/explain?x=1', { 'x-forwarded-for': '203.0.113.5' })
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(reply.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(reply.body).toContain('<form class="playground" method="post" action="/explain">')
    expect(reply.body).toContain('<input id="trust" name="trust" value="loopback, 10.0.0.0/8"')
    expect(reply.body).toContain('<input id="remote" name="remote" value="127.0.0.1"')
    expect(reply.body).toMatch(/<textarea [^>]*>x-forwarded-for: 203\.0\.113\.5\nhost: 127\.0\.0\.1:\d+<\/textarea>/)
  })

  it('answers HEAD with the form\'s headers and no body', async () => {
    const reply = await send(port, 'HEAD', '/explain')
    expect([reply.status, reply.headers['content-type'], reply.body]).toEqual([200, 'text/html; charset=utf-8', ''])
  })

  it('links the whoami page to the playground', async () => {
    const reply = await send(port, 'GET', '/?format=html')
    expect(reply.body).toContain('<form class="again" method="get" action="/explain">')
  })

  it('answers a posted form with the page for the request it describes, and the form again', async () => {
    const reply = await send(port, 'POST', '/explain', FORM, form({
      trust: '10.0.0.0/8', remote: '10.0.0.1', headers: 'X-Forwarded-For: 198.51.100.7, 192.0.2.44\r\n\r\nx-forwarded-for: 10.0.0.2\nX-Forwarded-Proto: https',
    }))
    expect(reply.status).toBe(200)
    expect(reply.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    expect(chainSteps(reply.body)).toEqual(['ignored 198.51.100.7', 'client 192.0.2.44', 'proxy 10.0.0.2', 'proxy 10.0.0.1', 'server'])
    expect(reply.body).toContain('<code id="setting">10.0.0.0/8</code>')
    expect(reply.body).toContain('<h1>The client is <code id="ip">192.0.2.44</code></h1>')
    expect(reply.body).toContain('<input id="trust" name="trust" value="10.0.0.0/8"')
  })

  it('keeps nothing: the next GET starts from the server\'s own setting again', async () => {
    const reply = await send(port, 'GET', '/explain')
    expect(reply.body).toContain('<input id="trust" name="trust" value="loopback, 10.0.0.0/8"')
  })

  it('explains a form without a peer address as a socket without one, and missing fields as empty', async () => {
    const reply = await send(port, 'POST', '/explain', FORM, form({ trust: 'loopback' }))
    expect(reply.status).toBe(200)
    expect(reply.body).toContain('<code id="ip">no address</code>')
  })

  it.each([
    ['a slip in the setting', { trust: 'lookback', remote: '127.0.0.1', headers: '' },
      'invalid --trust &#34;lookback&#34;: invalid IP address: lookback: did you mean &#34;loopback&#34;?'],
    ['a peer that is not an address', { trust: 'loopback', remote: '<b>x</b>', headers: '' },
      'invalid --remote &#34;&#60;b&#62;x&#60;/b&#62;&#34;: expected an IP address (leave --remote out for a socket without one)'],
    ['a header line without a name', { trust: 'loopback', remote: '127.0.0.1', headers: '<script>alert(1)</script>' },
      'invalid --header &#34;&#60;script&#62;alert(1)&#60;/script&#62;&#34;: expected &#34;Name: value&#34;'],
  ])('answers 400 with the form and the command line\'s words for %s', async (_name, fields, message) => {
    const reply = await send(port, 'POST', '/explain', FORM, form(fields))
    expect(reply.status).toBe(400)
    expect(reply.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    expect(reply.body).toContain(`<p class="error" role="alert">${message}</p>`)
    expect(reply.body).not.toMatch(/<(?:script|b>)/)
  })

  it('escapes hostile fields everywhere on the page', async () => {
    const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    const reply = await send(port, 'POST', '/explain', FORM, form({
      trust: 'loopback', remote: '127.0.0.1', headers: `X-Forwarded-For: ${hostile}\nHost: ${hostile}\nForwarded: for=${hostile}\nX-Forwarded-Host: </textarea>${hostile}`,
    }))
    expect(reply.status).toBe(200)
    expect(reply.body).not.toMatch(/<(?:img|script)/i)
    expect(reply.body).not.toContain('</textarea><')
    expect(chainSteps(reply.body)[0]).toBe('client &#34;&#62;&#60;img src=x onerror=alert(1)&#62;&#60;script&#62;alert(2)&#60;/script&#62;')
  })

  it('answers 413 to a form longer than the bound it declares, before reading it', async () => {
    const reply = await raw(port, ['POST /explain HTTP/1.1', 'Host: x', 'Content-Type: application/x-www-form-urlencoded',
      `Content-Length: ${PLAYGROUND_LIMIT + 1}`, '', ''].join('\r\n'))
    expect(reply.status).toBe(413)
    expect(reply.body).toBe(`payload too large: the form may hold at most ${PLAYGROUND_LIMIT} bytes\n`)
  })

  it('answers 413 to a chunked form that grows past the bound, and reads no further', async () => {
    const chunk = 'a'.repeat(4096)
    const chunks = Array.from({ length: 12 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')
    const reply = await raw(port, ['POST /explain HTTP/1.1', 'Host: x', 'Content-Type: application/x-www-form-urlencoded',
      'Transfer-Encoding: chunked', '', chunks + '0\r\n\r\n'].join('\r\n'))
    expect(reply.status).toBe(413)
  })

  it('accepts a form of exactly the bound', async () => {
    const body = form({ trust: 'loopback', remote: '127.0.0.1', headers: '' })
    const reply = await send(port, 'POST', '/explain', FORM, body + '&pad=' + 'p'.repeat(PLAYGROUND_LIMIT - body.length - 5))
    expect(reply.status).toBe(200)
  })

  it.each([
    ['no content type', {}],
    ['JSON', { 'content-type': 'application/json' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
  ])('answers 415 to a form sent as %s', async (_name, headers) => {
    const reply = await send(port, 'POST', '/explain', headers, '{}')
    expect(reply.status).toBe(415)
    expect(reply.body).toBe('unsupported media type: post the form as application/x-www-form-urlencoded\n')
  })

  it('accepts the media type with parameters and in any case', async () => {
    const reply = await send(port, 'POST', '/explain', { 'content-type': 'Application/X-WWW-Form-URLEncoded; charset=UTF-8' }, form({ trust: 'loopback' }))
    expect(reply.status).toBe(200)
  })

  it('answers 405 with the methods allowed to anything but GET, HEAD and POST', async () => {
    const reply = await send(port, 'PUT', '/explain', FORM, 'trust=loopback')
    expect(reply.status).toBe(405)
    expect(reply.headers.allow).toBe('GET, HEAD, POST')
  })

  it('finds the playground under an absolute URL too, and leaves the asterisk form to the whoami answer', async () => {
    const absolute = await raw(port, requestBytes('GET http://whoami.example/explain HTTP/1.1'))
    expect(absolute.status).toBe(200)
    expect(absolute.body).toContain('<form class="playground"')
    const star = await raw(port, requestBytes('OPTIONS * HTTP/1.1'))
    expect(star.status).toBe(200)
    expect(star.body).toMatch(/^trust: loopback, 10\.0\.0\.0\/8 /)
  })

  it('survives a client that goes away in the middle of its form', async () => {
    const socket = net.connect({ host: '127.0.0.1', port })
    await once(socket, 'connect')
    socket.write(['POST /explain HTTP/1.1', 'Host: x', 'Content-Type: application/x-www-form-urlencoded', 'Content-Length: 100', '', 'trust=loop'].join('\r\n'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    socket.destroy()
    await once(socket, 'close')
    const reply = await send(port, 'GET', '/explain')
    expect(reply.status).toBe(200)
  })

  it('logs each playground request in one line, with no raw control character', async () => {
    await send(port, 'POST', '/explain?\u009b', FORM, form({ trust: '\u009b\u202e', headers: 'X-Forwarded-For: \u009b2J' }))
    const lines = stderr.trimEnd().split('\n').filter((line) => line.includes(' playground '))
    expect(lines.some((line) => / POST "\/explain" 200 playground explained$/.test(line))).toBe(true)
    expect(lines.some((line) => / POST "\/explain" 413 playground refused$/.test(line))).toBe(true)
    expect(lines.some((line) => / GET "\/explain" 200 playground form$/.test(line))).toBe(true)
    expect(lines.some((line) => / POST "\/explain" 400 playground invalid$/.test(line))).toBe(true)
    // eslint-disable-next-line no-control-regex
    expect(stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/)
  })
})

describe('whoami: the playground is optional, and its errors are caught', () => {
  const context = { trust: 'loopback', options: {} }

  async function serving(listener: http.RequestListener, run: (port: number) => Promise<void>): Promise<void> {
    const server = http.createServer(listener)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      await run((server.address() as net.AddressInfo).port)
    } finally {
      server.close()
      server.closeAllConnections()
    }
  }

  it('answers /explain as any other path without a playground', async () => {
    await serving(whoami({ trust: compileTrust('loopback'), setting: 'loopback', context }, { write: () => true }), async (port) => {
      const reply = await send(port, 'GET', '/explain', { accept: 'text/html' })
      expect(reply.body).toContain('<h1>You are <code id="ip">127.0.0.1</code></h1>')
      expect(reply.body).not.toContain('<form')
    })
  })

  it('answers 500 and logs it when explaining the form fails other than by a bad field', async () => {
    const log: string[] = []
    const playground = (): never => { throw new Error('boom') }
    const refused = (): never => { throw new UsageError('no such thing') }
    await serving(whoami({ trust: compileTrust('loopback'), setting: 'loopback', context, playground }, { write: (line: string) => log.push(line) }), async (port) => {
      const reply = await send(port, 'POST', '/explain', FORM, 'trust=x')
      expect([reply.status, reply.body]).toEqual([500, 'internal error: see the server log\n'])
      expect(log.at(-1)).toMatch(/ POST "\/explain" 500 Error: boom\n$/)
    })
    await serving(whoami({ trust: compileTrust('loopback'), setting: 'loopback', context, playground: refused }, { write: () => true }), async (port) => {
      const reply = await send(port, 'POST', '/explain', FORM, 'nothing=here')
      expect(reply.status).toBe(400)
      expect(reply.body).toContain('<p class="error" role="alert">no such thing</p>')
    })
  })
  it('fills the form with an empty peer for a socket without an address', () => {
    const written: unknown[] = []
    const res = { get headersSent() { return written.length > 0 }, writeHead: (...args: unknown[]) => written.push(args), end: (body: unknown) => written.push(body) }
    const req = { method: 'GET', url: '/explain', headers: {}, socket: {} } as unknown as http.IncomingMessage
    const handler = whoami({ trust: compileTrust('loopback'), setting: 'loopback', context, playground: () => { throw new Error('not asked') } }, { write: () => true })
    handler(req, res as unknown as http.ServerResponse)
    expect((written[0] as unknown[])[0]).toBe(200)
    expect(written[1]).toContain('<input id="remote" name="remote" value=""')
  })
})
