import http from 'node:http'
import type net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { whoami } from '../../src/cli/serve.js'
import { compileTrust } from '../../src/core/compile.js'
import { explain } from '../../src/diagnostics/explain.js'
import { renderHtml, renderText } from '../../src/diagnostics/render.js'
import { acceptProxyProtocol } from '../../src/proxy-protocol.js'
import { connect, readAll } from './client.js'
import { v2 } from './encode.js'

const servers: http.Server[] = []
afterEach(() => Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve)))))

async function get(listener: http.RequestListener, header: Uint8Array | string, path = '/', headers = ''): Promise<string> {
  const server = acceptProxyProtocol(http.createServer(listener), { from: 'loopback' })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const request = `GET ${path} HTTP/1.0\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`
  const socket = await connect((server.address() as net.AddressInfo).port, Buffer.concat([Buffer.from(header), Buffer.from(request)]))
  const response = await readAll(socket)
  return response.slice(response.indexOf('\r\n\r\n') + 4)
}

const V1 = 'PROXY TCP4 203.0.113.5 127.0.0.1 40001 80\r\n'

describe('explain behind a PROXY header', () => {
  it('hop 0 is the announced client, read from proxy-protocol; the balancer and its rule stand before it', async () => {
    const trust = compileTrust('loopback')
    const body = await get((req, res) => res.end(JSON.stringify(explain(req, trust))), V1)
    const explanation = JSON.parse(body)
    expect(explanation.connection).toEqual({ from: 'proxy-protocol', version: 1, balancer: '127.0.0.1', reason: 'loopback (127.0.0.1/8)' })
    expect(explanation.hops[0]).toMatchObject({ index: 0, from: 'proxy-protocol', received: '203.0.113.5', trusted: false, role: 'client' })
    expect(explanation.from.ip).toBe('proxy-protocol')
    expect(explanation.result.ip).toBe('203.0.113.5')
  })

  it('forwarding headers behind it are walked from the announced address', async () => {
    const trust = compileTrust(['loopback', '203.0.113.5'])
    const body = await get((req, res) => res.end(JSON.stringify(explain(req, trust))), V1, '/', 'X-Forwarded-For: 198.51.100.1\r\n')
    const explanation = JSON.parse(body)
    expect(explanation.hops.map((hop: { from: string; received: string }) => `${hop.from} ${hop.received}`)).toEqual(['proxy-protocol 203.0.113.5', 'x-forwarded-for 198.51.100.1'])
    expect(explanation.result.ip).toBe('198.51.100.1')
  })

  it('a warning that names the peer says its address came in a PROXY header, from which balancer and by which rule', async () => {
    const trust = compileTrust('loopback')
    const body = await get((req, res) => res.end(JSON.stringify(explain(req, trust))), V1, '/', 'X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n')
    const warnings = JSON.parse(body).warnings as { code: string, message: string }[]
    const untrusted = warnings.find((w) => w.code === 'UNTRUSTED_PEER_WITH_HEADERS')
    expect(untrusted?.message).toBe('the peer "203.0.113.5" is not trusted, so X-Forwarded-For is ignored and ip is the peer\'s address (the peer\'s address came in a PROXY protocol header from 127.0.0.1, trusted by loopback (127.0.0.1/8))')
    expect(warnings.find((w) => w.code === 'HOST_PROTO_FROM_UNTRUSTED')?.message).toMatch(/ \(the peer's address came in a PROXY protocol header from 127\.0\.0\.1, trusted by loopback \(127\.0\.0\.1\/8\)\)$/)
  })

  it('LOCAL keeps the socket as the source and adds no connection hop', async () => {
    const trust = compileTrust('loopback')
    const body = await get((req, res) => res.end(JSON.stringify(explain(req, trust))), v2({ command: 0, fam: 0 }))
    const explanation = JSON.parse(body)
    expect(explanation.connection).toBeUndefined()
    expect(explanation.hops[0]).toMatchObject({ from: 'socket', received: '127.0.0.1' })
  })

  it('the whoami page says which balancer sent the header and the rule that trusted it', async () => {
    const settings = { trust: compileTrust('loopback'), setting: 'loopback', context: { trust: 'loopback', options: {} } }
    const log = { write: () => true }
    const text = await get(whoami(settings, log), V1, '/?format=text')
    expect(text).toContain('connection: hop 0 from a PROXY protocol v1 header sent by 127.0.0.1, trusted by loopback (127.0.0.1/8)\n')
    expect(text).toMatch(/ 0 +client +proxy-protocol +203\.0\.113\.5 /)
    const html = await get(whoami(settings, log), V1, '/?format=html')
    expect(html).toContain('<p class="connection">Connection: hop 0 from a PROXY protocol v1 header sent by 127.0.0.1, trusted by loopback (127.0.0.1/8)</p>')
  })

  it('a record without a balancer address (another copy\'s, or a hand-made socket) is shown as such, escaped', () => {
    const record = { header: { version: 2, command: 'proxy' }, peer: { address: undefined }, applied: true, rule: 'custom\x1b[31m' }
    const req = { socket: { remoteAddress: '203.0.113.5', [Symbol.for('proxy-trust.proxy-protocol')]: record }, headers: {} }
    const explanation = explain(req, compileTrust('loopback'))
    const context = { trust: 'loopback', options: {} }
    expect(renderText(explanation, context, false)).toContain('connection: hop 0 from a PROXY protocol v2 header sent by a peer without an address, trusted by custom\\x1b[31m\n')
    expect(renderHtml(explanation, context)).toContain('sent by a peer without an address, trusted by custom')
  })

  it('a warning that does not name the peer is left as it is', () => {
    const record = { header: { version: 1, command: 'proxy' }, peer: { address: '127.0.0.1' }, applied: true, rule: 'loopback' }
    const req = { socket: { remoteAddress: '203.0.113.5', [Symbol.for('proxy-trust.proxy-protocol')]: record }, headers: {} }
    const all = explain(req, compileTrust(true), true).warnings.find((w) => w.code === 'TRUST_ALL')
    expect(all?.message).toBe('trust is true: every hop is trusted, so whoever sends X-Forwarded-For, -Host or -Proto chooses its own ip, host and protocol')
  })
})
