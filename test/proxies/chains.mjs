// chains.mjs: two proxies in a row, each from its recommended configuration, the way users build
// them: HAProxy in front of nginx, Caddy in front of Varnish, Caddy in front of Caddy (with and
// without trusted_proxies), and nginx standing for a CDN in front of Apache httpd. The application trusts both hops; where the chain writes Forwarded all the way
// (nginx then Apache), the application reading it with `source: 'forwarded'` is asked too, and every
// application with `hostAndProto: 'aligned'` takes host and protocol from the outermost hop.

import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { apacheStarter } from './apache.mjs'
import { caddyStarter } from './caddy.mjs'
import { casesOf, hostOf, refused } from './cases.mjs'
import { haproxyStarter } from './haproxy.mjs'
import { varnishStarter } from './varnish.mjs'
import { APP, APP_PORT, FORGER, ROOT, answer, findBinary, merge, runConfigs, startProcess, writeConfig } from './lib.mjs'

export const PORTS = { haproxy: 20801, haproxyNginx: 20802, haproxyTls: 20803, caddy: 20811, caddyVarnish: 20812, cdn: 20821, cdnApache: 20822, caddy2: 20831, caddy2Inner: 20832, caddy3: 20841, caddy3Inner: 20842 }
const LISTEN = '127.0.0.1'

/** One nginx hop (nginx/hop.conf) on `port`, passing on to `upstreamPort` from 127.0.0.2. */
function nginxHop(port, upstreamPort) {
  return async (dir) => {
    const binary = findBinary(process.env.NGINX, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/bin/nginx', '/usr/bin/nginx', '/opt/homebrew/bin/nginx')
    if (!binary) throw new Error('nginx not found: install it (apt-get install -y nginx) or set NGINX=/path/to/nginx')
    for (const file of ['forwarding-maps.conf', 'forwarding-headers.conf']) copyFileSync(path.join(ROOT, 'test/proxies/nginx', file), path.join(dir, file))
    const conf = writeConfig(dir, 'test/proxies/nginx/hop.conf', [['@DIR@', dir], ['@PORT@', String(port)], ['@UPSTREAM_PORT@', String(upstreamPort)]], 'nginx.conf')
    return startProcess('nginx', binary, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], [[LISTEN, port]])
  }
}

/** Start `inner`, then `outer`, each in its own directory; stop them in the other order. */
function chain(outer, inner) {
  return async (dir) => {
    for (const sub of ['inner', 'outer']) mkdirSync(path.join(dir, sub))
    const stopInner = await inner(path.join(dir, 'inner'))
    let stopOuter
    try {
      stopOuter = await outer(path.join(dir, 'outer'))
    } catch (error) {
      await stopInner()
      throw error
    }
    return async () => {
      await stopOuter()
      await stopInner()
    }
  }
}

/** HAProxy -> nginx (from 127.0.0.2) -> the application: X-Forwarded-For holds the client, then HAProxy. */
const HAPROXY_NGINX_ANSWER = answer(FORGER, [FORGER, '127.0.0.1'])
const noHost = { why: 'nginx passes no Host on', leftmost: { ...HAPROXY_NGINX_ANSWER, host: null, hostname: null }, aligned: { ...HAPROXY_NGINX_ANSWER, host: null, hostname: null } }
const HAPROXY_NGINX = casesOf({ leftmost: HAPROXY_NGINX_ANSWER, aligned: HAPROXY_NGINX_ANSWER }, {
  hostElement: noHost,
  hostParameter: noHost,
  hostQuote: noHost,
  oversized: refused(400, 'refused by HAProxy (400)'),
})

/** Caddy -> Varnish -> the application: X-Forwarded-For holds the client, then Caddy. */
const CADDY_VARNISH = casesOf({ leftmost: answer(FORGER, [FORGER, '127.0.0.1']), aligned: answer(FORGER, [FORGER, '127.0.0.1']) }, {
  // Caddy's X-Forwarded-Host is the Host: Express cuts it at the comma, and aligned, which counts
  // entries from the right, finds "shop.example" where Caddy's should be
  hostParameter: { why: "Caddy passes it on in X-Forwarded-Host: Express's getter returns it, proxy-trust refuses it", leftmost: answer(FORGER, [FORGER, '127.0.0.1'], hostOf('hostParameter')), aligned: answer(FORGER, [FORGER, '127.0.0.1'], null) },
  hostQuote: refused(400, 'refused by Caddy (400)'),
})

/** Caddy -> Caddy with trusted_proxies -> the application: the inner Caddy appends to the outer's X-Forwarded-For. */
const CADDY_CADDY = casesOf({ leftmost: answer(FORGER, [FORGER, '127.0.0.1']), aligned: answer(FORGER, [FORGER, '127.0.0.1']) }, {
  hostParameter: { why: "Caddy passes it on in X-Forwarded-Host: Express's getter returns it, proxy-trust refuses it", leftmost: answer(FORGER, [FORGER, '127.0.0.1'], hostOf('hostParameter')), aligned: answer(FORGER, [FORGER, '127.0.0.1'], null) },
  hostQuote: refused(400, 'refused by Caddy (400)'),
})

/**
 * Caddy -> Caddy without trusted_proxies: the inner Caddy replaces the outer's X-Forwarded-For with
 * the outer's own address, so every client is 127.0.0.1. Safe, and wrong: what the guide says
 * trusted_proxies is for.
 */
const OUTER_CADDY = answer('127.0.0.1', ['127.0.0.1'])
const CADDY_CADDY_UNTRUSTED = casesOf({ leftmost: OUTER_CADDY, aligned: OUTER_CADDY }, {
  // the walk stops one hop in, where X-Forwarded-Host's last entry is the text after the comma
  hostElement: { why: 'aligned finds "for=198.51.100.1" where the hop\'s host should be, and refuses it', aligned: answer('127.0.0.1', ['127.0.0.1'], null) },
  hostParameter: { why: "Caddy passes it on in X-Forwarded-Host: Express's getter returns it, proxy-trust refuses it", leftmost: answer('127.0.0.1', ['127.0.0.1'], hostOf('hostParameter')), aligned: answer('127.0.0.1', ['127.0.0.1'], null) },
  hostQuote: refused(400, 'refused by Caddy (400)'),
})

/** nginx (a CDN, from 127.0.0.2) -> Apache -> the application: both write X-Forwarded-For and Forwarded. */
const CDN_ANSWER = answer(FORGER, [FORGER, '127.0.0.2'])
/** nginx passes no Host on; Apache then has none to preserve and sends its ServerName (the harness's "localhost"). */
const serverName = { why: "nginx passes no Host on: Apache sends its ServerName", leftmost: answer(FORGER, [FORGER, '127.0.0.2'], 'localhost'), aligned: answer(FORGER, [FORGER, '127.0.0.2'], 'localhost'), forwarded: answer(FORGER, [FORGER, '127.0.0.2'], 'localhost') }
const CDN_APACHE = casesOf({ leftmost: CDN_ANSWER, aligned: CDN_ANSWER, forwarded: CDN_ANSWER }, {
  hostElement: serverName,
  hostParameter: serverName,
  hostQuote: serverName,
  oversized: refused(400, 'refused by nginx (400)'),
})

export async function run() {
  return runConfigs('chains', [
    {
      label: 'haproxy -> nginx', listen: [LISTEN, PORTS.haproxy], cases: HAPROXY_NGINX,
      start: chain(haproxyStarter('test/proxies/haproxy/recommended.cfg', PORTS.haproxy, `${LISTEN}:${PORTS.haproxyNginx}`, PORTS.haproxyTls), nginxHop(PORTS.haproxyNginx, APP_PORT)),
    },
    {
      label: 'caddy -> varnish', listen: [LISTEN, PORTS.caddy], cases: CADDY_VARNISH,
      start: chain(caddyStarter('test/proxies/caddy/recommended.Caddyfile', PORTS.caddy, [['127.0.0.1:3000', `${LISTEN}:${PORTS.caddyVarnish}`]]), varnishStarter('test/proxies/varnish/recommended.vcl', PORTS.caddyVarnish)),
    },
    {
      label: 'caddy -> caddy with trusted_proxies', listen: [LISTEN, PORTS.caddy2], cases: CADDY_CADDY,
      start: chain(caddyStarter('test/proxies/caddy/recommended.Caddyfile', PORTS.caddy2, [['127.0.0.1:3000', `${LISTEN}:${PORTS.caddy2Inner}`]]), caddyStarter('test/proxies/caddy/behind-proxy.Caddyfile', PORTS.caddy2Inner)),
    },
    {
      label: 'caddy -> caddy without trusted_proxies', listen: [LISTEN, PORTS.caddy3], cases: CADDY_CADDY_UNTRUSTED,
      start: chain(caddyStarter('test/proxies/caddy/recommended.Caddyfile', PORTS.caddy3, [['127.0.0.1:3000', `${LISTEN}:${PORTS.caddy3Inner}`]]), caddyStarter('test/proxies/caddy/recommended.Caddyfile', PORTS.caddy3Inner)),
    },
    {
      label: 'nginx (CDN) -> apache', listen: [LISTEN, PORTS.cdn], cases: CDN_APACHE,
      start: chain(nginxHop(PORTS.cdn, PORTS.cdnApache), apacheStarter('test/proxies/apache/behind-proxy.conf', PORTS.cdnApache, `${APP}:${APP_PORT}`)),
    },
  ]).then((result) => merge(result))
}
