// A Cloudflare Worker: there is no socket; fromWorker takes the peer from CF-Connecting-IP, which
// Cloudflare's edge sets to the address that connected to it. Trust nothing more unless requests
// reach the Worker through proxies of your own (a TRUST_PROXY variable in wrangler.toml's [vars]).

import { compileTrust, fromWorker, resolveAddr } from 'proxy-trust'

let trust

export default {
  fetch(request, env) {
    // compiled once, on the first request: a Worker's variables arrive with its requests
    trust ??= compileTrust(env.TRUST_PROXY ?? false)
    const { ip, ips, protocol, hostname } = resolveAddr(fromWorker(request), trust)
    return Response.json({ ip, ips, protocol, hostname })
  },
}
