// forwarded.ts: RFC 7239 Forwarded elements as hops, nearest (rightmost) first: a hop's text is its
// `for=` node when that is an IP address (RFC 7239 section 6), and none otherwise.

import { ForwardedReader, parseNode, type ForwardedElement } from '../rfc7239.js'
import type { Hops, SourceEnd } from './hops.js'

/** The elements of a Forwarded header, read as far as a walk asks and at most `maxForwarded`. */
export class ForwardedHops implements Hops {
  text: string | undefined = undefined
  received: string | undefined = undefined
  element: ForwardedElement | undefined = undefined
  end: SourceEnd = 'end'
  readonly #reader: ForwardedReader

  constructor(header: string, maxForwarded: number) {
    this.#reader = new ForwardedReader(header, maxForwarded)
  }

  next(): boolean {
    const reader = this.#reader
    const element = reader.next()
    if (element === undefined) {
      if (reader.malformed) this.end = 'malformed'
      else if (reader.truncated) this.end = 'limit'
      return false
    }
    const node = element.for === undefined ? undefined : parseNode(element.for)
    this.element = element
    this.received = element.for
    this.text = node !== undefined && node.kind === 'ip' ? node.address : undefined
    return true
  }
}
