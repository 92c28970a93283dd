// hops.ts: the one interface through which every source hands a walk its hops, and the source a
// request's options name.

import type { ResolvedOptions } from '../options.js'
import { forwardedFor, headerValue, type RequestLike } from '../request.js'
import type { ForwardedElement } from '../rfc7239.js'
import { ForwardedHops } from './forwarded.js'
import { ForwardedForHops } from './xff.js'
import { SingleAddressHops } from './header.js'

/**
 * Why a source has no more hops: `end`, it holds no more; `malformed`, what is left cannot be read
 * (a malformed Forwarded element, a single-address header that is not one address); `limit`,
 * `maxForwarded` Forwarded elements were read and the header goes on.
 */
export type SourceEnd = 'end' | 'malformed' | 'limit'

/**
 * The hops after the socket peer, nearest first, one at a time: a walk calls `next()` only when it
 * moves on, so nothing beyond the hop where it stops is read.
 */
export interface Hops {
  /** Move to the next hop; false when there is none (`end` then says why). */
  next(): boolean
  /** The current hop's address text, as the trust predicate is asked about it; undefined when the hop holds none. */
  readonly text: string | undefined
  /** The current hop as received: the header entry, the `for=` value, the header's value. */
  readonly received: string | undefined
  /** The Forwarded element the current hop came from (`source: 'forwarded'` only). */
  readonly element: ForwardedElement | undefined
  /** Why `next()` last returned false. */
  readonly end: SourceEnd
}

/** The hops of the source `options` name, for a walk with options. */
export function hopsOf(req: RequestLike, options: ResolvedOptions): Hops {
  if (options.source === 'forwarded') return new ForwardedHops(headerValue(req.headers, 'forwarded'), options.maxForwarded)
  if (options.source === 'header') return new SingleAddressHops(headerValue(req.headers, options.header), options.strict, options.headerPort)
  return new ForwardedForHops(forwardedFor(req.headers), options.ports)
}
