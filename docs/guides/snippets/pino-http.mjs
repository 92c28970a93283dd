// pino-http.mjs: request logs that name the resolved client. pino's request serializer logs the
// socket's address, which behind a proxy is the proxy's: log the walk's answer in its place, and
// keep the socket's as `peerAddress`.

import pinoHttp from 'pino-http'
import { compileTrust, resolveAddr } from 'proxy-trust'

const trust = compileTrust(process.env.TRUST_PROXY ?? 'loopback')

/** A pino-http middleware (also an Express middleware) writing to `destination` (default stdout). */
export function requestLogger(destination) {
  return pinoHttp({
    serializers: {
      // `req` is pino's serialized request; `req.raw` the request itself
      req(req) {
        req.peerAddress = req.remoteAddress
        req.remoteAddress = resolveAddr(req.raw, trust).ip
        return req
      },
    },
  }, destination)
}
