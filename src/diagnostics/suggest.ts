// suggest.ts: the narrowest setting that would give the answer a careful operator wants for one
// request: trust the socket peer and each hop after it that is loopback, private, link-local or in
// a known provider's range, up to the first other address, which is the client. Never `true` and
// never a hop count; nothing when the peer is a public address outside every provider.

import { compileTrust, type TrustFn } from '../core/compile.js'
import { PROVIDER_SNAPSHOTS } from '../core/env.js'
import type { AddressSource, TrustOptions } from '../core/options.js'
import type { RangeSnapshot } from '../core/ranges.js'
import type { ExplainedHop } from './explain.js'

/** A suggested setting: what to pass to `compileTrust` (or an adapter), and the code to paste. */
export interface Suggestion {
  /** Range names only: Express's (`loopback`, `uniquelocal`, `linklocal`) and providers'. */
  readonly setting: readonly string[]
  /** The options the setting needs: `ranges` for provider names, `source` when it is not X-Forwarded-For. */
  readonly options?: TrustOptions
  /** Ready to paste: `app.set('trust proxy', …)`, or `trustProxy(app, …)` when options are needed, with what it changes. */
  readonly code: string
}

/** Where a suggestion's hops were read. */
export type SuggestSource = 'x-forwarded-for' | 'forwarded' | { readonly header: string; readonly port?: boolean }

/** The names a hop is tried against, in order: Express's first, then the providers'. */
const CATEGORIES: readonly (readonly [string, TrustFn])[] = [
  ...['loopback', 'uniquelocal', 'linklocal'].map((name) => [name, compileTrust(name)] as const),
  ...[...PROVIDER_SNAPSHOTS].map(([name, snapshot]) => [name, compileTrust(name, { ranges: { [name]: snapshot } })] as const),
]

/** The export of `proxy-trust/ranges` each provider name is. */
const EXPORTS: Readonly<Record<string, string>> = { cloudflare: 'cloudflare', fastly: 'fastly', cloudfront: 'cloudfront', 'google-lb': 'googleLoadBalancers' }

/** Providers' own names, for the comment that names them. */
const TITLES: Readonly<Record<string, string>> = {
  cloudflare: "Cloudflare: platform('cloudflare')", fastly: "Fastly: platform('fastly')",
  cloudfront: "Amazon CloudFront: platform('cloudfront')", 'google-lb': "a Google Cloud load balancer: platform('google-cloud')",
}

/** The name of the first category holding `address`, if any. */
function categoryOf(address: string): string | undefined {
  return CATEGORIES.find(([, trust]) => trust(address, 0))?.[0]
}

/** An address as it may appear in code and comments: digits, hex, dots and colons only. */
function safe(text: string | undefined): string {
  return text !== undefined && /^[0-9a-fA-F:.]+$/.test(text) ? text : '(not an address)'
}

/**
 * The suggestion for a request's hops (the socket peer first, every entry the source holds), or
 * undefined: when the peer is a public address outside every provider (a direct client), has no
 * address, or nothing was forwarded, or when `quiet` (no warning about the setting itself) and that
 * setting already answers the client the suggestion would.
 *
 * @example
 * suggest(explain(req, trust).hops, 'x-forwarded-for', req.ip)?.code // "app.set('trust proxy', ['loopback'])\n…"
 */
export function suggest(hops: readonly ExplainedHop[], source: SuggestSource, ip: string | undefined, quiet = false): Suggestion | undefined {
  const names: string[] = []
  let client: ExplainedHop | undefined
  for (const hop of hops) {
    const category = hop.valid && hop.address !== undefined ? categoryOf(hop.address) : undefined
    if (category === undefined) {
      client = hop
      break
    }
    if (hop !== hops[hops.length - 1] && !names.includes(category)) names.push(category)
  }
  // a direct client, a peer without an address, or nothing forwarded: nothing to suggest
  if (hops[0] === client || names.length === 0) return undefined
  // a single-address header that is not one address is ignored by the walk: no setting reads it
  if (typeof source === 'object' && client !== undefined && !client.valid) return undefined
  const providers = names.filter((name) => PROVIDER_SNAPSHOTS.has(name))
  const options: { source?: AddressSource; ranges?: TrustOptions['ranges'] } = {}
  if (source !== 'x-forwarded-for') options.source = source
  if (providers.length > 0) options.ranges = Object.fromEntries(providers.map((name) => [name, PROVIDER_SNAPSHOTS.get(name) as RangeSnapshot]))
  const answer = client ?? hops[hops.length - 1] as ExplainedHop
  // nothing to change: the setting in use gives this client and draws no warning
  if (quiet && answer.address === ip) return undefined
  return {
    setting: names,
    ...(Object.keys(options).length === 0 ? {} : { options }),
    code: codeOf(names, providers, source, safe(answer.address), safe(ip)),
  }
}

/** The code to paste, with a comment saying what it changes and which provider it found. */
function codeOf(names: readonly string[], providers: readonly string[], source: SuggestSource, next: string, now: string): string {
  const list = `[${names.map((name) => `'${name}'`).join(', ')}]`
  const lines: string[] = []
  for (const provider of providers) lines.push(`// a hop is ${TITLES[provider] as string} sets this up from its documentation`)
  const parts: string[] = []
  if (source !== 'x-forwarded-for') parts.push(`source: ${typeof source === 'object' ? `{ header: ${JSON.stringify(source.header)}${source.port === true ? ', port: true' : ''} }` : "'forwarded'"}`)
  if (providers.length > 0) {
    parts.push(`ranges: { ${providers.map((name) => (EXPORTS[name] === name ? name : `'${name}': ${EXPORTS[name] as string}`)).join(', ')} }`)
    lines.push(`import { ${providers.map((name) => EXPORTS[name] as string).join(', ')} } from 'proxy-trust/ranges'`)
  }
  if (parts.length === 0) {
    lines.push(`app.set('trust proxy', ${list})`)
  } else {
    lines.push("import { trustProxy } from 'proxy-trust/express'", `trustProxy(app, ${list}, { ${parts.join(', ')} })`)
  }
  lines.push(next === now ? `// ip stays ${now}` : `// ip becomes ${next} (now ${now})`)
  return lines.join('\n')
}
