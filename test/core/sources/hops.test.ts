// hops.test.ts: the source each option set names, and what the Forwarded and single-address sources
// give a walk, and why they end.

import { describe, expect, it } from 'vitest'
import { resolveOptions, type TrustOptions } from '../../../src/core/options.js'
import type { RequestLike } from '../../../src/core/request.js'
import { hopsOf, type Hops, type SourceEnd } from '../../../src/core/sources/hops.js'

interface Read {
  readonly hops: [string | undefined, string | undefined][]
  readonly end: SourceEnd
  readonly received: string | undefined
}

/** Every hop a source gives as [received, text], why it ended, and `received` at the end. */
function read(source: Hops): Read {
  const hops: [string | undefined, string | undefined][] = []
  while (source.next()) hops.push([source.received, source.text])
  return { hops, end: source.end, received: source.received }
}

const req = (headers: Record<string, string>): RequestLike => ({ socket: { remoteAddress: '10.0.0.1' }, headers })

interface Case {
  readonly name: string
  readonly options: TrustOptions
  readonly headers: Record<string, string>
  readonly expected: Read
}

const cases: readonly Case[] = [
  { name: 'X-Forwarded-For by default', options: {}, headers: { 'x-forwarded-for': 'a, b', forwarded: 'for=1.1.1.1' }, expected: { hops: [['b', 'b'], ['a', 'a']], end: 'end', received: 'a' } },
  { name: 'Forwarded: for= nodes, no text where the node is not an address', options: { source: 'forwarded' }, headers: { forwarded: 'for=unknown, for="[::1]:80";proto=https', 'x-forwarded-for': 'x' }, expected: { hops: [['[::1]:80', '::1'], ['unknown', undefined]], end: 'end', received: 'unknown' } },
  { name: 'Forwarded: an element without for=', options: { source: 'forwarded' }, headers: { forwarded: 'proto=https' }, expected: { hops: [[undefined, undefined]], end: 'end', received: undefined } },
  { name: 'Forwarded: ends malformed', options: { source: 'forwarded' }, headers: { forwarded: 'for=1.1.1.1 x, for=2.2.2.2' }, expected: { hops: [['2.2.2.2', '2.2.2.2']], end: 'malformed', received: '2.2.2.2' } },
  { name: 'Forwarded: ends at the limit', options: { source: 'forwarded', maxForwarded: 1 }, headers: { forwarded: 'for=1.1.1.1, for=2.2.2.2' }, expected: { hops: [['2.2.2.2', '2.2.2.2']], end: 'limit', received: '2.2.2.2' } },
  { name: 'a single-address header: one hop', options: { source: { header: 'x-real-ip' } }, headers: { 'x-real-ip': ' 1.2.3.4 ' }, expected: { hops: [['1.2.3.4', '1.2.3.4']], end: 'end', received: '1.2.3.4' } },
  { name: 'a single-address header: none when absent', options: { source: { header: 'x-real-ip' } }, headers: {}, expected: { hops: [], end: 'end', received: undefined } },
  { name: 'fail: a single-address header holding two', options: { source: { header: 'x-real-ip' } }, headers: { 'x-real-ip': '1.2.3.4, 5.6.7.8' }, expected: { hops: [], end: 'malformed', received: '1.2.3.4, 5.6.7.8' } },
  { name: 'fail: a single-address header holding an odd spelling under strict', options: { source: { header: 'x-real-ip' }, addresses: 'strict' }, headers: { 'x-real-ip': '0177.0.0.1' }, expected: { hops: [], end: 'malformed', received: '0177.0.0.1' } },
]

describe('hopsOf', () => {
  it.each(cases)('$name', ({ options, headers, expected }) => {
    expect(read(hopsOf(req(headers), resolveOptions(options)))).toEqual(expected)
  })

  it('reads a single-address header once', () => {
    const source = hopsOf(req({ 'x-real-ip': '1.2.3.4' }), resolveOptions({ source: { header: 'x-real-ip' } }))
    expect([source.next(), source.next()]).toEqual([true, false])
  })
})
