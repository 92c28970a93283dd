// haproxy.mjs: HAProxy 2.6 in front of the application, with the recommended configuration and with
// HAProxy's defaults.

import { FORWARDED_PASSED_THROUGH, PASSED_THROUGH, PEER_ONLY, SAFE, casesOf, differing, hostOf, refused, tlsCases } from './cases.mjs'
import { APP, APP_PORT, FORGER, answer, findBinary, guideCheck, merge, readRepo, runConfigs, selfSignedCertificate, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { recommended: 20201, default: 20202, tls: 20203, tlsPlain: 20204, recommendedTls: 20205 }
const LISTEN = '127.0.0.1'

/**
 * Start HAProxy in the foreground with `file`, listening on `port` (and `tlsPort`, with the run's own
 * certificate, when the file binds :443), its server at `upstream`.
 */
export function haproxyStarter(file, port, upstream = `${APP}:${APP_PORT}`, tlsPort = PORTS.recommendedTls) {
  return async (dir) => {
    const binary = findBinary(process.env.HAPROXY, '/usr/sbin/haproxy', '/usr/local/sbin/haproxy')
    if (!binary) throw new Error('haproxy not found: apt-get install -y haproxy, or set HAPROXY')
    const tls = readRepo(file).includes('bind :443')
    const replacements = [['bind :80', `bind ${LISTEN}:${port}`], ['127.0.0.1:3000', upstream]]
    if (tls) replacements.push(['bind :443 ssl crt /etc/haproxy/site.pem', `bind ${LISTEN}:${tlsPort} ssl crt ${selfSignedCertificate(dir).pem}`])
    const conf = writeConfig(dir, file, replacements)
    // -db: stay in the foreground, no daemon
    return startProcess('haproxy', binary, ['-db', '-f', conf], tls ? [[LISTEN, port], [LISTEN, tlsPort]] : [[LISTEN, port]])
  }
}

/** An answer HAProxy gives itself instead of passing the request on. */
const refusedBy = (status) => refused(status, `refused by HAProxy (${status})`)
/** A Host that is not a host name: HAProxy writes no X-Forwarded-Host, Express reads the Host as it is, proxy-trust refuses it. */
const badHost = (key) => ({ why: 'no X-Forwarded-Host written; Express returns the Host as it is, proxy-trust refuses it', leftmost: answer(FORGER, [FORGER], hostOf(key)), aligned: answer(FORGER, [FORGER], null), forwarded: answer('127.0.0.1', [], null) })

/** With the recommended configuration nothing a client sends is believed; Forwarded is removed, so the application reading it sees HAProxy as the client. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', []) }, {
  hostElement: badHost('hostElement'),
  hostParameter: badHost('hostParameter'),
  hostQuote: badHost('hostQuote'),
  // tune.bufsize: 16384 bytes for the whole request head (configuration manual 2.6, 3.2)
  oversized: refusedBy(400),
})

/** With HAProxy's defaults the application's peer is HAProxy and every forwarding header is the client's. */
const DEFAULT = casesOf({ ...PEER_ONLY, forwarded: answer('127.0.0.1', []) }, differing(PASSED_THROUGH, FORWARDED_PASSED_THROUGH, {
  hostElement: { why: 'and the application reading Forwarded refuses it', forwarded: answer('127.0.0.1', [], null) },
  hostParameter: { why: 'and the application reading Forwarded refuses it', forwarded: answer('127.0.0.1', [], null) },
  hostQuote: { why: 'and the application reading Forwarded refuses it', forwarded: answer('127.0.0.1', [], null) },
  hostAndXfh: { why: "the forged X-Forwarded-Host is passed on: Express's getter believes it; proxy-trust refuses the Host", leftmost: answer('127.0.0.1', [], 'evil.example'), aligned: answer('127.0.0.1', [], null), forwarded: answer('127.0.0.1', [], null) },
  oversized: refusedBy(400),
}))

export async function run() {
  return merge(
    await runConfigs('haproxy', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: haproxyStarter('test/proxies/haproxy/recommended.cfg', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: haproxyStarter('test/proxies/haproxy/default.cfg', PORTS.default), cases: DEFAULT },
      // `set-header X-Forwarded-Proto https if { ssl_fc }`; HAProxy writes no Forwarded, so that application is not asked
      { label: 'recommended', listen: [LISTEN, PORTS.tls], start: haproxyStarter('test/proxies/haproxy/recommended.cfg', PORTS.tlsPlain, undefined, PORTS.tls), cases: tlsCases() },
    ]),
    guideCheck('haproxy', 'haproxy.md', ['test/proxies/haproxy/recommended.cfg']),
  )
}
