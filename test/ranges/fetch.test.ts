// fetch.test.ts: fetchList against a local HTTP server: bodies bounded in bytes after
// decompression, the whole fetch bounded in time, redirects checked, 304s, and the URL read.

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureOf, fetchList, MAX_BODY_BYTES, MAX_TIMER_MS, redirectProblem } from '../../src/ranges/fetch.js'
import { PROVIDERS, type Provider } from '../../src/ranges/providers.js'

const cloudflare = PROVIDERS.find((provider) => provider.name === 'cloudflare') as Provider
const fastly = PROVIDERS.find((provider) => provider.name === 'fastly') as Provider
const V4 = '173.245.48.0/20\n103.21.244.0/22\n'
const V6 = '2400:cb00::/32\n'

/** Each path's answer; the handlers see the request, to answer conditional ones. */
const ROUTES: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/v4': (_req, res) => res.writeHead(200, { etag: '"v4-1"', 'last-modified': 'Sun, 01 Nov 2026 00:00:00 GMT' }).end(V4),
  '/v6': (req, res) => {
    if (req.headers['if-none-match'] === '"v6-1"') return void res.writeHead(304, { etag: '"v6-1"' }).end()
    res.writeHead(200, { etag: '"v6-1"' }).end(V6)
  },
  '/v4-conditional': (req, res) => {
    if (req.headers['if-modified-since'] === 'Sun, 01 Nov 2026 00:00:00 GMT') return void res.writeHead(304).end()
    res.writeHead(200, { 'last-modified': 'Sun, 01 Nov 2026 00:00:00 GMT' }).end(V4)
  },
  '/gzip-bomb': (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x0a))),
  '/gzip-small': (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(V4)),
  '/endless': (_req, res) => {
    res.writeHead(200)
    const chunk = Buffer.alloc(1024 * 1024, 0x0a)
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump)
    }
    pump()
  },
  '/trickle': (_req, res) => {
    res.writeHead(200)
    const timer = setInterval(() => res.write('\n'), 20)
    res.on('close', () => clearInterval(timer))
  },
  '/silent': () => undefined,
  '/not-utf8': (_req, res) => res.writeHead(200).end(Buffer.from([0x31, 0xff, 0xfe, 0x0a])),
  '/same-host': (_req, res) => res.writeHead(301, { location: '/v4' }).end(),
  '/other-host': (_req, res) => res.writeHead(302, { location: `http://localhost:${port()}/v4` }).end(),
  '/ftp': (_req, res) => res.writeHead(302, { location: 'ftp://127.0.0.1/v4' }).end(),
  '/loop': (_req, res) => res.writeHead(307, { location: '/loop' }).end(),
  '/error': (_req, res) => res.writeHead(500).end('oops'),
  '/no-location': (_req, res) => res.writeHead(302).end(),
}

let server: http.Server
let base = ''
function port(): number {
  return (server.address() as AddressInfo).port
}

beforeAll(async () => {
  server = http.createServer((req, res) => (ROUTES[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${port()}`
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
})

describe('fetchList', () => {
  it('reads and parses the bodies, with the URLs read and their validators', async () => {
    expect(await fetchList(cloudflare, [`${base}/v4`, `${base}/v6`])).toEqual({
      status: 'ok',
      subnets: { v4: ['173.245.48.0/20', '103.21.244.0/22'], v6: ['2400:cb00::/32'] },
      urls: [`${base}/v4`, `${base}/v6`],
      validators: [{ etag: '"v4-1"', lastModified: 'Sun, 01 Nov 2026 00:00:00 GMT' }, { etag: '"v6-1"' }],
    })
  })

  it('records the URL it read after a redirect on the same host', async () => {
    const fetched = await fetchList(cloudflare, [`${base}/same-host`, `${base}/v6`])
    expect(fetched.urls).toEqual([`${base}/v4`, `${base}/v6`])
  })

  it('reads a gzip body', async () => {
    const fetched = await fetchList(cloudflare, [`${base}/gzip-small`, `${base}/v6`])
    expect(fetched.status === 'ok' && fetched.subnets.v4).toEqual(['173.245.48.0/20', '103.21.244.0/22'])
  })

  it('answers not-modified when every URL answers 304 to its validators (ETag, If-Modified-Since)', async () => {
    const first = await fetchList(cloudflare, [`${base}/v4-conditional`, `${base}/v6`])
    expect(await fetchList(cloudflare, [`${base}/v4-conditional`, `${base}/v6`], { validators: first.validators })).toEqual({
      status: 'not-modified',
      urls: [`${base}/v4-conditional`, `${base}/v6`],
      validators: [{ lastModified: 'Sun, 01 Nov 2026 00:00:00 GMT' }, { etag: '"v6-1"' }],
    })
  })

  it('asks again for the body of a URL that answered 304 when another changed', async () => {
    const fetched = await fetchList(cloudflare, [`${base}/v4`, `${base}/v6`], { validators: [{ etag: '"old"' }, { etag: '"v6-1"' }] })
    expect(fetched.status === 'ok' && fetched.subnets).toEqual({ v4: ['173.245.48.0/20', '103.21.244.0/22'], v6: ['2400:cb00::/32'] })
  })

  it('follows a redirect to another host when allowed, and records where it went', async () => {
    const fetched = await fetchList(cloudflare, [`${base}/other-host`, `${base}/v6`], { allowRedirects: true })
    expect(fetched.urls).toEqual([`http://localhost:${port()}/v4`, `${base}/v6`])
  })

  const failures = [
    { name: 'fail: a gzip bomb stops at the byte bound after decompression', path: '/gzip-bomb', options: {}, message: `{base}/gzip-bomb: the body is larger than ${MAX_BODY_BYTES} bytes` },
    { name: 'fail: an endless body stops at the byte bound', path: '/endless', options: { maxBytes: 4 * 1024 * 1024 }, message: `{base}/endless: the body is larger than ${4 * 1024 * 1024} bytes` },
    { name: 'fail: a body that trickles forever stops at the time bound', path: '/trickle', options: { timeout: 200 }, message: '{base}/trickle {base}/v6: no answer within 200 ms' },
    { name: 'fail: a server that never answers stops at the time bound', path: '/silent', options: { timeout: 200 }, message: '{base}/silent {base}/v6: no answer within 200 ms' },
    { name: 'fail: a body that is not UTF-8', path: '/not-utf8', options: {}, message: /^\{base\}\/not-utf8: .*(encoded data|invalid|utf-8)/i },
    { name: 'fail: a redirect to another host', path: '/other-host', options: {}, message: `{base}/other-host: redirected to another host (http://localhost:{port}/v4); pass --allow-redirects to follow it, or give that URL` },
    { name: 'fail: a redirect to another scheme, even when allowed', path: '/ftp', options: { allowRedirects: true }, message: '{base}/ftp: redirected to ftp://127.0.0.1/v4, which is not http or https' },
    { name: 'fail: endless redirects', path: '/loop', options: {}, message: '{base}/loop: more than 5 redirects' },
    { name: 'fail: an HTTP error', path: '/error', options: {}, message: '{base}/error: HTTP 500' },
    { name: 'fail: a redirect status without a Location', path: '/no-location', options: {}, message: '{base}/no-location: HTTP 302' },
  ]
  it.each(failures)('$name', async ({ path, options, message }) => {
    const expected = typeof message === 'string'
      ? message.replaceAll('{base}', base).replace('{port}', String(port()))
      : new RegExp(message.source.replaceAll('\\{base\\}', base.replaceAll('.', '\\.')), message.flags)
    await expect(fetchList(cloudflare, [`${base}${path}`, `${base}/v6`], options)).rejects.toThrow(expected)
  })

  it('fail: a connection refused names the URL and the cause', async () => {
    // a port that was just free: nothing listens there (port 1 would be refused by fetch itself, a "bad port")
    const probe = http.createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const closed = (probe.address() as AddressInfo).port
    probe.close()
    await once(probe, 'close')
    const url = `http://127.0.0.1:${closed}/public-ip-list`
    await expect(fetchList(fastly, [url])).rejects.toThrow(new Error(`${url}: fetch failed (connect ECONNREFUSED 127.0.0.1:${closed})`))
  })

  it('runs with a timeout at the bound of a timer (2^31-1 ms)', async () => {
    expect(await fetchList(cloudflare, [`${base}/v4`, `${base}/v6`], { timeout: MAX_TIMER_MS })).toMatchObject({ status: 'ok' })
  })

  it.each([
    ['a month', 30 * 86_400_000, '2592000000'],
    ['one past the bound', 2 ** 31, '2147483648'],
    ['zero', 0, '0'],
    ['not a number', '1000', '1000'],
  ])('error: a timeout of %s, which a timer cannot wait', async (_name, timeout, shown) => {
    await expect(fetchList(cloudflare, [`${base}/v4`, `${base}/v6`], { timeout: timeout as number })).rejects.toThrow(
      new TypeError(`invalid fetchList option timeout: ${shown} (expected a positive number of milliseconds up to 2147483647 (about 24.8 days))`))
  })

  it('fail: stops at once when its signal is aborted, with the request in flight', async () => {
    const controller = new AbortController()
    const fetching = fetchList(cloudflare, [`${base}/silent`, `${base}/v6`], { signal: controller.signal, timeout: 600_000 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    controller.abort()
    await expect(fetching).rejects.toThrow(new Error(`${base}/silent ${base}/v6: stopped`))
  })

  it('fail: does not start when its signal is aborted already', async () => {
    await expect(fetchList(cloudflare, [`${base}/v4`, `${base}/v6`], { signal: AbortSignal.abort() })).rejects.toThrow(new Error(`${base}/v4 ${base}/v6: stopped`))
  })

  it('fail: the parse counts against the same deadline as the download', async () => {
    const slow: Provider = { ...fastly, parse: () => {
      // a parser that takes longer than the time left (the real ones are linear; see providers.test.ts)
      const until = Date.now() + 150
      while (Date.now() < until);
      return { v4: ['173.245.48.0/20'], v6: [] }
    } }
    await expect(fetchList(slow, [`${base}/v4`], { timeout: 100 })).rejects.toThrow(`${base}/v4: no answer within 100 ms`)
  })
})

describe('failureOf', () => {
  const failed = (cause?: unknown): Error => new TypeError('fetch failed', cause === undefined ? {} : { cause })
  it.each([
    ['a cause with a message', failed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'fetch failed (connect ECONNREFUSED 127.0.0.1:1)'],
    ['several addresses, each refused (an AggregateError without a message)', failed(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')], '')), 'fetch failed (connect ECONNREFUSED ::1:1)'],
    ['a cause with a code only', failed(Object.assign(new Error(''), { code: 'UND_ERR_SOCKET' })), 'fetch failed (UND_ERR_SOCKET)'],
    ['a cause with neither', failed(new Error('')), 'fetch failed (Error)'],
    ['no cause', failed(), 'fetch failed'],
    ['a cause that is not an Error', failed('refused'), 'fetch failed'],
  ])('%s', (_name, error, words) => {
    expect(failureOf(error)).toBe(words)
  })
})

describe('redirectProblem', () => {
  it.each([
    ['same host, https', 'https://a.example/x', 'https://a.example/y', false, undefined],
    ['https to http refused', 'https://a.example/x', 'http://a.example/y', false, 'redirected from https to plain http (http://a.example/y); pass --allow-redirects to follow it'],
    ['https to http allowed', 'https://a.example/x', 'http://a.example/y', true, undefined],
    ['another port is another host', 'https://a.example/x', 'https://a.example:8443/y', false, 'redirected to another host (https://a.example:8443/y); pass --allow-redirects to follow it, or give that URL'],
    ['http to https on the same host', 'http://a.example/x', 'https://a.example/y', false, undefined],
  ])('%s', (_name, from, to, allow, problem) => {
    expect(redirectProblem(new URL(from), new URL(to), allow)).toBe(problem)
  })
})
