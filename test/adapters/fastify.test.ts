// fastify.test.ts: when Fastify's own request.ip, given the plugin's predicate, equals
// request.trustProxy.ip: always, except where @fastify/forwarded reads X-Forwarded-For differently
// from forwarded 0.2.0 (Express's), which is pinned here against the real packages.

import { createRequire } from 'node:module'
import fc from 'fast-check'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { trustProxy } from '../../src/adapters/fastify.js'
import { compileTrust, type TrustSetting } from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'
import * as gen from '../fixtures/generators.js'

const require = createRequire(import.meta.url)
/** What Fastify 5's request.ip getter calls: `proxyAddr.all(this.raw, proxyFn)`, last address. */
const fastifyProxyAddr = require('@fastify/proxy-addr') as { all(req: object, trust: unknown): (string | undefined)[] }

/**
 * Whether @fastify/forwarded and forwarded 0.2.0 may split `header` differently: the first strips
 * tabs as well as spaces around entries (and skips entries of tabs only), and reads a header without
 * a comma with String#trim, which also removes NBSP, line breaks and other Unicode white space.
 */
function splitsDifferently(header: string | undefined): boolean {
  if (header === undefined) return false
  if (header.includes('\t')) return true
  return !header.includes(',') && header.trim() !== header.replace(/^ +| +$/g, '')
}

/** Requests whose X-Forwarded-For sometimes has tabs, or white space other than spaces at its ends. */
const request = fc.tuple(gen.requestWithTrust, fc.constantFrom('', '', '\t', '\u00a0', '\n', '\ufeff', '\u2028'), fc.boolean())
  .map(([[setting, r], pad, around]): [unknown, gen.GeneratedRequest] => {
    const header = r.headers['x-forwarded-for']
    if (header === undefined || pad === '') return [setting, r]
    const padded = around ? pad + header + pad : header.replace(', ', `,${pad}`)
    return [setting, { ...r, headers: { ...r.headers, 'x-forwarded-for': padded } }]
  })

describe("Fastify's request.ip with the plugin's predicate", () => {
  it('equals request.trustProxy.ip whenever both parsers split X-Forwarded-For alike, and only then may differ (3,000 generated requests)', () => {
    let compared = 0
    let differed = 0
    fc.assert(
      fc.property(request, ([setting, r]) => {
        const trust = compileTrust(setting as TrustSetting)
        const fastify = fastifyProxyAddr.all(r, trust).at(-1)
        const express = resolveAddr(r, trust).ip
        if (splitsDifferently(r.headers['x-forwarded-for'])) {
          if (fastify !== express) differed++
          return
        }
        expect(fastify).toBe(express)
        compared++
      }),
      { numRuns: 3_000, seed: 20_251_201 },
    )
    // both sides of the claim were exercised
    expect(compared).toBeGreaterThan(1_000)
    expect(differed).toBeGreaterThan(100)
  })

  it.each([
    { name: 'a tab after a comma: Fastify strips it, Express keeps it in the entry', xff: '203.0.113.9,\t10.0.0.2', fastify: '203.0.113.9', express: '\t10.0.0.2' },
    { name: 'an entry of tabs only: Fastify skips it, Express counts it as a hop', xff: '203.0.113.9, \t, 10.0.0.2', fastify: '203.0.113.9', express: '\t' },
    { name: 'NBSP around a single entry: Fastify trims it (String#trim), Express keeps it', xff: '\u00a0203.0.113.9\u00a0', fastify: '203.0.113.9', express: '\u00a0203.0.113.9\u00a0' },
    { name: 'NBSP around entries of a list: neither trims it', xff: '203.0.113.9,\u00a010.0.0.2', fastify: '\u00a010.0.0.2', express: '\u00a010.0.0.2' },
  ])('$name', async ({ xff, fastify, express }) => {
    const proxy = trustProxy('loopback, 10.0.0.0/8')
    const app = Fastify({ trustProxy: proxy.trust })
    await app.register(proxy)
    app.get('/', (req) => ({ fastify: req.ip, express: req.trustProxy.ip }))
    const reply = await app.inject({ method: 'GET', url: '/', headers: { 'x-forwarded-for': xff }, remoteAddress: '127.0.0.1' })
    expect(reply.json()).toStrictEqual({ fastify, express })
    await app.close()
  })
})
