// recipes.test.ts: the logging recipes of docs/guides/observability.md, run as the guide shows them
// (docs/guides/snippets/, importing the built package), over real sockets: a direct client forging
// X-Forwarded-* headers is logged as itself, a client behind two trusted proxies as the client.

import http from 'node:http'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../fixtures/pack.js'
import { closeServer, listen, requestFrom, startProxyChain, type Endpoint } from '../fixtures/proxies.js'
import { APP, CLIENT, EDGE, FORGED, HOST, INNER, TWO_HOPS } from '../fixtures/topology.js'

// the snippets read their setting when loaded: the two proxies of the chain, not the client
process.env['TRUST_PROXY'] = `${EDGE}, ${INNER}`

/** A snippet module, loaded by URL so that it runs as a user's file would, against the build. */
function snippet<T>(name: string): Promise<T> {
  return import(pathToFileURL(join(ROOT, 'docs/guides/snippets', name)).href) as Promise<T>
}

/** A stream that keeps each line written to it. */
function lines(): { stream: Writable; lines: string[] } {
  const kept: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      kept.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''))
      done()
    },
  })
  return { stream, lines: kept }
}

const running: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()))
})

async function serve(server: http.Server): Promise<Endpoint> {
  running.push(() => closeServer(server))
  return listen(server, APP)
}

/** Send one request directly (forging) or through the two proxies; return once the response is read. */
async function send(app: Endpoint, through: 'direct' | 'proxies'): Promise<void> {
  if (through === 'direct') {
    await requestFrom(CLIENT, app, { headers: { host: HOST, ...FORGED } })
    return
  }
  const chain = await startProxyChain(app, TWO_HOPS)
  running.push(() => chain.close())
  await requestFrom(CLIENT, chain.entry, { headers: { host: HOST } })
}

/** Wait, by turns of the event loop, until `list` holds `count` entries (a log may follow the response). */
async function settled(list: readonly string[], count: number): Promise<void> {
  for (let turns = 0; list.length < count && turns < 1000; turns++) await new Promise((resolve) => setImmediate(resolve))
}

const ROUTES = [
  { name: 'a direct client forging X-Forwarded-For: logged as its socket address', through: 'direct', client: CLIENT, peer: CLIENT },
  { name: 'a client behind two trusted proxies: logged as the client, not the inner proxy', through: 'proxies', client: CLIENT, peer: INNER },
] as const

describe('pino-http with the request serializer (snippets/pino-http.mjs)', () => {
  let requestLogger: (destination: Writable) => (req: http.IncomingMessage, res: http.ServerResponse) => void
  beforeAll(async () => {
    ({ requestLogger } = await snippet<{ requestLogger: typeof requestLogger }>('pino-http.mjs'))
  })

  it.each(ROUTES)('$name', async ({ through, client, peer }) => {
    const log = lines()
    const logger = requestLogger(log.stream)
    const app = await serve(http.createServer((req, res) => {
      logger(req, res)
      res.end('ok')
    }))
    await send(app, through)
    await settled(log.lines, 1)
    const entry = JSON.parse(log.lines[0] as string) as { req: { remoteAddress: string; peerAddress: string; headers: Record<string, string> } }
    expect({ remoteAddress: entry.req.remoteAddress, peerAddress: entry.req.peerAddress }).toEqual({ remoteAddress: client, peerAddress: peer })
  })
})

describe('morgan with a :client-ip token on node:http (snippets/morgan.mjs)', () => {
  let accessLog: (stream: Writable) => (req: http.IncomingMessage, res: http.ServerResponse, next: (error?: unknown) => void) => void
  beforeAll(async () => {
    ({ accessLog } = await snippet<{ accessLog: typeof accessLog }>('morgan.mjs'))
  })

  it.each(ROUTES)('$name', async ({ through, client }) => {
    const log = lines()
    const logger = accessLog(log.stream)
    const app = await serve(http.createServer((req, res) => logger(req, res, () => res.end('ok'))))
    await send(app, through)
    await settled(log.lines, 1)
    expect(log.lines).toEqual([`${client} GET / 200`])
  })
})

describe('morgan\'s :remote-addr under the Express adapter (snippets/morgan-express.mjs)', () => {
  let buildApp: (stream: Writable) => http.RequestListener
  beforeAll(async () => {
    ({ buildApp } = await snippet<{ buildApp: typeof buildApp }>('morgan-express.mjs'))
  })

  it.each(ROUTES)('$name', async ({ through, client }) => {
    const log = lines()
    const app = await serve(http.createServer(buildApp(log.stream)))
    await send(app, through)
    await settled(log.lines, 1)
    expect(log.lines).toEqual([`${client} GET / 200`])
  })
})

describe('Fastify\'s own request log with the adapter (snippets/fastify-logger.mjs)', () => {
  interface App { listen(options: { port: number; host: string }): Promise<string>; close(): Promise<void>; server: http.Server }
  let buildApp: (stream: Writable) => Promise<App>
  beforeAll(async () => {
    ({ buildApp } = await snippet<{ buildApp: typeof buildApp }>('fastify-logger.mjs'))
  })

  it.each(ROUTES)('$name', async ({ through, client }) => {
    const log = lines()
    const app = await buildApp(log.stream)
    await app.listen({ port: 0, host: APP })
    running.push(() => app.close())
    const address = app.server.address() as { port: number }
    await send({ host: APP, port: address.port }, through)
    await settled(log.lines, 2)
    const incoming = log.lines.map((line) => JSON.parse(line) as { msg: string; req?: { remoteAddress: string } }).find((entry) => entry.msg === 'incoming request')
    expect(incoming?.req?.remoteAddress).toBe(client)
  })
})
