// types.ts: what a platform contributes to a setting (its part), and the checks its options share.

import { parseRange } from '../core/address.js'
import { isRange, SPELLINGS } from '../core/env.js'
import { describeValue, type EdgeProof } from '../core/options.js'
import type { RangeNames } from '../core/ranges.js'

/** What one platform contributes: whom to trust, where the client is read, and whether it can sit in a chain. */
export interface PlatformPart {
  /**
   * The setting's entries for the addresses this platform's proxies connect from (a range name the
   * `ranges` below define, addresses, subnets); undefined when the platform publishes none, so that
   * only its position (the socket peer) can be trusted.
   */
  readonly trusted: readonly string[] | undefined
  /** Range names the entries use. */
  readonly ranges?: RangeNames
  /** Alone, the header that holds the client's address (and whether it ends in `:port`); X-Forwarded-For otherwise. */
  readonly header?: { readonly header: string; readonly port?: boolean }
  /**
   * Whether each proxy of the platform appends the address it received the request from to
   * X-Forwarded-For, so that the platform can sit in a chain (which is then read from that header).
   */
  readonly appends: boolean
  /** The proof this platform's edge sends, when its options name one (Azure Front Door's ID). */
  readonly edgeProof?: EdgeProof
}

/** A platform by name: the options it reads and how they give its part. */
export interface PlatformSpec {
  /** The name `platform()` takes. */
  readonly name: string
  /** The options it reads (besides `edgeProof`, which every platform takes). */
  readonly options: readonly string[]
  /** Its part, from its options; throws a TypeError naming a bad option value. */
  part(options: Readonly<Record<string, unknown>>): PlatformPart
}

/** A platform option's TypeError: `invalid platform option <name>: <value> (expected …)`. */
export function failOption(name: string, value: unknown, expected: string): never {
  throw new TypeError(`invalid platform option ${name}: ${describeValue(value)} (expected ${expected})`)
}

/**
 * A required option of addresses and subnets (a string, or a non-empty list of strings), each
 * checked as the setting will read it, so that the error names the option rather than the setting.
 */
export function subnetsOption(platform: string, name: string, value: unknown, example: string): string[] {
  const expected = `${example}: the option platform('${platform}') needs`
  if (value === undefined) failOption(name, value, expected)
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0) failOption(name, value, expected)
  return list.map((entry) => {
    if (typeof entry !== 'string') failOption(name, entry, expected)
    try {
      parseRange(entry, true)
    } catch (error) {
      // a spelling proxy-addr reads, but as another address (10/8 is 0.0.0.0/8)
      const why = isRange(entry, false) ? SPELLINGS : (error as Error).message
      failOption(name, entry, `an address or subnet such as ${example}: ${why}`)
    }
    return entry
  })
}
