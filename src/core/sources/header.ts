// header.ts: a header that holds exactly one address (`source: { header: 'x-real-ip' }`) as at most
// one hop.

import { Kind, parseAddress } from '../address.js'
import type { Hops, SourceEnd } from './hops.js'

const scratch = new Int32Array(4)

/**
 * The one hop of a single-address header. A value that is not one address (Node joins repeated
 * lines with ", ", which makes it invalid) gives no hop, `end` is `malformed` and `received` holds it.
 */
export class SingleAddressHops implements Hops {
  text: string | undefined = undefined
  received: string | undefined = undefined
  readonly element = undefined
  end: SourceEnd = 'end'
  readonly #value: string
  readonly #strict: boolean
  #done = false

  constructor(value: string, strict: boolean) {
    this.#value = value
    this.#strict = strict
  }

  next(): boolean {
    if (this.#done) return false
    this.#done = true
    const value = this.#value.trim()
    if (value === '') return false
    this.received = value
    if (value.indexOf(',') !== -1 || parseAddress(value, scratch, 0, -1, this.#strict) === Kind.Invalid) {
      this.end = 'malformed'
      return false
    }
    this.text = value
    return true
  }
}
