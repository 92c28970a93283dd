// ranges.test.ts: `proxy-trust ranges fetch|list` against a local HTTP server that serves copies of
// each provider's official format, the checks on fetched lists, and the --ranges and --range flags
// of explain and serve.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main, type Io } from '../../src/cli/command.js'
import { parseCloudFront, parseFastly, parseGoogleLoadBalancers, parseLines, PROVIDERS } from '../../src/ranges/providers.js'
import { rangesOf } from '../../src/cli/ranges.js'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../../src/core/snapshots.js'
import { loadRanges } from '../../src/ranges/file.js'

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/ranges/${name}`, import.meta.url), 'utf8')
}

/** What the local server answers for each path: a fixture copy of an official file, or a failure. */
const ROUTES: Record<string, { status: number; body: string; location?: string }> = {
  '/ips-v4': { status: 200, body: fixture('cloudflare-ips-v4.txt') },
  '/ips-v6': { status: 200, body: fixture('cloudflare-ips-v6.txt') },
  '/public-ip-list': { status: 200, body: fixture('fastly-public-ip-list.json') },
  '/ip-ranges.json': { status: 200, body: fixture('aws-ip-ranges.json') },
  '/firewall-rules.md.txt': { status: 200, body: fixture('google-load-balancing-firewall-rules.md') },
  '/missing': { status: 404, body: 'not found' },
  '/private': { status: 200, body: '10.0.0.0/8\n173.245.48.0/20\n' },
  '/everything': { status: 200, body: '0.0.0.0/0\n' },
  '/one': { status: 200, body: '173.245.48.0/20\n' },
  '/v6-in-v4': { status: 200, body: '2606:4700::/32\n' },
  '/not-json': { status: 200, body: '<html>' },
  '/hostile': { status: 200, body: '\x1b[2J\u202e/24\n' },
  '/ips-v6-global': { status: 200, body: `${fixture('cloudflare-ips-v6.txt')}2000::/3\n` },
  '/ips-v6-nat64': { status: 200, body: `${fixture('cloudflare-ips-v6.txt')}64:ff9b::/96\n` },
  '/ips-v4-wide': { status: 200, body: `${fixture('cloudflare-ips-v4.txt')}32.0.0.0/3\n` },
  '/ips-v4-more': { status: 200, body: `${fixture('cloudflare-ips-v4.txt')}203.0.113.0/24\n` },
  '/ips-v4-half': { status: 200, body: fixture('cloudflare-ips-v4.txt').split('\n').slice(0, 3).join('\n') },
  '/moved': { status: 302, body: '', location: '/public-ip-list' },
  '/moved-away': { status: 302, body: '', location: 'http://localhost:{port}/public-ip-list' },
}

let server: http.Server
let base = ''
let dir = ''
/** The requests the server has had, by path. */
const asked = new Map<string, number>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    asked.set(req.url ?? '', (asked.get(req.url ?? '') ?? 0) + 1)
    const route = ROUTES[req.url ?? ''] ?? { status: 404, body: '' }
    const location = route.location?.replace('{port}', String((server.address() as AddressInfo).port))
    res.writeHead(route.status, { 'content-type': 'text/plain', ...(location === undefined ? {} : { location }) }).end(route.body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = mkdtempSync(join(tmpdir(), 'proxy-trust-ranges-'))
})

afterAll(async () => {
  server.close()
  await once(server, 'close')
  rmSync(dir, { recursive: true, force: true })
})

function memoryIo(): { io: Io; stdout: () => string; stderr: () => string } {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    stdout: { write: (text: string) => { stdout += text } },
    stderr: { write: (text: string) => { stderr += text } },
    env: {},
    onSignal: () => () => undefined,
    version: () => '9.9.9',
  }
  return { io, stdout: () => stdout, stderr: () => stderr }
}

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const memory = memoryIo()
  const code = await main(argv, memory.io)
  return { code, stdout: memory.stdout(), stderr: memory.stderr() }
}

let files = 0
function outFile(): string {
  return join(dir, `ranges-${++files}.json`)
}

const today = new Date().toISOString().substring(0, 10)

describe('proxy-trust ranges fetch', () => {
  const cases = [
    { provider: 'cloudflare', paths: ['/ips-v4', '/ips-v6'], snapshot: cloudflare },
    { provider: 'fastly', paths: ['/public-ip-list'], snapshot: fastly },
    { provider: 'cloudfront', paths: ['/ip-ranges.json'], snapshot: cloudfront },
    { provider: 'google-lb', paths: ['/firewall-rules.md.txt'], snapshot: googleLoadBalancers },
  ]
  it.each(cases)('fetches $provider in its official format and writes what --ranges reads', async ({ provider, paths, snapshot }) => {
    const out = outFile()
    const urls = paths.map((path) => `${base}${path}`)
    const { code, stdout, stderr } = await run(['ranges', 'fetch', provider, '--out', out, ...urls.flatMap((url) => ['--url', url])])
    expect([code, stdout]).toEqual([0, ''])
    expect(stderr).toBe(`${provider}: ${snapshot.v4.length} IPv4 and ${snapshot.v6.length} IPv6 subnets from ${urls.join(' ')}\nwrote ${provider} to ${out}\n`)
    expect(loadRanges(out)).toEqual({ [provider]: { name: provider, source: urls.join(' '), retrieved: today, v4: snapshot.v4, v6: snapshot.v6 } })

    const explained = await run(['explain', '--json', '--trust', provider, '--ranges', out, '--remote', (snapshot.v4[0] as string).replace(/\/.*$/, ''), '--header', 'X-Forwarded-For: 203.0.113.5'])
    const json = JSON.parse(explained.stdout) as { result: { ip: string }; ranges: unknown[]; warnings: unknown[] }
    expect(json.result.ip).toBe('203.0.113.5')
    expect(json.ranges).toEqual([{ name: provider, provider, source: urls.join(' '), retrieved: today, days: 0 }])
    expect(json.warnings).toEqual([])
  })

  it('fetches several providers into one file, taking --url in their order', async () => {
    const out = outFile()
    const { code, stderr } = await run(['ranges', 'fetch', 'fastly', 'cloudflare', '--out', out,
      '--url', `${base}/public-ip-list`, '--url', `${base}/ips-v4`, '--url', `${base}/ips-v6`])
    expect(code).toBe(0)
    expect(stderr.split('\n')).toEqual([
      `fastly: 19 IPv4 and 2 IPv6 subnets from ${base}/public-ip-list`,
      `cloudflare: 15 IPv4 and 7 IPv6 subnets from ${base}/ips-v4 ${base}/ips-v6`,
      `wrote fastly, cloudflare to ${out}`,
      '',
    ])
    expect(Object.keys(loadRanges(out))).toEqual(['fastly', 'cloudflare'])
  })

  it('keeps the names already in the file and replaces those it fetches', async () => {
    const out = outFile()
    writeFileSync(out, JSON.stringify({ office: ['203.0.113.0/24'], fastly: { ...fastly, retrieved: '2020-01-01' } }))
    expect((await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`])).code).toBe(0)
    const names = loadRanges(out)
    expect(names.office).toEqual(['203.0.113.0/24'])
    expect((names.fastly as { retrieved: string }).retrieved).toBe(today)
  })

  it('replaces a list of one\'s own under a provider\'s name, bounded by the snapshot', async () => {
    const out = outFile()
    writeFileSync(out, JSON.stringify({ fastly: ['151.101.0.0/16'] }))
    expect((await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`])).code).toBe(0)
    expect((loadRanges(out).fastly as { v4: readonly string[] }).v4).toEqual(fastly.v4)
  })

  it('asks the official URLs without --url', async () => {
    const official = new Map([
      ['https://www.cloudflare.com/ips-v4', `${base}/ips-v4`],
      ['https://www.cloudflare.com/ips-v6', `${base}/ips-v6`],
      ['https://api.fastly.com/public-ip-list', `${base}/public-ip-list`],
      ['https://ip-ranges.amazonaws.com/ip-ranges.json', `${base}/ip-ranges.json`],
      ['https://docs.cloud.google.com/load-balancing/docs/firewall-rules.md.txt', `${base}/firewall-rules.md.txt`],
    ])
    const real = globalThis.fetch
    const asked: string[] = []
    // the official hosts answered from the local server: this machine may have no route to them
    vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
      asked.push(url)
      return real(official.get(url) ?? `${base}/missing`, init)
    })
    try {
      const out = outFile()
      const { code, stderr } = await run(['ranges', 'fetch', 'cloudflare', 'fastly', 'cloudfront', 'google-lb', '--out', out])
      expect(code).toBe(0)
      expect(asked).toEqual([...official.keys()])
      expect(stderr).toContain('cloudflare: 15 IPv4 and 7 IPv6 subnets from https://www.cloudflare.com/ips-v4 https://www.cloudflare.com/ips-v6\n')
      expect(Object.fromEntries(Object.entries(loadRanges(out)).map(([name, value]) => [name, (value as { source: string }).source])))
        .toEqual(Object.fromEntries(PROVIDERS.map((provider) => [provider.name, provider.snapshot.source])))
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('fail: exits 1 when the file cannot be written, and leaves nothing behind', async () => {
    const out = join(dir, 'no-such-folder', 'ranges.json')
    const { code, stderr } = await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`])
    expect(code).toBe(1)
    expect(stderr.split('\n').slice(-2)).toEqual([`proxy-trust: cannot write ${out}: ENOENT: no such file or directory, open '${out}.lock'`, ''])
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false)
  })

  const failures = [
    { name: 'fail: an HTTP error', args: ['fastly', '--url', '/missing'], message: 'fastly: {base}/missing: HTTP 404' },
    { name: 'fail: not the official format', args: ['fastly', '--url', '/not-json'], message: /^fastly: public-ip-list: not JSON \(.+\)$/ },
    { name: 'fail: IPv6 where IPv4 belongs', args: ['cloudflare', '--url', '/v6-in-v4', '--url', '/ips-v6'], message: 'cloudflare: ips-v4: "2606:4700::/32" is not an IPv4 subnet' },
    { name: 'fail: a private range', args: ['cloudflare', '--url', '/private', '--url', '/ips-v6'], message: 'cloudflare: 10.0.0.0/8 overlaps 10.0.0.0/8 (private, RFC 1918), which no public proxy connects from' },
    { name: 'fail: a whole address family', args: ['cloudflare', '--url', '/everything', '--url', '/ips-v6'], message: 'cloudflare: 0.0.0.0/0 is wider than a provider publishes (IPv4 subnets must be /8 or longer)' },
    { name: 'fail: every global IPv6 address added (2000::/3)', args: ['cloudflare', '--url', '/ips-v4', '--url', '/ips-v6-global'], message: 'cloudflare: 2000::/3 is wider than a provider publishes (IPv6 subnets must be /16 or longer)' },
    { name: 'fail: an eighth of IPv4 added (32.0.0.0/3)', args: ['cloudflare', '--url', '/ips-v4-wide', '--url', '/ips-v6'], message: 'cloudflare: 32.0.0.0/3 is wider than a provider publishes (IPv4 subnets must be /8 or longer)' },
    { name: 'fail: the NAT64 prefix added', args: ['cloudflare', '--url', '/ips-v4', '--url', '/ips-v6-nat64'], message: 'cloudflare: 64:ff9b::/96 overlaps 64:ff9b::/96 (IPv4/IPv6 translation, RFC 6052), which no public proxy connects from' },
    { name: 'fail: a redirect to another host', args: ['fastly', '--url', '/moved-away'], message: 'fastly: {base}/moved-away: redirected to another host (http://localhost:{port}/public-ip-list); pass --allow-redirects to follow it, or give that URL' },
    { name: 'fail: shrunk beyond the bound', args: ['cloudflare', '--url', '/one', '--url', '/ips-v6'], message: 'cloudflare: a change beyond a factor of 2: check the list at its source, then pass --accept-change to write it' },
    { name: 'fail: a list that would drive the terminal, shown escaped', args: ['cloudflare', '--url', '/hostile', '--url', '/ips-v6'], message: 'cloudflare: ips-v4: "\\u001b[2J\\u202e/24" is not a subnet (invalid IP address: \\x1b[2J\\u202e)' },
    { name: 'fail: a later provider fails', args: ['fastly', 'cloudflare', '--url', '/public-ip-list', '--url', '/missing', '--url', '/ips-v6'], message: 'cloudflare: {base}/missing: HTTP 404' },
  ]
  it.each(failures)('$name: exits 1 and writes nothing', async ({ args, message }) => {
    const out = outFile()
    const argv = args.map((arg) => (arg.startsWith('/') ? `${base}${arg}` : arg))
    const { code, stderr } = await run(['ranges', 'fetch', ...argv, '--out', out])
    expect(code).toBe(1)
    const [problem, ...rest] = stderr.split('\n').slice(-3)
    if (typeof message === 'string') expect(problem).toBe(message.replace('{base}', base).replace('{port}', base.replace(/^.*:/, '')))
    else expect(problem).toMatch(message)
    expect(rest).toEqual([`proxy-trust: nothing written to ${out}`, ''])
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('fail: leaves a file it cannot read as it is', async () => {
    const out = outFile()
    writeFileSync(out, '{"Office": ["203.0.113.0/24"]}')
    const { code, stderr } = await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`])
    expect(code).toBe(1)
    expect(stderr).toBe(`proxy-trust: invalid ranges file ${out}: invalid range name: "Office" (expected a lower-case token: a-z, then a-z, 0-9, - or _): nothing written\n`)
    expect(readFileSync(out, 'utf8')).toBe('{"Office": ["203.0.113.0/24"]}')
  })

  it('records the URL read after a redirect on the same host as the source', async () => {
    const out = outFile()
    const { code, stderr } = await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/moved`])
    expect([code, stderr.split('\n')[0]]).toEqual([0, `fastly: 19 IPv4 and 2 IPv6 subnets from ${base}/public-ip-list`])
    expect((loadRanges(out).fastly as { source: string }).source).toBe(`${base}/public-ip-list`)
  })

  it('follows a redirect to another host with --allow-redirects, and records where it went', async () => {
    const out = outFile()
    const { code } = await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/moved-away`, '--allow-redirects'])
    expect(code).toBe(0)
    expect((loadRanges(out).fastly as { source: string }).source).toBe(`http://localhost:${base.replace(/^.*:/, '')}/public-ip-list`)
  })

  it('prints a change beyond the bound and writes it only with --accept-change', async () => {
    const out = outFile()
    const argv = ['ranges', 'fetch', 'cloudflare', '--out', out, '--url', `${base}/ips-v4-half`, '--url', `${base}/ips-v6`]
    const refused = await run(argv)
    const removed = cloudflare.v4.slice(3).map((entry) => `  - ${entry}`)
    expect(refused.code).toBe(1)
    expect(refused.stderr.split('\n').slice(1)).toEqual([
      'cloudflare: 10 subnets against 22 before (0 added, 12 removed)', ...removed,
      'cloudflare: a change beyond a factor of 2: check the list at its source, then pass --accept-change to write it',
      `proxy-trust: nothing written to ${out}`, '',
    ])
    const accepted = await run([...argv, '--accept-change'])
    expect(accepted.code).toBe(0)
    expect(accepted.stderr.split('\n').slice(1)).toEqual([
      'cloudflare: 10 subnets against 22 before (0 added, 12 removed)', ...removed,
      'cloudflare: change accepted (--accept-change)',
      `wrote cloudflare to ${out}`, '',
    ])
    expect((loadRanges(out).cloudflare as { v4: readonly string[] }).v4).toEqual(cloudflare.v4.slice(0, 3))
  })

  it('loses no provider when two fetches write one file at once', async () => {
    const out = outFile()
    const results = await Promise.all([
      run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`]),
      run(['ranges', 'fetch', 'cloudfront', '--out', out, '--url', `${base}/ip-ranges.json`]),
    ])
    expect(results.map((result) => result.code)).toEqual([0, 0])
    expect(Object.keys(loadRanges(out)).sort()).toEqual(['cloudfront', 'fastly'])
  })

  it('loses no provider when two ranges fetch processes write one file at once (the built executable)', async () => {
    const cli = fileURLToPath(new URL('../../dist/cjs/cli.js', import.meta.url))
    if (!existsSync(cli)) throw new Error('dist/cjs/cli.js is missing: run `node scripts/build.mjs` first')
    const out = outFile()
    const runs = [['fastly', '/public-ip-list'], ['cloudfront', '/ip-ranges.json'], ['google-lb', '/firewall-rules.md.txt']].map(([name, path]) => {
      const child = spawn(process.execPath, [cli, 'ranges', 'fetch', name as string, '--out', out, '--url', `${base}${path as string}`], { stdio: 'ignore' })
      return once(child, 'exit')
    })
    expect((await Promise.all(runs)).map(([code]) => code as number)).toEqual([0, 0, 0])
    expect(Object.keys(loadRanges(out)).sort()).toEqual(['cloudfront', 'fastly', 'google-lb'])
  })

  it('writes through neither a planted temporary-file link nor replaces an --out link, and keeps the mode', async () => {
    const sub = mkdtempSync(join(dir, 'links-'))
    const target = join(sub, 'target.json')
    const out = join(sub, 'ranges.json')
    const victim = join(sub, 'victim')
    writeFileSync(target, '{}', { mode: 0o400 })
    symlinkSync(target, out)
    writeFileSync(victim, 'precious')
    symlinkSync(victim, `${out}.${process.pid}.tmp`)
    expect((await run(['ranges', 'fetch', 'fastly', '--out', out, '--url', `${base}/public-ip-list`])).code).toBe(0)
    expect(readFileSync(victim, 'utf8')).toBe('precious')
    expect(lstatSync(out).isSymbolicLink()).toBe(true)
    expect(Object.keys(loadRanges(target))).toEqual(['fastly'])
    expect(statSync(target).mode & 0o7777).toBe(0o400)
  })

  const usage = [
    { name: 'error: a mistyped provider, with a suggestion', argv: ['fetch', 'cloudfare', '--out', 'x.json'], stderr: 'unknown provider "cloudfare": did you mean cloudflare? expected cloudflare, fastly, cloudfront, google-lb' },
    { name: 'error: no provider', argv: ['fetch', '--out', 'x.json'], stderr: 'missing provider: name one or more (see proxy-trust ranges --help)' },
    { name: 'error: an unknown provider', argv: ['fetch', 'akamai', '--out', 'x.json'], stderr: 'unknown provider "akamai": expected cloudflare, fastly, cloudfront, google-lb' },
    { name: 'error: no --out', argv: ['fetch', 'fastly'], stderr: 'missing --out FILE (see proxy-trust ranges --help)' },
    { name: 'error: too few --url', argv: ['fetch', 'cloudflare', '--out', 'x.json', '--url', 'http://127.0.0.1/'], stderr: '--url given 1 times: cloudflare takes 2 (IPv4, IPv6)' },
    { name: 'error: a --url that is not an http or https URL', argv: ['fetch', 'fastly', '--out', 'x.json', '--url', 'file:///etc/passwd'], stderr: 'invalid --url "file:///etc/passwd": expected an absolute http or https URL' },
    { name: 'error: an unknown flag', argv: ['fetch', 'fastly', '--output', 'x.json'], stderr: 'unknown option \'--output\' (see proxy-trust ranges --help)' },
    { name: 'error: no ranges command', argv: [], stderr: 'missing ranges command: fetch or list (see proxy-trust ranges --help)' },
    { name: 'error: an unknown ranges command', argv: ['update'], stderr: 'unknown ranges command "update": expected fetch or list (see proxy-trust ranges --help)' },
  ]
  it.each(usage)('$name', async ({ argv, stderr }) => {
    expect(await run(['ranges', ...argv])).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${stderr}\n` })
  })

  it.each([[['--help']], [['-h']], [['fetch', '--help']], [['list', '-h']]])('prints the usage for %j', async (argv) => {
    const { code, stdout } = await run(['ranges', ...argv])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: proxy-trust ranges fetch <provider>\.\.\. --out FILE/)
    expect(stdout).toContain('Providers: cloudflare, fastly, cloudfront, google-lb\n')
  })
})

describe('proxy-trust ranges list', () => {
  it('lists each shipped snapshot with its day, age, sizes and source', async () => {
    const { code, stdout } = await run(['ranges', 'list'])
    expect(code).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^provider +retrieved +age +IPv4 +IPv6 +source$/)
    expect(lines.slice(1).map((line) => line.split(/ {2,}/))).toEqual(PROVIDERS.map(({ name, snapshot }) => [
      name, snapshot.retrieved, `${Math.floor((Date.now() - Date.parse(`${snapshot.retrieved}T00:00:00Z`)) / 86_400_000)} days ago`,
      String(snapshot.v4.length), String(snapshot.v6.length), snapshot.source,
    ]))
  })

  it('says a snapshot dated after this machine\'s day is still to come, not a negative age', async () => {
    const [first] = PROVIDERS
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.parse(`${first?.snapshot.retrieved}T00:00:00Z`) - 3 * 86_400_000)
      const { code, stdout } = await run(['ranges', 'list'])
      expect(code).toBe(0)
      expect(stdout.split('\n')[1]?.split(/ {2,}/)[2]).toBe('in 3 days, a day still to come')
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('the official formats', () => {
  it('reads a 320 KB Google row of hex digits in linear time, finding the subnets in it', () => {
    const row = `${'| Global external Application Load Balancer | '}${'1'.repeat(320 * 1024)} 35.191.0.0/16 x${'a:'.repeat(1000)}/999999 \`130.211.0.0/22\`|`
    expect(parseGoogleLoadBalancers(`# rules\n${row}\n`)).toEqual({ v4: ['35.191.0.0/16', '130.211.0.0/22'], v6: [] })
  })

  it('drops duplicates among 80,000 lines by a set, keeping the first of each', () => {
    const lines = Array.from({ length: 80_000 }, (_, k) => `1.${(k >> 8) & 255}.${k & 255}.0/24`)
    expect(parseLines([...lines, ...lines].join('\n'), 4, 'ips-v4')).toEqual([...new Set(lines)])
  })

  it('reads Cloudflare\'s lines, skipping blank ones and the final newline', () => {
    expect(parseLines('173.245.48.0/20\r\n\n103.21.244.0/22\n', 4, 'ips-v4')).toEqual(['173.245.48.0/20', '103.21.244.0/22'])
  })

  it.each([
    ['fail: an entry that is no subnet', () => parseLines('173.245.48.0/20\nnot-an-address\n', 4, 'ips-v4'), 'ips-v4: "not-an-address" is not a subnet (invalid IP address: not-an-address)'],
    ['fail: IPv4 in the IPv6 list', () => parseLines('173.245.48.0/20', 6, 'ips-v6'), 'ips-v6: "173.245.48.0/20" is not an IPv6 subnet'],
    ['fail: Fastly without addresses', () => parseFastly('{"ipv6_addresses": []}'), 'addresses: expected a list of strings'],
    ['fail: Fastly with a number', () => parseFastly('{"addresses": [1], "ipv6_addresses": []}'), 'addresses: expected a list of strings'],
    ['fail: AWS without prefixes', () => parseCloudFront('{"ipv6_prefixes": []}'), 'ip-ranges.json: expected a list in prefixes'],
    ['fail: AWS JSON that is not an object', () => parseCloudFront('null'), 'ip-ranges.json: expected a list in prefixes'],
    ['fail: AWS without IPv6 prefixes', () => parseCloudFront('{"prefixes": []}'), 'ip-ranges.json: expected a list in ipv6_prefixes'],
    ['fail: AWS with a bad prefix', () => parseCloudFront('{"prefixes": [{"ip_prefix": "x", "service": "CLOUDFRONT_ORIGIN_FACING"}], "ipv6_prefixes": []}'), 'prefixes: "x" is not a subnet (invalid IP address: x)'],
    ['fail: Google without the row', () => parseGoogleLoadBalancers('# Firewall rules\n'), 'firewall rules page: no row starting "| Global external Application Load Balancer |"'],
    ['fail: Google\'s row with a bad subnet', () => parseGoogleLoadBalancers('| Global external Application Load Balancer | - `35.191.0.0/33` |'), 'firewall rules page: "35.191.0.0/33" is not a subnet (invalid range on address: 35.191.0.0/33)'],
  ])('%s', (_name, parse, message) => {
    expect(parse).toThrow(new Error(message))
  })

  it('reads only CloudFront\'s origin-facing IPv4 and CloudFront\'s IPv6 from ip-ranges.json, once each', () => {
    const body = JSON.stringify({
      prefixes: [
        { ip_prefix: '130.176.0.0/18', service: 'CLOUDFRONT_ORIGIN_FACING' },
        { ip_prefix: '13.32.0.0/15', service: 'CLOUDFRONT' },
        { ip_prefix: '3.5.140.0/22', service: 'AMAZON' },
        'junk',
      ],
      ipv6_prefixes: [
        { ipv6_prefix: '2600:9000:1000::/36', service: 'CLOUDFRONT_ORIGIN_FACING' },
        { ipv6_prefix: '2600:9000:1000::/36', service: 'CLOUDFRONT' },
        { ipv6_prefix: '2600:1f14::/35', service: 'EC2' },
      ],
    })
    expect(parseCloudFront(body)).toEqual({ v4: ['130.176.0.0/18'], v6: ['2600:9000:1000::/36'] })
  })

  it('reads a Google row without subnets as none (which the checks then refuse)', () => {
    expect(parseGoogleLoadBalancers('| Global external Application Load Balancer | see the DNS TXT record |')).toEqual({ v4: [], v6: [] })
  })

  it('reads Google\'s row only, not the rows after it', () => {
    expect(parseGoogleLoadBalancers(fixture('google-load-balancing-firewall-rules.md'))).toEqual({
      v4: ['35.191.0.0/16', '130.211.0.0/22'], v6: ['2600:2d00:1:b029::/64', '2600:2d00:1:1::/64'],
    })
  })
})

describe('--ranges and --range', () => {
  it('gives nothing without either', () => {
    expect(rangesOf(undefined, [])).toBeUndefined()
  })

  it('gives names of one\'s own, shipped snapshots by provider name, and a file\'s names, the flags last', () => {
    const file = outFile()
    writeFileSync(file, JSON.stringify({ office: ['192.0.2.0/24'], vpc: ['10.0.0.0/8'] }))
    expect(rangesOf(file, ['office=203.0.113.0/24, 198.51.100.7', 'cloudflare'])).toEqual({
      office: ['203.0.113.0/24', '198.51.100.7'], vpc: ['10.0.0.0/8'], cloudflare,
    })
  })

  it.each([
    ['error: a provider it does not know', undefined, ['akamai'], 'invalid --range "akamai": expected NAME=CIDR[,CIDR...] or a provider (cloudflare, fastly, cloudfront, google-lb)'],
    ['error: a bad name', undefined, ['Office=203.0.113.0/24'], 'invalid --range: invalid range name: "Office" (expected a lower-case token: a-z, then a-z, 0-9, - or _)'],
    ['error: __proto__ as a name, refused rather than dropped', undefined, ['__proto__=8.8.8.8'], 'invalid --range: invalid range name: "__proto__" (expected a lower-case token: a-z, then a-z, 0-9, - or _)'],
    ['error: a bad entry', undefined, ['office=203.0.113.0/24,nope'], 'invalid --range: invalid range office entry: "nope" (invalid IP address: nope)'],
    ['error: a missing file', '/nonexistent/ranges.json', [], 'invalid --ranges "/nonexistent/ranges.json": invalid ranges file /nonexistent/ranges.json: ENOENT: no such file or directory, open \'/nonexistent/ranges.json\''],
  ])('%s', async (_name, file, specs, message) => {
    expect(() => rangesOf(file, specs)).toThrow(message)
    const argv = ['explain', '--trust', 'loopback', ...(file === undefined ? [] : ['--ranges', file]), ...specs.flatMap((spec) => ['--range', spec])]
    expect(await run(argv)).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${message}\n` })
  })

  it('explains with the name and the subnet that matched, and the snapshot\'s day', async () => {
    const { code, stdout } = await run(['explain', '--trust', 'loopback, cloudflare', '--range', 'cloudflare', '--remote', '173.245.48.5', '--header', 'X-Forwarded-For: 203.0.113.9'])
    expect(code).toBe(0)
    const days = Math.floor((Date.now() - Date.parse(`${cloudflare.retrieved}T00:00:00Z`)) / 86_400_000)
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'trust: loopback, cloudflare    options: ranges: cloudflare    source: x-forwarded-for',
      `ranges: cloudflare (cloudflare, retrieved ${cloudflare.retrieved}, ${days} days ago)`,
    ])
    expect(stdout).toContain('  0  proxy   socket           173.245.48.5  yes    yes      cloudflare (173.245.48.0/20)\n')
  })

  it('--platform trusts the list --ranges gives under the provider\'s name, not the shipped snapshot', async () => {
    const file = outFile()
    writeFileSync(file, JSON.stringify({ cloudflare: { ...cloudflare, retrieved: '2026-12-01', v4: [...cloudflare.v4, '203.0.113.0/24'] } }))
    const { code, stdout } = await run(['explain', '--platform', 'cloudflare', '--ranges', file, '--remote', '203.0.113.9', '--header', 'CF-Connecting-IP: 198.51.100.7', '--json'])
    const json = JSON.parse(stdout) as { result: { ip: string }; ranges: { retrieved: string }[] }
    expect({ code, ip: json.result.ip, retrieved: json.ranges.map((range) => range.retrieved) }).toEqual({ code: 0, ip: '198.51.100.7', retrieved: ['2026-12-01'] })
  })

  it('warns at serve\'s start when a snapshot is stale', async () => {
    const file = outFile()
    writeFileSync(file, JSON.stringify({ cdn: { ...fastly, retrieved: '2020-01-01' } }))
    const memory = memoryIo()
    let stop: ((signal: string) => void) | undefined
    const io: Io = { ...memory.io, onSignal: (handler) => { stop = handler; return () => undefined } }
    const running = main(['serve', '--trust', 'cdn', '--ranges', file, '--port', '0'], io)
    for (let k = 0; k < 200 && !memory.stdout().includes('listening'); k++) await new Promise((resolve) => setTimeout(resolve, 10))
    stop?.('SIGTERM')
    expect(await running).toBe(0)
    expect(memory.stderr()).toMatch(/^warning: RANGES_STALE: range cdn is a fastly snapshot retrieved 2020-01-01, [0-9]+ days ago \(more than 180\)\n/)
  })
})

describe('serve --watch-ranges', () => {
  /** Run serve in this process until `stop` is called; resolves with its exit code and output. */
  function serve(argv: readonly string[]): { stop: () => void; done: Promise<{ code: number; stdout: string; stderr: string }>; stderr: () => string; stdout: () => string } {
    const memory = memoryIo()
    let signal: ((name: string) => void) | undefined
    const io: Io = { ...memory.io, onSignal: (handler) => { signal = handler; return () => undefined } }
    const done = main(['serve', '--port', '0', ...argv], io).then((code) => ({ code, stdout: memory.stdout(), stderr: memory.stderr() }))
    return { stop: () => signal?.('SIGTERM'), done, stderr: memory.stderr, stdout: memory.stdout }
  }

  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  it('trusts the watched list by name, logs each update, and shows the list\'s source and age', async () => {
    const server = serve(['--trust', 'loopback, cloudflare', '--watch-ranges', 'cloudflare', '--watch-url', `${base}/ips-v4-more`, '--watch-url', `${base}/ips-v6`, '--watch-interval', '60000'])
    await until(() => server.stderr().includes('ranges: cloudflare:'))
    expect(server.stderr()).toContain(`ranges: cloudflare: 1 added, 0 removed from ${base}/ips-v4-more ${base}/ips-v6\n`)
    const port = /:(\d+)\/\n/.exec(server.stdout())?.[1]
    const reply = await fetch(`http://127.0.0.1:${port}/?format=json`)
    const json = await reply.json() as { ranges: { name: string; source: string; days: number }[] }
    expect(json.ranges).toEqual([{ name: 'cloudflare', provider: 'cloudflare', source: `${base}/ips-v4-more ${base}/ips-v6`, retrieved: today, days: 0 }])
    server.stop()
    expect((await server.done).code).toBe(0)
  })

  it.each([
    { name: 'under --platform, over its shipped snapshot', argv: ['--platform', 'cloudflare'] },
    { name: 'over a list of the same name --ranges gives (the cache file read at start)', argv: ['--trust', 'cloudflare', '--ranges', 'cache'] },
  ])('trusts the watched list $name', async ({ argv }) => {
    const cache = outFile()
    writeFileSync(cache, JSON.stringify({ cloudflare: { ...cloudflare, retrieved: '2026-12-01' } }))
    const server = serve([...argv.map((arg) => (arg === 'cache' ? cache : arg)), '--watch-ranges', 'cloudflare', '--watch-url', `${base}/ips-v4-more`, '--watch-url', `${base}/ips-v6`, '--watch-cache', cache, '--watch-interval', '60000'])
    await until(() => server.stderr().includes('ranges: cloudflare:'))
    expect(server.stderr()).toContain(`ranges: cloudflare: 1 added, 0 removed from ${base}/ips-v4-more ${base}/ips-v6\n`)
    const port = /:(\d+)\/\n/.exec(server.stdout())?.[1]
    const json = await (await fetch(`http://127.0.0.1:${port}/?format=json`)).json() as { ranges: { source: string }[] }
    server.stop()
    expect((await server.done).code).toBe(0)
    expect(json.ranges.map((range) => range.source)).toEqual([`${base}/ips-v4-more ${base}/ips-v6`])
  })

  it('logs a refused list with the retry, and keeps the last good one', async () => {
    const cache = join(dir, 'watch-cache.json')
    const server = serve(['--trust', 'cloudflare', '--watch-ranges', 'cloudflare', '--watch-url', `${base}/ips-v4`, '--watch-url', `${base}/ips-v6-global`, '--watch-cache', cache])
    await until(() => server.stderr().includes('ranges: cloudflare:'))
    expect(server.stderr()).toContain('ranges: cloudflare: list refused: 2000::/3 is wider than a provider publishes (IPv6 subnets must be /16 or longer); retrying in 5400 s\n')
    server.stop()
    expect((await server.done).code).toBe(0)
    expect(existsSync(cache)).toBe(false)
  })

  it('logs a damaged cache file, and a list not refreshed for longer than a week as RANGES_STALE', async () => {
    const damaged = join(dir, 'damaged-cache.json')
    writeFileSync(damaged, '{')
    const first = serve(['--trust', 'cloudflare', '--watch-ranges', 'cloudflare', '--watch-url', `${base}/ips-v4`, '--watch-url', `${base}/ips-v6`, '--watch-cache', damaged])
    await until(() => first.stderr().includes('ranges: *:'))
    expect(first.stderr()).toMatch(new RegExp(`ranges: \\*: invalid ranges file ${damaged.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\n]+\n`))
    first.stop()
    await first.done
    const old = join(dir, 'old-cache.json')
    writeFileSync(old, JSON.stringify({ cloudflare: { ...cloudflare, retrieved: '2020-01-01' } }))
    const second = serve(['--trust', 'cloudflare', '--watch-ranges', 'cloudflare', '--watch-url', `${base}/missing`, '--watch-url', `${base}/ips-v6`, '--watch-cache', old])
    await until(() => second.stderr().includes('no successful refresh'))
    expect(second.stderr()).toMatch(/\nwarning: RANGES_STALE: cloudflare: no successful refresh for \d+ days; the last good list stays in force\n/)
    second.stop()
    await second.done
  })

  it('closes the watcher when it cannot listen', async () => {
    const blocker = http.createServer()
    blocker.listen(0, '127.0.0.1')
    await once(blocker, 'listening')
    const memory = memoryIo()
    const code = await main(['serve', '--port', String((blocker.address() as AddressInfo).port), '--trust', 'cloudflare', '--watch-ranges', 'cloudflare', '--watch-url', `${base}/ips-v4`, '--watch-url', `${base}/ips-v6`], memory.io)
    blocker.close()
    expect(code).toBe(1)
    expect(memory.stderr()).toMatch(/cannot listen on 127\.0\.0\.1 port \d+: listen EADDRINUSE/)
  })

  it.each([
    [['--watch-url', 'http://127.0.0.1/'], '--watch-url, --watch-interval and --watch-cache need --watch-ranges PROVIDER[,PROVIDER...]'],
    [['--watch-cache', 'x.json'], '--watch-url, --watch-interval and --watch-cache need --watch-ranges PROVIDER[,PROVIDER...]'],
    [['--watch-interval', '5'], '--watch-url, --watch-interval and --watch-cache need --watch-ranges PROVIDER[,PROVIDER...]'],
    [['--watch-ranges', 'cloudfare'], 'invalid --watch-ranges: unknown provider "cloudfare": did you mean cloudflare? expected cloudflare, fastly, cloudfront, google-lb'],
    [['--watch-ranges', 'fastly, cloudflare', '--watch-url', 'http://127.0.0.1/'], '--watch-url given 1 times: fastly takes 1 (public-ip-list), cloudflare takes 2 (IPv4, IPv6)'],
    [['--watch-ranges', 'fastly', '--watch-interval', '0'], 'invalid --watch-interval "0": expected a whole number of milliseconds from 1 to 2147483647 (about 24.8 days)'],
    [['--watch-ranges', 'fastly', '--watch-interval', '2592000000'], 'invalid --watch-interval "2592000000": expected a whole number of milliseconds from 1 to 2147483647 (about 24.8 days)'],
    [['--watch-ranges', 'cloudflare, fastly,cloudflare'], 'invalid --watch-ranges: "cloudflare" given twice; name each provider once'],
    [['--watch-ranges', 'fastly', '--watch-url', 'notaurl'], 'invalid --watch-url "notaurl": expected an absolute http or https URL'],
    [['--watch-ranges', 'fastly', '--watch-url', 'ftp://127.0.0.1/list'], 'invalid --watch-url "ftp://127.0.0.1/list": expected an absolute http or https URL'],
  ])('error: %j', async (argv, message) => {
    expect(await run(['serve', '--port', '0', ...argv])).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${message}\n` })
  })

  it('error: a bad --trust ends the command before the watcher asks for a list', async () => {
    const before = asked.get('/watched-once') ?? 0
    const result = await run(['serve', '--port', '0', '--watch-ranges', 'fastly', '--watch-url', `${base}/watched-once`, '--trust', 'lookback'])
    // the watcher's first refresh would have been armed for the next turn of the event loop
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect({ ...result, asked: (asked.get('/watched-once') ?? 0) - before }).toEqual({
      code: 2, stdout: '', stderr: 'proxy-trust: invalid --trust "lookback": invalid IP address: lookback: did you mean "loopback"?\n', asked: 0,
    })
  })
})
