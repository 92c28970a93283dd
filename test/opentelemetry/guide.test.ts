// guide.test.ts: every code block of docs/guides/observability.md marked `<!-- snippet: NAME -->` is
// the file docs/guides/snippets/NAME, which the recipe tests run.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../fixtures/pack.js'

const guide = readFileSync(join(ROOT, 'docs/guides/observability.md'), 'utf8')
const blocks = [...guide.matchAll(/<!-- snippet: ([\w.-]+) -->\n```js\n([\s\S]*?)```\n/g)].map((match) => ({ name: match[1] as string, text: match[2] as string }))

describe('docs/guides/observability.md', () => {
  it('shows the five recipe files', () => {
    expect(blocks.map((block) => block.name)).toEqual(['tracing.mjs', 'pino-http.mjs', 'morgan.mjs', 'morgan-express.mjs', 'fastify-logger.mjs'])
  })

  it.each(blocks)('$name is the tested file', ({ name, text }) => {
    expect(text).toBe(readFileSync(join(ROOT, 'docs/guides/snippets', name), 'utf8'))
  })
})
