// proxyaddr.ts: proxy-addr 2.0.8's API (`proxyaddr(req, trust)`, `.all`, `.compile`) with its exact
// arguments and errors, so that Express can load this package in its place.

import { compileList, compiledOf, trustAll, type TrustFn } from './compile.js'
import { DECLINED, handOver, isAddress, isAddressList, otherCopy } from './copies.js'
import { EXPRESS } from './express.js'
import type { RequestLike } from './request.js'
import { hopsOf } from './sources/hops.js'
import { walk, walkHops } from './walk.js'

/** What proxy-addr accepts as `trust`: a predicate, or entries that `compile` understands. */
export type ProxyAddrTrust = TrustFn | string | readonly string[]

/** proxy-addr's default export: a function with `all` and `compile` attached. */
export interface ProxyAddr {
  /**
   * The client address of `req`: the address where a walk from the socket peer leftwards through
   * X-Forwarded-For stops at the first untrusted hop.
   *
   * @throws {TypeError} `req argument is required`, `trust argument is required`, and `compile`'s errors.
   * @example proxyaddr(req, 'loopback') // '203.0.113.5'
   */
  (req: RequestLike, trust: ProxyAddrTrust): string | undefined
  /**
   * Every address walked, the socket peer first; all of them when `trust` is omitted.
   *
   * @throws {TypeError} `argument req is required`, and `compile`'s errors.
   * @example proxyaddr.all(req, 'loopback') // ['127.0.0.1', '203.0.113.5']
   */
  all(req: RequestLike, trust?: ProxyAddrTrust | null): (string | undefined)[]
  /**
   * Compile a string (one entry) or an array of entries into a predicate.
   *
   * @throws {TypeError} `argument is required`, `unsupported trust argument`,
   *   `invalid IP address: <value>`, `invalid range on address: <value>`.
   * @example proxyaddr.compile(['loopback', '10.0.0.0/8'])
   */
  compile(val: string | readonly string[]): TrustFn
}

function toTrustFn(trust: unknown): TrustFn {
  return typeof trust === 'function' ? (trust as TrustFn) : compileList(trust)
}

/**
 * The walk a predicate asks for: Express's exact walk, or, for a predicate compiled with options,
 * the walk with those options (so that Express, loading this package as proxy-addr, honours them).
 */
function addresses(req: RequestLike, trust: TrustFn, list: (string | undefined)[] | null): string | undefined {
  const compiled = compiledOf(trust)
  if (compiled === undefined) {
    // compiled by another copy of this package: only that copy knows its options
    const other = otherCopy(trust)
    if (other !== undefined && list === null) {
      const ip = handOver(trust, () => other.ip(req), isAddress)
      if (ip !== DECLINED) return ip
    } else if (other !== undefined && list !== null) {
      const addrs = handOver(trust, () => other.all(req), isAddressList)
      if (addrs !== DECLINED) {
        for (const addr of addrs) list.push(addr)
        return undefined
      }
    }
    return walk(req, trust, undefined, list)
  }
  if (compiled.options === EXPRESS) return walk(req, trust, compiled, list)
  const walked = walkHops(req, compiled, hopsOf(req, compiled.options), null)
  // one push per hop: a spread of a long chain into one call would exceed the stack
  if (list !== null) for (const addr of walked.addrs) list.push(addr)
  return walked.ip
}

function all(req: RequestLike, trust?: ProxyAddrTrust | null): (string | undefined)[] {
  if (!req) throw new TypeError('argument req is required')
  const list: (string | undefined)[] = []
  addresses(req, trust ? toTrustFn(trust) : trustAll, list)
  return list
}

// a declaration, not a function expression, so that the build's minifier keeps its name: the
// function Express requires is named `proxyaddr`, as proxy-addr's is
function proxyaddr(req: RequestLike, trust: ProxyAddrTrust): string | undefined {
  if (!req) throw new TypeError('req argument is required')
  if (!trust) throw new TypeError('trust argument is required')
  return addresses(req, toTrustFn(trust), null)
}

/**
 * proxy-addr's API: `proxyaddr(req, trust)`, `proxyaddr.all(req, [trust])`, `proxyaddr.compile(val)`.
 *
 * @example
 * proxyaddr(req, ['loopback', '10.0.0.0/8'])
 */
const api: ProxyAddr = Object.assign(proxyaddr, { all, compile: compileList as ProxyAddr['compile'] })
export { api as proxyaddr }
