// spoofing.test.ts: what a client that forges X-Forwarded-For, -Host, -Proto and Forwarded gets, for
// each network topology and each way of writing the trust setting. A topology is the list of hops
// between the client and the app, each with the headers it appends or sets, the way a proxy's
// configuration reads; the request the app receives is what those hops make of the client's.
//
// docs/security.md shows the same table: the last tests render it from the cases below and demand
// that the document hold exactly that text between its markers.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compileTrust, resolveAddr, type RequestLike, type TrustOptions, type TrustSetting } from '../src/index.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../src/ranges.js'

/** The client, and what it asks for. Everything in this network speaks plain HTTP, so `https` in an answer is forged. */
const CLIENT = '203.0.113.7'
const HOST = 'shop.example'

/** What the forging client sends besides `Host: shop.example`. */
const FORGED: Readonly<Record<string, string>> = {
  'X-Forwarded-For': '6.6.6.6, 10.0.0.99',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
  Forwarded: 'for=6.6.6.6;proto=https;host=evil.example, for=10.0.0.99',
  'CF-Connecting-IP': '6.6.6.6',
}

/**
 * One hop: where it is and what it writes as it forwards, one directive per header. `append` adds
 * the value to the header as another list element (nginx's `$proxy_add_x_forwarded_for`); `set`
 * replaces whatever the header held. `$remote_addr` is the address the hop received the request
 * from, `$scheme` the protocol it received it over, `$forwarded_host` the Host header it received when
 * that is a well-formed host (see forwardedHost), and `$forwarded_host_param` the `;host="…"` parameter
 * built from it, or nothing.
 */
interface Hop {
  readonly name: string
  readonly at: string
  readonly writes: readonly string[]
}

interface Topology {
  readonly name: string
  /** The hops from the client inwards: the last one is the app's socket peer. */
  readonly hops: readonly Hop[]
}

/** An edge proxy configured as nginx's documentation suggests: its own word on protocol and host. */
const EDGE_WRITES = [
  'append X-Forwarded-For $remote_addr',
  'set X-Forwarded-Proto $scheme',
  'set X-Forwarded-Host $forwarded_host',
  'append Forwarded for=$remote_addr;proto=$scheme$forwarded_host_param',
]

/** A proxy behind a trusted edge: adds itself to the chain and passes on protocol and host. */
const INNER_WRITES = [
  'append X-Forwarded-For $remote_addr',
  'append Forwarded for=$remote_addr;proto=$scheme$forwarded_host_param',
]

const DIRECT: Topology = { name: 'direct', hops: [] }
const ONE_PROXY: Topology = { name: 'one proxy', hops: [{ name: 'nginx', at: '127.0.0.1', writes: EDGE_WRITES }] }
const TWO_PROXIES: Topology = {
  name: 'two proxies',
  hops: [{ name: 'edge', at: '10.0.0.2', writes: EDGE_WRITES }, { name: 'inner', at: '10.0.1.3', writes: INNER_WRITES }],
}
const CDN_LB: Topology = {
  name: 'CDN + load balancer',
  hops: [
    {
      // like many CDNs, it leaves X-Forwarded-Host as the client sent it
      name: 'CDN',
      at: '198.51.100.20',
      writes: [
        'append X-Forwarded-For $remote_addr',
        'set X-Forwarded-Proto $scheme',
        'append Forwarded for=$remote_addr;proto=$scheme$forwarded_host_param',
      ],
    },
    { name: 'load balancer', at: '10.0.0.5', writes: INNER_WRITES },
  ],
}
const VIA_PROXY: Topology = { name: 'proxy in front, app reachable: via the proxy', hops: [{ name: 'proxy', at: '10.0.0.2', writes: EDGE_WRITES }] }
const BYPASS: Topology = { name: 'proxy in front, app reachable: straight to the app', hops: [] }

// the recipes: providers' proxies at addresses from their published lists (proxy-trust/ranges),
// each edge configured to set X-Forwarded-Proto and -Host itself (what a CDN that passes them on
// gives away is the CDN + load balancer rows above)
const EDGE_OWN = ['set X-Forwarded-Proto $scheme', 'set X-Forwarded-Host $forwarded_host']
const CLOUDFLARE: Topology = {
  name: 'Cloudflare',
  hops: [{ name: 'Cloudflare', at: '173.245.48.5', writes: ['append X-Forwarded-For $remote_addr', 'set CF-Connecting-IP $remote_addr', ...EDGE_OWN] }],
}
const CLOUDFLARE_BYPASS: Topology = { name: 'Cloudflare in front, app reachable: straight to the app', hops: [] }
const CLOUDFRONT_ALB: Topology = {
  name: 'CloudFront + ALB',
  hops: [
    { name: 'CloudFront', at: '130.176.0.5', writes: ['append X-Forwarded-For $remote_addr', ...EDGE_OWN] },
    { name: 'ALB', at: '10.0.2.15', writes: ['append X-Forwarded-For $remote_addr'] },
  ],
}
const FASTLY: Topology = {
  name: 'Fastly',
  hops: [{ name: 'Fastly', at: '151.101.1.10', writes: ['append X-Forwarded-For $remote_addr', 'set Fastly-Client-IP $remote_addr', ...EDGE_OWN] }],
}
const GOOGLE_LB: Topology = {
  name: 'Google Cloud load balancer',
  // Google's front ends append the client and then the forwarding rule's own address (here 34.120.1.1):
  // "X-Forwarded-For: <unverified IP(s)>, <immediate client IP>, <global forwarding rule external IP>",
  // https://cloud.google.com/load-balancing/docs/https#target-proxies
  hops: [{ name: 'GFE', at: '35.191.1.20', writes: ['append X-Forwarded-For $remote_addr', 'append X-Forwarded-For 34.120.1.1', ...EDGE_OWN] }],
}
const VPC: Topology = {
  name: 'three proxies in a VPC',
  hops: [
    { name: 'edge', at: '10.0.0.2', writes: EDGE_WRITES },
    { name: 'mesh', at: '10.0.3.4', writes: INNER_WRITES },
    { name: 'sidecar', at: '10.0.5.6', writes: INNER_WRITES },
  ],
}

const TOPOLOGIES: readonly Topology[] = [DIRECT, ONE_PROXY, TWO_PROXIES, CDN_LB, VIA_PROXY, BYPASS, CLOUDFLARE, CLOUDFLARE_BYPASS, CLOUDFRONT_ALB, FASTLY, GOOGLE_LB, VPC]

/**
 * `$forwarded_host` as the nginx guide's configuration (docs/guides/nginx.md) computes it (a `map` on `$http_host`): the Host
 * header when it is a reg-name or an IP literal with an optional port, otherwise nothing, so that a Host
 * holding `,` `;` `=` or a quote never reaches a Forwarded element or X-Forwarded-Host.
 */
function forwardedHost(host: string): string {
  return /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/i.test(host) ? host : ''
}

/** The request as it reaches the app: each hop applies its directives to what it received. */
function arrive(topology: Topology, sent: Readonly<Record<string, string>>): RequestLike {
  const headers = new Map<string, string>([['host', HOST]])
  for (const [name, value] of Object.entries(sent)) headers.set(name.toLowerCase(), value)
  let from = CLIENT
  for (const hop of topology.hops) {
    const host = forwardedHost(headers.get('host') ?? '')
    const vars: Readonly<Record<string, string>> = {
      $remote_addr: from,
      $scheme: 'http',
      $forwarded_host: host,
      $forwarded_host_param: host === '' ? '' : `;host="${host}"`,
    }
    for (const directive of hop.writes) {
      const [verb, name = '', template = ''] = directive.split(' ')
      const value = template.replace(/\$[a-z_]+/g, (v) => vars[v] ?? v)
      const key = name.toLowerCase()
      const prior = headers.get(key)
      if (verb === 'append' && prior !== undefined) headers.set(key, `${prior}, ${value}`)
      else if (verb === 'append' || verb === 'set') headers.set(key, value)
      else throw new Error(`unknown directive: ${directive}`)
    }
    from = hop.at
  }
  return { socket: { remoteAddress: from, encrypted: false }, headers: Object.fromEntries(headers) }
}

type Verdict = 'safe' | 'safe, but wrong' | 'SPOOFABLE'

interface Case {
  readonly topology: Topology
  /** The setting as the table shows it. */
  readonly label: string
  readonly setting: TrustSetting
  readonly options?: TrustOptions
  /** What the forging client gets. */
  readonly ip: string | undefined
  readonly protocol: string
  readonly hostname: string | undefined
  readonly verdict: Verdict
  readonly why: string
}

const CASES: readonly Case[] = [
  // direct: the client is the socket peer
  {
    topology: DIRECT, label: '`false` (the default)', setting: false,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'nothing is trusted: every X-Forwarded-* header is ignored',
  },
  {
    topology: DIRECT, label: "`'loopback'`", setting: 'loopback',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the peer is not in the range, so its headers are ignored',
  },
  {
    topology: DIRECT, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE',
    why: '`true` trusts whoever connects: the leftmost forged entry, Host and Proto are believed',
  },
  {
    topology: DIRECT, label: '`1`', setting: 1,
    ip: '10.0.0.99', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE',
    why: 'a hop count trusts the peer whoever it is: the rightmost forged entry becomes the client',
  },

  // one proxy on the app's own host
  {
    topology: ONE_PROXY, label: "`'loopback'`", setting: 'loopback',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the walk stops at the address nginx appended; nginx set Host and Proto',
  },
  {
    topology: ONE_PROXY, label: '`1`', setting: 1,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'one hop, and only nginx can connect',
  },
  {
    topology: ONE_PROXY, label: "`'loopback'`, `source: 'forwarded'`", setting: 'loopback', options: { source: 'forwarded' },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: "the element nginx appended gives the client, its `proto` and `host`",
  },
  {
    topology: ONE_PROXY, label: '`2`', setting: 2,
    ip: '10.0.0.99', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE', why: 'one hop too many: the walk trusts the client and takes its forged entry',
  },
  {
    topology: ONE_PROXY, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE', why: '`true` walks to the leftmost entry, which the client wrote',
  },
  {
    topology: ONE_PROXY, label: "`'uniquelocal'`", setting: 'uniquelocal',
    ip: '127.0.0.1', protocol: 'http', hostname: HOST, verdict: 'safe, but wrong', why: 'the range misses nginx: every client is 127.0.0.1',
  },

  // two proxies
  {
    topology: TWO_PROXIES, label: "`['10.0.0.2', '10.0.1.3']`", setting: ['10.0.0.2', '10.0.1.3'],
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'exactly the proxies: the walk stops at the client the edge appended',
  },
  {
    topology: TWO_PROXIES, label: "`'uniquelocal'`", setting: 'uniquelocal',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe',
    why: 'the forged 10.0.0.99 is in the range, but it lies beyond the client, where the walk never goes',
  },
  {
    topology: TWO_PROXIES, label: "`(addr) => addr.startsWith('10.')`", setting: (addr) => addr !== undefined && addr.startsWith('10.'),
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'a custom function is asked hop by hop, from the socket out',
  },
  {
    topology: TWO_PROXIES, label: '`2`', setting: 2,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'two hops, and only the edge faces clients',
  },
  {
    topology: TWO_PROXIES, label: "`'uniquelocal'`, `source: 'forwarded'`", setting: 'uniquelocal', options: { source: 'forwarded' },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: "the edge's element gives the client, its `proto` and `host`",
  },
  {
    topology: TWO_PROXIES, label: '`3`', setting: 3,
    ip: '10.0.0.99', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE', why: 'one hop too many: the forged entry right of the client is taken',
  },
  {
    topology: TWO_PROXIES, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE', why: '`true` walks to the leftmost entry, which the client wrote',
  },
  {
    topology: TWO_PROXIES, label: "`'10.0.1.3'` (the inner hop only)", setting: '10.0.1.3',
    ip: '10.0.0.2', protocol: 'http', hostname: HOST, verdict: 'safe, but wrong', why: 'the edge is untrusted, so it is the client: every client is 10.0.0.2',
  },
  {
    topology: TWO_PROXIES, label: "`'loopback'`", setting: 'loopback',
    ip: '10.0.1.3', protocol: 'http', hostname: HOST, verdict: 'safe, but wrong', why: 'the peer is untrusted: every client is the inner proxy',
  },

  // a CDN that passes X-Forwarded-Host on, then a load balancer
  {
    topology: CDN_LB, label: "`['198.51.100.0/24', '10.0.0.0/8']`", setting: ['198.51.100.0/24', '10.0.0.0/8'],
    ip: CLIENT, protocol: 'http', hostname: 'evil.example', verdict: 'SPOOFABLE',
    why: 'the address is right, but Express takes the first X-Forwarded-Host from any trusted peer, and the CDN passed the forged one on',
  },
  {
    topology: CDN_LB, label: "`['198.51.100.0/24', '10.0.0.0/8']`, `hostAndProto: 'aligned'`", setting: ['198.51.100.0/24', '10.0.0.0/8'],
    options: { hostAndProto: 'aligned' },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe',
    why: 'host and protocol only from the values the outermost trusted proxy wrote; the CDN wrote no host, so Host is used',
  },
  {
    topology: CDN_LB, label: "`['198.51.100.0/24', '10.0.0.0/8']`, `source: 'forwarded'`", setting: ['198.51.100.0/24', '10.0.0.0/8'],
    options: { source: 'forwarded' },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: "the CDN's element gives the client, its `proto` and `host`",
  },
  {
    topology: CDN_LB, label: '`2`', setting: 2,
    ip: CLIENT, protocol: 'http', hostname: 'evil.example', verdict: 'SPOOFABLE', why: 'the right count, but the forged X-Forwarded-Host passes the CDN',
  },
  {
    topology: CDN_LB, label: "`'uniquelocal'`", setting: 'uniquelocal',
    ip: '198.51.100.20', protocol: 'http', hostname: 'evil.example', verdict: 'SPOOFABLE',
    why: 'the CDN is missing: every client is a CDN node, and the forged host is believed',
  },
  {
    topology: CDN_LB, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'http', hostname: 'evil.example', verdict: 'SPOOFABLE', why: '`true` believes every forged header that reaches the app',
  },

  // a proxy in front, but the app also answers connections from anywhere
  {
    topology: VIA_PROXY, label: '`1`', setting: 1,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'through the proxy, one hop is right',
  },
  {
    topology: VIA_PROXY, label: "`'10.0.0.2'`", setting: '10.0.0.2',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the proxy by address',
  },
  {
    topology: BYPASS, label: '`1`', setting: 1,
    ip: '10.0.0.99', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE',
    why: 'a hop count cannot tell the proxy from a client that connects directly',
  },
  {
    topology: BYPASS, label: "`1`, `source: 'forwarded'`", setting: 1, options: { source: 'forwarded' },
    ip: '10.0.0.99', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE',
    why: 'the same with Forwarded: the rightmost forged element is taken (it has no `proto` or `host`)',
  },
  {
    topology: BYPASS, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE', why: '`true` trusts whoever connects',
  },
  {
    topology: BYPASS, label: "`'10.0.0.2'`", setting: '10.0.0.2',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'only the proxy is trusted: a direct client is its own address',
  },
  {
    topology: BYPASS, label: "`'uniquelocal'`", setting: 'uniquelocal',
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'a range that holds the proxy and not the internet',
  },
  // recipes: a CDN or cloud load balancer named by its published ranges
  {
    topology: CLOUDFLARE, label: "`'cloudflare'`, `ranges: { cloudflare }`", setting: 'cloudflare', options: { ranges: { cloudflare } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the peer is in Cloudflare\'s list: the walk stops at the address Cloudflare appended',
  },
  {
    topology: CLOUDFLARE, label: "`'cloudflare'`, `ranges: { cloudflare }`, `source: { header: 'CF-Connecting-IP' }`", setting: 'cloudflare',
    options: { ranges: { cloudflare }, source: { header: 'CF-Connecting-IP' } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'Cloudflare replaced the forged CF-Connecting-IP with the address it saw',
  },
  {
    topology: CLOUDFLARE, label: '`1`', setting: 1,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'right while nothing but Cloudflare can connect (see the next rows)',
  },
  {
    topology: CLOUDFLARE_BYPASS, label: "`'cloudflare'`, `ranges: { cloudflare }`, `source: { header: 'CF-Connecting-IP' }`", setting: 'cloudflare',
    options: { ranges: { cloudflare }, source: { header: 'CF-Connecting-IP' } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the peer is not Cloudflare, so its CF-Connecting-IP is ignored',
  },
  {
    topology: CLOUDFLARE_BYPASS, label: "`true`, `source: { header: 'CF-Connecting-IP' }`", setting: true, options: { source: { header: 'CF-Connecting-IP' } },
    ip: '6.6.6.6', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE', why: 'without the peer check, whoever reaches the app writes its own CF-Connecting-IP',
  },
  {
    topology: CLOUDFLARE_BYPASS, label: '`1`', setting: 1,
    ip: '10.0.0.99', protocol: 'https', hostname: 'evil.example', verdict: 'SPOOFABLE', why: 'a hop count cannot tell Cloudflare from a client that connects directly',
  },
  {
    topology: CLOUDFRONT_ALB, label: "`'cloudfront, 10.0.0.0/16'`, `ranges: { cloudfront }`", setting: 'cloudfront, 10.0.0.0/16', options: { ranges: { cloudfront } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the ALB by its VPC subnet, then CloudFront by its origin-facing list',
  },
  {
    topology: CLOUDFRONT_ALB, label: "`'10.0.0.0/16'`", setting: '10.0.0.0/16',
    ip: '130.176.0.5', protocol: 'http', hostname: HOST, verdict: 'safe, but wrong', why: 'CloudFront is missing: every client is a CloudFront node',
  },
  {
    topology: CLOUDFRONT_ALB, label: '`2`', setting: 2,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'two hops, while only CloudFront can reach the ALB',
  },
  {
    topology: FASTLY, label: "`'fastly'`, `ranges: { fastly }`", setting: 'fastly', options: { ranges: { fastly } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the peer is in Fastly\'s list: the walk stops at the address Fastly appended',
  },
  {
    topology: FASTLY, label: '`true`', setting: true,
    ip: '6.6.6.6', protocol: 'http', hostname: HOST, verdict: 'SPOOFABLE', why: '`true` walks to the leftmost entry, which the client wrote',
  },
  {
    topology: GOOGLE_LB, label: "`'google-lb, 34.120.1.1'`, `ranges: { 'google-lb': googleLoadBalancers }`", setting: 'google-lb, 34.120.1.1',
    options: { ranges: { 'google-lb': googleLoadBalancers } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the front end by Google\'s ranges, then the address of the forwarding rule',
  },
  {
    topology: GOOGLE_LB, label: "`'google-lb'`, `ranges: { 'google-lb': googleLoadBalancers }`", setting: 'google-lb',
    options: { ranges: { 'google-lb': googleLoadBalancers } },
    ip: '34.120.1.1', protocol: 'http', hostname: HOST, verdict: 'safe, but wrong', why: 'the forwarding rule\'s address is missing: every client is 34.120.1.1',
  },
  {
    topology: GOOGLE_LB, label: '`2`', setting: 2,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'the front end and the address it appends, while only Google can connect',
  },
  {
    topology: VPC, label: "`'vpc'`, `ranges: { vpc: ['10.0.0.0/16'] }`", setting: 'vpc', options: { ranges: { vpc: ['10.0.0.0/16'] } },
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'one name for every proxy\'s subnet: the walk stops at the client the edge appended',
  },
  {
    topology: VPC, label: '`3`', setting: 3,
    ip: CLIENT, protocol: 'http', hostname: HOST, verdict: 'safe', why: 'right until a proxy is added or removed, when it silently is not',
  },
]

/** What an honest client (no forged headers) gets, for comparison. */
function honest(c: Case) {
  const r = resolveAddr(arrive(c.topology, {}), compileTrust(c.setting, c.options))
  return { ip: r.ip, protocol: r.protocol, hostname: r.hostname }
}

describe.each(TOPOLOGIES.map((t) => [t.name, t] as const))('%s', (_name, topology) => {
  const cases = CASES.filter((c) => c.topology === topology)

  it.each(cases.map((c) => [`${c.verdict}: ${c.label}`, c] as const))('%s', (_label, c) => {
    const r = resolveAddr(arrive(topology, FORGED), compileTrust(c.setting, c.options))
    expect({ ip: r.ip, protocol: r.protocol, hostname: r.hostname }).toEqual({ ip: c.ip, protocol: c.protocol, hostname: c.hostname })
    // the verdict follows from the answers: any forged value that shows through is a spoof
    const spoofed = r.ip === '6.6.6.6' || r.ip === '10.0.0.99' || r.protocol === 'https' || r.hostname === 'evil.example'
    expect(spoofed, 'the verdict').toBe(c.verdict === 'SPOOFABLE')
    // "wrong" means an honest client is not told apart either
    if (c.verdict !== 'SPOOFABLE') expect(honest(c).ip === CLIENT, 'an honest client is found').toBe(c.verdict === 'safe')
  })
})

describe('a Host header that would inject into Forwarded, through two proxies', () => {
  const bothHops = compileTrust('10.0.0.2, 10.0.1.3', { source: 'forwarded', hostAndProto: 'aligned' })
  it.each([
    ['an added element', 'shop.example,for=198.51.100.1'],
    ['an added parameter', 'shop.example;for=198.51.100.1'],
    ['a quote', 'shop.example";for=198.51.100.1'],
  ])('%s is not passed on: the client is found and chooses no host', (_name, host) => {
    const r = resolveAddr(arrive(TWO_PROXIES, { Host: host }), bothHops)
    expect({ ip: r.ip, ips: r.ips, hostname: r.hostname }).toEqual({ ip: CLIENT, ips: [CLIENT, '10.0.0.2'], hostname: undefined })
  })
})

describe('the table', () => {
  it('covers every topology with `true`, a hop count and a range or address setting', () => {
    for (const topology of TOPOLOGIES) {
      const settings = CASES.filter((c) => c.topology === topology).map((c) => c.setting)
      expect(settings.some((s) => typeof s === 'number' || s === true || s === false), topology.name).toBe(true)
      expect(settings.some((s) => typeof s === 'string' || Array.isArray(s)), topology.name).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------------
// docs/security.md, the security page

const DOC = new URL('../docs/security.md', import.meta.url)

function topologyLine(t: Topology): string {
  const path = t.hops.map((hop) => `${hop.name} ${hop.at}`)
  return [`client ${CLIENT}`, ...path, 'app'].join(' → ')
}

function renderTopologies(): string {
  const lines: string[] = []
  for (const t of TOPOLOGIES) {
    lines.push(`- **${t.name}**: ${topologyLine(t)}`)
    for (const hop of t.hops) lines.push(`  - ${hop.name} (${hop.at}): ${hop.writes.map((w) => `\`${w}\``).join(', ')}`)
  }
  return lines.join('\n')
}

function renderTable(): string {
  const cell = (text: string | undefined): string => (text ?? '(none)').replace(/\|/g, '\\|')
  const rows = CASES.map((c) => `| ${cell(c.topology.name)} | ${cell(c.label)} | ${cell(c.ip)} · ${cell(c.protocol)} · ${cell(c.hostname)} | ${c.verdict === 'SPOOFABLE' ? '**SPOOFABLE**' : c.verdict} | ${cell(c.why)} |`)
  return [
    '| Topology | Setting | A forging client gets (ip · protocol · hostname) | Verdict | Why |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
function block(doc: string, name: string): string | undefined {
  const start = doc.indexOf(`<!-- ${name}:start -->`)
  const end = doc.indexOf(`<!-- ${name}:end -->`)
  if (start === -1 || end === -1) return undefined
  return doc.slice(start + `<!-- ${name}:start -->`.length, end).trim()
}

describe('the security page (docs/security.md)', () => {
  const doc = readFileSync(DOC, 'utf8')

  it('lists the topologies as modelled here', () => {
    expect(block(doc, 'spoofing-topologies')).toBe(renderTopologies())
  })

  it('shows this table', () => {
    expect(block(doc, 'spoofing-table')).toBe(renderTable())
  })
})
