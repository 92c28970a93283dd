// apache.mjs: Apache httpd 2.4 (mod_proxy_http) in front of the application, with the recommended
// configuration and with ProxyPass alone.

import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, refused } from './cases.mjs'
import { APP, APP_PORT, FORGER, HOST, answer, findBinary, guideCheck, merge, runConfigs, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { recommended: 20401, default: 20402 }
const LISTEN = '127.0.0.1'

/** Start Apache in the foreground with `file` included in the harness's server configuration. */
export function apacheStarter(file, port, upstream = `${APP}:${APP_PORT}`) {
  return async (dir) => {
    const binary = findBinary(process.env.APACHE2, '/usr/sbin/apache2', '/usr/sbin/httpd', '/usr/local/apache2/bin/httpd')
    if (!binary) throw new Error('apache2 not found: apt-get install -y apache2, or set APACHE2')
    const conf = writeConfig(dir, file, [['127.0.0.1:3000', upstream]], 'proxy.conf')
    const server = writeConfig(dir, 'test/proxies/apache/server.conf', [['@DIR@', dir], ['@PORT@', String(port)], ['@CONF@', conf]], 'httpd.conf')
    return startProcess('apache2', binary, ['-DFOREGROUND', '-f', server], [[LISTEN, port]])
  }
}

/** What httpd refuses before any module sees the request: a Host that is no host name, a header line above LimitRequestFieldSize (8190 bytes). */
const REFUSED = {
  // HttpProtocolOptions Strict, the default: https://httpd.apache.org/docs/2.4/mod/core.html#httpprotocoloptions
  hostElement: refused(400, 'refused by httpd (400): not a host name'),
  hostParameter: refused(400, 'refused by httpd (400): not a host name'),
  hostQuote: refused(400, 'refused by httpd (400): not a host name'),
  // https://httpd.apache.org/docs/2.4/mod/core.html#limitrequestfieldsize
  oversized: refused(400, 'refused by httpd (400): above LimitRequestFieldSize'),
}

/** The recommended configuration: nothing a client sends is believed; Forwarded is removed, so the application reading it sees Apache as the client. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', []) }, REFUSED)

/** ProxyPass alone: Host is the upstream's, X-Forwarded-Host the client's Host appended to what it sent, X-Forwarded-Proto and Forwarded the client's. */
const UPSTREAM = `${APP}:${APP_PORT}`
const DEFAULT = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', [], UPSTREAM) }, differing(REFUSED, FORWARDED_PASSED_THROUGH, {
  xfh: { why: "the client's X-Forwarded-Host stays left of Apache's: Express's getter takes it, aligned takes Apache's", leftmost: answer(FORGER, [FORGER], 'evil.example') },
  xfhDuplicate: { why: "the client's X-Forwarded-Host stays left of Apache's: Express's getter takes it, aligned takes Apache's", leftmost: answer(FORGER, [FORGER], 'evil.example') },
  xfp: { why: 'Apache writes no X-Forwarded-Proto: the one hop trusted hands on the forged one, aligned too', leftmost: answer(FORGER, [FORGER], HOST, 'https'), aligned: answer(FORGER, [FORGER], HOST, 'https') },
  everything: { why: "forged protocol believed; forged host believed by Express's getter only", leftmost: answer(FORGER, [FORGER], 'evil.example', 'https'), aligned: answer(FORGER, [FORGER], HOST, 'https') },
}))

export async function run() {
  return merge(
    await runConfigs('apache', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: apacheStarter('test/proxies/apache/recommended.conf', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: apacheStarter('test/proxies/apache/default.conf', PORTS.default), cases: DEFAULT },
    ]),
    guideCheck('apache', 'apache.md', ['test/proxies/apache/recommended.conf', 'test/proxies/apache/behind-proxy.conf']),
  )
}
