// The guides show the files the real-socket suite runs, word for word: each block marked
// `<!-- tested: path -->` must equal that file, and each guide that documents a tested
// configuration must hold its block.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')

/** Every tested block of a guide: the file it names and the block's text. */
function testedBlocks(markdown: string): [string, string][] {
  const blocks: [string, string][] = []
  const pattern = /<!-- tested: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n/g
  for (const match of markdown.matchAll(pattern)) blocks.push([match[1] as string, match[2] as string])
  return blocks
}

const GUIDES: readonly [string, readonly string[]][] = [
  ['docs/guides/proxy-protocol.md', ['test/proxy-protocol/app.mjs']],
  ['docs/guides/haproxy-proxy-protocol.md', ['test/proxy-protocol/haproxy.cfg']],
  ['docs/guides/nginx-stream.md', ['test/proxy-protocol/nginx.conf']],
  ['docs/guides/aws-nlb.md', []],
  ['docs/guides/google-cloud-tcp-proxy.md', []],
]

describe.each(GUIDES)('%s', (guide, files) => {
  const blocks = testedBlocks(read(guide))

  it('shows the files the suite runs, word for word', () => {
    expect(blocks.map(([path]) => path)).toEqual(files)
    for (const [path, text] of blocks) expect(text).toBe(read(path))
  })
})

it.each(GUIDES.filter(([, files]) => files.length === 0).map(([guide]) => guide))('%s says its blocks are not run by a test', (guide) => {
  expect(read(guide)).toMatch(/not run by a test/)
})
