// index.ts: `platform(name, options)`: a platform, or a chain of them, as the setting and options
// compileTrust takes. Platforms compose what exists (range names, a source, the edge proof) and add
// no walk of their own.

import type { TrustSetting } from '../core/compile.js'
import { describeValue, type EdgeProof, type TrustOptions } from '../core/options.js'
import type { RangeNames, RangeValue } from '../core/ranges.js'
import { awsAlb } from './aws-alb.js'
import { azureFrontDoor } from './azure-front-door.js'
import { cloudflare } from './cloudflare.js'
import { cloudfront } from './cloudfront.js'
import { fastly } from './fastly.js'
import { flyIo } from './fly-io.js'
import { googleCloud } from './google-cloud.js'
import { heroku } from './heroku.js'
import { kubernetesIngressNginx } from './kubernetes-ingress-nginx.js'
import { sameHost } from './same-host.js'
import type { PlatformPart, PlatformSpec } from './types.js'
import { vercel } from './vercel.js'

/** Every platform by name, in the order the docs list them. */
const PLATFORMS: ReadonlyMap<string, PlatformSpec> = new Map([
  cloudflare, cloudfront, awsAlb, googleCloud, azureFrontDoor, fastly, flyIo, vercel, heroku, kubernetesIngressNginx, sameHost,
].map((spec) => [spec.name, spec]))

/** The names `platform()` takes. */
export const PLATFORM_NAMES: readonly string[] = Object.freeze([...PLATFORMS.keys()])

/**
 * Platforms asked for but not offered, with why: their behaviour could not be confirmed from the
 * vendor's own documentation (docs/reference/platforms.md).
 */
const LEFT_OUT: ReadonlyMap<string, string> = new Map([
  ['akamai', "Akamai's documentation of True-Client-IP (whether a client can set it) could not be confirmed"],
  ['render', "Render's documentation of the addresses and headers its proxy sends could not be confirmed"],
])

/** Options of `platform()`: what the platforms named need, and `edgeProof`. */
export interface PlatformOptions {
  /** `aws-alb`: your VPC's CIDR (or CIDRs), which the load balancer connects from. */
  readonly vpc?: string | readonly string[] | undefined
  /** `google-cloud`: the load balancer's own address (its forwarding rule's IP), which it appends. */
  readonly loadBalancer?: string | readonly string[] | undefined
  /** `azure-front-door`: the AzureFrontDoor.Backend service tag's prefixes. */
  readonly backend?: string | readonly string[] | undefined
  /** `azure-front-door`: your Front Door's ID, which it sends as `X-Azure-FDID`. */
  readonly frontDoorId?: string | undefined
  /** `fastly`: `true` once your VCL sets Fastly-Client-IP to client.ip (required). */
  readonly clientIpFromVcl?: boolean | undefined
  /** `kubernetes-ingress-nginx`: the pod network's CIDR. */
  readonly pods?: string | readonly string[] | undefined
  /** Any platform: the secret header your edge adds (see `TrustOptions.edgeProof`). */
  readonly edgeProof?: EdgeProof | undefined
}

/** What `platform()` returns: the arguments of `compileTrust(setting, options)` and every adapter's `trustProxy`. */
export interface PlatformSetting {
  readonly setting: TrustSetting
  readonly options: TrustOptions
}

/**
 * The setting and options for a platform, or a chain of them written outermost first
 * (`'cloudfront,aws-alb'`, or an array). Alone, a platform is trusted by its published ranges (or
 * those its options give) and the client is read from the header it sets; Fly.io, Vercel and Heroku
 * publish no ranges, so only the socket peer is trusted, by position. In a chain every platform must
 * append to X-Forwarded-For, which is then the source, and each one's ranges are trusted.
 *
 * @throws {TypeError} `unknown platform: <name> (expected one of …)`, `platform <name> is not
 *   offered: …`, `platform <name> cannot be part of a chain: …`, `unknown platform option: <name>
 *   (…)`, `invalid platform option <name>: <value> (expected …)`.
 * @example
 * const { setting, options } = platform('cloudfront,aws-alb', { vpc: '10.0.0.0/16' })
 * const trust = compileTrust(setting, options)
 */
export function platform(name: string | readonly string[], options: PlatformOptions = {}): PlatformSetting {
  const names = namesOf(name)
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`invalid platform options: ${describeValue(options)} (expected an object)`)
  }
  const specs = names.map(specOf)
  const given = options as Readonly<Record<string, unknown>>
  const known = new Set(['edgeProof', ...specs.flatMap((spec) => spec.options)])
  for (const key of Object.keys(given)) {
    if (!known.has(key)) throw new TypeError(`unknown platform option: ${key} (${names.join(',')} takes ${[...known].join(', ')})`)
  }
  const parts = specs.map((spec) => spec.part(given))
  const proof = options.edgeProof ?? parts.find((part) => part.edgeProof !== undefined)?.edgeProof
  const built = parts.length === 1 ? alone(parts[0] as PlatformPart) : chain(specs, parts)
  return Object.freeze({
    setting: built.setting,
    options: Object.freeze({ ...built.options, ...(proof === undefined ? {} : { edgeProof: proof }) }),
  })
}

function namesOf(name: unknown): string[] {
  let list: unknown[] = [name]
  if (typeof name === 'string') list = name.split(',')
  else if (Array.isArray(name)) list = name
  if (list.length === 0) throw new TypeError(`invalid platform: ${describeValue(name)} (expected a name such as 'cloudflare', or names outermost first)`)
  return list.map((entry) => {
    if (typeof entry !== 'string') throw new TypeError(`invalid platform: ${describeValue(entry)} (expected a name such as 'cloudflare')`)
    return entry.trim().toLowerCase()
  })
}

function specOf(name: string): PlatformSpec {
  const spec = PLATFORMS.get(name)
  if (spec !== undefined) return spec
  const why = LEFT_OUT.get(name)
  if (why !== undefined) {
    throw new TypeError(`platform ${name} is not offered: ${why}; compile a setting with the ranges and source: { header } you have checked (docs/reference/platforms.md)`)
  }
  throw new TypeError(`unknown platform: ${describeValue(name)} (expected one of ${PLATFORM_NAMES.join(', ')})`)
}

/** One platform: its ranges (or the peer by position) and the header it sets. */
function alone(part: PlatformPart): PlatformSetting {
  const options: { source?: TrustOptions['source']; ranges?: RangeNames } = {}
  if (part.header !== undefined) options.source = { ...part.header }
  if (part.ranges !== undefined) options.ranges = part.ranges
  // no published ranges: the socket peer is trusted for its position, and only it
  return { setting: part.trusted === undefined ? 1 : [...part.trusted], options }
}

/** A chain, outermost first: every platform's ranges, read from the X-Forwarded-For each appends to. */
function chain(specs: readonly PlatformSpec[], parts: readonly PlatformPart[]): PlatformSetting {
  const setting: string[] = []
  const ranges: Record<string, RangeValue> = {}
  parts.forEach((part, k) => {
    const name = (specs[k] as PlatformSpec).name
    if (part.trusted === undefined) {
      throw new TypeError(`platform ${name} cannot be part of a chain: it publishes no addresses, so only the socket peer can be trusted`)
    }
    if (!part.appends) {
      throw new TypeError(`platform ${name} cannot be part of a chain: it does not append the address it received from to X-Forwarded-For`)
    }
    for (const entry of part.trusted) if (!setting.includes(entry)) setting.push(entry)
    Object.assign(ranges, part.ranges)
  })
  return { setting, options: Object.keys(ranges).length === 0 ? {} : { ranges } }
}
