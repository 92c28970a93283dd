// messages.test.ts: what a provider's server sends reaches error messages escaped, never raw. Every
// parser, the fetcher and the list check are given bodies and entries full of terminal controls
// (ESC, CSI, BEL, DEL, C1) and bidirectional overrides, in the providers' formats and out of them,
// and no message they throw or return holds one: a listener that logs `error.message` writes what
// the server sent as visible escapes.

import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fetchList } from '../../src/ranges/fetch.js'
import { PROVIDERS } from '../../src/ranges/providers.js'
import { entryProblem, listProblem } from '../../src/ranges/validate.js'

/** The code points a terminal acts on (escape.ts's set). */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

/** Text made of subnet characters, JSON's punctuation and the characters a terminal acts on. */
const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\x1b', '\x9b', '\x07', '\x00', '\x7f', '\r', '\n', '\t', '\u202e', '\u2066', '\u2069', '\u200f'),
    fc.constantFrom(...'0123456789abcdef.:/%'.split('')),
    fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ' ', '|', '`'),
  ),
  maxLength: 40,
})

/** A body in one of the providers' formats, with hostile entries, or hostile text in none. */
const body = fc.oneof(
  hostileText,
  fc.array(hostileText, { maxLength: 5 }).map((lines) => lines.join('\n')),
  fc.record({ addresses: fc.array(hostileText, { maxLength: 4 }), ipv6_addresses: fc.array(hostileText, { maxLength: 4 }) }).map((json) => JSON.stringify(json)),
  fc.record({
    prefixes: fc.array(fc.record({ ip_prefix: hostileText, service: fc.constant('CLOUDFRONT_ORIGIN_FACING') }), { maxLength: 3 }),
    ipv6_prefixes: fc.array(fc.record({ ipv6_prefix: hostileText, service: fc.constant('CLOUDFRONT') }), { maxLength: 3 }),
  }).map((json) => JSON.stringify(json)),
  hostileText.map((cell) => `| Global external Application Load Balancer | ${cell} |`),
  fc.tuple(hostileText, hostileText).map(([before, after]) => `${before}{"addresses": [${after}`),
)

/** The message of what `run` throws, or undefined when it does not throw. */
function thrown(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

describe('error messages hold no control or bidirectional character, whatever the server sent (property)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it.each(PROVIDERS.map((provider) => [provider.name, provider] as const))('%s: the parser', (_name, provider) => {
    fc.assert(fc.property(fc.array(body, { minLength: provider.urls.length, maxLength: provider.urls.length }), (bodies) => {
      const message = thrown(() => provider.parse(bodies))
      return message === undefined || !CONTROLS.test(message)
    }), { numRuns: 2000 })
  })

  it('entryProblem and listProblem', () => {
    fc.assert(fc.property(hostileText, fc.boolean(), (entry, v6) => {
      const problems = [entryProblem(entry), listProblem(v6 ? { v4: [], v6: [entry] } : { v4: [entry], v6: [] })]
      return problems.every((problem) => problem === undefined || !CONTROLS.test(problem))
    }), { numRuns: 5000 })
  })

  it.each(PROVIDERS.map((provider) => [provider.name, provider] as const))('%s: fetchList, over bodies and bytes that are not UTF-8', async (_name, provider) => {
    const bytes = fc.oneof(body.map((text) => new TextEncoder().encode(text)), fc.uint8Array({ maxLength: 40 }))
    await fc.assert(fc.asyncProperty(fc.array(bytes, { minLength: provider.urls.length, maxLength: provider.urls.length }), async (bodies) => {
      let k = 0
      vi.stubGlobal('fetch', () => Promise.resolve(new Response(bodies[k++ % bodies.length])))
      const message = await fetchList(provider, provider.urls).then(() => undefined, (error: Error) => error.message)
      return message === undefined || !CONTROLS.test(message)
    }), { numRuns: 300 })
  })

  it('the generator reaches the parsers\' messages with the characters escaped (the property is not empty)', () => {
    const fastly = PROVIDERS.find((provider) => provider.name === 'fastly')
    expect(thrown(() => fastly?.parse(['\x1b]0;owned\x07\x1b[2J{']))).toMatch(/^public-ip-list: not JSON \(.*\\x1b.*\)$/)
    expect(entryProblem('1.2.3.0\u202e/24')).toBe('"1.2.3.0\\u202e/24" is not a subnet (invalid IP address: 1.2.3.0\\u202e)')
  })
})
