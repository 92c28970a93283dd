// reference.test.ts: docs/reference/using-the-answer.md shows the tested snippet files as they are,
// and its guards snippet (docs/reference/snippets/guards.mjs, importing the built package) does what
// the page says over real sockets.

import http from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../fixtures/pack.js'
import { closeServer, listen, requestFrom, startProxyChain, type Endpoint, type ProxyChain } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, HOST, INNER, TWO_HOPS } from '../fixtures/topology.js'

const page = readFileSync(join(ROOT, 'docs/reference/using-the-answer.md'), 'utf8')
const blocks = [...page.matchAll(/<!-- snippet: ([\w.-]+) -->\n```js\n([\s\S]*?)```\n/g)].map((match) => ({ name: match[1] as string, text: match[2] as string }))

describe('docs/reference/using-the-answer.md', () => {
  it('shows the four snippet files', () => {
    expect(blocks.map((block) => block.name)).toEqual(['rate-limit.mjs', 'rate-limit-key.mjs', 'guards.mjs', 'mounted.mjs'])
  })

  it.each(blocks)('$name is the tested file', ({ name, text }) => {
    expect(text).toBe(readFileSync(join(ROOT, 'docs/reference/snippets', name), 'utf8'))
  })
})

describe('snippets/guards.mjs', () => {
  const OFFICE = '127.0.0.5'
  const OUTSIDER = '127.0.0.6'
  let server: http.Server
  let app: Endpoint
  let chain: ProxyChain

  beforeAll(async () => {
    const { buildApp } = await import(pathToFileURL(join(ROOT, 'docs/reference/snippets/guards.mjs')).href) as { buildApp(proxies: string, office: string): http.RequestListener }
    server = http.createServer(buildApp(`${EDGE}, ${INNER}`, OFFICE))
    app = await listen(server, APP)
    chain = await startProxyChain(app, TWO_HOPS)
  })

  afterAll(async () => {
    await chain.close()
    await closeServer(server)
  })

  it.each([
    { name: 'the origin reached directly: refused', from: CLIENT, direct: true, path: '/', expected: '403 Forbidden' },
    { name: 'a health check reached directly: answered', from: CLIENT, direct: true, path: '/healthz', expected: '200 ok' },
    { name: 'through the proxies: answered', from: OUTSIDER, direct: false, path: '/', expected: '200 welcome' },
    { name: 'the admin area from the office, through the proxies', from: OFFICE, direct: false, path: '/admin', expected: `200 hello ${OFFICE}` },
    { name: 'the admin area from elsewhere: refused', from: OUTSIDER, direct: false, path: '/admin', expected: '403 Forbidden' },
    { name: 'the admin area from elsewhere, claiming the office in X-Forwarded-For: refused', from: OUTSIDER, direct: false, path: '/admin', headers: { 'x-forwarded-for': OFFICE }, expected: '403 Forbidden' },
  ])('$name', async ({ from, direct, path, headers, expected }) => {
    const reply = await requestFrom(from, direct ? app : chain.entry, { path, headers: { host: HOST, ...headers } })
    expect(`${reply.status} ${reply.body.trim()}`).toBe(expected)
  })
})

describe('snippets/mounted.mjs', () => {
  let server: http.Server
  let app: Endpoint

  beforeAll(async () => {
    const { buildApp } = await import(pathToFileURL(join(ROOT, 'docs/reference/snippets/mounted.mjs')).href) as { buildApp(proxies: string): http.RequestListener }
    server = http.createServer(buildApp(EDGE))
    app = await listen(server, APP)
  })

  afterAll(async () => {
    await closeServer(server)
  })

  // the proxy at EDGE is simulated by sending from its address with the headers it would set
  it.each([
    { name: 'the proxy\'s prefix, port and host are used', from: EDGE, headers: { 'x-forwarded-prefix': '/shop', 'x-forwarded-port': '8443', 'x-forwarded-host': 'www.shop.example' }, expected: ['/shop/account', 'host www.shop.example, port 8443'] },
    { name: 'a network-path prefix is not', from: EDGE, headers: { 'x-forwarded-prefix': '//evil.example' }, expected: ['/account', 'host backend, port none'] },
    { name: 'a prefix that climbs out of the mount point is not', from: EDGE, headers: { 'x-forwarded-prefix': '/shop/../admin' }, expected: ['/account', 'host backend, port none'] },
    { name: 'a host outside allowedHosts is not', from: EDGE, headers: { 'x-forwarded-prefix': '/shop', 'x-forwarded-host': 'evil.example' }, expected: ['/shop/account', 'host backend, port none'] },
    { name: 'a client that reaches the app directly is not believed', from: CLIENT, headers: { 'x-forwarded-prefix': '/shop', 'x-forwarded-port': '8443', 'x-forwarded-host': 'www.shop.example' }, expected: ['/account', 'host backend, port none'] },
  ])('$name', async ({ from, headers, expected }) => {
    const reply = await requestFrom(from, app, { path: '/login', headers: { host: 'backend', 'x-forwarded-for': '203.0.113.9', ...headers } })
    expect(reply.status).toBe(302)
    expect([reply.headers.location, reply.body]).toEqual(expected)
  })
})
