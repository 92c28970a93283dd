// serve.test.ts: the whoami server never dies on a request: hostile request lines and headers sent
// over raw sockets to the built executable, unreadable targets answered 400, errors while answering
// caught per request, and every log line free of raw control characters.

import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import type http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn } from '../../src/core/compile.js'
import { queryOf, whoami } from '../../src/cli/serve.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = join(ROOT, 'dist/esm/cli.js')

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
    if (!existsSync(CLI)) throw new Error('dist/esm/cli.js is missing: run `node scripts/build.mjs` first')
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
