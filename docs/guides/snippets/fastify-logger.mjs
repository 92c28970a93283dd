// fastify-logger.mjs: Fastify's logger already logs `request.ip` (its request serializer's
// `remoteAddress`); give Fastify the adapter's predicate and that is the resolved client.

import Fastify from 'fastify'
import { trustProxy } from 'proxy-trust/fastify'

/** A Fastify app whose request logs go to `stream`. */
export async function buildApp(stream) {
  const proxy = trustProxy(process.env.TRUST_PROXY ?? 'loopback')
  const app = Fastify({ trustProxy: proxy.trust, logger: { stream } })
  await app.register(proxy)
  app.get('/', (request) => ({ ip: request.ip }))
  return app
}
