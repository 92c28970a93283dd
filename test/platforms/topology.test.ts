// topology.test.ts: every platform modelled hop by hop, as its vendor documents it, with a forging
// client tried at every position it can reach: through the platform, sending every header any
// platform reads; straight to the origin; straight to an inner proxy of a chain; and, where the
// platform's addresses are shared by its customers, through another customer's configuration.

import { describe, expect, it } from 'vitest'
import { compileTrust } from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { explain } from '../../src/diagnostics/explain.js'
import { platform, type PlatformOptions } from '../../src/platforms/index.js'

/** The real client, and what it claims to be. */
const CLIENT = '203.0.113.5'
const FORGED_IP = '198.51.100.66'
const FRONT_DOOR_ID = 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1'
const OTHER_FRONT_DOOR = 'b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2'
const SECRET = 'k3y-0f-th1s-0r1g1n-2026'

/** Every header a platform reads, forged by the client. */
const FORGED: Readonly<Record<string, string>> = {
  'x-forwarded-for': `${FORGED_IP}, 10.0.0.9`,
  'cf-connecting-ip': FORGED_IP,
  'cloudfront-viewer-address': `${FORGED_IP}:443`,
  'x-azure-socketip': FORGED_IP,
  'x-azure-clientip': FORGED_IP,
  'x-azure-fdid': FRONT_DOOR_ID,
  'fastly-client-ip': FORGED_IP,
  'fly-client-ip': FORGED_IP,
  'x-origin-verify': SECRET,
}

interface Req {
  readonly socket: { readonly remoteAddress: string }
  readonly headers: Readonly<Record<string, string>>
}

/** A request as the origin receives it from `peer`, with `headers` over what the client sent. */
function from(peer: string, sent: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>>): Req {
  return { socket: { remoteAddress: peer }, headers: { ...sent, ...headers } }
}

/** Append `address` to X-Forwarded-For, as a proxy that appends does. */
function appended(sent: Readonly<Record<string, string>>, address: string): string {
  const xff = sent['x-forwarded-for']
  return xff === undefined ? address : `${xff}, ${address}`
}

/**
 * One platform: how its edge forwards a request from `client` that sent `sent`; and, where the
 * platform documents it, what a request straight to the origin looks like.
 */
interface PlatformModel {
  readonly name: string
  readonly options?: PlatformOptions
  /** What the origin receives when the request comes through the platform. */
  readonly through: (client: string, sent: Readonly<Record<string, string>>) => Req
  /**
   * What the client gets straight to the origin with forged headers: its own address where the
   * platform's addresses are known; the forged one where only the position is trusted (the
   * weakness the guide states: such an origin must be reachable only through the platform).
   */
  readonly direct: string
}

/** The rightmost entry of the forged X-Forwarded-For: what a count of one hop takes from a client sending it straight. */
const FORGED_RIGHTMOST = '10.0.0.9'

const CF_EDGE = '173.245.48.7'
const CLOUDFRONT_EDGE = '130.176.0.9'
const ALB_NODE = '10.0.3.7'
const GFE = '35.191.4.2'
const GOOGLE_LB = '34.120.1.1'
const AZURE_EDGE = '147.243.1.9'
const FASTLY_EDGE = '151.101.1.9'
const POD_CONTROLLER = '10.244.1.5'

const MODELS: readonly PlatformModel[] = [
  {
    name: 'cloudflare',
    through: (client, sent) => from(CF_EDGE, sent, { 'cf-connecting-ip': client, 'x-forwarded-for': appended(sent, client) }),
    direct: CLIENT,
  },
  {
    name: 'cloudfront',
    through: (client, sent) => from(CLOUDFRONT_EDGE, sent, { 'cloudfront-viewer-address': `${client}:46532`, 'x-forwarded-for': appended(sent, client) }),
    direct: CLIENT,
  },
  {
    name: 'aws-alb',
    options: { vpc: '10.0.0.0/16' },
    through: (client, sent) => from(ALB_NODE, sent, { 'x-forwarded-for': appended(sent, client) }),
    direct: CLIENT,
  },
  {
    name: 'google-cloud',
    options: { loadBalancer: GOOGLE_LB },
    through: (client, sent) => from(GFE, sent, { 'x-forwarded-for': `${appended(sent, client)}, ${GOOGLE_LB}` }),
    direct: CLIENT,
  },
  {
    name: 'azure-front-door',
    options: { backend: '147.243.0.0/16', frontDoorId: FRONT_DOOR_ID },
    through: (client, sent) => from(AZURE_EDGE, sent, {
      'x-azure-socketip': client, 'x-azure-clientip': sent['x-forwarded-for']?.split(',')[0] ?? client,
      'x-azure-fdid': FRONT_DOOR_ID, 'x-forwarded-for': appended(sent, client),
    }),
    direct: CLIENT,
  },
  {
    name: 'fastly',
    options: { clientIpFromVcl: true },
    // the VCL the guide gives sets Fastly-Client-IP to client.ip on the first visit
    through: (client, sent) => from(FASTLY_EDGE, sent, { 'fastly-client-ip': client }),
    direct: CLIENT,
  },
  {
    name: 'fly-io',
    through: (client, sent) => from('172.19.0.170', sent, { 'fly-client-ip': client, 'x-forwarded-for': appended(sent, client) }),
    direct: FORGED_IP,
  },
  {
    name: 'vercel',
    // Vercel overwrites X-Forwarded-For with the client's address
    through: (client, sent) => from('169.254.100.6', sent, { 'x-forwarded-for': client }),
    direct: FORGED_RIGHTMOST,
  },
  {
    name: 'heroku',
    through: (client, sent) => from('10.1.45.23', sent, { 'x-forwarded-for': appended(sent, client) }),
    direct: FORGED_RIGHTMOST,
  },
  {
    name: 'kubernetes-ingress-nginx',
    options: { pods: '10.244.0.0/16' },
    // use-forwarded-headers false (the default): X-Forwarded-For is replaced by what nginx saw
    through: (client, sent) => from(POD_CONTROLLER, sent, { 'x-forwarded-for': client }),
    direct: CLIENT,
  },
  {
    name: 'same-host',
    through: (client, sent) => from('127.0.0.1', sent, { 'x-forwarded-for': appended(sent, client) }),
    direct: CLIENT,
  },
]

function ipOf(model: { readonly name: string; readonly options?: PlatformOptions }, req: Req): string | undefined {
  const { setting, options } = platform(model.name, model.options)
  return resolveAddr(req, compileTrust(setting, options)).ip
}

describe.each(MODELS.map((model) => [model.name, model] as const))('platform %s', (_name, model) => {
  it('gives the client through the platform', () => {
    expect(ipOf(model, model.through(CLIENT, {}))).toBe(CLIENT)
  })

  it('gives the real client when the client forges every header a platform reads', () => {
    expect(ipOf(model, model.through(CLIENT, FORGED))).toBe(CLIENT)
  })

  const what = model.direct === CLIENT ? 'its own address' : 'the forged address (no published ranges: the guide says the origin must be unreachable)'
  it(`straight to the origin with forged headers, the client gets ${what}`, () => {
    expect(ipOf(model, from(CLIENT, FORGED, {}))).toBe(model.direct)
  })

  it('a client whose address is private still comes through as itself', () => {
    expect(ipOf(model, model.through('192.168.1.20', FORGED))).toBe('192.168.1.20')
  })
})

describe('chains, outermost first', () => {
  interface ChainModel {
    readonly name: string
    readonly options?: PlatformOptions
    readonly through: (client: string, sent: Readonly<Record<string, string>>) => Req
    /** The request when the client skips the outer platform and reaches the inner one directly. */
    readonly skipOuter: (client: string, sent: Readonly<Record<string, string>>) => Req
  }
  const CHAINS: readonly ChainModel[] = [
    {
      name: 'cloudfront,aws-alb',
      options: { vpc: '10.0.0.0/16' },
      through: (client, sent) => from(ALB_NODE, sent, { 'x-forwarded-for': `${appended(sent, client)}, ${CLOUDFRONT_EDGE}` }),
      skipOuter: (client, sent) => from(ALB_NODE, sent, { 'x-forwarded-for': appended(sent, client) }),
    },
    {
      name: 'cloudflare,kubernetes-ingress-nginx',
      options: { pods: '10.244.0.0/16' },
      // compute-full-forwarded-for: the controller appends
      through: (client, sent) => from(POD_CONTROLLER, sent, { 'x-forwarded-for': `${appended(sent, client)}, ${CF_EDGE}` }),
      skipOuter: (client, sent) => from(POD_CONTROLLER, sent, { 'x-forwarded-for': appended(sent, client) }),
    },
    {
      name: 'cloudflare,same-host',
      through: (client, sent) => from('127.0.0.1', sent, { 'x-forwarded-for': `${appended(sent, client)}, ${CF_EDGE}` }),
      skipOuter: (client, sent) => from('127.0.0.1', sent, { 'x-forwarded-for': appended(sent, client) }),
    },
  ]
  describe.each(CHAINS.map((model) => [model.name, model] as const))('%s', (_name, model) => {
    it('gives the client through the chain, whatever the client forged', () => {
      expect(ipOf(model, model.through(CLIENT, {}))).toBe(CLIENT)
      expect(ipOf(model, model.through(CLIENT, FORGED))).toBe(CLIENT)
    })
    it('gives the client its own address when it skips the outer platform', () => {
      expect(ipOf(model, model.skipOuter(CLIENT, FORGED))).toBe(CLIENT)
    })
    it('gives the client its own address straight to the origin', () => {
      expect(ipOf(model, from(CLIENT, FORGED, {}))).toBe(CLIENT)
    })
  })
})

describe('another customer of the same CDN (its edges are trusted addresses)', () => {
  it('azure-front-door: a request from another Front Door is untrusted, and explain says why', () => {
    const { setting, options } = platform('azure-front-door', { backend: '147.243.0.0/16', frontDoorId: FRONT_DOOR_ID })
    const trust = compileTrust(setting, options)
    const req = from(AZURE_EDGE, {}, { 'x-azure-socketip': FORGED_IP, 'x-azure-fdid': OTHER_FRONT_DOOR, 'x-forwarded-proto': 'https' })
    expect(resolveAddr(req, trust).ip).toBe(AZURE_EDGE)
    const why = explain(req, trust)
    expect(why.hops[0]?.reason).toBe('147.243.0.0/16, but the request lacks the edgeProof x-azure-fdid: not your edge')
    expect(JSON.stringify(why)).not.toContain(FRONT_DOOR_ID)
    expect(why.warnings.find((warning) => warning.code === 'UNTRUSTED_PEER_WITH_HEADERS')?.fix)
      .toBe("The peer is in the trusted ranges but lacks x-azure-fdid: if it is your edge, have it send that header; if not (another customer's configuration), ignoring the headers is right")
  })

  it('azure-front-door: the ID is compared whatever its case, as the portal may show it in capitals', () => {
    const { setting, options } = platform('azure-front-door', { backend: '147.243.0.0/16', frontDoorId: FRONT_DOOR_ID.toUpperCase() })
    const req = from(AZURE_EDGE, {}, { 'x-azure-socketip': CLIENT, 'x-azure-fdid': FRONT_DOOR_ID })
    expect(resolveAddr(req, compileTrust(setting, options)).ip).toBe(CLIENT)
  })

  it('cloudflare with edgeProof: only requests carrying your secret are believed', () => {
    const { setting, options } = platform('cloudflare', { edgeProof: { header: 'x-origin-verify', values: [SECRET] } })
    const trust = compileTrust(setting, options)
    const yours = from(CF_EDGE, {}, { 'cf-connecting-ip': CLIENT, 'x-origin-verify': SECRET })
    const theirs = from(CF_EDGE, {}, { 'cf-connecting-ip': FORGED_IP })
    const guessed = from(CF_EDGE, {}, { 'cf-connecting-ip': FORGED_IP, 'x-origin-verify': `${SECRET}x` })
    expect(resolveAddr(yours, trust).ip).toBe(CLIENT)
    expect(resolveAddr(theirs, trust).ip).toBe(CF_EDGE)
    expect(resolveAddr(guessed, trust).ip).toBe(CF_EDGE)
  })
})
