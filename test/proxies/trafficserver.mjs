// trafficserver.mjs: Apache Traffic Server 9.2 in front of the application: Debian's records.config
// with the recommended lines added, and Debian's records.config as it is.
//
// traffic_server runs in the foreground from a runroot (runroot.yaml) whose configuration, runtime,
// log and cache directories are in a temporary directory; the configuration is a copy of the
// installed one (/etc/trafficserver) with records.config, remap.config and storage.config written
// for this run.

import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, refused } from './cases.mjs'
import { APP_PORT, FORGER, answer, findBinary, guideCheck, merge, readRepo, runConfigs, startProcess } from './lib.mjs'

export const PORTS = { recommended: 20601, default: 20602 }
const LISTEN = '127.0.0.1'
const SYSCONFDIR = process.env.TS_SYSCONFDIR ?? '/etc/trafficserver'

/** Start traffic_server with the installed records.config plus `added` (a repository file, or none). */
export function trafficServerStarter(added, port, upstreamPort = APP_PORT) {
  return async (dir) => {
    const binary = findBinary(process.env.TRAFFIC_SERVER, '/usr/bin/traffic_server', '/usr/local/bin/traffic_server', '/opt/ts/bin/traffic_server')
    if (!binary) throw new Error('traffic_server not found: apt-get install -y trafficserver, or set TRAFFIC_SERVER')
    const etc = path.join(dir, 'etc')
    cpSync(SYSCONFDIR, etc, { recursive: true })
    const records = [
      readFileSync(path.join(SYSCONFDIR, 'records.config'), 'utf8'),
      added ? readRepo(added) : '',
      readRepo('test/proxies/trafficserver/harness.config').replace('@PORT@', String(port)),
    ]
    writeFileSync(path.join(etc, 'records.config'), records.join('\n'))
    writeFileSync(path.join(etc, 'remap.config'), readRepo('test/proxies/trafficserver/remap.config').replace('127.0.0.1:3000', `127.0.0.1:${upstreamPort}`))
    writeFileSync(path.join(etc, 'storage.config'), `${path.join(dir, 'cache')} 16M\n`)
    const layout = { sysconfdir: etc, localstatedir: 'state', runtimedir: 'run', logdir: 'log', cachedir: 'cache' }
    const runroot = ['prefix: /usr', 'exec_prefix: /usr', 'bindir: /usr/bin', 'sbindir: /usr/sbin', 'datadir: /usr/share/trafficserver',
      'includedir: /usr/include', 'libdir: /usr/lib/trafficserver', 'libexecdir: /usr/lib/trafficserver/modules', 'plugindir: /usr/lib/trafficserver/modules',
      ...Object.entries(layout).map(([key, value]) => `${key}: ${path.resolve(dir, value)}`)]
    for (const sub of ['state', 'run', 'log', 'cache']) mkdirSync(path.join(dir, sub))
    writeFileSync(path.join(dir, 'runroot.yaml'), `${runroot.join('\n')}\n`)
    return startProcess('traffic_server', binary, [`--run-root=${path.join(dir, 'runroot.yaml')}`], [[LISTEN, port]], { waitMs: 60_000 })
  }
}

/** A Host that is no host name, which Traffic Server refuses (400) before remapping. */
const HOSTS = {
  hostElement: refused(400, 'refused by Traffic Server (400): not a host name'),
  hostParameter: refused(400, 'refused by Traffic Server (400): not a host name'),
  hostQuote: refused(400, 'refused by Traffic Server (400): not a host name'),
}

/** The recommended lines: nothing a client sends is believed; the application reading Forwarded gets Traffic Server's element. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer(FORGER) }, HOSTS)

/**
 * Debian's records.config: X-Forwarded-For is appended to, Host is the upstream's (pristine_host_hdr
 * 0), no Forwarded is written and X-Forwarded-Host, X-Forwarded-Proto and Forwarded are the client's.
 */
const UPSTREAM = `127.0.0.1:${APP_PORT}`
const DEFAULT = casesOf({ leftmost: answer(FORGER, [FORGER], UPSTREAM), aligned: answer(FORGER, [FORGER], UPSTREAM), forwarded: answer('127.0.0.1', [], UPSTREAM) }, differing(HOSTS, FORWARDED_PASSED_THROUGH, {
  xfh: { why: "passed on: Express's getter believes it, and so does aligned, which takes it for Traffic Server's own", leftmost: answer(FORGER, [FORGER], 'evil.example'), aligned: answer(FORGER, [FORGER], 'evil.example') },
  xfhDuplicate: { why: "passed on: Express's getter takes the first line, aligned the last, which it takes for Traffic Server's own", leftmost: answer(FORGER, [FORGER], 'evil.example'), aligned: answer(FORGER, [FORGER], 'evil2.example') },
  xfp: { why: "passed on: Express's getter believes it, and so does aligned, which takes it for Traffic Server's own", leftmost: answer(FORGER, [FORGER], UPSTREAM, 'https'), aligned: answer(FORGER, [FORGER], UPSTREAM, 'https') },
  everything: { why: 'the forged host and protocol are believed', leftmost: answer(FORGER, [FORGER], 'evil.example', 'https'), aligned: answer(FORGER, [FORGER], 'evil.example', 'https') },
}))

export async function run() {
  return merge(
    await runConfigs('trafficserver', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: trafficServerStarter('test/proxies/trafficserver/recommended.config', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: trafficServerStarter(undefined, PORTS.default), cases: DEFAULT },
    ]),
    guideCheck('trafficserver', 'traffic-server.md', ['test/proxies/trafficserver/recommended.config']),
  )
}
