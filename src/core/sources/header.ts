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
  readonly #port: boolean
  #done = false

  constructor(value: string, strict: boolean, port = false) {
    this.#value = value
    this.#strict = strict
    this.#port = port
  }

  next(): boolean {
    if (this.#done) return false
    this.#done = true
    const value = this.#value.trim()
    if (value === '') return false
    this.received = value
    const address = this.#port ? withoutPort(value) : value
    if (address === undefined || address.indexOf(',') !== -1 || parseAddress(address, scratch, 0, -1, this.#strict) === Kind.Invalid) {
      this.end = 'malformed'
      return false
    }
    this.text = address
    return true
  }
}

/** A port: 1 to 5 digits. */
const PORT = /^[0-9]{1,5}$/

/**
 * The address of `address:port`, the port always present and after the last colon (so IPv6 may come
 * unbracketed, `2001:db8::1:443`, as CloudFront writes it, or bracketed, `[2001:db8::1]:443`);
 * undefined when the value does not end in a port.
 */
export function withoutPort(value: string): string | undefined {
  const colon = value.lastIndexOf(':')
  if (colon <= 0 || !PORT.test(value.substring(colon + 1))) return undefined
  const address = value.substring(0, colon)
  return address.charCodeAt(0) === 0x5b /* [ */ && address.charCodeAt(address.length - 1) === 0x5d /* ] */
    ? address.substring(1, address.length - 1)
    : address
}
