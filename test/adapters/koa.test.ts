// koa.test.ts: the Koa adapter reports the host the walk selects as Koa 3 itself reads a host, so
// that ctx.host, ctx.hostname, ctx.URL and ctx.href agree, compared with plain Koa on its own
// contexts (app.createContext, no sockets).

import type { IncomingMessage, ServerResponse } from 'node:http'
import fc from 'fast-check'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { trustProxy, type TrustProxyState } from '../../src/adapters/koa.js'
import type { TrustSetting } from '../../src/core/compile.js'
import { hostValue } from '../fixtures/generators.js'

/** What Koa says about the host of a request, through every getter that shows it. */
interface HostView {
  readonly host: string
  readonly hostname: string
  readonly urlHost: string | undefined
  readonly href: string
  readonly subdomains: string[]
}

function view(ctx: Koa.Context): HostView {
  return {
    host: ctx.host,
    hostname: ctx.hostname,
    urlHost: (ctx.URL as URL | Record<string, never>).host,
    href: ctx.href,
    subdomains: ctx.subdomains,
  }
}

function contextOf(app: Koa, headers: Record<string, string>): Koa.Context {
  const req = { headers, socket: { remoteAddress: '127.0.0.1' }, url: '/path', method: 'GET', httpVersionMajor: 1 }
  const res = { getHeader: () => undefined, setHeader: () => undefined, headersSent: false }
  return app.createContext(req as unknown as IncomingMessage, res as unknown as ServerResponse) as Koa.Context
}

/** Plain Koa: `app.proxy` believes X-Forwarded-Host from anyone. */
function plainKoa(proxy: boolean, headers: Record<string, string>): HostView {
  return view(contextOf(new Koa({ proxy }), headers))
}

/** Koa with the middleware (app.proxy left false). */
async function withMiddleware(setting: TrustSetting, headers: Record<string, string>): Promise<HostView & { state: string | undefined }> {
  const ctx = contextOf(new Koa(), headers)
  await trustProxy(setting)(ctx as unknown as Koa.ParameterizedContext<TrustProxyState>, () => Promise.resolve())
  return { ...view(ctx), state: (ctx.state as TrustProxyState).trustProxy.host }
}

describe('the host, as Koa 3 reads it', () => {
  it.each([
    {
      name: 'userinfo in Host: Koa drops it, and so does the middleware, in step with ctx.URL and ctx.href',
      setting: false, headers: { host: 'shop.example@evil.example' },
      expected: { host: 'evil.example', hostname: 'evil.example', urlHost: 'evil.example', href: 'http://evil.example/path', subdomains: [], state: 'shop.example@evil.example' },
    },
    {
      name: 'userinfo with a colon in a trusted X-Forwarded-Host: the host after the @, with its port',
      setting: 'loopback', headers: { host: 'backend', 'x-forwarded-host': 'good.example:x@evil.example:8443' },
      expected: { host: 'evil.example:8443', hostname: 'evil.example', urlHost: 'evil.example:8443', href: 'http://evil.example:8443/path', subdomains: [], state: 'good.example:x@evil.example:8443' },
    },
    {
      name: 'fail: a host with userinfo that the URL parser refuses is empty, as in Koa (whose URL then reads the path as a host)',
      setting: false, headers: { host: 'a@b c' },
      expected: { host: '', hostname: '', urlHost: 'path', href: 'http:///path', subdomains: [], state: 'a@b c' },
    },
    {
      name: 'leading spaces of an X-Forwarded-Host value are trimmed, as Koa trims them',
      setting: true, headers: { host: 'backend', 'x-forwarded-host': ' \u00a0shop.example.com, other' },
      expected: { host: 'shop.example.com', hostname: 'shop.example.com', urlHost: 'shop.example.com', href: 'http://shop.example.com/path', subdomains: ['shop'], state: ' \u00a0shop.example.com' },
    },
    {
      name: 'fail: a bracketed IPv6 host with a character Koa refuses has no hostname',
      setting: false, headers: { host: '[::1/x]' },
      expected: { host: '[::1/x]', hostname: '', urlHost: undefined, href: 'http://[::1/x]/path', subdomains: [], state: '[::1/x]' },
    },
  ])('$name', async ({ setting, headers, expected }) => {
    expect(await withMiddleware(setting, headers)).toStrictEqual(expected)
    // plain Koa believes X-Forwarded-Host only with app.proxy; `true` and loopback trust this peer
    expect({ ...plainKoa(setting !== false, headers), state: expected.state }).toStrictEqual(expected)
  })

  /** Host values with userinfo, brackets, spaces and commas, besides the usual ones. */
  const host = fc.oneof(
    hostValue,
    fc.tuple(fc.constantFrom('user', 'a:b', '', 'good.example', 'x@y', '%40'), hostValue).map(([user, h]) => `${user}@${h}`),
    fc.constantFrom(
      '[::1 ]', '[::1]:80/x', '[fe80::1%25eth0]', '[v1.x]', ' example.com', '\u00a0example.com ', 'a,b', ',b',
      '@', 'a@', '@b', 'a@b@c', 'évil.example', 'EXAMPLE.com@Other.example', '[::1]@evil.example', 'x@[::1]:99',
    ),
  )

  it('equals plain Koa with app.proxy false for setting false, and true for setting true, on generated hosts (1,000)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), host, fc.option(host, { nil: undefined }), async (trusted, h, forwarded) => {
        const headers: Record<string, string> = { host: h }
        if (forwarded !== undefined) headers['x-forwarded-host'] = forwarded
        const ours = await withMiddleware(trusted, headers)
        expect(ours).toStrictEqual({ ...plainKoa(trusted, headers), state: ours.state })
      }),
      { numRuns: 1_000, seed: 20_251_201 },
    )
  })
})
