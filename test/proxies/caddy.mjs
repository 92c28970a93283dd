// caddy.mjs: Caddy 2.6 in front of the application, with the recommended configuration and with
// reverse_proxy's defaults.

import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, hostOf } from './cases.mjs'
import { APP, APP_PORT, FORGER, answer, findBinary, guideCheck, merge, runConfigs, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { recommended: 20301, default: 20302 }
const LISTEN = '127.0.0.1'

/** Start Caddy with `file`, its data and configuration directories in `dir`. */
export function caddyStarter(file, port, replacements = [['127.0.0.1:3000', `${APP}:${APP_PORT}`]], listen = LISTEN) {
  return async (dir) => {
    const binary = findBinary(process.env.CADDY, '/usr/bin/caddy', '/usr/local/bin/caddy')
    if (!binary) throw new Error('caddy not found: apt-get install -y caddy, or set CADDY')
    const conf = writeConfig(dir, file, [[':80 {', `:${port} {\n\tbind ${listen}`], ...replacements], 'Caddyfile')
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }
    // SIGINT: Caddy's graceful stop
    return startProcess('caddy', binary, ['run', '--config', conf, '--adapter', 'caddyfile'], [[listen, port]], { env, stopSignal: 'SIGINT' })
  }
}

/** The application reading Forwarded, behind a Caddy that removes it: no element, the peer is the client. */
const NO_ELEMENT = answer('127.0.0.1', [])

/** Host values Caddy passes on in X-Forwarded-Host; a quote it refuses (Go's net/http checks the Host). */
const HOSTS = {
  hostElement: { why: "Express cuts X-Forwarded-Host at the comma; proxy-trust refuses it", aligned: answer(FORGER, [FORGER], null), forwarded: answer('127.0.0.1', [], null) },
  hostParameter: { why: "Express returns it as it is; proxy-trust refuses it", leftmost: answer(FORGER, [FORGER], hostOf('hostParameter')), aligned: answer(FORGER, [FORGER], null), forwarded: answer('127.0.0.1', [], null) },
  hostQuote: { why: 'refused by Caddy (400)', leftmost: { status: 400 }, aligned: { status: 400 }, forwarded: { status: 400 } },
}

/** With the recommended configuration nothing a client sends is believed. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: NO_ELEMENT }, HOSTS)

/** With the defaults a forged Forwarded reaches the application. */
const DEFAULT = casesOf({ ...SAFE, forwarded: NO_ELEMENT }, differing(HOSTS, FORWARDED_PASSED_THROUGH))

export async function run() {
  return merge(
    await runConfigs('caddy', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: caddyStarter('test/proxies/caddy/recommended.Caddyfile', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: caddyStarter('test/proxies/caddy/default.Caddyfile', PORTS.default), cases: DEFAULT },
    ]),
    guideCheck('caddy', 'caddy.md', ['test/proxies/caddy/recommended.Caddyfile', 'test/proxies/caddy/behind-proxy.Caddyfile']),
  )
}
