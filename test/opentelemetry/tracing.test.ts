// tracing.test.ts: the tracing recipe of docs/guides/observability.md (docs/guides/snippets/tracing.mjs,
// importing the built package) with the real SDK, over real sockets: a direct client forging headers,
// and a client behind a trusted TLS-terminating edge proxy.

import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../fixtures/pack.js'
import { closeServer, listen, requestFrom, startProxyChain, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, FORGED, HOST } from '../fixtures/topology.js'

// the snippet reads its setting when loaded: the edge proxy only
process.env['TRUST_PROXY'] = EDGE

const SERVER_KIND = 1 // SpanKind.SERVER in @opentelemetry/api
const exporter = new InMemorySpanExporter()
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
let instrumentation: HttpInstrumentation
let server: import('node:http').Server
let app: Endpoint

beforeAll(async () => {
  const url = pathToFileURL(join(ROOT, 'docs/guides/snippets/tracing.mjs')).href
  instrumentation = ((await import(url)) as { httpInstrumentation: HttpInstrumentation }).httpInstrumentation
  instrumentation.setTracerProvider(provider)
  // the instrumentation patches node:http when it is required after it is enabled
  const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')
  server = http.createServer((_req, res) => res.end('ok'))
  app = await listen(server, APP)
})

afterAll(async () => {
  instrumentation.disable()
  await closeServer(server)
  await provider.shutdown()
})

/**
 * The app's server span's client, server and peer attributes, once it has ended. The test's proxy is
 * a node:http server in the same process, instrumented too: its span is the one whose peer is the
 * client itself, and is left out when `peer` is given.
 */
async function serverSpan(peer?: string): Promise<Record<string, unknown>> {
  const ours = () => exporter.getFinishedSpans().filter((span) => span.kind === SERVER_KIND && (peer === undefined || span.attributes['network.peer.address'] === peer))
  let spans = ours()
  for (let turns = 0; spans.length === 0 && turns < 1000; turns++) {
    await new Promise((resolve) => setImmediate(resolve))
    spans = ours()
  }
  expect(spans).toHaveLength(1)
  const attributes = spans[0]?.attributes ?? {}
  const keys = ['client.address', 'client.port', 'server.address', 'server.port', 'url.scheme', 'network.peer.address']
  return Object.fromEntries(keys.filter((key) => attributes[key] !== undefined).map((key) => [key, attributes[key]]))
}

describe('snippets/tracing.mjs', () => {
  it('a direct client forging X-Forwarded-*: its socket, and the Host it sent', async () => {
    exporter.reset()
    await requestFrom(CLIENT, app, { headers: { host: HOST, ...FORGED } })
    const seen = await serverSpan()
    expect(seen).toEqual({
      'client.address': CLIENT, 'client.port': seen['client.port'], 'server.address': 'shop.example', 'server.port': 8443,
      'url.scheme': 'http', 'network.peer.address': CLIENT,
    })
    expect(seen['client.port']).toEqual(expect.any(Number))
  })

  it('behind a trusted edge that terminates TLS: the client, and the host and scheme the edge saw', async () => {
    exporter.reset()
    const chain = await startProxyChain(app, [{ address: EDGE, scheme: 'https' }])
    try {
      await requestFrom(CLIENT, chain.entry, { headers: { host: HOST, ...FORGED } })
    } finally {
      await chain.close()
    }
    expect(await serverSpan(EDGE)).toEqual({
      'client.address': CLIENT, 'server.address': 'shop.example', 'server.port': 8443, 'url.scheme': 'https', 'network.peer.address': EDGE,
    })
  })
})
