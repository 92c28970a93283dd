// docs.test.ts: the platform guides' code is the code that runs. Every ```js block in the
// platforms' guides and docs/reference/platforms.md is a snippet file (named on its first line)
// word for word, and each snippet, imported from the built package, gives the client of a request
// modelled on its platform; every ```sh block's proxy-trust command runs and prints the ip its
// `# ip:` line says.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { resolveAddr } from '../../src/core/resolve.js'
import type { TrustFn } from '../../src/core/compile.js'
import { runCli } from '../fixtures/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const GUIDES = join(ROOT, 'docs/guides')
/**
 * The platforms' guides (the proxies' and the runtimes' guides quote the files their own suites run,
 * and those suites check them: test/proxies, test/runtimes).
 */
const PLATFORM_GUIDES = [
  'akamai', 'aws-alb', 'azure-front-door', 'cloudflare', 'cloudfront', 'fastly', 'fly-io', 'google-cloud',
  'heroku-render', 'kubernetes-ingress-nginx', 'vercel',
]
const FILES = [
  ...PLATFORM_GUIDES.map((name) => join('docs/guides', `${name}.md`)),
  'docs/reference/platforms.md',
]

interface Block {
  readonly file: string
  readonly lang: string
  readonly text: string
}

function blocks(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ file, lang: match[1] as string, text: match[2] as string }))
}

const ALL = FILES.flatMap(blocks)

/** The words of a command line: spaces separate them, double quotes group them. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? (match[2] as string))
}

describe('platform docs', () => {
  it('every code block is js (a snippet file), sh (a command that runs) or vcl (quoted from Fastly)', () => {
    expect(ALL.length).toBeGreaterThan(10)
    for (const block of ALL) expect([block.file, ['js', 'sh', 'vcl'].includes(block.lang)]).toEqual([block.file, true])
  })

  const JS = ALL.filter((block) => block.lang === 'js')
  it.each(JS.map((block) => [`${block.file}: ${block.text.split('\n')[0] as string}`, block] as const))('%s is its snippet file word for word', (_name, block) => {
    const [first, ...rest] = block.text.split('\n')
    const path = /^\/\/ (docs\/guides\/snippets\/[a-z-]+\.mjs)$/.exec(first as string)?.[1]
    expect(path).toBeDefined()
    expect(rest.join('\n')).toBe(readFileSync(join(ROOT, path as string), 'utf8'))
  })

  const SH = ALL.filter((block) => block.lang === 'sh')
  it.each(SH.map((block) => [`${block.file}: ${block.text.split('\n')[0] as string}`, block] as const))('%s runs and prints its ip', async (_name, block) => {
    const lines = block.text.replace(/\\\n\s*/g, '').split('\n').filter((line) => line !== '')
    const command = lines.find((line) => line.startsWith('proxy-trust '))
    const ip = lines.find((line) => line.startsWith('# ip: '))?.substring(6)
    expect(command).toBeDefined()
    const { code, stdout, stderr } = await runCli([...words(command as string).slice(1), '--json'])
    expect([code, stderr]).toEqual([0, ''])
    expect((JSON.parse(stdout) as { result: { ip: string } }).result.ip).toBe(ip)
  })
})

/** A request as a platform's edge sends it, and the client it must give. */
const CLIENT = '203.0.113.5'
const SNIPPETS: readonly [string, Record<string, string>, { remoteAddress: string; headers: Record<string, string> }][] = [
  ['cloudflare', {}, { remoteAddress: '173.245.48.1', headers: { 'cf-connecting-ip': CLIENT, 'x-forwarded-for': `198.51.100.9, ${CLIENT}` } }],
  ['cloudflare-edge-proof', { ORIGIN_SECRET: 'a-secret-of-this-origin-0042' }, { remoteAddress: '173.245.48.1', headers: { 'cf-connecting-ip': CLIENT, 'x-origin-verify': 'a-secret-of-this-origin-0042' } }],
  ['cloudfront', {}, { remoteAddress: '130.176.0.9', headers: { 'cloudfront-viewer-address': `${CLIENT}:46532` } }],
  ['cloudfront-alb', {}, { remoteAddress: '10.0.3.7', headers: { 'x-forwarded-for': `198.51.100.9, ${CLIENT}, 130.176.0.9` } }],
  ['aws-alb', {}, { remoteAddress: '10.0.3.7', headers: { 'x-forwarded-for': `198.51.100.9, ${CLIENT}` } }],
  ['google-cloud', { LOAD_BALANCER_IP: '34.120.1.1' }, { remoteAddress: '35.191.4.2', headers: { 'x-forwarded-for': `198.51.100.9, ${CLIENT}, 34.120.1.1` } }],
  ['azure-front-door', { AZURE_FRONT_DOOR_BACKEND: '147.243.0.0/16,2a01:111:2050::/44', AZURE_FRONT_DOOR_ID: 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1' }, { remoteAddress: '147.243.1.9', headers: { 'x-azure-socketip': CLIENT, 'x-azure-fdid': 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1' } }],
  ['fastly', {}, { remoteAddress: '151.101.1.9', headers: { 'fastly-client-ip': CLIENT } }],
  ['fly-io', {}, { remoteAddress: '172.19.0.170', headers: { 'fly-client-ip': CLIENT } }],
  ['vercel', {}, { remoteAddress: '169.254.100.6', headers: { 'x-forwarded-for': CLIENT } }],
  ['heroku', {}, { remoteAddress: '10.1.45.23', headers: { 'x-forwarded-for': `198.51.100.9, ${CLIENT}` } }],
  ['kubernetes-ingress-nginx', {}, { remoteAddress: '10.244.1.5', headers: { 'x-forwarded-for': CLIENT } }],
  ['same-host', {}, { remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': `198.51.100.9, ${CLIENT}` } }],
]

describe('platform snippets, from the built package', () => {
  it.each(SNIPPETS)('%s gives the client', async (name, env, request) => {
    Object.assign(process.env, env)
    try {
      const { trust } = await import(pathToFileURL(join(GUIDES, 'snippets', `${name}.mjs`)).href) as { trust: TrustFn }
      const req = { socket: { remoteAddress: request.remoteAddress }, headers: request.headers }
      expect(resolveAddr(req, trust).ip).toBe(CLIENT)
    } finally {
      for (const key of Object.keys(env)) Reflect.deleteProperty(process.env, key)
    }
  })

  it('from-env: TRUST_PROXY=1 is one hop, read by Express itself', async () => {
    process.env.TRUST_PROXY = '1'
    try {
      const { app } = await import(pathToFileURL(join(GUIDES, 'snippets', 'from-env.mjs')).href) as { app: { get: (name: string) => TrustFn } }
      expect(app.get('trust proxy fn')('10.0.0.1', 0)).toBe(true)
      expect(app.get('trust proxy fn')('10.0.0.1', 1)).toBe(false)
    } finally {
      delete process.env.TRUST_PROXY
    }
  })
})
