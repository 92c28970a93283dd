// run.mjs: the package installed the ways its README says, from a clean clone, with the real package
// managers, and asked over real HTTP on loopback.
//
// A clone of the repository's HEAD (no dist/) is packed with `npm pack`, whose prepack builds it; a
// copy of that tarball with version 0.3.0 stands for another release. A registry on loopback
// (registry.mjs) serves both under the package's own name and passes everything else upstream, so
// the apps install exactly what the README writes: `"proxy-trust": "^0.2.0"` and
// `"proxy-addr": "npm:proxy-trust@^0.2.0"`, through npm `overrides`, pnpm `pnpm.overrides` and yarn
// classic `resolutions` (the fields the README names, and docs/reference/frameworks.md links to),
// for Express 4 and Express 5. Express 4 apps hold one release twice (the
// app's install and Express's); Express 5 apps hold 0.3.0 for the app and 0.2.0 under Express, and
// import proxy-addr themselves. Every app answers the same request, from 127.0.0.1 with
// `Forwarded: for=203.0.113.9` and `X-Forwarded-For: 6.6.6.6`, with a predicate compiled with
// `source: 'forwarded'`: from CommonJS, from an ES module, and from an ES module that hands a required
// predicate to `trustProxy`. A last app installs the clone itself (`git+file://`), whose prepare
// script builds it.
//
// Plain Node, no test runner: `npm run test:install`. Prints one line per case and
// `install: N passed, M failed`; exits non-zero when a case fails. Needs git, tar and the registry.

import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { startRegistry } from './registry.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const require = createRequire(import.meta.url)
const NAME = 'proxy-trust'
const OTHER_VERSION = '0.3.0'

/** The request of every case: a loopback peer, an RFC 7239 element, and an X-Forwarded-For entry the client chose. */
const HEADERS = { forwarded: 'for=203.0.113.9', 'x-forwarded-for': '6.6.6.6' }
/** What `compileTrust('loopback', { source: 'forwarded' })` makes of it; Express's own walk would say 6.6.6.6. */
const WITH_OPTIONS = { ip: '203.0.113.9', ips: ['203.0.113.9'] }
/** What `'loopback'` without options makes of it, as Express does. */
const WITHOUT_OPTIONS = { ip: '6.6.6.6', ips: ['6.6.6.6'] }

const version = (name) => require(`${name}/package.json`).version
/** The executable of an installed devDependency, read from its manifest (pnpm exports nothing else). */
function binOf(name) {
  const dir = path.join(ROOT, 'node_modules', name)
  const { bin } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  return path.join(dir, typeof bin === 'string' ? bin : bin[name])
}
const EXPRESS = { 4: version('express4'), 5: version('express5') }

/** npm itself: the one running this script when npm started it, else the one on the PATH. */
function npmCli(tool) {
  const cli = process.env['npm_execpath']
  if (cli && /(?:^|[/\\])npm-cli\.js$/.test(cli)) return [process.execPath, [path.join(path.dirname(cli), `${tool}-cli.js`)]]
  return [tool, []]
}

/** The package managers, pinned as devDependencies, each with its own override mechanism. */
const MANAGERS = [
  {
    name: 'npm',
    command: npmCli('npm'),
    // docs.npmjs.com/cli/v11/configuring-npm/package-json#overrides
    override: (spec) => ({ overrides: { 'proxy-addr': spec } }),
    install: (registry) => ['install', '--registry', registry, '--no-audit', '--no-fund', '--prefer-offline'],
  },
  {
    name: 'pnpm',
    command: [process.execPath, [binOf('pnpm')]],
    // pnpm.io/package_json#pnpmoverrides
    override: (spec) => ({ pnpm: { overrides: { 'proxy-addr': spec } } }),
    // under CI=true pnpm would insist on a lock file
    install: (registry) => ['install', '--registry', registry, '--no-frozen-lockfile', '--reporter', 'append-only'],
  },
  {
    name: 'yarn',
    command: [process.execPath, [binOf('yarn')]],
    // classic.yarnpkg.com/en/docs/selective-version-resolutions
    override: (spec) => ({ resolutions: { 'proxy-addr': spec } }),
    // each app its own cache: yarn classic's shared cache is not safe for installs running at once
    // (two of them extracting one tarball fail with "the file appears to be corrupt")
    install: (registry, dir) => ['install', '--registry', registry, '--non-interactive', '--no-progress', '--cache-folder', path.join(dir, '.yarn-cache')],
  },
]

/** Run a command; resolves with its standard output, rejects with everything it printed. */
function run([file, pre], args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, [...pre, ...args], {
      cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env },
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${[...pre.slice(1), ...args].join(' ')} failed in ${cwd}: ${error.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

const node = [process.execPath, []]

let passed = 0
let failed = 0

/** Report one case: `expected` and `actual` must be deeply equal. */
function check(name, actual, expected) {
  if (isDeepStrictEqual(actual, expected)) {
    passed++
    console.log(`ok    ${name}`)
  } else {
    failed++
    console.log(`FAIL  ${name}\n      expected ${JSON.stringify(expected)}\n      actual   ${JSON.stringify(actual)}`)
  }
}

/** Run `body`, reporting a thrown error as a failed case. */
async function attempt(name, body) {
  try {
    await body()
  } catch (error) {
    failed++
    console.log(`FAIL  ${name}\n      ${String(error?.stack ?? error).split('\n').join('\n      ')}`)
  }
}

/** GET / from 127.0.0.1 with the case's headers; resolves with the JSON answer. */
function ask(port, route) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', localAddress: '127.0.0.1', port, path: route, headers: HEADERS }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        try {
          resolve(JSON.parse(body))
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: ${body}`))
        }
      })
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('no answer in 10 s')))
  })
}

/** Start `file` in `dir`; it prints its port on the first line. Resolves with the port and a stop function. */
function startServer(dir, file) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${file} did not start: ${err}`)) }, 20_000)
    child.stderr.on('data', (chunk) => { err += chunk })
    child.stdout.on('data', (chunk) => {
      out += chunk
      const line = out.split('\n')
      if (line.length < 2) return
      clearTimeout(timer)
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null) done()
        else { child.once('exit', () => done()); child.kill() }
      })
      resolve({ port: Number(line[0]), stop })
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${file} exited with ${code}: ${err}`)) })
  })
}

/**
 * Each server answers `/` with the predicate compiled with options and `/plain` from a mounted app
 * trusting `loopback` without options; both report what Express's getters say.
 */
const ROUTES = `
  const report = (req, res) => res.json({ ip: req.ip, ips: req.ips })
  const plain = express()
  plain.set('trust proxy', 'loopback')
  plain.get('/', report)
  app.use('/plain', plain)
  app.get('/', report)
  const server = app.listen(0, '127.0.0.1', () => console.log(server.address().port + '\\n'))
`

const SERVERS = {
  'CommonJS: app.set(\'trust proxy\', compileTrust(...)) from require': ['server.cjs', `
    const express = require('express')
    const { compileTrust } = require('proxy-trust')
    const app = express()
    app.set('trust proxy', compileTrust('loopback', { source: 'forwarded' }))
    ${ROUTES}
  `],
  'ES module: app.set(\'trust proxy\', compileTrust(...)) from import': ['server.mjs', `
    import express from 'express'
    import { compileTrust } from 'proxy-trust'
    const app = express()
    app.set('trust proxy', compileTrust('loopback', { source: 'forwarded' }))
    ${ROUTES}
  `],
  'mixed: ES module trustProxy(app, ...) with a predicate compiled through require': ['mixed.mjs', `
    import { createRequire } from 'node:module'
    import express from 'express'
    import { trustProxy } from 'proxy-trust/express'
    const { compileTrust } = createRequire(import.meta.url)('proxy-trust')
    const app = express()
    trustProxy(app, compileTrust('loopback', { source: 'forwarded' }))
    ${ROUTES}
  `],
}

/**
 * An Express app that trusts loopback answers one proxied request, then prints its answer and the files
 * of the package Express loaded as proxy-addr: what the override costs an app is what it loads.
 */
const EXPRESS_LOADS = `
const http = require('node:http')
const path = require('node:path')
const express = require('express')
const root = path.dirname(require.resolve('proxy-addr/package.json', { paths: [path.dirname(require.resolve('express'))] }))
const app = express()
app.set('trust proxy', 'loopback')
app.get('/', (req, res) => res.json({ ip: req.ip, protocol: req.protocol }))
const server = app.listen(0, '127.0.0.1', () => {
  const headers = { 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'https' }
  http.get({ host: '127.0.0.1', port: server.address().port, headers }, (res) => {
    let body = ''
    res.on('data', (chunk) => { body += chunk })
    res.on('end', () => {
      const loaded = Object.keys(require.cache).filter((file) => file.startsWith(root + path.sep)).map((file) => path.relative(root, file)).sort()
      console.log(JSON.stringify({ answer: JSON.parse(body), loaded }))
      server.close()
    })
  })
})
`

/** proxy-addr's ES module surface, as the real proxy-addr gives it through Node's CommonJS interop. */
const IMPORT_PROXY_ADDR = `
  import proxyaddr, { all, compile } from 'proxy-addr'
  const req = { socket: { remoteAddress: '127.0.0.1' }, headers: ${JSON.stringify(HEADERS)} }
  console.log(JSON.stringify({
    default: typeof proxyaddr,
    all: all === proxyaddr.all,
    compile: compile === proxyaddr.compile,
    ip: proxyaddr(req, compile('loopback')),
    addresses: all(req, 'loopback'),
  }))
`

/** The manifest of the package `name` as resolved from `from` (a directory). */
function manifestFrom(from, name) {
  const appRequire = createRequire(path.join(from, 'noop.js'))
  const { name: found, version: v } = appRequire(appRequire.resolve(`${name}/package.json`))
  return { name: found, version: v }
}

/** One app: its manifest, install, and every case asked of it. */
async function testApp(manager, major, registry, dir) {
  const label = `${manager.name}, Express ${major}`
  const twoVersions = major === 5
  const dependencies = { express: EXPRESS[major], [NAME]: twoVersions ? `^${OTHER_VERSION}` : '^0.2.0' }
  // an app that imports proxy-addr itself depends on it, under the same spec as the override
  if (twoVersions) dependencies['proxy-addr'] = 'npm:proxy-trust@^0.2.0'
  mkdirSync(dir)
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: `app-${manager.name}-express${major}`, private: true, dependencies, ...manager.override('npm:proxy-trust@^0.2.0'),
  }, null, 2))
  for (const [file, source] of Object.values(SERVERS)) writeFileSync(path.join(dir, file), source)
  writeFileSync(path.join(dir, 'import-proxy-addr.mjs'), IMPORT_PROXY_ADDR)
  writeFileSync(path.join(dir, 'express-loads.cjs'), EXPRESS_LOADS)

  await run(manager.command, manager.install(registry, dir), dir)

  const appVersion = twoVersions ? OTHER_VERSION : '0.2.0'
  const expressDir = path.dirname(createRequire(path.join(dir, 'noop.js')).resolve('express/package.json'))
  check(`${label}: the app has ${NAME} ${appVersion}, Express has ${NAME} 0.2.0 as proxy-addr`, {
    app: manifestFrom(dir, NAME), express: manifestFrom(expressDir, 'proxy-addr'),
  }, {
    app: { name: NAME, version: appVersion }, express: { name: NAME, version: '0.2.0' },
  })

  for (const [name, [file]] of Object.entries(SERVERS)) {
    await attempt(`${label}: ${name}`, async () => {
      const server = await startServer(dir, file)
      try {
        const [withOptions, withoutOptions] = await Promise.all([ask(server.port, '/'), ask(server.port, '/plain')])
        check(`${label}: ${name}: req.ip honours source: 'forwarded'; without options Express's answer`, { withOptions, withoutOptions }, {
          withOptions: WITH_OPTIONS, withoutOptions: WITHOUT_OPTIONS,
        })
      } finally {
        await server.stop()
      }
    })
  }

  await attempt(`${label}: what Express loads`, async () => {
    const out = await run(node, ['express-loads.cjs'], dir)
    check(`${label}: a request Express answers through the override loads two files of ${NAME}, its entry and the core`, JSON.parse(out), {
      answer: { ip: '203.0.113.5', protocol: 'https' }, loaded: ['dist/cjs/cjs.js', 'dist/cjs/core.js'],
    })
  })

  if (twoVersions) {
    await attempt(`${label}: import proxyaddr, { all, compile } from 'proxy-addr'`, async () => {
      const out = await run(node, ['import-proxy-addr.mjs'], dir)
      check(`${label}: import proxyaddr, { all, compile } from 'proxy-addr' gives proxy-addr's function and its two names`, JSON.parse(out), {
        default: 'function', all: true, compile: true, ip: '6.6.6.6', addresses: ['127.0.0.1', '6.6.6.6'],
      })
    })
  }

  await attempt(`${label}: npx --no-install ${NAME}`, async () => {
    const npx = npmCli('npx')
    const printed = (await run(npx, ['--no-install', NAME, '--version'], dir)).trim()
    const explained = JSON.parse(await run(npx, [
      '--no-install', NAME, 'explain', '--trust', 'loopback', '--source', 'forwarded', '--remote', '127.0.0.1',
      '--header', `Forwarded: ${HEADERS.forwarded}`, '--header', `X-Forwarded-For: ${HEADERS['x-forwarded-for']}`, '--json',
    ], dir))
    if (twoVersions) {
      // the app depends on proxy-addr by alias too, so two packages offer the command; which one the
      // package manager links is its choice (npm has linked either)
      check(`${label}: npx --no-install ${NAME} --version runs one of the installed copies, and explain`, {
        version: ['0.2.0', OTHER_VERSION].includes(printed) ? 'an installed version' : printed, ip: explained.result.ip,
      }, { version: 'an installed version', ip: WITH_OPTIONS.ip })
    } else {
      check(`${label}: npx --no-install ${NAME} --version and explain run the app's install`, {
        version: printed, ip: explained.result.ip,
      }, { version: appVersion, ip: WITH_OPTIONS.ip })
    }
  })
}

/** An app that installs the clone with npm (`git+file://`): npm runs its prepare script, which builds. */
async function testGitInstall(clone, dir) {
  mkdirSync(dir)
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'app-git', private: true, dependencies: { [NAME]: `git+file://${clone}` },
  }, null, 2))
  const { ok, output } = await npmOutput(['install', '--no-audit', '--no-fund', '--prefer-offline'], dir)
  if (!ok) throw new Error(`npm install of the clone failed:\n${output}`)
  // npm 11.16 and later name every dependency script an app has not approved (allowScripts), and a
  // git install builds through \`prepare\`: that notice, naming the build script the clone has, is all
  // npm may say about the package
  const scriptsNamed = linesAbout(output).map((line) => /\(([^)]*)\)/.exec(line)?.[1] ?? line)
  check('npm, git+file:// install: npm names no script of the package but prepare, whose file the clone has', {
    scripts: scriptsNamed, exists: existsSync(path.join(clone, 'scripts', 'build.mjs')),
  }, { scripts: scriptsNamed.length === 0 ? [] : ['prepare: node scripts/build.mjs'], exists: true })
  const out = await run(node, ['--input-type=module', '--eval', `
    import { createRequire } from 'node:module'
    import proxyaddr, { compileTrust } from '${NAME}'
    const required = createRequire(process.cwd() + '/')('${NAME}')
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: ${JSON.stringify(HEADERS)} }
    console.log(JSON.stringify({ same: proxyaddr === required, ip: required(req, compileTrust('loopback', { source: 'forwarded' })) }))
  `], dir)
  const printed = (await run(npmCli('npx'), ['--no-install', NAME, '--version'], dir)).trim()
  check(`npm, git+file:// install of a clean clone: built by prepare, one instance, options kept, the command runs`, {
    manifest: manifestFrom(dir, NAME), ...JSON.parse(out), version: printed,
  }, { manifest: { name: NAME, version: '0.2.0' }, same: true, ip: WITH_OPTIONS.ip, version: '0.2.0' })
}

/**
 * The bound on what the tarball unpacks to, every file counted (README, LICENSE and package.json too):
 * about 315,000 bytes, the JavaScript minified with every function's name kept (199 KB) and the
 * declarations the entries reach, with their documentation (101 KB, 71 KB of it documentation). The
 * bound holds it there so that it cannot grow unnoticed; docs/performance-notes.md says why the aim
 * of 250,000 is not met.
 */
const SIZE_BOUND = 318_000

/** A consumer of the root and every subpath through require (`import x = require`), typed. */
const TYPED_CJS = `
  import proxyaddr = require('proxy-trust')
  import express = require('proxy-trust/express')
  import fastify = require('proxy-trust/fastify')
  import koa = require('proxy-trust/koa')
  import hono = require('proxy-trust/hono')
  import ranges = require('proxy-trust/ranges')
  const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} }
  const trust: proxyaddr.TrustFn = proxyaddr.compileTrust('loopback', { source: 'forwarded' })
  export const ip: string | undefined = proxyaddr(req, trust)
  export const list: (string | undefined)[] = proxyaddr.all(req, proxyaddr.compile('loopback'))
  export const why: proxyaddr.Explanation = proxyaddr.explain(req, trust)
  export const fns = [express.trustProxy, fastify.trustProxy, koa.trustProxy, hono.trustProxy, ranges.loadRanges]
  export const cdn: proxyaddr.RangeSnapshot = ranges.cloudflare
`
/** The same through import. */
const TYPED_ESM = `
  import proxyaddr, { all, compile, compileTrust, explain, type Explanation, type TrustFn } from 'proxy-trust'
  import { trustProxy } from 'proxy-trust/express'
  import { trustProxy as fastify } from 'proxy-trust/fastify'
  import { trustProxy as koa } from 'proxy-trust/koa'
  import { trustProxy as hono } from 'proxy-trust/hono'
  import { cloudflare, loadRanges, type RangeSnapshot } from 'proxy-trust/ranges'
  const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} }
  const trust: TrustFn = compileTrust('loopback', { source: 'forwarded' })
  export const ip: string | undefined = proxyaddr(req, trust)
  export const list: (string | undefined)[] = all(req, compile('loopback'))
  export const why: Explanation = explain(req, trust)
  export const fns = [trustProxy, fastify, koa, hono, proxyaddr.all, proxyaddr.compile, loadRanges]
  export const cdn: RangeSnapshot = cloudflare
`
/**
 * Each tsconfig sets what it names and nothing else: no target (ES5, and its library), no
 * skipLibCheck, no types, no framework installed; the package's own declarations are checked.
 */
const TYPE_CASES = [
  { name: 'module commonjs (node10)', compilerOptions: { module: 'commonjs', strict: true }, files: { 'node10.ts': TYPED_CJS } },
  { name: 'module node16', compilerOptions: { module: 'node16', strict: true }, files: { 'node16.mts': TYPED_ESM, 'node16.cts': TYPED_CJS } },
  { name: 'module nodenext', compilerOptions: { module: 'nodenext', strict: true }, files: { 'nodenext.mts': TYPED_ESM, 'nodenext.cts': TYPED_CJS } },
  { name: 'moduleResolution bundler', compilerOptions: { module: 'esnext', moduleResolution: 'bundler', strict: true }, files: { 'bundler.ts': TYPED_ESM } },
]

/** The lines of an install's output that name the package: what it made npm say about it. */
function linesAbout(output) {
  return output.split('\n').filter((line) => /\bwarn|\berr/i.test(line) && line.includes(NAME))
}

/** Run npm, resolving with everything it printed (standard output and error), whatever its status. */
function npmOutput(args, cwd) {
  const [file, pre] = npmCli('npm')
  return new Promise((resolve) => {
    execFile(file, [...pre, ...args], { cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, output: `${stdout}\n${stderr}` })
    })
  })
}

/** The tarball installed into an empty app: what npm says, and the types under every resolution. */
async function testTarball(tarball, dir) {
  mkdirSync(dir)
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app-types', private: true }, null, 2))
  const { ok, output } = await npmOutput(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir)
  check(`npm install <tarball>: installs, and npm says nothing about ${NAME}`, { ok, lines: linesAbout(output) }, { ok: true, lines: [] })
  const tsc = require.resolve('typescript/bin/tsc')
  for (const { name, compilerOptions, files } of TYPE_CASES) {
    await attempt(`types: ${name}`, async () => {
      const project = `tsconfig.${name.replace(/\W+/g, '-')}.json`
      for (const [file, source] of Object.entries(files)) writeFileSync(path.join(dir, file), source)
      writeFileSync(path.join(dir, project), JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: Object.keys(files) }))
      const out = await new Promise((resolve) => {
        execFile(process.execPath, [tsc, '-p', project], { cwd: dir }, (error, stdout) => resolve(error ? stdout || error.message : ''))
      })
      check(`types: the root and every subpath check under ${name}, compiler defaults otherwise (no target, no skipLibCheck)`, out, '')
    })
  }
}

/** Run `tasks` (functions returning promises), at most `limit` at once. */
async function inParallel(tasks, limit) {
  const queue = [...tasks]
  await Promise.all(Array.from({ length: limit }, async () => {
    while (queue.length > 0) await queue.shift()()
  }))
}

async function main() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'proxy-trust-install-'))
  let registry
  try {
    // a clean clone of what is committed: no dist/, no build. Its build tools are the project's own
    // (linked, not installed again); the git install below installs its own.
    const clone = path.join(work, 'clone')
    execFileSync('git', ['clone', '--quiet', '--no-local', ROOT, clone])
    check('the clean clone has no dist/', existsSync(path.join(clone, 'dist')), false)
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir')
    const packs = path.join(work, 'packs')
    mkdirSync(packs)
    const [info] = JSON.parse(await run(npmCli('npm'), ['pack', '--json', '--pack-destination', packs], clone))
    const tarball = path.join(packs, info.filename)
    check('npm pack of the clean clone builds dist/ (prepack) and packs it', {
      name: info.name, version: info.version,
      entries: ['dist/cjs/cjs.js', 'dist/cjs/cjs.d.ts', 'dist/cjs/index.d.ts'].filter((file) => info.files.some((f) => f.path === file)),
    }, { name: NAME, version: '0.2.0', entries: ['dist/cjs/cjs.js', 'dist/cjs/cjs.d.ts', 'dist/cjs/index.d.ts'] })
    const files = info.files.map((file) => file.path)
    console.log(`      ${info.unpackedSize.toLocaleString('en')} bytes unpacked in ${info.entryCount} files, README.md ${(info.files.find((f) => f.path === 'README.md')?.size ?? 0).toLocaleString('en')}`)
    check(`the tarball unpacks to at most ${SIZE_BOUND.toLocaleString('en')} bytes, every file counted`, info.unpackedSize <= SIZE_BOUND, true)
    check('the tarball ships the CLI, the adapters, the diagnostics and the snapshots, and no sources, maps or docs', {
      shipped: ['dist/cjs/cli.js', 'dist/cjs/adapters/express.js', 'dist/cjs/diagnostics/explain.js', 'dist/cjs/core/snapshots.js'].filter((f) => files.includes(f)),
      unwanted: files.filter((f) => /^(?:src|docs)\/|\.map$/.test(f)),
    }, { shipped: ['dist/cjs/cli.js', 'dist/cjs/adapters/express.js', 'dist/cjs/diagnostics/explain.js', 'dist/cjs/core/snapshots.js'], unwanted: [] })
    const packedManifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
    check('the packed package.json has no scripts (each would name a file the tarball lacks), and the clone\'s is restored', {
      packed: packedManifest.scripts ?? null, clone: typeof JSON.parse(readFileSync(path.join(clone, 'package.json'), 'utf8')).scripts?.prepare,
    }, { packed: null, clone: 'string' })
    rmSync(path.join(clone, 'node_modules'))
    rmSync(path.join(clone, 'dist'), { recursive: true, force: true })

    // another release: the same files as version 0.3.0
    const bump = path.join(work, 'bump')
    mkdirSync(bump)
    execFileSync('tar', ['-xzf', tarball, '-C', bump])
    const manifestPath = path.join(bump, 'package', 'package.json')
    writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), version: OTHER_VERSION }, null, 2) + '\n')
    const other = path.join(packs, `${NAME}-${OTHER_VERSION}.tgz`)
    execFileSync('tar', ['-czf', other, '-C', bump, 'package'])

    const upstream = execFileSync(npmCli('npm')[0], [...npmCli('npm')[1], 'config', 'get', 'registry'], { encoding: 'utf8' }).trim()
    registry = await startRegistry([tarball, other], upstream)

    const tasks = [
      () => attempt('npm, git+file:// install', () => testGitInstall(clone, path.join(work, 'app-git'))),
      () => attempt('npm install <tarball>, and the types', () => testTarball(tarball, path.join(work, 'app-types'))),
    ]
    for (const manager of MANAGERS) {
      for (const major of [4, 5]) {
        tasks.push(() => attempt(`${manager.name}, Express ${major}`, () => testApp(manager, major, registry.url, path.join(work, `app-${manager.name}-${major}`))))
      }
    }
    await inParallel(tasks, 3)
  } finally {
    if (registry) await registry.close()
    rmSync(work, { recursive: true, force: true, maxRetries: 3 })
  }
  console.log(`install: ${passed} passed, ${failed} failed`)
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1
}

await main()
