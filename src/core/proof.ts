// proof.ts: whether a request carries the proof that its trusted edge is yours (the `edgeProof`
// option), compared in constant time.

import { headerValue, type RequestLike } from './request.js'
import type { ResolvedOptions } from './options.js'

/**
 * Whether `given` equals `expected`, in a time that depends only on `expected`'s length: every
 * character of `expected` is compared, whatever `given` holds, and nothing returns early. The
 * length difference is folded into the result, so a longer or shorter guess learns nothing more.
 */
export function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length
  const n = given.length
  for (let i = 0; i < expected.length; i++) {
    // n is 0 only for an empty header, which the length difference already refuses; reading
    // position 0 of an empty string gives NaN, which `| 0` turns into 0
    diff |= (given.charCodeAt(n === 0 ? 0 : i % n) | 0) ^ expected.charCodeAt(i)
  }
  return diff === 0
}

/**
 * Whether the request proves its edge as `options.edgeProof` asks: true when no proof is asked.
 * Every accepted value is compared, with no early return, so the time says nothing about which
 * (if any) matched. Never throws; a header sent twice (joined with ", " by Node) matches nothing.
 */
export function proven(req: RequestLike, options: ResolvedOptions): boolean {
  if (options.proofHeader === '') return true
  const given = headerValue(req.headers, options.proofHeader)
  let ok = false
  for (const expected of options.proofValues) ok = sameSecret(given, expected) || ok
  return ok
}
