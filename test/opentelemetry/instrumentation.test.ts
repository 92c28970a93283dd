// instrumentation.test.ts: the hook with the real OpenTelemetry SDK and HTTP instrumentation over real
// sockets, beside what the instrumentation alone records for the same requests. The instrumentation
// reads the first Forwarded `for=`, else the leftmost X-Forwarded-For entry, for client.address, and
// Forwarded `host=` or X-Forwarded-Host for server.address, from anyone (`getRemoteClientAddress`
// and `getServerAddress` in @opentelemetry/instrumentation-http's src/utils.ts).

import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTrust, type TrustFn } from '../../src/core/compile.js'
import { incomingSpanHook } from '../../src/opentelemetry.js'

/** The attributes this package sets, and the socket's, which it leaves alone. */
const KEYS = ['client.address', 'client.port', 'server.address', 'server.port', 'url.scheme', 'network.peer.address'] as const
type Seen = Partial<Record<(typeof KEYS)[number], string | number>>

const SERVER_KIND = 1 // SpanKind.SERVER in @opentelemetry/api

const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
// outgoing requests (the test's own client) are not what is looked at
const instrumentation = new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true })
instrumentation.setTracerProvider(provider)
// the instrumentation patches node:http when it is required after it is enabled
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')

const server = http.createServer((_req, res) => res.end('ok'))
let port = 0

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  instrumentation.disable()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await provider.shutdown()
})

/** Send one request from `from` (a loopback source address) and return its server span's attributes. */
async function spanOf(from: string, headers: Record<string, string>, hook: TrustFn | undefined): Promise<{ seen: Seen; peerPort: number }> {
  exporter.reset()
  instrumentation.setConfig({ ignoreOutgoingRequestHook: () => true, ...(hook === undefined ? {} : { startIncomingSpanHook: incomingSpanHook(hook) }) })
  const peerPort = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, localAddress: from, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(req.socket?.localPort ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
  // the server span ends when the response finishes on the server side, which can be after the
  // client has read it: wait for it by turns of the event loop, not by time
  let spans = exporter.getFinishedSpans().filter((span) => span.kind === SERVER_KIND)
  for (let turns = 0; spans.length === 0 && turns < 1000; turns++) {
    await new Promise((resolve) => setImmediate(resolve))
    spans = exporter.getFinishedSpans().filter((span) => span.kind === SERVER_KIND)
  }
  expect(spans).toHaveLength(1)
  const attributes = spans[0]?.attributes ?? {}
  const seen: Seen = {}
  for (const key of KEYS) if (attributes[key] !== undefined) seen[key] = attributes[key] as string | number
  return { seen, peerPort }
}

/** The headers a client sends to name itself 7.7.7.7 at evil.example. */
const FORGED = {
  host: 'shop.example:8080',
  forwarded: 'for=7.7.7.7;host=evil.example',
  'x-forwarded-for': '6.6.6.6, 203.0.113.5',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
}

interface Case {
  readonly name: string
  readonly from: string
  readonly trust: TrustFn
  readonly headers: Record<string, string>
  /** What the instrumentation alone records. */
  readonly alone: Seen
  /** What it records with the hook; `client.port: 'peer'` is the client socket's own port. */
  readonly hooked: Omit<Seen, 'client.port'> & { readonly 'client.port'?: number | 'peer' }
}

const CASES: readonly Case[] = [
  {
    name: 'a direct client forging every header: the socket and Host, not the headers',
    from: '127.0.0.7', trust: compileTrust('10.0.0.0/8'), headers: FORGED,
    alone: { 'client.address': '7.7.7.7', 'server.address': 'evil.example', 'url.scheme': 'http', 'network.peer.address': '127.0.0.7' },
    hooked: { 'client.address': '127.0.0.7', 'client.port': 'peer', 'server.address': 'shop.example', 'server.port': 8080, 'url.scheme': 'http', 'network.peer.address': '127.0.0.7' },
  },
  {
    name: 'a direct client under the strict preset: the same',
    from: '127.0.0.8', trust: compileTrust('10.0.0.0/8', { preset: 'strict' }), headers: FORGED,
    alone: { 'client.address': '7.7.7.7', 'server.address': 'evil.example', 'url.scheme': 'http', 'network.peer.address': '127.0.0.8' },
    hooked: { 'client.address': '127.0.0.8', 'client.port': 'peer', 'server.address': 'shop.example', 'server.port': 8080, 'url.scheme': 'http', 'network.peer.address': '127.0.0.8' },
  },
  {
    name: 'a trusted proxy chain: the walk\'s client, X-Forwarded-Host and -Proto',
    from: '127.0.0.9', trust: compileTrust('loopback'),
    headers: { host: 'backend:3000', 'x-forwarded-for': '6.6.6.6, 203.0.113.5', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' },
    alone: { 'client.address': '6.6.6.6', 'server.address': 'shop.example', 'server.port': 443, 'url.scheme': 'http', 'network.peer.address': '127.0.0.9' },
    hooked: { 'client.address': '203.0.113.5', 'server.address': 'shop.example', 'server.port': 443, 'url.scheme': 'https', 'network.peer.address': '127.0.0.9' },
  },
  {
    name: 'source forwarded: the client\'s element, with its port, host and proto',
    from: '127.0.0.10', trust: compileTrust('loopback', { source: 'forwarded' }),
    headers: { host: 'backend:3000', forwarded: 'for=7.7.7.7;host=evil.example, for="203.0.113.5:4711";host=shop.example;proto=https', 'x-forwarded-for': '6.6.6.6' },
    alone: { 'client.address': '7.7.7.7', 'server.address': 'evil.example', 'url.scheme': 'http', 'network.peer.address': '127.0.0.10' },
    hooked: { 'client.address': '203.0.113.5', 'client.port': 4711, 'server.address': 'shop.example', 'server.port': 443, 'url.scheme': 'https', 'network.peer.address': '127.0.0.10' },
  },
  {
    name: 'hostAndProto aligned: host and proto of the hop that named the client, not the leftmost values',
    from: '127.0.0.11', trust: compileTrust('loopback', { hostAndProto: 'aligned' }),
    headers: { host: 'backend:3000', 'x-forwarded-for': '6.6.6.6, 203.0.113.5', 'x-forwarded-host': 'evil.example, shop.example:8443', 'x-forwarded-proto': 'http, https' },
    alone: { 'client.address': '6.6.6.6', 'server.address': 'evil.example, shop.example', 'server.port': 8443, 'url.scheme': 'http', 'network.peer.address': '127.0.0.11' },
    hooked: { 'client.address': '203.0.113.5', 'server.address': 'shop.example', 'server.port': 8443, 'url.scheme': 'https', 'network.peer.address': '127.0.0.11' },
  },
  {
    name: 'ports: the port of the client\'s X-Forwarded-For entry',
    from: '127.0.0.12', trust: compileTrust('loopback', { ports: true }),
    headers: { host: 'shop.example', 'x-forwarded-for': '[2001:db8::5]:5555' },
    alone: { 'client.address': '2001:db8::5', 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http', 'network.peer.address': '127.0.0.12' },
    hooked: { 'client.address': '2001:db8::5', 'client.port': 5555, 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http', 'network.peer.address': '127.0.0.12' },
  },
  {
    name: 'fail: a client entry that is not an address under strict addresses names no client at all',
    from: '127.0.0.13', trust: compileTrust('loopback', { addresses: 'strict' }),
    headers: { host: 'shop.example', 'x-forwarded-for': 'evil.example' },
    alone: { 'client.address': 'evil.example', 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http', 'network.peer.address': '127.0.0.13' },
    hooked: { 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http', 'network.peer.address': '127.0.0.13' },
  },
]

describe('server spans from @opentelemetry/instrumentation-http', () => {
  it.each(CASES)('$name', async ({ from, trust, headers, alone, hooked }) => {
    expect((await spanOf(from, headers, undefined)).seen).toEqual(alone)
    const { seen, peerPort } = await spanOf(from, headers, trust)
    expect(seen).toEqual(hooked['client.port'] === 'peer' ? { ...hooked, 'client.port': peerPort } : hooked)
  })
})
