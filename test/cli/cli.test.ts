// cli.test.ts: the `proxy-trust` command line: `main` in this process (command.ts, with render.ts
// and serve.ts beneath it, and the cli.ts entry), then the built executable in a child process,
// explaining requests and serving real HTTP requests sent from distinct loopback addresses.
//
// Addresses: serve listens on 127.0.0.1; trusted proxies are 127.0.0.2 and 127.0.0.3; clients send
// from 127.0.0.5 and an untrusted peer from 127.0.0.9 (Linux routes all of 127.0.0.0/8 to lo).

import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main, packageVersion, portOf, processIo, requestOf, settingOf, type Io } from '../../src/cli/command.js'
import { compileTrust } from '../../src/core/compile.js'
import { explain, type Explanation } from '../../src/diagnostics/explain.js'
import { describeOptions, renderHtml, renderJson, renderText, type RenderContext } from '../../src/diagnostics/render.js'
import { negotiate, urlOf, whoami, type Format } from '../../src/cli/serve.js'
import { assertBindable, requestFrom, startProxyChain, type Endpoint, type Reply } from '../fixtures/proxies.js'
import { requestFrom as unitRequest } from '../fixtures/unit-requests.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const CLI = join(ROOT, 'dist/cjs/cli.js')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

const APP = '127.0.0.1'
const EDGE = '127.0.0.2'
const INNER = '127.0.0.3'
const CLIENT = '127.0.0.5'
const STRANGER = '127.0.0.9'

/** The example of `proxy-trust explain --help`. */
const EXAMPLE = ['explain', '--trust', 'loopback, 10.0.0.0/8', '--remote', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.5, 10.0.0.2']

const EXAMPLE_TEXT = `trust: loopback, 10.0.0.0/8    options: none (Express)    source: x-forwarded-for

  x-forwarded-for: 203.0.113.5, 10.0.0.2

  #  role    from             received     valid  trusted  reason
  0  proxy   socket           10.0.0.1     yes    yes      10.0.0.0/8
  1  proxy   x-forwarded-for  10.0.0.2     yes    yes      10.0.0.0/8
  2  client  x-forwarded-for  203.0.113.5  yes    -        the last entry: not asked

stop (end): no more entries: hop 2 is the client

  ip        203.0.113.5            from x-forwarded-for
  ips       203.0.113.5, 10.0.0.2  from x-forwarded-for
  host      -
  hostname  -
  protocol  http                   from socket
  secure    false                  from socket

no warnings
`

/** An Io that records what is written, and lets a test deliver a signal. */
interface MemoryIo {
  readonly io: Io
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with stdout's first match of `pattern`, once written. */
  readonly waitForStdout: (pattern: RegExp) => Promise<RegExpExecArray>
  /** Deliver a signal to the handler `main` registered. */
  readonly signal: (name: string) => void
  /** Whether `main` removed its signal handler. */
  readonly released: () => boolean
}

function memoryIo(options: { readonly tty?: boolean; readonly env?: Record<string, string> } = {}): MemoryIo {
  let stdout = ''
  let stderr = ''
  let handler: ((signal: string) => void) | undefined
  let released = false
  const waiters: (() => void)[] = []
  const io: Io = {
    stdout: {
      write: (text: string) => {
        stdout += text
        for (const waiter of waiters.splice(0)) waiter()
        return true
      },
      isTTY: options.tty,
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    onSignal: (h) => {
      handler = h
      return () => {
        released = true
      }
    },
    version: () => '9.9.9',
  }
  const waitForStdout = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const match = pattern.exec(stdout)
      if (match) return match
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return {
    io,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStdout,
    signal: (name) => handler?.(name),
    released: () => released,
  }
}

async function runMain(argv: readonly string[], options?: Parameters<typeof memoryIo>[0]): Promise<{ code: number; stdout: string; stderr: string }> {
  const memory = memoryIo(options)
  const code = await main(argv, memory.io)
  return { code, stdout: memory.stdout(), stderr: memory.stderr() }
}

describe('main: help, version and usage errors', () => {
  it.each([['--help'], ['-h']])('%s prints the usage', async (flag) => {
    const { code, stdout, stderr } = await runMain([flag])
    expect([code, stderr]).toEqual([0, ''])
    expect(stdout).toMatch(/^Usage: proxy-trust <command> \[options\]\n/)
    expect(stdout).toContain('  explain   explain one request described on the command line\n')
  })

  it.each([['--version'], ['-v']])('%s prints the version', async (flag) => {
    expect(await runMain([flag])).toEqual({ code: 0, stdout: '9.9.9\n', stderr: '' })
  })

  it.each([['explain'], ['serve']])('%s --help prints the command\'s usage', async (command) => {
    const { code, stdout } = await runMain([command, '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^Usage: proxy-trust ${command} `))
    expect(stdout).toContain('--trust SETTING')
  })

  it('documents the JSON schema in explain --help', async () => {
    const { stdout } = await runMain(['explain', '-h'])
    for (const key of ['trust', 'options', 'source', 'headers', 'hops', 'stop', 'result', 'from', 'ranges', 'warnings']) {
      expect(stdout).toMatch(new RegExp(`^  ${key} +(string|object|array) `, 'm'))
    }
  })

  interface UsageCase {
    readonly name: string
    readonly argv: readonly string[]
    readonly stderr: string
  }

  const usageCases: readonly UsageCase[] = [
    { name: 'no command', argv: [], stderr: 'missing command: explain, serve or ranges (see proxy-trust --help)' },
    { name: 'an unknown command', argv: ['whoami'], stderr: 'unknown command "whoami": expected explain, serve or ranges (see proxy-trust --help)' },
    { name: 'a mistyped command, with the one meant', argv: ['explian'], stderr: 'unknown command "explian": expected explain, serve or ranges; did you mean explain? (see proxy-trust --help)' },
    { name: 'a mistyped command in capitals', argv: ['SERV'], stderr: 'unknown command "SERV": expected explain, serve or ranges; did you mean serve? (see proxy-trust --help)' },
    { name: 'an unknown option', argv: ['explain', '--bogus'], stderr: "unknown option '--bogus' (see proxy-trust explain --help)" },
    { name: 'an option without its value', argv: ['explain', '--trust'], stderr: "option '--trust <value>' argument missing (see proxy-trust explain --help)" },
    { name: 'a positional argument', argv: ['explain', 'loopback'], stderr: "unexpected argument 'loopback' (see proxy-trust explain --help)" },
    { name: 'a value for a flag', argv: ['explain', '--json=yes'], stderr: "option '--json' does not take an argument (see proxy-trust explain --help)" },
    { name: 'an unknown serve option', argv: ['serve', '--remote', '1.2.3.4'], stderr: "unknown option '--remote' (see proxy-trust serve --help)" },
    { name: 'an invalid address in the setting', argv: ['explain', '--trust', 'loopback, foo'], stderr: 'invalid --trust "loopback, foo": invalid IP address: foo' },
    { name: 'an invalid range in the setting', argv: ['explain', '--trust', '10.0.0.0/33'], stderr: 'invalid --trust "10.0.0.0/33": invalid range on address: 10.0.0.0/33' },
    { name: 'an odd spelling under --strict', argv: ['explain', '--strict', '--trust', '0177.0.0.1'], stderr: 'invalid --trust "0177.0.0.1": invalid IP address: 0177.0.0.1' },
    { name: 'an empty setting', argv: ['explain', '--trust', ''], stderr: 'invalid --trust "": empty entry in trust setting' },
    { name: 'a trailing comma in the setting', argv: ['explain', '--trust', 'loopback,'], stderr: 'invalid --trust "loopback,": empty entry in trust setting' },
    { name: 'an empty entry inside the setting', argv: ['explain', '--trust', 'loopback, , ::1'], stderr: 'invalid --trust "loopback, , ::1": empty entry in trust setting' },
    { name: 'a near miss of a range name', argv: ['explain', '--trust', 'lookback'], stderr: 'invalid --trust "lookback": invalid IP address: lookback: did you mean "loopback"?' },
    { name: 'a range name in capitals', argv: ['explain', '--trust', '10.0.0.0/8, UniqueLocal'], stderr: 'invalid --trust "10.0.0.0/8, UniqueLocal": invalid IP address: UniqueLocal: did you mean "uniquelocal"?' },
    { name: 'an extended range name without --extended-ranges', argv: ['explain', '--trust', 'private'], stderr: 'invalid --trust "private": "private" is a range name only with --extended-ranges' },
    { name: 'a near miss of an extended name', argv: ['explain', '--trust', 'privat'], stderr: 'invalid --trust "privat": invalid IP address: privat: did you mean "private" (with --extended-ranges)?' },
    { name: 'a near miss of an extended name, with them on', argv: ['explain', '--extended-ranges', '--trust', 'cgant'], stderr: 'invalid --trust "cgant": invalid IP address: cgant: did you mean "cgnat"?' },
    { name: 'a word far from every name', argv: ['explain', '--trust', 'proxies'], stderr: 'invalid --trust "proxies": invalid IP address: proxies' },
    { name: 'a near miss of a flag', argv: ['explain', '--trsut', 'loopback'], stderr: "unknown option '--trsut': did you mean --trust? (see proxy-trust explain --help)" },
    { name: 'a near miss of a serve flag', argv: ['serve', '--prot', '8080'], stderr: "unknown option '--prot': did you mean --port? (see proxy-trust serve --help)" },
    {
      name: '--trust given twice',
      argv: ['explain', '--trust', 'loopback', '--trust', '10.0.0.0/8'],
      stderr: '--trust given more than once: write every entry in one value, comma-separated (--trust "loopback, 10.0.0.0/8") (see proxy-trust explain --help)',
    },
    { name: '--remote given twice', argv: ['explain', '--remote', '10.0.0.1', '--remote=10.0.0.2'], stderr: '--remote given more than once (see proxy-trust explain --help)' },
    { name: '--port given twice', argv: ['serve', '--port', '0', '--port', '1'], stderr: '--port given more than once (see proxy-trust serve --help)' },
    { name: '--remote that is not an address', argv: ['explain', '--remote', 'notanip'], stderr: 'invalid --remote "notanip": expected an IP address (leave --remote out for a socket without one)' },
    { name: 'an empty --remote', argv: ['explain', '--remote', ''], stderr: 'invalid --remote "": expected an IP address (leave --remote out for a socket without one)' },
    { name: 'a negative --max-forwarded', argv: ['explain', '--max-forwarded', '-1'], stderr: 'invalid --max-forwarded "-1": expected a whole number of at least 1' },
    { name: 'a negative --port', argv: ['serve', '--port', '-1'], stderr: 'invalid --port "-1": expected 0 to 65535' },
    { name: 'an unknown source', argv: ['explain', '--source', 'x-real-ip'], stderr: 'invalid --source "x-real-ip": expected x-forwarded-for, forwarded or header:NAME' },
    { name: 'a source header that is not a header name', argv: ['explain', '--source', 'header:X Real IP'], stderr: 'invalid --source "header:X Real IP": expected header:NAME, NAME a header name' },
    { name: 'a source header without a name', argv: ['explain', '--source', 'header:'], stderr: 'invalid --source "header:": expected header:NAME, NAME a header name' },
    { name: '--max-forwarded that is not a number', argv: ['explain', '--max-forwarded', 'many'], stderr: 'invalid --max-forwarded "many": expected a whole number of at least 1' },
    { name: '--max-forwarded 0', argv: ['explain', '--max-forwarded', '0'], stderr: 'invalid --max-forwarded "0": expected a whole number of at least 1' },
    { name: 'a header without a colon', argv: ['explain', '--header', 'X-Forwarded-For 1.2.3.4'], stderr: 'invalid --header "X-Forwarded-For 1.2.3.4": expected "Name: value"' },
    { name: 'a header without a name', argv: ['explain', '--header', ': 1.2.3.4'], stderr: 'invalid --header ": 1.2.3.4": expected "Name: value"' },
    { name: 'a header name with a space', argv: ['explain', '--header', 'X Forwarded For: 1.2.3.4'], stderr: 'invalid --header "X Forwarded For: 1.2.3.4": expected "Name: value"' },
    { name: 'a port out of range', argv: ['serve', '--port', '65536'], stderr: 'invalid --port "65536": expected 0 to 65535' },
    { name: 'a port that is not a number', argv: ['serve', '--port', 'http'], stderr: 'invalid --port "http": expected 0 to 65535' },
    { name: 'a bad setting for serve', argv: ['serve', '--port', '0', '--trust', 'nowhere'], stderr: 'invalid --trust "nowhere": invalid IP address: nowhere' },
  ]

  it.each(usageCases)('error: $name exits 2 with one line', async ({ argv, stderr }) => {
    expect(await runMain(argv)).toEqual({ code: 2, stdout: '', stderr: `proxy-trust: ${stderr}\n` })
  })

  it('lets errors that are not usage errors through', async () => {
    const memory = memoryIo()
    const io: Io = { ...memory.io, version: () => { throw new Error('disk on fire') } }
    await expect(main(['--version'], io)).rejects.toThrow('disk on fire')
  })
})

describe('main: explain', () => {
  /** The warnings `explain --json` gives for `argv`, as code and message. */
  async function warningsOf(argv: readonly string[]): Promise<{ code: string; message: string }[]> {
    const { code, stdout } = await runMain(['explain', '--json', ...argv])
    expect(code).toBe(0)
    return (JSON.parse(stdout) as Explanation).warnings.map((w) => ({ code: w.code, message: w.message }))
  }

  it('reads a negative hop count as Express does: nothing is trusted', async () => {
    const { stdout } = await runMain(['explain', '--json', '--trust', '-1', '--remote', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.5'])
    expect((JSON.parse(stdout) as Explanation).result.ip).toBe('10.0.0.1')
    expect(await warningsOf(['--trust', '-1', '--remote', '10.0.0.1'])).toEqual([
      { code: 'HOP_COUNT', message: 'trust is the hop count -1, which Express reads as i < -1: no hop is trusted, as with false' },
    ])
  })

  it('says nothing of a leftmost entry when a hop count meets a request without entries', async () => {
    expect(await warningsOf(['--trust', '2', '--remote', '10.0.0.1'])).toEqual([
      { code: 'HOP_COUNT', message: 'trust is a hop count (2): right only while every request passes exactly that many proxies' },
    ])
  })

  it('warns when aligned protocol falls back although X-Forwarded-Proto was sent', async () => {
    const argv = ['--aligned', '--trust', '10.0.0.0/8', '--remote', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.5, 10.0.0.2', '--header', 'X-Forwarded-Proto: https']
    expect((await warningsOf(argv)).map((w) => w.code)).toEqual(['ALIGNED_FALLBACK'])
  })

  it('accepts --remote with a zone, and extended names under --strict', async () => {
    expect(await warningsOf(['--strict', '--trust', 'private, cgnat', '--remote', 'fe80::1%eth0'])).toEqual([])
  })

  it('prints the hop table and the answers', async () => {
    expect(await runMain(EXAMPLE)).toEqual({ code: 0, stdout: EXAMPLE_TEXT, stderr: '' })
  })

  it('colours the output on a terminal', async () => {
    const { stdout } = await runMain(EXAMPLE, { tty: true })
    expect(stdout).toContain('  \x1b[32m0  proxy ')
    // eslint-disable-next-line no-control-regex
    expect(stdout.replace(/\x1b\[[0-9]+m/g, '')).toBe(EXAMPLE_TEXT)
  })

  it.each([
    { name: 'not when NO_COLOR is set', tty: true, env: { NO_COLOR: '1' }, colour: false },
    { name: 'when NO_COLOR is empty, as no-color.org says', tty: true, env: { NO_COLOR: '' }, colour: true },
    { name: 'not when stdout is not a terminal', tty: false, env: {}, colour: false },
  ])('colours $name', async ({ tty, env, colour }) => {
    const { stdout } = await runMain(EXAMPLE, { tty, env })
    expect(stdout.includes('\x1b[')).toBe(colour)
  })

  it('prints JSON with --json: the setting, the options and the explanation, absent values as null', async () => {
    const { code, stdout } = await runMain([...EXAMPLE, '--json'])
    expect(code).toBe(0)
    const json = JSON.parse(stdout) as Record<string, unknown>
    expect(Object.keys(json)).toEqual(['trust', 'options', 'source', 'headers', 'hops', 'stop', 'result', 'from', 'ranges', 'warnings'])
    expect(json).toEqual({
      trust: 'loopback, 10.0.0.0/8',
      options: {},
      source: 'x-forwarded-for',
      headers: { 'x-forwarded-for': '203.0.113.5, 10.0.0.2' },
      hops: [
        { index: 0, from: 'socket', received: '10.0.0.1', address: '10.0.0.1', valid: true, trusted: true, reason: '10.0.0.0/8', role: 'proxy' },
        { index: 1, from: 'x-forwarded-for', received: '10.0.0.2', address: '10.0.0.2', valid: true, trusted: true, reason: '10.0.0.0/8', role: 'proxy' },
        { index: 2, from: 'x-forwarded-for', received: '203.0.113.5', address: '203.0.113.5', valid: true, trusted: null, reason: 'the last entry: not asked', role: 'client' },
      ],
      stop: { index: 2, reason: 'end', message: 'no more entries: hop 2 is the client' },
      result: { ip: '203.0.113.5', ips: ['203.0.113.5', '10.0.0.2'], host: null, hostname: null, protocol: 'http', secure: false },
      from: { ip: 'x-forwarded-for', ips: 'x-forwarded-for', host: null, hostname: null, protocol: 'socket', secure: 'socket' },
      ranges: [],
      warnings: [],
    })
  })

  it('turns every option flag into its TrustOptions', async () => {
    const { stdout } = await runMain([
      'explain', '--json', '--trust', 'private', '--strict', '--source', 'forwarded', '--aligned', '--ports',
      '--strict-addresses', '--normalize', '--extended-ranges', '--trust-socketless', '--max-forwarded', '5',
    ])
    expect((JSON.parse(stdout) as { options: unknown }).options).toEqual({
      preset: 'strict', source: 'forwarded', ports: true, hostAndProto: 'aligned', addresses: 'strict',
      normalize: true, extendedRanges: true, trustSocketless: true, maxForwarded: 5,
    })
  })

  it.each([
    { flag: 'x-forwarded-for', source: 'x-forwarded-for', options: { source: 'x-forwarded-for' } },
    { flag: 'forwarded', source: 'forwarded', options: { source: 'forwarded' } },
    { flag: 'header:X-Real-IP', source: 'x-real-ip', options: { source: { header: 'X-Real-IP' } } },
    { flag: 'HEADER:CF-Connecting-IP', source: 'cf-connecting-ip', options: { source: { header: 'CF-Connecting-IP' } } },
  ])('--source $flag', async ({ flag, source, options }) => {
    const json = JSON.parse((await runMain(['explain', '--json', '--source', flag])).stdout) as Explanation & { options: unknown }
    expect([json.source, json.options]).toEqual([source, options])
  })

  it('reads --encrypted as a TLS socket', async () => {
    const json = JSON.parse((await runMain(['explain', '--json', '--remote', '203.0.113.1', '--encrypted'])).stdout) as Explanation
    expect([json.result.protocol, json.result.secure, json.from.protocol]).toEqual(['https', true, 'socket'])
  })

  it('joins repeated headers with ", " as Node does, whatever the case of their names', async () => {
    const json = JSON.parse((await runMain([
      'explain', '--json', '--trust', 'true', '--remote', APP,
      '--header', 'X-Forwarded-For: 198.51.100.7', '--header', 'x-forwarded-for:203.0.113.5',
    ])).stdout) as Explanation
    expect(json.headers['x-forwarded-for']).toBe('198.51.100.7, 203.0.113.5')
    expect(json.result.ips).toEqual(['198.51.100.7', '203.0.113.5'])
  })

  it('prints the warnings with their fixes', async () => {
    const { code, stdout } = await runMain(['explain', '--trust', '1', '--remote', APP, '--header', 'X-Forwarded-For: 203.0.113.5'])
    expect(code).toBe(0)
    expect(stdout).toContain('\n1 warning:\n  ! HOP_COUNT  trust is a hop count (1): right only while every request passes exactly that many proxies\n' +
      '    fix: Trust your proxies by address or subnet; keep a count only when every path to the app has exactly that length\n')
  })

  it.each([
    { text: 'true', setting: true },
    { text: 'false', setting: false },
    { text: '2', setting: 2 },
    { text: '0', setting: 0 },
    { text: 'loopback, 10.0.0.0/8', setting: 'loopback, 10.0.0.0/8' },
    { text: '1.5', setting: '1.5' },
    { text: 'TRUE', setting: 'TRUE' },
  ])('reads --trust $text as $setting', ({ text, setting }) => {
    expect(settingOf(text)).toEqual(setting)
  })

  it('builds the request the flags describe', () => {
    expect(requestOf(undefined, ['Host: example.com', 'X-Forwarded-Proto:  https '], true)).toEqual({
      socket: { remoteAddress: undefined, encrypted: true },
      headers: { host: 'example.com', 'x-forwarded-proto': 'https' },
    })
  })
})

describe('render', () => {
  const context: RenderContext = { trust: 'loopback', options: {} }

  function explained(setting: Parameters<typeof compileTrust>[0], req: Parameters<typeof explain>[0], options?: Parameters<typeof compileTrust>[1]): Explanation {
    return explain(req, compileTrust(setting, options), setting)
  }

  it('shows the address column only when an address differs from what was received', () => {
    const ported = renderText(explained('loopback', unitRequest(APP, { 'x-forwarded-for': '203.0.113.5:4711' }), { ports: true }), context, false)
    expect(ported).toContain('  #  role    from             received          address      valid  trusted  reason\n')
    expect(ported).toContain('  1  client  x-forwarded-for  203.0.113.5:4711  203.0.113.5  yes    -        the last entry: not asked\n')
  })

  it('escapes control characters and shows empty and absent values', () => {
    const text = renderText(explained(true, unitRequest(undefined, { 'x-forwarded-for': '\x1b[31mred', 'x-forwarded-proto': ' ' })), context, false)
    expect(text).toContain('  x-forwarded-for: "\\x1b[31mred"\n')
    expect(text).toContain('  0  proxy   socket           -              no     yes      trust all\n')
    expect(text).toContain('  1  client  x-forwarded-for  "\\x1b[31mred"  no     -        the last entry: not asked\n')
    expect(text).toContain('  ip        "\\x1b[31mred"  from x-forwarded-for\n')
    expect(text).toContain('  protocol  ""             from x-forwarded-proto\n')
    expect(text).not.toContain('\x1b')
  })

  it('shows an empty ips, and counts warnings', () => {
    const text = renderText(explained('loopback', unitRequest(undefined)), context, false)
    expect(text).toContain('  ips       -\n')
    expect(text).toContain('\nno forwarding headers\n')
    expect(text).toContain('\n1 warning:\n')
    const two = renderText(explained(true, unitRequest(undefined, { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=1.2.3.4' })), context, false)
    expect(two).toContain('\n2 warnings:\n')
  })

  it('colours proxies green, an untrusted client red and bold, a trusted one bold, ignored hops dim', () => {
    const untrusted = renderText(explained('loopback', unitRequest(APP, { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' })), context, true)
    expect(untrusted).toContain('  \x1b[32m0  proxy ')
    expect(untrusted).toContain('  \x1b[1m\x1b[31m1  client ')
    expect(untrusted).toContain('  \x1b[2m2  ignored ')
    const trusted = renderText(explained('loopback', unitRequest(APP)), context, true)
    expect(trusted).toContain('  \x1b[1m0  client ')
    const warned = renderText(explained('loopback', unitRequest(undefined)), context, true)
    expect(warned).toContain('  \x1b[33m! PEER_WITHOUT_ADDRESS\x1b[39m  the socket has no peer address')
  })

  it('renders JSON with null for absent values', () => {
    const json = JSON.parse(renderJson(explained('loopback', unitRequest(undefined)), context)) as Explanation
    expect(json.result.ip).toBe(null)
    expect(json.hops[0]?.received).toBe(null)
  })

  it('describes options in one line', () => {
    expect(describeOptions({})).toBe('none (Express)')
    expect(describeOptions({ preset: 'strict', source: { header: 'X-Real-IP' }, maxForwarded: 4 }))
      .toBe('preset: strict, source: {"header":"X-Real-IP"}, maxForwarded: 4')
  })

  it('renders a self-contained HTML page, every value escaped', () => {
    const page = renderHtml(explained(true, unitRequest(APP, {
      'x-forwarded-for': '<script>alert(1)</script>', 'x-forwarded-host': '"evil" & \'co\'',
    })), { trust: 'true', options: {} })
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(page).not.toContain('<script>')
    expect(page).toContain('&#60;script&#62;alert(1)&#60;/script&#62;')
    expect(page).toContain('&#34;evil&#34; &#38; &#39;co&#39;')
    expect(page).not.toMatch(/(?:src|href)="(?!data:)/)
    expect(page).toContain('<li class="warning" data-code="TRUST_ALL_WITH_HEADERS">')
    expect(page).toContain('<tr class="hop client" data-role="client">')
  })

  it('renders a page for a request without warnings, headers or address', () => {
    const page = renderHtml(explained(false, unitRequest('203.0.113.1')), context)
    expect(page).toContain('<p class="ok">No warnings.</p>')
    expect(page).toContain('<h2>Forwarding headers</h2>\n<p>None.</p>')
    expect(page).toContain('<td class="untrusted">no</td>')
    const none = renderHtml(explained('loopback', unitRequest(undefined, { 'x-forwarded-for': '1.2.3.4' }), { trustSocketless: true }), context)
    expect(none).toContain('<td class="unasked">-</td>')
    expect(renderHtml(explained('loopback', unitRequest(undefined)), context)).toContain('<code id="ip">no address</code>')
  })
})

describe('negotiate', () => {
  const cases: readonly [string | undefined, Format][] = [
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['application/json', 'json'],
    ['text/html', 'html'],
    ['TEXT/HTML', 'html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', 'html'],
    ['application/json;q=0.5, text/plain;q=0.4', 'json'],
    ['application/json, text/html', 'json'],
    ['text/*', 'text'],
    ['application/*', 'json'],
    ['text/html;q=0, */*', 'text'],
    ['text/plain;q=0, text/html;level=1;q=0.9, application/json;q=0.8', 'html'],
    ['image/png', 'text'],
    ['application/json;q=much', 'text'],
  ]

  it.each(cases)('Accept %j gives %s', (accept, format) => {
    expect(negotiate(accept)).toBe(format)
  })

  it('writes the URL of an IPv4 or IPv6 listener', () => {
    expect(urlOf({ address: APP, family: 'IPv4', port: 3000 })).toBe('http://127.0.0.1:3000/')
    expect(urlOf({ address: '::1', family: 'IPv6', port: 80 })).toBe('http://[::1]:80/')
  })
})

/** A request to `target` from the loopback address `from`, with `Accept` and other headers. */
function ask(from: string, target: Endpoint, headers: Record<string, string> = {}, path = '/', method = 'GET'): Promise<Reply> {
  return requestFrom(from, target, { headers, path, method })
}

function endpointOf(url: string): Endpoint {
  const { hostname, port } = new URL(url)
  return { host: hostname, port: Number(port) }
}

describe('main: serve, in this process', () => {
  beforeAll(async () => {
    await assertBindable([EDGE, CLIENT, STRANGER])
  })

  it('answers each request with its explanation, logs it, and stops on a signal', async () => {
    const memory = memoryIo()
    const running = main(['serve', '--port', '0', '--trust', `${EDGE}, ${INNER}, 10.0.0.1/8`], memory.io)
    const [, url] = await memory.waitForStdout(/^listening on (http:\/\/127\.0\.0\.1:[0-9]+\/)\n/)
    const target = endpointOf(url as string)

    const text = await ask(EDGE, target, { 'x-forwarded-for': '203.0.113.5' })
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(text.headers['cache-control']).toBe('no-store')
    expect(text.headers.vary).toBe('Accept')
    expect(text.body).toContain(`  0  proxy   socket           ${EDGE}    yes    yes      ${EDGE}\n`)

    const json = await ask(STRANGER, target, { accept: 'application/json', 'x-forwarded-for': '203.0.113.5' })
    const explanation = JSON.parse(json.body) as Explanation
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8')
    expect([explanation.result.ip, explanation.warnings.map((w) => w.code)]).toEqual([STRANGER, ['SETTING_HOST_BITS', 'UNTRUSTED_PEER_WITH_HEADERS']])

    const html = await ask(CLIENT, target, { accept: 'text/html' })
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(html.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    expect(html.body).toContain(`<code id="ip">${CLIENT}</code>`)

    const overridden = await ask(CLIENT, target, { accept: 'text/html' }, '/?format=json')
    expect(overridden.headers['content-type']).toBe('application/json; charset=utf-8')
    const unknownFormat = await ask(CLIENT, target, { accept: 'application/json' }, '/anything?format=yaml')
    expect([unknownFormat.status, unknownFormat.headers['content-type'], unknownFormat.body])
      .toEqual([406, 'text/plain; charset=utf-8', 'unknown format "yaml": expected text, json, html\n'])

    const head = await ask(CLIENT, target, {}, '/', 'HEAD')
    expect([head.status, head.body]).toEqual([200, ''])

    memory.signal('SIGTERM')
    expect(await running).toBe(0)
    expect(memory.released()).toBe(true)
    const lines = memory.stderr().trimEnd().split('\n')
    expect(lines[0]).toBe('warning: SETTING_HOST_BITS: setting entry "10.0.0.1/8" has host bits set: it means 10.0.0.0/8')
    expect(lines.slice(1, -1)).toHaveLength(6)
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z GET "/" peer ${EDGE} ip 203\\.0\\.113\\.5 text 1 warning$`))
    expect(lines[2]).toMatch(new RegExp(`Z GET "/" peer ${STRANGER} ip ${STRANGER} json 2 warnings$`))
    expect(lines[5]).toMatch(/Z GET "\/anything\?format=yaml" 406 unknown format$/)
    expect(lines[6]).toMatch(/Z HEAD "\/" peer /)
    expect(lines.at(-1)).toBe('SIGTERM: shutting down')
  })

  it('listens on port 3000 unless told otherwise', () => {
    expect([portOf(undefined), portOf('0'), portOf('8080')]).toEqual([3000, 0, 8080])
  })

  it('logs - for the peer and ip of a request whose socket has no address', () => {
    const log: string[] = []
    const handler = whoami({ trust: compileTrust('loopback'), setting: 'loopback', context: { trust: 'loopback', options: {} } }, { write: (line: string) => log.push(line) })
    const written: unknown[] = []
    const res = { writeHead: (...args: unknown[]) => written.push(args), end: (body: unknown) => written.push(body) }
    handler({ method: 'GET', url: '/', headers: {}, socket: {} } as unknown as http.IncomingMessage, res as unknown as http.ServerResponse)
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/Z GET "\/" peer - ip - text 1 warning\n$/)
    expect(written[1]).toContain('! PEER_WITHOUT_ADDRESS')
  })

  it('fail: exits 1 when it cannot listen', async () => {
    const taken = http.createServer()
    await new Promise<void>((resolve) => taken.listen(0, APP, resolve))
    const { port } = taken.address() as AddressInfo
    try {
      const result = await runMain(['serve', '--port', String(port)])
      expect(result).toEqual({
        code: 1, stdout: '',
        stderr: `proxy-trust: cannot listen on 127.0.0.1 port ${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
      })
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })
})

describe('the executable\'s I/O', () => {
  it('reads the version from the package.json of proxy-trust above the script, through links', () => {
    expect(packageVersion(join(ROOT, 'src/cli/command.ts'))).toBe(VERSION)
    expect(processIo(join(ROOT, 'src/cli.ts')).version()).toBe(VERSION)
  })

  it('fail: gives unknown outside the package or without a script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxy-trust-version-'))
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'some-app', version: '1.0.0' }))
      writeFileSync(join(dir, 'cli.js'), '')
      expect(packageVersion(join(dir, 'cli.js'))).toBe('unknown')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(packageVersion(undefined)).toBe('unknown')
  })

  it('writes to the process\'s streams, reads its environment, and listens for SIGINT and SIGTERM until released', () => {
    const io = processIo(undefined)
    expect([io.stdout, io.stderr, io.env]).toEqual([process.stdout, process.stderr, process.env])
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const received: string[] = []
    const release = io.onSignal((signal) => received.push(signal))
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0] as number + 1, before[1] as number + 1])
    const listener = process.listeners('SIGTERM').at(-1) as (signal: NodeJS.Signals) => void
    listener('SIGTERM')
    expect(received).toEqual(['SIGTERM'])
    release()
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before)
  })

  it('runs main with the process\'s arguments and sets the exit status (cli.ts)', async () => {
    const argv = process.argv
    const exitCode = process.exitCode
    const written: string[] = []
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    process.argv = [process.execPath, join(ROOT, 'src/cli.ts'), '--version']
    try {
      await import('../../src/cli.js')
      await vi.waitFor(() => expect(written).toContain(`${VERSION}\n`))
      await vi.waitFor(() => expect(process.exitCode).toBe(0))
    } finally {
      write.mockRestore()
      process.argv = argv
      process.exitCode = exitCode
    }
  })
})

// ---------------------------------------------------------------------------------------------------
// The built executable, in a child process

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

async function runCli(args: readonly string[]): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'close') as [number | null]
  return { code, stdout, stderr }
}

describe('proxy-trust (the built executable)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/cjs/cli.js is missing: run `node scripts/build.mjs` first')
  })

  it('starts with a #! line for node', () => {
    expect(readFileSync(CLI, 'utf8').split('\n', 1)[0]).toBe('#!/usr/bin/env node')
  })

  it('explains a request as text', async () => {
    expect(await runCli(EXAMPLE)).toEqual({ code: 0, stdout: EXAMPLE_TEXT, stderr: '' })
  })

  it('explains a request as JSON, with the documented keys', async () => {
    const { code, stdout } = await runCli(['explain', '--json', '--trust', 'true', ...EXAMPLE.slice(3), '--header', 'X-Forwarded-Proto: https'])
    expect(code).toBe(0)
    const json = JSON.parse(stdout) as Record<string, unknown> & Explanation
    expect(Object.keys(json)).toEqual(['trust', 'options', 'source', 'headers', 'hops', 'stop', 'result', 'from', 'ranges', 'warnings', 'suggestion'])
    for (const hop of json.hops) expect(Object.keys(hop)).toEqual(['index', 'from', 'received', 'address', 'valid', 'trusted', 'reason', 'role'])
    expect(Object.keys(json.stop)).toEqual(['index', 'reason', 'message'])
    expect(Object.keys(json.result)).toEqual(['ip', 'ips', 'host', 'hostname', 'protocol', 'secure'])
    expect(Object.keys(json.from)).toEqual(['ip', 'ips', 'host', 'hostname', 'protocol', 'secure'])
    expect(json.warnings.map((w) => Object.keys(w))).toEqual([['code', 'message', 'fix']])
    expect(json.warnings[0]?.code).toBe('TRUST_ALL_WITH_HEADERS')
  })

  it('prints its version and help', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
    const help = await runCli(['serve', '--help'])
    expect([help.code, help.stdout.split('\n', 1)[0]]).toEqual([0, 'Usage: proxy-trust serve [--trust SETTING] [--port 3000] [--host 127.0.0.1] [options]'])
  })

  it.each([
    { argv: ['explain', '--trust', '10.0.0.0/8, nonsense'], stderr: 'proxy-trust: invalid --trust "10.0.0.0/8, nonsense": invalid IP address: nonsense\n' },
    { argv: ['explain', '--remote'], stderr: "proxy-trust: option '--remote <value>' argument missing (see proxy-trust explain --help)\n" },
    { argv: ['explain', '--header', 'nonsense'], stderr: 'proxy-trust: invalid --header "nonsense": expected "Name: value"\n' },
    { argv: ['serve', '--port', '-1'], stderr: 'proxy-trust: invalid --port "-1": expected 0 to 65535\n' },
    { argv: ['launch'], stderr: 'proxy-trust: unknown command "launch": expected explain, serve or ranges (see proxy-trust --help)\n' },
  ])('error: $argv.0 $argv.1 exits 2 with one line', async ({ argv, stderr }) => {
    expect(await runCli(argv)).toEqual({ code: 2, stdout: '', stderr })
  })

  describe('serve', () => {
    let child: ChildProcessByStdio<null, Readable, Readable>
    let target: Endpoint
    let stderr = ''

    beforeAll(async () => {
      await assertBindable([EDGE, INNER, CLIENT, STRANGER])
      child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--trust', `${EDGE}, ${INNER}`], { stdio: ['ignore', 'pipe', 'pipe'] })
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
      for await (const line of createInterface({ input: child.stdout })) {
        const match = /^listening on (\S+)$/.exec(line)
        if (match) {
          target = endpointOf(match[1] as string)
          break
        }
      }
    })

    afterAll(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })

    it('prints the URL it listens on', () => {
      expect(target.host).toBe(APP)
    })

    it('tells a direct client that it is the client, as plain text for curl', async () => {
      const reply = await ask(CLIENT, target, { accept: '*/*', 'x-forwarded-for': '198.51.100.7' })
      expect(reply.status).toBe(200)
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(reply.body).toContain(`  ip        ${CLIENT}`)
      expect(reply.body).toContain('! UNTRUSTED_PEER_WITH_HEADERS')
    })

    it('walks a real proxy chain from distinct loopback addresses, as JSON', async () => {
      const chain = await startProxyChain(target, [{ address: EDGE, scheme: 'https' }, { address: INNER, forwarded: 'keep' }])
      try {
        const reply = await ask(CLIENT, chain.entry, { accept: 'application/json' })
        const explanation = JSON.parse(reply.body) as Explanation
        expect(explanation.hops.map((hop) => [hop.index, hop.from, hop.address, hop.role])).toEqual([
          [0, 'socket', INNER, 'proxy'],
          [1, 'x-forwarded-for', EDGE, 'proxy'],
          [2, 'x-forwarded-for', CLIENT, 'client'],
        ])
        expect(explanation.result).toMatchObject({ ip: CLIENT, ips: [CLIENT, EDGE], protocol: 'https', secure: true })
        expect(explanation.from).toMatchObject({ ip: 'x-forwarded-for', protocol: 'x-forwarded-proto', host: 'x-forwarded-host' })
      } finally {
        await chain.close()
      }
    })

    it('gives browsers the HTML page', async () => {
      const reply = await ask(STRANGER, target, {
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'x-forwarded-proto': 'https',
      })
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(reply.body).toContain(`<code id="ip">${STRANGER}</code>`)
      expect(reply.body).toContain('<li class="warning" data-code="HOST_PROTO_FROM_UNTRUSTED">')
    })

    it('logs one line per request, and shuts down on SIGTERM with status 0', async () => {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const [code, signal] = await exited
      expect([code, signal]).toEqual([0, null])
      const lines = stderr.trimEnd().split('\n')
      // the three requests above, one of them through the proxy chain
      expect(lines.filter((line) => / GET "\/" peer /.test(line))).toHaveLength(3)
      expect(lines.some((line) => line.endsWith(`GET "/" peer ${INNER} ip ${CLIENT} json 0 warnings`))).toBe(true)
      expect(lines.at(-1)).toBe('SIGTERM: shutting down')
    })
  })
})
