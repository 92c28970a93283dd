// platform.test.ts: the command line's --platform and --platform-option, and --trust values read as
// settingFromEnv reads them (JSON arrays, provider names).

import { describe, expect, it } from 'vitest'
import { runCli } from '../fixtures/cli.js'

async function ipOf(argv: readonly string[]): Promise<unknown> {
  const { code, stdout, stderr } = await runCli(['explain', '--json', ...argv])
  expect([code, stderr]).toEqual([0, ''])
  return (JSON.parse(stdout) as { result: { ip: unknown } }).result.ip
}

describe('--platform', () => {
  it.each([
    ['cloudflare: CF-Connecting-IP from a Cloudflare edge', ['--platform', 'cloudflare', '--remote', '173.245.48.1', '--header', 'CF-Connecting-IP: 203.0.113.5'], '203.0.113.5'],
    ['cloudfront: the viewer address without its port', ['--platform', 'cloudfront', '--remote', '130.176.0.9', '--header', 'CloudFront-Viewer-Address: 203.0.113.5:4242'], '203.0.113.5'],
    ['a chain with its option', ['--platform', 'cloudfront,aws-alb', '--platform-option', 'vpc=10.0.0.0/16', '--remote', '10.0.3.7', '--header', 'X-Forwarded-For: 198.51.100.9, 203.0.113.5, 130.176.0.9'], '203.0.113.5'],
    ['a list option', ['--platform', 'aws-alb', '--platform-option', 'vpc=10.0.0.0/16, 10.1.0.0/16', '--remote', '10.1.0.7', '--header', 'X-Forwarded-For: 203.0.113.5'], '203.0.113.5'],
    ['a boolean option', ['--platform', 'fastly', '--platform-option', 'clientIpFromVcl=true', '--remote', '151.101.1.9', '--header', 'Fastly-Client-IP: 203.0.113.5'], '203.0.113.5'],
    ['beside other flags: --normalize', ['--platform', 'same-host', '--normalize', '--remote', '127.0.0.1', '--header', 'X-Forwarded-For: 2001:DB8::1'], '2001:db8::1'],
  ])('%s', async (_name, argv, ip) => {
    expect(await ipOf(argv)).toBe(ip)
  })

  it('shows the platform and its setting as the trust in the text output', async () => {
    const { stdout } = await runCli(['explain', '--platform', 'same-host', '--remote', '127.0.0.1'])
    expect(stdout).toContain('trust: --platform same-host: ["loopback"]')
  })

  it('merges --range names with the platform\'s', async () => {
    expect(await ipOf(['--platform', 'cloudflare', '--range', 'office=10.0.0.0/8', '--remote', '173.245.48.1', '--header', 'CF-Connecting-IP: 203.0.113.5'])).toBe('203.0.113.5')
  })

  it.each([
    ['--platform with --trust', ['--platform', 'cloudflare', '--trust', 'loopback'], '--platform and --trust both given: --platform sets the trust setting (see proxy-trust explain --help)'],
    ['--platform-option without --platform', ['--platform-option', 'vpc=10.0.0.0/16'], '--platform-option needs --platform (see proxy-trust explain --help)'],
    ['an option without a value', ['--platform', 'aws-alb', '--platform-option', 'vpc'], 'invalid --platform-option "vpc": expected KEY=VALUE'],
    ['an option without a name', ['--platform', 'aws-alb', '--platform-option', '=10.0.0.0/16'], 'invalid --platform-option "=10.0.0.0/16": expected KEY=VALUE'],
    ['a secret on the command line', ['--platform', 'cloudflare', '--platform-option', 'edgeProof=abc'], '--platform-option edgeProof is not read from a command line, where other users see it: give edgeProof in code'],
    ['an unknown platform', ['--platform', 'cloudflair'], 'invalid --platform "cloudflair": unknown platform: "cloudflair" (expected one of cloudflare, cloudfront, aws-alb, google-cloud, azure-front-door, fastly, fly-io, vercel, heroku, kubernetes-ingress-nginx, same-host)'],
    ['a missing option', ['--platform', 'aws-alb'], "invalid --platform \"aws-alb\": invalid platform option vpc: undefined (expected '10.0.0.0/16': the option platform('aws-alb') needs)"],
  ])('error: %s', async (_name, argv, message) => {
    expect(await runCli(['explain', ...argv])).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${message}\n` })
  })
})

describe('--trust read as settingFromEnv reads it', () => {
  it.each([
    ['a JSON array', ['--trust', '["loopback", "10.0.0.0/8"]', '--remote', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.5'], '203.0.113.5'],
    ['a provider name, standing for its shipped snapshot', ['--trust', 'loopback, cloudflare', '--remote', '173.245.48.1', '--header', 'X-Forwarded-For: 203.0.113.5'], '203.0.113.5'],
    ['a provider name in a JSON array', ['--trust', '["cloudflare"]', '--remote', '173.245.48.1', '--header', 'X-Forwarded-For: 203.0.113.5'], '203.0.113.5'],
    ['a --range name in a JSON array', ['--trust', '["office"]', '--range', 'office=10.0.0.0/8', '--remote', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.5'], '203.0.113.5'],
    ['a provider name --range redefines', ['--trust', 'cloudflare', '--range', 'cloudflare=10.0.0.0/8', '--remote', '173.245.48.1', '--header', 'X-Forwarded-For: 203.0.113.5'], '173.245.48.1'],
  ])('%s', async (_name, argv, ip) => {
    expect(await ipOf(argv)).toBe(ip)
  })

  it('lists a provider name\'s snapshot among the ranges used', async () => {
    const { stdout } = await runCli(['explain', '--json', '--trust', 'cloudflare', '--remote', '173.245.48.1'])
    expect((JSON.parse(stdout) as { ranges: { provider: string }[] }).ranges.map((range) => range.provider)).toEqual(['cloudflare'])
  })

  it.each([
    ['broken JSON', '["loopback"', 'invalid --trust: "[\\"loopback\\"" (expected true, false, a hop count such as 1, or addresses, subnets and range names, comma-separated or as a JSON array: not valid JSON)'],
    ['a JSON array with a word', '["loopback", "proxies"]', 'invalid --trust: "[\\"loopback\\", \\"proxies\\"]" (expected true, false, a hop count such as 1, or addresses, subnets and range names, comma-separated or as a JSON array: "proxies" is not an address, a subnet or a range name (loopback, linklocal, uniquelocal, cloudflare, fastly, cloudfront, google-lb))'],
  ])('error: %s', async (_name, value, message) => {
    expect(await runCli(['explain', '--trust', value])).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${message}\n` })
  })
})

describe('the whoami page carries the suggestion', () => {
  it('as a top-level field of its JSON, over a real socket', async () => {
    const { createServer } = await import('node:http')
    const { whoami } = await import('../../src/cli/serve.js')
    const { compileTrust } = await import('../../src/core/compile.js')
    const server = createServer(whoami({ trust: compileTrust(false), setting: false, context: { trust: 'false', options: {} } }, { write: () => true }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const response = await fetch(`http://127.0.0.1:${port}/?format=json`, { headers: { 'x-forwarded-for': '203.0.113.5' } })
      const body = await response.json() as { suggestion?: { setting: string[]; code: string } }
      expect(body.suggestion?.setting).toEqual(['loopback'])
      expect(body.suggestion?.code).toBe("app.set('trust proxy', ['loopback'])\n// ip becomes 203.0.113.5 (now 127.0.0.1)")
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
