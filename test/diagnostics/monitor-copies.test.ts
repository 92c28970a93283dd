// monitor-copies.test.ts: the monitor given a predicate compiled by another copy of the package,
// made here with vi.resetModules, which renews only the modules vitest loads itself: so this file is
// not run against the built package (vitest.built.config.ts), whose copies `npm run test:install`
// tests for real, two versions installed side by side.

import { describe, expect, it, vi } from 'vitest'
import type { TrustFn } from '../../src/core/compile.js'
import { resolveAddr } from '../../src/core/resolve.js'
import { createMonitor } from '../../src/diagnostics/monitor.js'
import type { WarningCode } from '../../src/diagnostics/warnings.js'
import { requestFrom } from '../fixtures/unit-requests.js'

const XFF = { host: 'shop.example', 'x-forwarded-for': '203.0.113.5' }

describe('createMonitor: a predicate from another copy of the package', () => {
  it('reports nothing and asks nothing: its options are that copy\'s, and it may wrap a custom function', async () => {
    vi.resetModules()
    const other = await import('../../src/index.js')
    vi.resetModules()
    const calls: (string | undefined)[] = []
    const fn: TrustFn = (addr) => {
      calls.push(addr)
      throw new Error('lookup failed')
    }
    for (const trust of [other.compileTrust('10.0.0.1', { source: 'forwarded' }), other.compileTrust(fn, { trustSocketless: true })]) {
      const seen: WarningCode[] = []
      const monitor = createMonitor(trust, { onWarning: (w) => seen.push(w.code) })
      monitor(requestFrom('10.0.0.2', XFF))
      monitor(requestFrom(undefined, {}))
      monitor.peer(requestFrom(undefined, {}), false)
      expect(seen).toEqual([])
    }
    expect(calls).toEqual([])
    // resolve answers as resolveAddr, which hands the request to that copy
    const trust = other.compileTrust('10.0.0.1', { source: 'forwarded' })
    const req = requestFrom('10.0.0.1', { forwarded: 'for=203.0.113.5' })
    expect(createMonitor(trust).resolve(req)).toEqual(resolveAddr(req, trust))
  })
})
