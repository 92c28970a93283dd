// run.mjs: the `serve` page in a real headless browser. Starts `proxy-trust serve` from dist, loads
// the page with forwarding headers and checks that it answers "who am I and why" where a reader looks:
// the client, the setting in use and its fixes within the first 300 px at 1280 px wide; the chain
// drawn in traffic order (ignored hops, the client, each proxy, this server), and read out in that
// order by a screen reader (the accessibility tree: each step's words, no arrow); at 360 px, in light and
// dark mode, nothing of that scrolls sideways (the page's scrollWidth, and every step of the chain
// inside the viewport), only the detail tables scroll in their own box. Then the playground: the form
// at /explain, filled and posted, answers the page for that request. Screenshots at 1280 and 360 px
// (light and dark) and of the playground are saved under $SCREENSHOTS or the system's temporary
// directory. Prints one summary line and exits non-zero on any failure.
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium); run `npm run test:browser`.

/* global document, window, getComputedStyle -- these functions run in the page, through page.evaluate */

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'

const CLI = new URL('../../dist/cjs/cli.js', import.meta.url).pathname
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SHOTS = process.env.SCREENSHOTS ?? join(tmpdir(), 'proxy-trust-screenshots')
/** The narrowest phone screen in common use, and a laptop's, in CSS pixels. */
const NARROW = 360
const WIDE = 1280
/** How far down a 1280 px wide page the setting and what to change must be. */
const TOP = 300

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
/** The chain in traffic order: each step's class and address. */
const EXPECTED_CHAIN = [
  ['ignored', '198.51.100.7'],
  ['client', '203.0.113.5'],
  ['proxy', '10.0.0.2'],
  ['proxy', '127.0.0.1'],
  ['server', ''],
]

let checks = 0
function check(condition, message) {
  checks++
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

/** The chain as drawn: each step's role class and address, in document order. */
function chainOf(page) {
  return page.$$eval('ol.chain > li', (steps) => steps.map((li) => [
    ['ignored', 'client', 'proxy', 'server', 'elided'].find((role) => li.classList.contains(role)), li.querySelector('.addr')?.textContent ?? '',
  ]))
}

/** What scrolls sideways at this width: the page, and any part of the answer outside the viewport. */
function sideways(page) {
  return page.evaluate(() => {
    const doc = document.documentElement
    const width = doc.clientWidth
    const parts = [...document.querySelectorAll('h1, #why, dl.setting, dl.setting dd, ol.chain > li, ol.chain code, li.warning')]
    return {
      pageWidth: doc.scrollWidth,
      width,
      outside: parts.filter((element) => {
        const box = element.getBoundingClientRect()
        return box.left < 0 || box.right > width + 0.5
      }).map((element) => element.outerHTML.slice(0, 80)),
      parts: parts.length,
    }
  })
}

async function run() {
  mkdirSync(SHOTS, { recursive: true })
  const shots = []
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
    const context = await browser.newContext({ extraHTTPHeaders: HEADERS, viewport: { width: WIDE, height: 900 }, colorScheme: 'light' })
    const page = await context.newPage()
    const external = []
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) external.push(request.url())
    })
    const response = await page.goto(url)
    check(response?.status() === 200, `status ${response?.status()}`)
    check(response.headers()['content-type'] === 'text/html; charset=utf-8', `content-type ${response.headers()['content-type']}`)
    check(/default-src 'none'/.test(response.headers()['content-security-policy'] ?? ''), 'the page has no content security policy')

    const ip = await page.textContent('#ip')
    check(ip === '203.0.113.5', `the page names ${ip} as the client`)

    // at the top, at 1280 px: who, why, the setting in use and what to change
    const top = await page.evaluate(() => Object.fromEntries(['#ip', '#why', '#setting', 'ul.fixes', 'dl.setting'].map((selector) => {
      const element = document.querySelector(selector)
      return [selector, element === null ? null : element.getBoundingClientRect().bottom + window.scrollY]
    })))
    for (const [selector, bottom] of Object.entries(top)) {
      check(bottom !== null, `no ${selector} on the page`)
      check(bottom <= TOP, `${selector} ends ${Math.round(bottom)} px down the page at ${WIDE} px wide, past ${TOP} px`)
    }
    check(await page.textContent('#setting') === TRUST, 'the setting in use is not shown')
    const fix = (await page.textContent('li.warning[data-code="PROTO_NOT_HTTP"] .fix')).replace(/^Fix: /, '')
    check(await page.textContent('ul.fixes li') === fix, `the fix for PROTO_NOT_HTTP (${fix}) is not at the top`)

    // the chain, in traffic order, the client marked and the ignored hop greyed
    const chain = await chainOf(page)
    check(JSON.stringify(chain) === JSON.stringify(EXPECTED_CHAIN), `the chain reads ${JSON.stringify(chain)}, expected ${JSON.stringify(EXPECTED_CHAIN)}`)
    check(await page.getAttribute('ol.chain > li.client', 'aria-current') === 'true', 'the client step is not marked for screen readers')
    // what a screen reader gets: the list, each step's words (role, hop, address, origin, verdict), no arrow
    const spoken = await page.locator('ol.chain').ariaSnapshot()
    const items = spoken.split(/^\s*- listitem/m).slice(1)
    check(items.length === EXPECTED_CHAIN.length, `a screen reader hears ${items.length} steps: ${spoken}`)
    const heard = items[1].replace(/\s+/g, ' ')
    check(heard.includes('client: you hop 2') && heard.includes('203.0.113.5') && /written by hop 1 \(10\.0\.0\.2\) ?; not trusted: no range matched/.test(heard),
      `a screen reader does not hear who the client is and why: ${heard}`)
    check(!/[→↓]/.test(spoken), `a screen reader hears the arrows: ${spoken}`)
    const verdicts = await page.$$eval('ol.chain > li .verdict', (spans) => spans.map((span) => span.textContent))
    check(verdicts.includes('trusted: 10.0.0.0/8') && verdicts.includes('trusted: loopback (127.0.0.1/8)'), `the rules that trusted the proxies are not shown: ${JSON.stringify(verdicts)}`)
    const opacity = await page.locator('ol.chain > li.ignored').evaluate((li) => getComputedStyle(li).opacity)
    check(Number(opacity) < 1, 'the ignored hop is not greyed')
    const arrow = await page.locator('ol.chain > li.client').evaluate((li) => getComputedStyle(li, '::before').content)
    check(arrow.includes('→'), `no arrow drawn before a step (${arrow})`)

    const rows = await page.$$eval('table.hops tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
    check(rows.length === EXPECTED_ROWS.length, `${rows.length} hop rows: ${JSON.stringify(rows)}`)
    EXPECTED_ROWS.forEach((expected, k) => {
      const actual = rows[k].slice(0, expected.length)
      check(JSON.stringify(actual) === JSON.stringify(expected), `row ${k}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`)
    })
    const warning = page.locator('li.warning[data-code="PROTO_NOT_HTTP"]')
    check(await warning.count() === 1, 'no PROTO_NOT_HTTP warning on the page')
    const background = await warning.evaluate((li) => getComputedStyle(li).backgroundColor)
    check(background !== 'rgba(0, 0, 0, 0)' && background !== 'transparent', `the warning is not highlighted (background ${background})`)
    check(external.length === 0, `the page loaded external resources: ${external.join(', ')}`)
    shots.push(join(SHOTS, `serve-${WIDE}.png`))
    await page.screenshot({ path: shots.at(-1), fullPage: true })

    // 360 px, light and dark: the page never scrolls sideways, every step of the chain and the top
    // fit; the chain is one step under another; the hop table scrolls in its own box
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.setViewportSize({ width: NARROW, height: 800 })
      await page.reload()
      const narrow = await sideways(page)
      check(narrow.pageWidth <= NARROW, `${scheme}: at ${NARROW} px the page is ${narrow.pageWidth} px wide: it scrolls sideways`)
      check(narrow.parts > 10, `${scheme}: only ${narrow.parts} parts of the answer found`)
      check(narrow.outside.length === 0, `${scheme}: at ${NARROW} px these leave the screen: ${JSON.stringify(narrow.outside)}`)
      const lefts = await page.$$eval('ol.chain > li', (steps) => steps.map((li) => Math.round(li.getBoundingClientRect().left)))
      check(new Set(lefts).size === 1, `${scheme}: the chain is not stacked at ${NARROW} px (left edges ${lefts.join(', ')})`)
      const box = await page.locator('table.hops').evaluate((table) => ({
        scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth && getComputedStyle(table.parentElement).overflowX === 'auto',
      }))
      check(box.scrolls, `${scheme}: at ${NARROW} px the hop table does not scroll in its own box`)
      const colors = await page.evaluate(() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor])
      if (scheme === 'dark') check(colors[0] === 'rgb(255, 255, 255)' || /^rgb\((2[0-9]{2}), /.test(colors[0]), `dark mode: the text is ${colors[0]}`)
      shots.push(join(SHOTS, `serve-${NARROW}-${scheme}.png`))
      await page.screenshot({ path: shots.at(-1), fullPage: true })
    }

    // the playground: the form, filled with this request, posted with another setting
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto(new URL('explain', url).href)
    check(await page.inputValue('#trust') === TRUST, 'the form does not start from the server\'s setting')
    check((await page.inputValue('#headers')).includes('x-forwarded-for: 198.51.100.7, 203.0.113.5, 10.0.0.2'), 'the form does not start from this request\'s headers')
    await page.fill('#trust', 'loopback')
    await page.fill('#remote', '127.0.0.1')
    await page.fill('#headers', 'X-Forwarded-For: 192.0.2.44, <b>x</b>\nX-Forwarded-Proto: https')
    const [posted] = await Promise.all([page.waitForNavigation(), page.click('form.playground button')])
    check(posted?.status() === 200, `the playground answered ${posted?.status()}`)
    const asked = await chainOf(page)
    check(JSON.stringify(asked.map(([role]) => role)) === JSON.stringify(['ignored', 'client', 'proxy', 'server']), `the playground's chain reads ${JSON.stringify(asked)}`)
    check(asked[1][1] === '<b>x</b>', `the playground's client is ${asked[1][1]}, not the text as typed`)
    check(await page.locator('ol.chain b').count() === 0, 'the playground let a tag through')
    const played = await sideways(page)
    check(played.pageWidth <= NARROW && played.outside.length === 0, `the playground's page scrolls sideways at ${NARROW} px: ${JSON.stringify(played)}`)
    shots.push(join(SHOTS, `playground-${NARROW}.png`))
    await page.screenshot({ path: shots.at(-1), fullPage: true })
    check(external.length === 0, `the pages loaded external resources: ${external.join(', ')}`)
    console.log(`browser: ${checks} checks, 0 failed (client ${ip}, chain of ${chain.length} steps, ${NARROW} px light and dark, playground); screenshots: ${shots.join(' ')}`)
  } finally {
    await browser?.close()
    const code = await stopServer(child)
    check(code === 0, `the server exited with ${code} after SIGTERM`)
  }
}

run().catch((error) => {
  console.error(`browser: ${checks} checks, 1 failed: ${error.message}`)
  process.exitCode = 1
})
