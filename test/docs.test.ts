// docs.test.ts: the README and docs/ hold no dead link and no code that does not run. Every relative
// link resolves to a file or folder of the repository, and its #anchor to a heading of the page it
// names; every code block tagged `js runnable` is run as a reader pastes it (through the package's
// own name, from the built dist/), and answers a request from loopback with the client's address.

import { fork } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { cloudflare, cloudfront, fastly, googleLoadBalancers } from '../src/ranges.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ANY_PORT = fileURLToPath(new URL('fixtures/any-port.mjs', import.meta.url))

/** README.md and every Markdown file under docs/, as paths relative to the repository. */
function pages(): string[] {
  const found = ['README.md']
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.md')) found.push(path)
    }
  }
  walk('docs')
  return found.sort()
}

interface Block {
  readonly info: string
  readonly code: string
  readonly line: number
}

/** The page split into its prose (code blocks blanked, so that nothing in them reads as a link) and its fenced code blocks. */
function parse(text: string): { readonly prose: string; readonly blocks: readonly Block[] } {
  const blocks: Block[] = []
  const prose: string[] = []
  let open: { info: string; line: number; code: string[] } | undefined
  text.split('\n').forEach((line, k) => {
    const fence = /^```(.*)$/.exec(line)
    if (open === undefined && fence !== null) {
      open = { info: (fence[1] ?? '').trim(), line: k + 1, code: [] }
      prose.push('')
    } else if (open !== undefined && line.startsWith('```')) {
      blocks.push({ info: open.info, code: open.code.join('\n') + '\n', line: open.line })
      open = undefined
      prose.push('')
    } else if (open !== undefined) {
      open.code.push(line)
      prose.push('')
    } else {
      prose.push(line)
    }
  })
  return { prose: prose.join('\n'), blocks }
}

/**
 * A heading's anchor as GitHub writes it (github-slugger, https://github.com/Flet/github-slugger):
 * the text without its Markdown (code ticks, link targets), lower-cased, every character that is not
 * a letter, mark, digit, connector, hyphen or space dropped, spaces turned into hyphens.
 */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor of a page: its headings' slugs, the second of a name numbered `-1`, as GitHub does. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const line of parse(text).prose.split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line)
    if (heading === null) continue
    const base = slug((heading[1] ?? '').trim())
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

interface Link {
  readonly page: string
  readonly target: string
}

/** The relative links of a page's prose: `[text](target)`, without web addresses. */
function linksOf(page: string): Link[] {
  const { prose } = parse(readFileSync(join(ROOT, page), 'utf8'))
  const links: Link[] = []
  for (const match of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? ''
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    links.push({ page, target })
  }
  return links
}

/** Why a link does not resolve, or undefined when it does. */
function brokenBecause({ page, target }: Link): string | undefined {
  const hash = target.indexOf('#')
  const path = hash === -1 ? target : target.slice(0, hash)
  const anchor = hash === -1 ? undefined : target.slice(hash + 1)
  const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), path)
  if (relative(ROOT, file).startsWith('..')) return 'leaves the repository'
  if (!existsSync(file)) return `no such file: ${relative(ROOT, file)}`
  if (anchor === undefined) return undefined
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return 'an anchor into something that is not a page'
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor) ? undefined : `no heading #${anchor} in ${relative(ROOT, file)}`
}

describe('slug', () => {
  it.each([
    ['a plain heading', 'Which hop is trusted, and why', 'which-hop-is-trusted-and-why'],
    ['a signature', 'compileTrust(setting, options?): TrustFn', 'compiletrustsetting-options-trustfn'],
    ['code with braces and colons', "`ranges: { name: entries or snapshot }`", 'ranges--name-entries-or-snapshot-'],
    ['a link in the heading', '[nginx](guides/nginx.md) in front', 'nginx-in-front'],
    ['a hyphen and an underscore kept', 'x-forwarded-for and maxForwarded_x', 'x-forwarded-for-and-maxforwarded_x'],
  ])('writes %s as GitHub does', (_name, heading, expected) => {
    expect(slug(heading)).toBe(expected)
  })
})

describe('the links of README.md and docs/', () => {
  const all = pages().flatMap(linksOf)

  it('finds the pages and their links', () => {
    expect(pages()).toContain('docs/README.md')
    expect(all.length).toBeGreaterThan(50)
  })

  it('finds a dead link, a missing anchor and a link out of the repository', () => {
    expect(brokenBecause({ page: 'README.md', target: 'docs/no-such-page.md' })).toBe('no such file: docs/no-such-page.md')
    expect(brokenBecause({ page: 'README.md', target: '#no-such-heading' })).toBe('no heading #no-such-heading in README.md')
    expect(brokenBecause({ page: 'docs/README.md', target: '../../outside.md' })).toBe('leaves the repository')
    expect(brokenBecause({ page: 'docs/README.md', target: '../examples/#x' })).toBe('an anchor into something that is not a page')
    expect(brokenBecause({ page: 'docs/README.md', target: 'security.md#guarantees' })).toBeUndefined()
  })

  it('resolves every relative link, and every anchor to a heading', () => {
    const broken = all.map((link) => ({ link, why: brokenBecause(link) })).filter(({ why }) => why !== undefined)
    expect(broken.map(({ link, why }) => `${link.page}: (${link.target}) ${why}`)).toEqual([])
  })
})

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

  it('is at most 300 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300)
  })

  it('starts, after three lines saying what the package is, with install and then the "What do I set?" table', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1])
    expect(headings.slice(0, 2)).toEqual(['Install', 'What do I set?'])
    const intro = readme.slice(readme.indexOf('\n') + 1, readme.indexOf('## Install')).trim()
    expect(intro.split('\n')).toHaveLength(3)
    const table = readme.slice(readme.indexOf('## What do I set?'))
    expect(table).toMatch(/^\| In front of your app \| Setting .* \| Guide \|$/m)
  })
})

describe('the provider table of the API reference', () => {
  const api = readFileSync(join(ROOT, 'docs/reference/api.md'), 'utf8')

  // the official list of each row is the source `ranges list` prints for the same snapshot
  it.each([cloudflare, fastly, cloudfront, googleLoadBalancers].map((snapshot) => [snapshot.name, snapshot] as const))(
    'names the source of %s as the snapshot records it',
    (_name, snapshot) => {
      const row = api.split('\n').map((line) => line.split('|').map((cell) => cell.trim()))
        .find((cells) => cells[3] === snapshot.source.split(' ').join(', ') && cells[4] === snapshot.retrieved)
      expect(row, `no row with ${snapshot.source} and ${snapshot.retrieved}`).toBeDefined()
    })
})

// ---------------------------------------------------------------------------------------------------
// runnable blocks

const RUNNABLE = 'js runnable'
const WORK = join(ROOT, '.tmp')
mkdirSync(WORK, { recursive: true })
const scratch = mkdtempSync(join(WORK, 'runnable-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The client's address in every request sent to a runnable block, written by a proxy on loopback. */
const CLIENT = '203.0.113.5'

function get(address: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = http.get({
      host: address, port, path: '/', localAddress: address.includes(':') ? '::1' : '127.0.0.1',
      headers: { 'x-forwarded-for': CLIENT, forwarded: `for=${CLIENT}`, host: 'shop.example' },
    }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
  })
}

/** Run a block as a module of this repository; resolves with the answer to one request. */
async function run(code: string, name: string): Promise<{ status: number; body: string }> {
  // the blocks import the package by its name, which resolves to the built dist/
  if (!existsSync(join(ROOT, 'dist/cjs/cjs.js'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` first')
  const file = join(scratch, `${name}.mjs`)
  writeFileSync(file, code)
  const child = fork(file, [], { execArgv: ['--import', ANY_PORT], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  try {
    const listening = once(child, 'message') as Promise<[{ address: string; port: number }]>
    const exited = once(child, 'exit').then(([code]) => { throw new Error(`exited with ${String(code)} before listening: ${output}`) })
    const [{ address, port }] = await Promise.race([listening, exited])
    const host = address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address
    return await get(host, port)
  } finally {
    child.kill('SIGTERM')
  }
}

const runnable = pages().flatMap((page) =>
  parse(readFileSync(join(ROOT, page), 'utf8')).blocks
    .filter((block) => block.info === RUNNABLE)
    .map((block) => ({ page, block, name: `${page.replace(/[/.]/g, '-')}-${block.line}` })))

describe('the runnable code blocks', () => {
  it('are in the README and the framework reference', () => {
    const where = new Set(runnable.map(({ page }) => page))
    expect([...where].sort()).toEqual(['README.md', 'docs/reference/frameworks.md'])
  })

  it.each(runnable.map((entry) => [`${entry.page} line ${entry.block.line}`, entry] as const))(
    '%s listens and answers with the client behind a proxy on loopback', async (_name, { block, name }) => {
      const { status, body } = await run(block.code, name)
      expect(status).toBe(200)
      expect(body).toContain(CLIENT)
    })
})
