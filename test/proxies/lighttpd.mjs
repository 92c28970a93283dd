// lighttpd.mjs: lighttpd 1.4 (mod_proxy) in front of the application, with the recommended
// configuration and with proxy.server alone.

import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, refused } from './cases.mjs'
import { APP_PORT, FORGER, answer, findBinary, guideCheck, merge, runConfigs, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { recommended: 20701, default: 20702 }
const LISTEN = '127.0.0.1'

/** Start lighttpd in the foreground with `file` included in the harness's server configuration. */
function lighttpdStarter(file, port) {
  return async (dir) => {
    const binary = findBinary(process.env.LIGHTTPD, '/usr/sbin/lighttpd', '/usr/local/sbin/lighttpd')
    if (!binary) throw new Error('lighttpd not found: apt-get install -y lighttpd, or set LIGHTTPD')
    const conf = writeConfig(dir, file, [['"port" => 3000', `"port" => ${APP_PORT}`]], 'proxy.conf')
    const server = writeConfig(dir, 'test/proxies/lighttpd/server.conf', [['@DIR@', dir], ['@PORT@', String(port)], ['@CONF@', conf]], 'lighttpd.conf')
    // -D: stay in the foreground
    return startProcess('lighttpd', binary, ['-D', '-f', server], [[LISTEN, port]])
  }
}

/** What lighttpd refuses itself: a Host that is no host name (400), a request head above its limit (431). */
const REFUSED = {
  hostElement: refused(400, 'refused by lighttpd (400): not a host name'),
  hostParameter: refused(400, 'refused by lighttpd (400): not a host name'),
  hostQuote: refused(400, 'refused by lighttpd (400): not a host name'),
  // server.max-request-field-size, 8192 bytes by default: https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_max-request-field-sizeDetails
  oversized: refused(431, 'refused by lighttpd (431): above server.max-request-field-size'),
}

/** The recommended configuration: nothing a client sends is believed, and the application reading Forwarded gets lighttpd's element. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer(FORGER) }, REFUSED)

/** proxy.server alone: a forged Forwarded reaches the application. */
const DEFAULT = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', []) }, differing(REFUSED, FORWARDED_PASSED_THROUGH))

export async function run() {
  return merge(
    await runConfigs('lighttpd', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: lighttpdStarter('test/proxies/lighttpd/recommended.conf', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: lighttpdStarter('test/proxies/lighttpd/default.conf', PORTS.default), cases: DEFAULT },
    ]),
    guideCheck('lighttpd', 'lighttpd.md', ['test/proxies/lighttpd/recommended.conf']),
  )
}
