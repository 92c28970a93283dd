// differential.test.ts: proxy-trust against the real thing. Generated trust settings and requests go
// through proxy-addr 2.0.8 and the request getters of real Express 4 and 5 apps, and through our
// compileTrust, resolveAddr and proxyaddr; answers, error messages and the calls made to custom trust
// functions must all be equal. The deliberate differences are kept out of the generators and pinned
// by name at the end.
//
// The seed is fixed so that every run checks the same inputs; set FC_SEED to explore others.

import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compileTrust,
  proxyaddr,
  resolveAddr,
  type ProxyAddrTrust,
  type ResolvedAddr,
  type TrustFn,
  type TrustSetting,
} from '../src/index.js'
import { trustProxy } from '../src/adapters/express.js'
import * as gen from './fixtures/generators.js'

// ---------------------------------------------------------------------------------------------------
// The oracle: untyped CommonJS, loaded as Express loads it, each given the narrowest type used here.

type OracleTrust = (addr: string | undefined, i: number) => unknown

interface ProxyAddrModule {
  (req: object, trust: unknown): string | undefined
  all(req: object, trust?: unknown): (string | undefined)[]
  compile(val: unknown): OracleTrust
}

interface ExpressUtils {
  compileTrust(val: unknown): OracleTrust
}

interface ExpressApp {
  set(setting: 'trust proxy', value: unknown): ExpressApp
  readonly request: object
}

interface ExpressRequest {
  readonly ip: string | undefined
  readonly ips: string[]
  readonly host: string | undefined
  readonly hostname: string | undefined
  readonly protocol: string
  readonly secure: boolean
}

const require = createRequire(import.meta.url)
const proxyAddr = require('proxy-addr') as ProxyAddrModule
const express4 = require('express4') as () => ExpressApp
const express5 = require('express5') as () => ExpressApp
const express4Utils = require('express4/lib/utils.js') as ExpressUtils
const express5Utils = require('express5/lib/utils.js') as ExpressUtils

/**
 * A second copy of an Express major that loads this package's CommonJS build as `proxy-addr`, as an
 * npm `overrides` entry makes it do: its own modules are loaded afresh with `proxy-addr` resolved to
 * the build, and the cache is put back afterwards so that the oracle above keeps the real one.
 */
function expressOverridden(name: 'express4' | 'express5'): () => ExpressApp {
  const dir = dirname(require.resolve(`${name}/package.json`))
  const fromExpress = createRequire(join(dir, 'index.js'))
  const proxyAddrPath = fromExpress.resolve('proxy-addr')
  const build = require('../dist/cjs/cjs.js') as unknown
  const saved = Object.entries(require.cache).filter(([path]) => path.startsWith(dir + sep) || path === proxyAddrPath)
  for (const [path] of saved) Reflect.deleteProperty(require.cache, path)
  require.cache[proxyAddrPath] = { id: proxyAddrPath, filename: proxyAddrPath, loaded: true, exports: build } as NodeJS.Module
  try {
    return fromExpress('./index.js') as () => ExpressApp
  } finally {
    for (const path of Object.keys(require.cache)) if (path.startsWith(dir + sep)) Reflect.deleteProperty(require.cache, path)
    Reflect.deleteProperty(require.cache, proxyAddrPath)
    for (const [path, module] of saved) require.cache[path] = module
  }
}

// ---------------------------------------------------------------------------------------------------
// Run counts and helpers

const SEED = process.env.FC_SEED === undefined ? 20_251_122 : Number(process.env.FC_SEED)

const RUNS = {
  compileTrust: 3_000,
  compile: 3_000,
  requests: 12_000,
  proxyAddrLists: 3_000,
  wrapped: 4_000,
  customCalls: 4_000,
  getters: 3_000,
} as const

/** Generated requests the properties below compare; the summary test at the end checks the total. */
const PLANNED_REQUESTS = RUNS.requests + RUNS.proxyAddrLists + RUNS.wrapped + RUNS.customCalls + RUNS.getters
let requestsCompared = 0

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string }

/** Run `f`, turning a throw into its error's class and message, so that failures compare as values. */
function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : `thrown: ${String(error)}` }
  }
}

type Probe = [string | undefined, number]

/** A compiled predicate as comparable data: its answers to the probes, or the compile error. */
function answers(outcome: Outcome<OracleTrust>, probes: readonly Probe[]): { error: string } | { answers: unknown[] } {
  if (!outcome.ok) return { error: outcome.error }
  return { answers: probes.map(([addr, i]) => outcome.value(addr, i)) }
}

/**
 * Real Express apps, one per major version. Each property sets `trust proxy` before every request,
 * which is all that a fresh app would differ by, and costs a fraction of creating one.
 */
const app4 = express4()
const app5 = express5()

/** Every getter proxy-trust replaces, read from a request of a real Express app with `trust proxy` set. */
function expressGetters(app: ExpressApp, setting: unknown, r: gen.GeneratedRequest): ResolvedAddr {
  app.set('trust proxy', setting)
  // no real socket: the getters read only these properties
  const req = Object.create(app.request) as Record<string, unknown>
  req.app = app
  req.socket = r.socket
  // Express 4 reads the older alias
  req.connection = r.connection
  req.headers = r.headers
  const { ip, ips, host, hostname, protocol, secure } = req as unknown as ExpressRequest
  return { ip, ips, host, hostname, protocol, secure }
}

/**
 * `expect(actual).toStrictEqual(expected)`, with the cheap comparison first: vitest's matchers cost
 * tens of microseconds each, which adds up over tens of thousands of runs.
 */
function expectEqual(actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return
  expect(actual).toStrictEqual(expected)
  // never let a difference through because the two comparisons disagree
  throw new Error(`not deep-strict-equal: ${fc.stringify(actual)} and ${fc.stringify(expected)}`)
}

type Call = [string | undefined, number]

/** Run `use` with `trust` wrapped to record every call made to it: the result and the calls. */
function traced<T>(trust: gen.LooseTrustFn, use: (trust: TrustFn) => T): { result: T; calls: Call[] } {
  const calls: Call[] = []
  const result = use(((addr: string | undefined, i: number) => {
    calls.push([addr, i])
    return trust(addr, i)
  }) as TrustFn)
  return { result, calls }
}

// ---------------------------------------------------------------------------------------------------

describe('compileTrust and proxyaddr.compile against Express and proxy-addr', () => {
  it(`compileTrust equals Express 4 and 5 compileTrust: errors and answers, ${RUNS.compileTrust} generated settings`, () => {
    fc.assert(
      fc.property(gen.anyTrustSetting, gen.probes, (setting, probes) => {
        const ours = attempt(() => compileTrust(setting as TrustSetting) as OracleTrust)
        const express4Trust = attempt(() => express4Utils.compileTrust(setting))
        const express5Trust = attempt(() => express5Utils.compileTrust(setting))
        expectEqual(answers(ours, probes), answers(express5Trust, probes))
        expectEqual(answers(ours, probes), answers(express4Trust, probes))
        // a function setting is used as it is
        if (typeof setting === 'function') expectEqual(ours, { ok: true, value: setting })
      }),
      { numRuns: RUNS.compileTrust, seed: SEED },
    )
  })

  it(`proxyaddr.compile equals proxy-addr compile: errors and answers, ${RUNS.compile} generated values`, () => {
    fc.assert(
      fc.property(gen.anyCompileArgument, gen.probes, (val, probes) => {
        const ours = attempt(() => proxyaddr.compile(val as string) as OracleTrust)
        const theirs = attempt(() => proxyAddr.compile(val))
        expectEqual(answers(ours, probes), answers(theirs, probes))
      }),
      { numRuns: RUNS.compile, seed: SEED },
    )
  })
})

describe('requests against Express 4, Express 5 and proxy-addr', () => {
  it(`resolveAddr equals every Express 4 and 5 getter, and proxyaddr equals proxy-addr, on ${RUNS.requests} generated requests`, () => {
    fc.assert(
      fc.property(gen.requestWithTrust, ([setting, r]) => {
        const theirTrust = attempt(() => express5Utils.compileTrust(setting))
        const ourTrust = attempt(() => compileTrust(setting as TrustSetting))
        expectEqual(ourTrust.ok ? 'compiled' : ourTrust.error, theirTrust.ok ? 'compiled' : theirTrust.error)
        if (!ourTrust.ok || !theirTrust.ok) return

        const ours = resolveAddr(r, ourTrust.value)
        expectEqual(ours, expressGetters(app5, setting, r))
        // Express 4's req.host is a deprecated alias of req.hostname
        expectEqual({ ...ours, host: ours.hostname }, expressGetters(app4, setting, r))

        expectEqual(proxyaddr(r, ourTrust.value), proxyAddr(r, theirTrust.value))
        expectEqual(proxyaddr.all(r, ourTrust.value), proxyAddr.all(r, theirTrust.value))
        expectEqual(proxyaddr.all(r), proxyAddr.all(r))
        requestsCompared++
      }),
      { numRuns: RUNS.requests, seed: SEED },
    )
  })

  it(`proxyaddr(req, list) and .all equal proxy-addr with string and array trust, ${RUNS.proxyAddrLists} generated requests`, () => {
    const trustArgument = fc.oneof({ weight: 4, arbitrary: gen.requestTrustList }, { weight: 1, arbitrary: gen.anyCompileArgument })
    fc.assert(
      fc.property(trustArgument, gen.request, (trust, r) => {
        expectEqual(attempt(() => proxyaddr(r, trust as ProxyAddrTrust)), attempt(() => proxyAddr(r, trust)))
        expectEqual(attempt(() => proxyaddr.all(r, trust as ProxyAddrTrust)), attempt(() => proxyAddr.all(r, trust)))
        requestsCompared++
      }),
      { numRuns: RUNS.proxyAddrLists, seed: SEED },
    )
  })

  it(`predicates from compileTrust answer as the same predicates wrapped in a plain function, ${RUNS.wrapped} generated requests`, () => {
    fc.assert(
      fc.property(gen.requestWithTrust, ([setting, r]) => {
        const trust = compileTrust(setting as TrustSetting)
        // a wrapper hides the compiled shape, so the walk has to call it
        const wrapped: TrustFn = (addr, i) => trust(addr, i)
        expectEqual(resolveAddr(r, wrapped), resolveAddr(r, trust))
        expectEqual(proxyaddr(r, wrapped), proxyaddr(r, trust))
        expectEqual(proxyaddr.all(r, wrapped), proxyaddr.all(r, trust))
        requestsCompared++
      }),
      { numRuns: RUNS.wrapped, seed: SEED },
    )
  })
})

describe('custom trust functions', () => {
  it(`are called with the same (addr, i) sequence as proxy-addr calls them, ${RUNS.customCalls} generated requests`, () => {
    fc.assert(
      fc.property(gen.customTrust, gen.request, (trust, r) => {
        expectEqual(traced(trust, (fn) => proxyaddr.all(r, fn)), traced(trust, (fn) => proxyAddr.all(r, fn)))
        expectEqual(traced(trust, (fn) => proxyaddr(r, fn)), traced(trust, (fn) => proxyAddr(r, fn)))

        // resolveAddr answers every getter from one walk, so it asks fewer questions than Express
        // does, but never one that Express does not ask
        const ours = traced(trust, (fn) => resolveAddr(r, fn))
        const express = traced(trust, (fn) => expressGetters(app5, fn, r))
        expectEqual(ours.result, express.result)
        expectEqual(ours.calls.filter((call) => !express.calls.some((asked) => isDeepStrictEqual(asked, call))), [])
        requestsCompared++
      }),
      { numRuns: RUNS.customCalls, seed: SEED },
    )
  })
})

describe('Express getters one by one: the adapter and the override against Express itself', () => {
  /** The getters Express defines that read the trust setting, directly or through another getter. */
  const GETTER_NAMES = ['ip', 'ips', 'protocol', 'secure', 'hostname', 'host', 'subdomains'] as const

  interface Flavor {
    readonly name: string
    /** Real Express with the real proxy-addr. */
    readonly oracle: ExpressApp
    /** The same Express major with `trustProxy(app, …)` from the adapter. */
    readonly adapter: ExpressApp
    /** The same Express major loading this package as proxy-addr. */
    readonly override: ExpressApp
  }

  function flavor(name: 'express4' | 'express5', oracle: () => ExpressApp): Flavor {
    const adapter = oracle()
    // the getters read `trust proxy fn` on every request; each run sets it anew
    trustProxy(adapter as unknown as Parameters<typeof trustProxy>[0], false)
    return { name, oracle: oracle(), adapter, override: expressOverridden(name)() }
  }

  const flavors = [flavor('express4', express4), flavor('express5', express5)]

  /** One getter read from a fresh request of `app`, with every call to `trust` recorded. */
  function readGetter(app: ExpressApp, setting: unknown, r: gen.GeneratedRequest, name: string): { result: Outcome<unknown>; calls: Call[] } {
    const read = (trust: unknown): Outcome<unknown> => {
      app.set('trust proxy', trust)
      const req = Object.create(app.request) as Record<string, unknown>
      req.app = app
      req.socket = r.socket
      req.connection = r.connection
      req.headers = r.headers
      return attempt(() => req[name])
    }
    if (typeof setting !== 'function') return { result: read(setting), calls: [] }
    return traced(setting as gen.LooseTrustFn, read)
  }

  const setting = fc.oneof(
    { weight: 3, arbitrary: gen.throwingTrust },
    { weight: 2, arbitrary: gen.customTrust },
    { weight: 2, arbitrary: gen.requestTrustSetting },
  )

  it(`answer, throw and call custom functions as Express 4 and 5 do, getter by getter, on ${RUNS.getters} generated requests`, () => {
    fc.assert(
      fc.property(setting, gen.request, (trust, r) => {
        for (const { name, oracle, adapter, override } of flavors) {
          for (const getter of GETTER_NAMES) {
            const expected = readGetter(oracle, trust, r, getter)
            expectEqual({ [`${name} ${getter} (adapter)`]: readGetter(adapter, trust, r, getter) }, { [`${name} ${getter} (adapter)`]: expected })
            expectEqual({ [`${name} ${getter} (override)`]: readGetter(override, trust, r, getter) }, { [`${name} ${getter} (override)`]: expected })
          }
        }
        requestsCompared++
      }),
      { numRuns: RUNS.getters, seed: SEED },
    )
  })

  it('the override copy is this package, and the oracle still the real proxy-addr', () => {
    // a prefix of zero is a deliberate difference: only this package accepts it
    const [, five] = flavors as [Flavor, Flavor]
    expect(() => five.override.set('trust proxy', '0.0.0.0/0')).not.toThrow()
    expect(() => five.oracle.set('trust proxy', '0.0.0.0/0')).toThrow(new TypeError('invalid range on address: 0.0.0.0/0'))
  })
})

// ---------------------------------------------------------------------------------------------------
// The deliberate differences, excluded from the generators above, each pinned by one named test.

describe('deliberate differences from proxy-addr 2.0.8', () => {
  it('accepts 0.0.0.0/0, which proxy-addr rejects, as every IPv4 address, mapped ones included', () => {
    expect(() => proxyAddr.compile('0.0.0.0/0')).toThrow(new TypeError('invalid range on address: 0.0.0.0/0'))
    expect(() => express5Utils.compileTrust('0.0.0.0/0')).toThrow(new TypeError('invalid range on address: 0.0.0.0/0'))
    for (const trust of [proxyaddr.compile('0.0.0.0/0'), compileTrust('0.0.0.0/0')]) {
      expect(['203.0.113.5', '0.0.0.0', '255.255.255.255', '::ffff:10.0.0.1', '2001:db8::1', 'unknown'].map((a) => trust(a, 1)))
        .toStrictEqual([true, true, true, true, false, false])
    }
  })

  it('accepts ::/0, which proxy-addr rejects, as every IPv6 address, IPv4 and mapped ones excluded', () => {
    expect(() => proxyAddr.compile('::/0')).toThrow(new TypeError('invalid range on address: ::/0'))
    for (const trust of [proxyaddr.compile('::/0'), compileTrust('::/0'), compileTrust(['::/00'])]) {
      expect(['2001:db8::1', '::', 'fe80::1%eth0', '203.0.113.5', '::ffff:10.0.0.1'].map((a) => trust(a, 1)))
        .toStrictEqual([true, true, true, false, false])
    }
  })

  it('accepts a netmask of zero (10.0.0.0/0.0.0.0), which proxy-addr rejects, as every IPv4 address', () => {
    for (const setting of ['10.0.0.0/0.0.0.0', '10.0.0.0/0x0']) {
      expect(() => proxyAddr.compile(setting)).toThrow(new TypeError(`invalid range on address: ${setting}`))
      const trust = compileTrust(setting)
      expect(['8.8.8.8', '10.1.2.3', '::ffff:8.8.8.8', '2001:db8::1'].map((a) => trust(a, 1)))
        .toStrictEqual([true, true, true, false])
    }
  })

  it.each([
    { entries: [1], message: 'invalid IP address: 1' },
    { entries: ['loopback', null], message: 'invalid IP address: null' },
    { entries: [undefined], message: 'invalid IP address: undefined' },
    { entries: [{}], message: 'invalid IP address: {}' },
    // proxy-addr prints the array's string form, as if it were an address
    { entries: [['10.0.0.1']], message: 'invalid IP address: ["10.0.0.1"]' },
  ])('error: non-string entry $entries throws "$message" where proxy-addr does otherwise', ({ entries, message }) => {
    expect(() => compileTrust(entries as unknown as string[])).toThrow(new TypeError(message))
    expect(() => proxyaddr.compile(entries as unknown as string[])).toThrow(new TypeError(message))
    expect(attempt(() => proxyAddr.compile(entries))).not.toStrictEqual({ ok: false, error: `TypeError: ${message}` })
  })

  it('reads a list-valued X-Forwarded-For joined with ", ", on which proxy-addr throws', () => {
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': ['203.0.113.5', '10.0.0.1'] } }
    expect(proxyaddr.all(req)).toStrictEqual(['127.0.0.1', '10.0.0.1', '203.0.113.5'])
    expect(resolveAddr(req, compileTrust('loopback, 10.0.0.0/8')).ip).toBe('203.0.113.5')
    expect(() => proxyAddr.all(req)).toThrow(TypeError)
  })
})

describe('totals', () => {
  it(`compared ${PLANNED_REQUESTS} generated requests (at least 20,000) with the oracle`, () => {
    expect(PLANNED_REQUESTS).toBeGreaterThanOrEqual(20_000)
    expect(requestsCompared).toBeGreaterThanOrEqual(PLANNED_REQUESTS)
  })
})
