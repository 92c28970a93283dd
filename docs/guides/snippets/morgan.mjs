// morgan.mjs: access logs that name the resolved client. Morgan's `:remote-addr` is `req.ip` when
// the framework sets it (Express, under `trustProxy(app, setting)` or the proxy-addr override), else
// the socket's address: on a plain node:http server, log a `:client-ip` token instead.

import morgan from 'morgan'
import { compileTrust, resolveAddr } from 'proxy-trust'

const trust = compileTrust(process.env.TRUST_PROXY ?? 'loopback')

morgan.token('client-ip', (req) => resolveAddr(req, trust).ip)

/** An access logger for node:http (or any framework) writing one line per request to `stream`. */
export function accessLog(stream) {
  return morgan(':client-ip :method :url :status', { stream })
}
