// run.mjs: the `serve` page in a real headless browser: starts `proxy-trust serve` from dist, loads
// the page with forwarding headers, checks the hop table and a highlighted warning, checks that the
// page is usable 360 px wide (the page never scrolls sideways, a wide table scrolls in its own box,
// header names never break inside), and saves screenshots under the system's temporary directory.
// Exits non-zero on any failure.
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium); run `npm run test:browser`.

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'

const CLI = new URL('../../dist/esm/cli.js', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SCREENSHOT = join(tmpdir(), 'proxy-trust-serve.png')
const NARROW_SCREENSHOT = join(tmpdir(), 'proxy-trust-serve-360.png')
/** The narrowest phone screen in common use, in CSS pixels. */
const NARROW = 360

// the browser connects from 127.0.0.1 (trusted: loopback), the proxy in front of it was 10.0.0.2
// (trusted: 10.0.0.0/8), and the client before it 203.0.113.5, which is not trusted
const TRUST = 'loopback, 10.0.0.0/8'
const HEADERS = {
  'X-Forwarded-For': '198.51.100.7, 203.0.113.5, 10.0.0.2',
  'X-Forwarded-Proto': 'HTTPS',
}
const EXPECTED_ROWS = [
  ['0', 'proxy', 'socket', '127.0.0.1'],
  ['1', 'proxy', 'x-forwarded-for', '10.0.0.2'],
  ['2', 'client', 'x-forwarded-for', '203.0.113.5'],
  ['3', 'ignored', 'x-forwarded-for', '198.51.100.7'],
]

function check(condition, message) {
  if (!condition) throw new Error(message)
}

/** Start the server on a free port; resolves with the process and the URL it printed. */
async function startServer() {
  const child = spawn(process.execPath, [CLI, 'serve', '--trust', TRUST, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    const match = /^listening on (\S+)$/.exec(line)
    if (match) return { child, url: match[1] }
  }
  throw new Error('the server exited before listening')
}

async function stopServer(child) {
  if (child.exitCode !== null) return child.exitCode
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const [code] = await exited
  return code
}

async function run() {
  const { child, url } = await startServer()
  let browser
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    })
    const page = await browser.newPage({ extraHTTPHeaders: HEADERS, viewport: { width: 1100, height: 900 } })
    const external = []
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) external.push(request.url())
    })
    const response = await page.goto(url)
    check(response?.status() === 200, `status ${response?.status()}`)
    check(response.headers()['content-type'] === 'text/html; charset=utf-8', `content-type ${response.headers()['content-type']}`)

    const ip = await page.textContent('#ip')
    check(ip === '203.0.113.5', `the page names ${ip} as the client`)

    const rows = await page.$$eval('table.hops tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    check(rows.length === EXPECTED_ROWS.length, `${rows.length} hop rows: ${JSON.stringify(rows)}`)
    EXPECTED_ROWS.forEach((expected, k) => {
      const actual = rows[k].slice(0, expected.length)
      check(JSON.stringify(actual) === JSON.stringify(expected), `row ${k}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`)
    })

    const warning = page.locator('li.warning[data-code="PROTO_NOT_HTTP"]')
    check(await warning.count() === 1, 'no PROTO_NOT_HTTP warning on the page')
    const background = await warning.evaluate((li) => li.ownerDocument.defaultView.getComputedStyle(li).backgroundColor)
    check(background !== 'rgba(0, 0, 0, 0)' && background !== 'transparent', `the warning is not highlighted (background ${background})`)
    const clientBackground = await page.locator('tr.client').evaluate((tr) => tr.ownerDocument.defaultView.getComputedStyle(tr).backgroundColor)
    check(clientBackground !== 'rgba(0, 0, 0, 0)', 'the client row is not highlighted')

    check(external.length === 0, `the page loaded external resources: ${external.join(', ')}`)
    await page.screenshot({ path: SCREENSHOT, fullPage: true })

    // 360 px wide: the page itself never scrolls sideways; the hop table, wider than that, scrolls
    // in its own box; a header name (a column title, a from cell, a header in the list) is one line
    await page.setViewportSize({ width: NARROW, height: 800 })
    await page.reload()
    const narrow = await page.locator('table.hops').evaluate((table) => {
      const doc = table.ownerDocument
      const box = table.parentElement
      const oneLine = (element) => {
        const range = doc.createRange()
        range.selectNodeContents(element)
        const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)))
        return tops.size <= 1
      }
      const names = [...doc.querySelectorAll('th, td.name, dt')]
      return {
        pageWidth: doc.documentElement.scrollWidth,
        boxScrolls: box.scrollWidth > box.clientWidth && doc.defaultView.getComputedStyle(box).overflowX === 'auto',
        broken: names.filter((element) => !oneLine(element)).map((element) => element.textContent),
        names: names.length,
      }
    })
    check(narrow.pageWidth <= NARROW, `at ${NARROW} px the page is ${narrow.pageWidth} px wide: it scrolls sideways`)
    check(narrow.boxScrolls, `at ${NARROW} px the hop table does not scroll in its own box`)
    check(narrow.names > 10, `only ${narrow.names} header names found`)
    check(narrow.broken.length === 0, `at ${NARROW} px these names break across lines: ${JSON.stringify(narrow.broken)}`)
    await page.screenshot({ path: NARROW_SCREENSHOT, fullPage: true })
    console.log(`ok: ${rows.length} hop rows, client ${ip}, PROTO_NOT_HTTP highlighted; at ${NARROW} px the page fits, ` +
      `the hop table scrolls in its box and ${narrow.names} names hold on one line; screenshots ${SCREENSHOT}, ${NARROW_SCREENSHOT}`)
  } finally {
    await browser?.close()
    const code = await stopServer(child)
    check(code === 0, `the server exited with ${code} after SIGTERM`)
  }
}

run().catch((error) => {
  console.error(`browser check failed: ${error.message}`)
  process.exitCode = 1
})
