// varnish.mjs: Varnish 7.1 in front of the application, with the recommended VCL and with the
// built-in VCL alone.

import { FORWARDED_PASSED_THROUGH, SAFE, casesOf, differing, hostsPassedOn, refused } from './cases.mjs'
import { APP_PORT, FORGER, HOST, answer, findBinary, guideCheck, merge, runConfigs, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { recommended: 20501, default: 20502 }
const LISTEN = '127.0.0.1'

/**
 * Start varnishd in the foreground (-F) with its working directory (-n) in `dir`, no jail (-j none:
 * the harness runs as root and the directory is its own), a small cache and few threads.
 */
export function varnishStarter(file, port, backendPort = APP_PORT, listen = LISTEN) {
  return async (dir) => {
    const binary = findBinary(process.env.VARNISHD, '/usr/sbin/varnishd', '/usr/local/sbin/varnishd')
    if (!binary) throw new Error('varnishd not found: apt-get install -y varnish, or set VARNISHD')
    const vcl = writeConfig(dir, file, [['.port = "3000"', `.port = "${backendPort}"`]], 'default.vcl')
    return startProcess('varnishd', binary, [
      '-F', '-n', `${dir}/work`, '-a', `${listen}:${port}`, '-f', vcl, '-s', 'malloc,16m', '-j', 'none',
      '-p', 'thread_pools=1', '-p', 'thread_pool_min=5', '-p', 'thread_pool_max=50',
    ], [[listen, port]])
  }
}

/** What varnishd refuses itself: a Connection header naming a header it must not remove, a header line above http_req_hdr_len (8k). */
const REFUSED = {
  hopByHop: refused(400, 'refused by Varnish (400)'),
  // http_req_hdr_len, 8k by default: https://varnish-cache.org/docs/7.1/reference/varnishd.html#http-req-hdr-len
  oversized: refused(400, 'refused by Varnish (400): above http_req_hdr_len'),
}

/** The recommended VCL: nothing a client sends is believed; Forwarded is removed, so the application reading it sees Varnish as the client. */
const RECOMMENDED = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', []) }, differing(hostsPassedOn(['127.0.0.1', []]), REFUSED))

/** The built-in VCL: X-Forwarded-For is appended to, everything else is the client's. */
const DEFAULT = casesOf({ ...SAFE, forwarded: answer('127.0.0.1', []) }, differing(hostsPassedOn(['127.0.0.1', []]), REFUSED, FORWARDED_PASSED_THROUGH, {
  xfh: { why: "passed on: Express's getter believes it, and so does aligned, which takes it for Varnish's own", leftmost: answer(FORGER, [FORGER], 'evil.example'), aligned: answer(FORGER, [FORGER], 'evil.example') },
  xfhDuplicate: { why: "passed on: Express's getter takes the first line, aligned the last, which it takes for Varnish's own", leftmost: answer(FORGER, [FORGER], 'evil.example'), aligned: answer(FORGER, [FORGER], 'evil2.example') },
  xfp: { why: "passed on: Express's getter believes it, and so does aligned, which takes it for Varnish's own", leftmost: answer(FORGER, [FORGER], HOST, 'https'), aligned: answer(FORGER, [FORGER], HOST, 'https') },
  everything: { why: 'the forged host and protocol are believed', leftmost: answer(FORGER, [FORGER], 'evil.example', 'https'), aligned: answer(FORGER, [FORGER], 'evil.example', 'https') },
  hostAndXfh: { why: "the forged X-Forwarded-Host is passed on: Express's getter and aligned believe it", leftmost: answer(FORGER, [FORGER], 'evil.example'), aligned: answer(FORGER, [FORGER], 'evil.example'), forwarded: answer('127.0.0.1', [], null) },
}))

export async function run() {
  return merge(
    await runConfigs('varnish', [
      { label: 'recommended', listen: [LISTEN, PORTS.recommended], start: varnishStarter('test/proxies/varnish/recommended.vcl', PORTS.recommended), cases: RECOMMENDED },
      { label: 'default', listen: [LISTEN, PORTS.default], start: varnishStarter('test/proxies/varnish/default.vcl', PORTS.default), cases: DEFAULT },
    ]),
    guideCheck('varnish', 'varnish.md', ['test/proxies/varnish/recommended.vcl']),
  )
}
