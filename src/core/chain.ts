// chain.ts: the walk with options (`compileTrust(setting, options)`): hops read from
// X-Forwarded-For with ports or strict addresses, from RFC 7239 Forwarded, or from a single-address
// header, and what `resolveAddr` needs to align host and protocol with the hop where it stopped.

import { addressSpan, formatAddress, Kind, parseAddress, spanEnd } from './address.js'
import { holds, type Compiled } from './compile.js'
import type { ResolvedOptions } from './options.js'
import { forwardedFor, headerValue, socketOf, type RequestLike } from './request.js'
import { ForwardedReader, parseNode, type ForwardedElement } from './rfc7239.js'
import { entryStart, previousEntry } from './walk.js'

/** The outcome of a walk with options. */
export interface Walked {
  /** The client address; undefined when the hop where the walk stopped is not an address (except in compatible X-Forwarded-For mode, where it is returned as it stands, as proxy-addr does). */
  readonly ip: string | undefined
  /** Every hop walked as it is returned, the socket peer first; undefined where a hop is not an address. */
  readonly addrs: (string | undefined)[]
  /** Whether the socket peer is trusted (what Express asks before reading X-Forwarded-Host/-Proto). */
  readonly peerTrusted: boolean
  /** The Forwarded element of the hop where the walk stopped, with `source: 'forwarded'`. */
  readonly element: ForwardedElement | undefined
}

const scratch = new Int32Array(4)

/** One hop: the text of its address (undefined when there is none) and the element it came from. */
export interface Hop {
  readonly text: string | undefined
  readonly element: ForwardedElement | undefined
}

/** The hops after the socket peer, nearest first, as the source gives them. */
export function hopsOf(req: RequestLike, options: ResolvedOptions): () => Hop | undefined {
  if (options.source === 'forwarded') {
    const reader = new ForwardedReader(headerValue(req.headers, 'forwarded'), options.maxForwarded)
    return () => {
      const element = reader.next()
      if (element === undefined) return undefined
      const node = element.for === undefined ? undefined : parseNode(element.for)
      return { text: node !== undefined && node.kind === 'ip' ? node.address : undefined, element }
    }
  }

  if (options.source === 'header') {
    let done = false
    return () => {
      if (done) return undefined
      done = true
      // exactly one address; Node joins repeated lines with ", ", which makes the value invalid
      const value = headerValue(req.headers, options.header).trim()
      if (value === '' || value.indexOf(',') !== -1) return undefined
      if (parseAddress(value, scratch, 0, -1, options.strict) === Kind.Invalid) return undefined
      return { text: value, element: undefined }
    }
  }

  const header = forwardedFor(req.headers)
  let pos = header.length
  return () => {
    const end = previousEntry(header, pos)
    if (end === -1) return undefined
    pos = entryStart
    const start = options.ports ? addressSpan(header, entryStart, end) : entryStart
    return { text: header.substring(start, options.ports ? spanEnd : end), element: undefined }
  }
}

/**
 * Walk from the socket peer through the source's hops, stopping at the first untrusted one. A hop
 * that is not an address is untrusted without asking the predicate, except in compatible
 * X-Forwarded-For mode, where the predicate decides as in proxy-addr.
 */
export function walkWith(req: RequestLike, compiled: Compiled): Walked {
  const { options, shape, call } = compiled
  const socket = socketOf(req)
  const peer = socket ? socket.remoteAddress : undefined
  const lenient = !options.strict && options.source === 'x-forwarded-for'
  const next = hopsOf(req, options)

  const trusted = (text: string | undefined, i: number): boolean => {
    if (i === 0 && text === undefined && options.trustSocketless) return true
    if (i > 0 && !lenient && parseAddress(text, scratch, 0, -1, options.strict) === Kind.Invalid) return false
    return shape === undefined ? call(text, i) : holds(shape, i, text, 0, -1)
  }

  // A custom predicate is asked only about hops that have a successor, as proxy-addr asks. A compiled
  // one has no side effects and is asked first, so that nothing left of the first untrusted hop is
  // read.
  const askFirst = shape !== undefined
  const addrs: (string | undefined)[] = [present(peer, options, lenient)]
  let cur: Hop = { text: peer, element: undefined }
  let peerTrusted: boolean | undefined
  for (let i = 0; ; i++) {
    let hop: Hop | undefined
    if (askFirst) {
      const ok = trusted(cur.text, i)
      if (i === 0) peerTrusted = ok
      if (!ok) break
      hop = next()
      if (hop === undefined) break
    } else {
      hop = next()
      if (hop === undefined) break
      const ok = trusted(cur.text, i)
      if (i === 0) peerTrusted = ok
      if (!ok) break
    }
    cur = hop
    addrs.push(present(hop.text, options, lenient))
  }
  return {
    ip: addrs[addrs.length - 1],
    addrs,
    peerTrusted: peerTrusted ?? trusted(peer, 0),
    element: cur.element,
  }
}

/** A hop's address as returned: normalised when asked; a non-address only in lenient mode. */
function present(text: string | undefined, options: ResolvedOptions, lenient: boolean): string | undefined {
  return presentAddress(text, parseAddress(text, scratch, 0, -1, options.strict), scratch, options, lenient)
}

/**
 * How a hop's address is returned, given what `parseAddress` found in it (`kind`, `words`):
 * normalised when asked; a non-address only in lenient mode, as it stands.
 */
export function presentAddress(
  text: string | undefined, kind: Kind, words: Int32Array, options: ResolvedOptions, lenient: boolean,
): string | undefined {
  if (kind === Kind.Invalid) return lenient ? text : undefined
  if (!options.normalize) return text
  const value = text as string
  const zone = value.indexOf('%')
  return formatAddress(kind, words, zone === -1 ? '' : value.substring(zone + 1))
}
