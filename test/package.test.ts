// The published shape, tested on the real package: the tarball `npm pack` makes, installed with npm
// into an empty app, then loaded with Node's own `require` and `import`.

import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, posix } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { installedApp } from './fixtures/installed.js'
import type { Packed } from './fixtures/pack.js'

/** proxy-addr 2.0.8, the package this one replaces: the reference for every answer. */
const fromRepo = createRequire(import.meta.url)
const proxyAddr = fromRepo('proxy-addr') as ProxyAddrLike

interface RequestLike {
  readonly socket: { readonly remoteAddress: string }
  readonly headers: Readonly<Record<string, string>>
}

interface ProxyAddrLike {
  (req: RequestLike, trust: unknown): string | undefined
  all(req: RequestLike, trust?: unknown): (string | undefined)[]
  compile(val: string | readonly string[]): (addr: string, i: number) => boolean
}

interface TrustProxyCjs extends ProxyAddrLike {
  readonly compileTrust: (setting: unknown, options?: unknown) => (addr: string, i: number) => boolean
  readonly resolveAddr: (req: RequestLike, trust: (addr: string, i: number) => boolean) => Record<string, unknown>
  readonly proxyaddr: ProxyAddrLike
}

/** From 198.51.100.7 through two trusted proxies (10.0.0.2, 127.0.0.1), with an entry it forged itself. */
const REQUEST: RequestLike = {
  socket: { remoteAddress: '127.0.0.1' },
  headers: {
    'host': 'shop.example:8443',
    'x-forwarded-for': '203.0.113.5, 198.51.100.7, 10.0.0.2',
    'x-forwarded-host': 'www.shop.example',
    'x-forwarded-proto': 'https',
  },
}
const SETTING = 'loopback, 10.0.0.0/8'

/** A loopback peer, an RFC 7239 element and an X-Forwarded-For entry the client chose. */
const REPRO: RequestLike = {
  socket: { remoteAddress: '127.0.0.1' },
  headers: { 'forwarded': 'for=203.0.113.9', 'x-forwarded-for': '6.6.6.6' },
}

/** What Express 5's getters report for REQUEST with SETTING. */
const EXPECTED_RESOLVED = {
  ip: '198.51.100.7',
  ips: ['198.51.100.7', '10.0.0.2'],
  host: 'www.shop.example',
  hostname: 'www.shop.example',
  protocol: 'https',
  secure: true,
}

const installed = installedApp('package-test')
let packed: Packed
let app = ''
let pkgDir = ''
let appRequire: NodeJS.Require

beforeAll(() => {
  ;({ packed, dir: app } = installed)
  appRequire = createRequire(join(app, 'package.json'))
  pkgDir = dirname(appRequire.resolve('proxy-trust/package.json'))
})

/** Run an ES module in a fresh Node process inside the app, as a user's module would be run. */
const { runModule } = installed

describe('the tarball', () => {
  it('holds the build, the root\'s ES module, README.md, LICENSE and package.json', () => {
    const required = [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/esm/index.mjs',
      'dist/esm/index.d.mts',
      'dist/cjs/cjs.js',
      'dist/cjs/cjs.d.ts',
      'dist/cjs/index.d.ts',
      'dist/cjs/cli.js',
      'dist/cjs/package.json',
    ]
    expect(required.filter((file) => !packed.files.includes(file))).toEqual([])
  })

  it('holds only the build and the top-level documents', () => {
    const stray = packed.files.filter((file) =>
      !/^dist\/cjs\/(?:(?:core|diagnostics|adapters|cli|platforms|uses|ranges|connection)\/)?[\w-]+\.(?:js|d\.ts)$/.test(file) &&
      !['dist/esm/index.mjs', 'dist/esm/index.d.mts', 'dist/cjs/package.json'].includes(file) &&
      !/^README\.md$|^LICENSE$|^package\.json$/.test(file))
    expect(stray).toEqual([])
  })

  it('ships one JavaScript build: no sources, no source maps, no docs, no index.js beside cjs.js', () => {
    expect(packed.files.filter((file) => /^(?:src|docs)\/|\.map$|\.ts$(?<!\.d\.ts)|^dist\/cjs\/index\.js$/.test(file))).toEqual([])
  })

  it('ships no tests, configs or build info', () => {
    const unwanted = packed.files.filter((file) =>
      /(?:^|\/)(?:test|tests|__tests__|bench|examples|scripts|coverage|node_modules)\//.test(file) ||
      /\.(?:test|spec)\.|\.tsbuildinfo$|(?:^|\/)(?:tsconfig|vitest|eslint)[^/]*$|^\./.test(file))
    expect(unwanted).toEqual([])
  })

  it('has no source map that points at a file it does not ship', async () => {
    // a map whose sources are neither in the tarball nor inlined makes bundlers and debuggers
    // warn about missing files (`ENOENT: src/walk.ts`) in every consumer's build, and sends
    // editors' go-to-definition nowhere; shipping src/ or dropping the maps both fix it
    const broken: string[] = []
    for (const file of packed.files.filter((name) => name.endsWith('.map'))) {
      const map = JSON.parse(await readFile(join(pkgDir, file), 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      map.sources.forEach((source, k) => {
        const shipped = packed.files.includes(posix.join(posix.dirname(file), source))
        if (!shipped && typeof map.sourcesContent?.[k] !== 'string') broken.push(`${file} -> ${source}`)
      })
    }
    expect(broken).toEqual([])
  })
})

describe('the installed package', () => {
  it('is the version packed, installed under its own name', async () => {
    const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { name: string; version: string }
    expect(manifest).toMatchObject({ name: 'proxy-trust', version: packed.version })
  })

  it('depends at run time on ipaddr.js alone, at proxy-addr 2.0.8\'s version (it parses X-Forwarded-For itself)', async () => {
    const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>
    const reference = fromRepo('proxy-addr/package.json') as { dependencies: Record<string, string> }
    expect(manifest['dependencies']).toEqual({ 'ipaddr.js': reference.dependencies['ipaddr.js'] })
    expect(manifest).not.toHaveProperty('peerDependencies')
    expect(manifest).not.toHaveProperty('optionalDependencies')
    expect(manifest).not.toHaveProperty('bundleDependencies')
    expect(manifest).not.toHaveProperty('bundledDependencies')
  })

  it('brings nothing else into the app', async () => {
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>
    }
    const installed = Object.keys(lock.packages).filter((path) => path !== '').sort()
    expect(installed).toEqual(['node_modules/ipaddr.js', 'node_modules/proxy-trust'])
  })

  it('keeps its internal modules private', () => {
    let error: unknown
    try {
      appRequire('proxy-trust/dist/cjs/core/walk.js')
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
    expect(appRequire('proxy-trust/package.json')).toMatchObject({ name: 'proxy-trust' })
  })
})

describe('require(\'proxy-trust\')', () => {
  let cjs: TrustProxyCjs

  beforeAll(() => {
    cjs = appRequire('proxy-trust') as TrustProxyCjs
  })

  it('loads the CommonJS build', () => {
    expect(appRequire.resolve('proxy-trust')).toBe(join(pkgDir, 'dist/cjs/cjs.js'))
  })

  it('is a function with proxy-addr\'s API and the named exports', () => {
    expect(typeof cjs).toBe('function')
    expect(cjs.length).toBe(proxyAddr.length)
    expect(cjs.name).toBe(proxyAddr.name)
    expect({
      all: typeof cjs.all,
      compile: typeof cjs.compile,
      compileTrust: typeof cjs.compileTrust,
      resolveAddr: typeof cjs.resolveAddr,
      proxyaddr: typeof cjs.proxyaddr,
    }).toEqual({
      all: 'function',
      compile: 'function',
      compileTrust: 'function',
      resolveAddr: 'function',
      proxyaddr: 'function',
    })
  })

  it('answers a request as proxy-addr 2.0.8 does', () => {
    const trust = SETTING.split(', ')
    expect(cjs(REQUEST, trust)).toBe(proxyAddr(REQUEST, trust))
    expect(cjs.proxyaddr(REQUEST, trust)).toBe(proxyAddr(REQUEST, trust))
    expect(cjs.all(REQUEST, trust)).toEqual(proxyAddr.all(REQUEST, trust))
    expect(cjs.all(REQUEST)).toEqual(proxyAddr.all(REQUEST))
    expect(cjs(REQUEST, cjs.compile(trust))).toBe(proxyAddr(REQUEST, proxyAddr.compile(trust)))
  })

  it('resolves a request as Express 5 does', () => {
    expect(cjs.resolveAddr(REQUEST, cjs.compileTrust(SETTING))).toEqual(EXPECTED_RESOLVED)
  })
})

describe('the minified build', () => {
  /** Each entry, and the source module whose exports it gives. */
  const SOURCES = [
    { entry: 'proxy-trust', source: () => import('../src/index.js') },
    { entry: 'proxy-trust/express', source: () => import('../src/adapters/express.js') },
    { entry: 'proxy-trust/fastify', source: () => import('../src/adapters/fastify.js') },
    { entry: 'proxy-trust/koa', source: () => import('../src/adapters/koa.js') },
    { entry: 'proxy-trust/hono', source: () => import('../src/adapters/hono.js') },
    { entry: 'proxy-trust/ranges', source: () => import('../src/ranges.js') },
    { entry: 'proxy-trust/opentelemetry', source: () => import('../src/opentelemetry.js') },
    { entry: 'proxy-trust/proxy-protocol', source: () => import('../src/proxy-protocol.js') },
  ]

  it.each(SOURCES)('keeps the name of every function $entry exports, as its source names it', async ({ entry, source }) => {
    const built = appRequire(entry) as Record<string, unknown>
    const names = (module: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(module)
      .filter(([name, value]) => typeof value === 'function' && name !== 'default').map(([name, value]) => [name, (value as () => void).name]))
    const expected = names(await source() as Record<string, unknown>)
    expect(Object.keys(expected).length).toBeGreaterThan(0)
    expect(names(built)).toMatchObject(expected)
  })

  it('names the function that threw, and its file, in a stack trace', () => {
    const cjs = appRequire('proxy-trust') as TrustProxyCjs
    let stack = ''
    try {
      cjs.compile('bogus')
    } catch (error) {
      stack = (error as Error).stack ?? ''
    }
    expect(stack.split('\n').slice(0, 2).join('\n')).toMatch(/^TypeError: invalid IP address: bogus\n {4}at parseRange \(.*dist\/cjs\/core\.js:\d+:\d+\)$/)
  })
})

describe('what require(\'proxy-trust\') loads', () => {
  /** Run CommonJS in a fresh Node process inside the app; it prints JSON. */
  function runScript(source: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['--eval', source], { cwd: app }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout))
      })
    })
  }
  const LOADED = `Object.keys(require.cache).map((file) => require('node:path').relative(pkgDir, file)).filter((file) => !file.startsWith('..'))`

  it('is the core alone, in two files: no diagnostics, no ipaddr.js', async () => {
    const loaded = await runScript(`
      const pkgDir = require('node:path').dirname(require.resolve('proxy-trust/package.json'))
      const proxyaddr = require('proxy-trust')
      const trust = proxyaddr.compile(['loopback', '10.0.0.0/8'])
      const ip = proxyaddr({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.5, 10.0.0.2' } }, trust)
      console.log(JSON.stringify({ ip, loaded: ${LOADED}, ipaddr: Object.keys(require.cache).some((file) => file.includes('ipaddr.js')) }))
    `)
    expect(loaded).toEqual({ ip: '203.0.113.5', loaded: ['dist/cjs/cjs.js', 'dist/cjs/core.js'], ipaddr: false })
  })

  it('loads the diagnostics on the first call of explain, lintSetting or createMonitor, and ipaddr.js for an unusual spelling', async () => {
    const loaded = await runScript(`
      const pkgDir = require('node:path').dirname(require.resolve('proxy-trust/package.json'))
      const { compileTrust, explain, lintSetting, createMonitor, proxyaddr } = require('proxy-trust')
      const before = ${LOADED}
      const why = explain(${JSON.stringify(REQUEST)}, compileTrust(${JSON.stringify(SETTING)}), ${JSON.stringify(SETTING)})
      const afterExplain = ${LOADED}
      const monitor = createMonitor(compileTrust('loopback'))
      const lint = lintSetting(true)
      // 0177.0.0.1 is 127.0.0.1 to ipaddr.js (octal): a trusted hop
      const octal = proxyaddr({ socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.5, 0177.0.0.1' } }, 'loopback')
      console.log(JSON.stringify({
        before, afterExplain, result: why.result, lint: lint.map((w) => w.code), monitor: typeof monitor,
        octal, ipaddr: Object.keys(require.cache).some((file) => file.includes('ipaddr.js')),
      }))
    `) as Record<string, unknown>
    expect(loaded).toMatchObject({
      before: ['dist/cjs/cjs.js', 'dist/cjs/core.js'],
      result: EXPECTED_RESOLVED,
      lint: ['TRUST_ALL'],
      monitor: 'function',
      octal: '203.0.113.5',
      ipaddr: true,
    })
    expect(loaded['afterExplain']).toEqual(expect.arrayContaining(['dist/cjs/diagnostics/explain.js', 'dist/cjs/diagnostics/warnings.js']))
  })
})

describe('import(\'proxy-trust\')', () => {
  interface EsmReport {
    readonly url: string
    readonly exports: Record<string, string>
    readonly ip: string | undefined
    readonly all: (string | undefined)[]
    readonly resolved: Record<string, unknown>
    readonly crossed: readonly Record<string, unknown>[]
    readonly shared: boolean
    readonly defaultIsMain: boolean
    readonly subpaths: readonly [string, string, boolean][]
    readonly withOptions: readonly (string | undefined)[]
  }
  let report: EsmReport

  beforeAll(async () => {
    const out = await runModule(`
      import * as esm from 'proxy-trust'
      import { createRequire } from 'node:module'
      const cjs = createRequire(process.cwd() + '/')('proxy-trust')
      const req = ${JSON.stringify(REQUEST)}
      const repro = ${JSON.stringify(REPRO)}
      const setting = ${JSON.stringify(SETTING)}
      console.log(JSON.stringify({
        url: import.meta.resolve('proxy-trust'),
        // Node 23 and later also name the module itself 'module.exports' in every CommonJS module's namespace
        exports: Object.fromEntries(Object.entries(esm).filter(([name]) => name !== 'module.exports').map(([name, value]) => [name, typeof value])),
        // one module instance: every export is the CommonJS build's own
        shared: Object.keys(esm).filter((name) => name !== 'default' && name !== 'module.exports').every((name) => esm[name] === cjs[name]),
        defaultIsMain: esm.default === cjs,
        subpaths: await Promise.all(['express', 'fastify', 'koa', 'hono', 'ranges', 'opentelemetry', 'proxy-protocol'].map(async (name) => {
          const imported = await import('proxy-trust/' + name)
          const required = createRequire(process.cwd() + '/')('proxy-trust/' + name)
          const names = Object.keys(imported).filter((key) => !['default', 'module.exports', '__esModule'].includes(key)).sort()
          // every name require gives, each the same value, and the module itself as the default
          const same = names.join() === Object.keys(required).sort().join() && names.every((key) => imported[key] === required[key]) && imported.default === required
          return [name, names.join(','), same]
        })),
        withOptions: [
          cjs.proxyaddr(repro, esm.compileTrust('loopback', { source: 'forwarded' })),
          esm.resolveAddr(repro, cjs.compileTrust('loopback', { source: 'forwarded' })).ip,
        ],
        ip: esm.proxyaddr(req, setting.split(', ')),
        all: esm.proxyaddr.all(req, setting.split(', ')),
        resolved: esm.resolveAddr(req, esm.compileTrust(setting)),
        // one app can load both builds (a dependency may require what the app imports)
        crossed: [
          cjs.resolveAddr(req, esm.compileTrust(setting)),
          esm.resolveAddr(req, cjs.compileTrust(setting)),
        ],
      }))
    `)
    report = JSON.parse(out) as EsmReport
  })

  it('loads the root\'s ES module, which re-exports the CommonJS build', () => {
    expect(report.url).toBe(pathToFileURL(join(pkgDir, 'dist/esm/index.mjs')).href)
  })

  it('gives the named exports', () => {
    expect(report.exports).toMatchObject({ compileTrust: 'function', proxyaddr: 'function', resolveAddr: 'function' })
  })

  it('gives the names require(\'proxy-trust\') gives, and that function as the default export', () => {
    const required = Object.keys(appRequire('proxy-trust') as object)
    expect(Object.keys(report.exports).sort()).toEqual(['default', ...required].sort())
    expect(report.exports).toMatchObject({ default: 'function', all: 'function', compile: 'function' })
    expect(report.defaultIsMain).toBe(true)
  })

  it('is the CommonJS build\'s one instance: every export is the same function', () => {
    expect(report.shared).toBe(true)
  })

  it('gives each subpath\'s names, the same values require gives, and the module as its default', () => {
    expect(report.subpaths).toEqual([
      ['express', 'ipFilter,requireTrustedPeer,resolved,trustProxy', true],
      ['fastify', 'ipFilter,requireTrustedPeer,trustProxy', true],
      ['koa', 'ipFilter,requireTrustedPeer,trustProxy', true],
      ['hono', 'ipFilter,requireTrustedPeer,trustProxy', true],
      ['ranges', 'CHANGE_BOUND,FETCH_TIMEOUT_MS,MAX_BODY_BYTES,WIDEST,WatchedRanges,cloudflare,cloudfront,fastly,googleLoadBalancers,loadRanges,watchRanges', true],
      ['opentelemetry', 'incomingSpanHook', true],
      ['proxy-protocol', 'PROXY_PROTOCOL,acceptProxyProtocol,parseProxyHeader,proxyProtocolOf', true],
    ])
  })

  it('keeps a predicate\'s options between import and require', () => {
    expect(report.withOptions).toEqual(['203.0.113.9', '203.0.113.9'])
  })

  it('answers a request as proxy-addr 2.0.8 does', () => {
    const trust = SETTING.split(', ')
    expect(report.ip).toBe(proxyAddr(REQUEST, trust))
    expect(report.all).toEqual(proxyAddr.all(REQUEST, trust))
  })

  it('resolves a request as Express 5 does', () => {
    expect(report.resolved).toEqual(EXPECTED_RESOLVED)
  })

  it('accepts a predicate compiled by the CommonJS build, and the reverse', () => {
    expect(report.crossed).toEqual([EXPECTED_RESOLVED, EXPECTED_RESOLVED])
  })
})

describe('TypeScript in the app', () => {
  /** An ES module consumer of the root and every subpath; the last line must be an error. */
  const ESM = `
    import proxyaddr, { all, compile, compileTrust, type TrustFn } from 'proxy-trust'
    import { trustProxy } from 'proxy-trust/express'
    import { trustProxy as fastify } from 'proxy-trust/fastify'
    import { trustProxy as koa } from 'proxy-trust/koa'
    import { trustProxy as hono } from 'proxy-trust/hono'
    import { cloudflare, loadRanges, type RangeSnapshot } from 'proxy-trust/ranges'
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} }
    const trust: TrustFn = compile('loopback')
    export const ip: string | undefined = proxyaddr(req, trust)
    export const list: (string | undefined)[] = all(req, compileTrust('loopback', { source: 'forwarded' }))
    export const fns = [trustProxy, fastify, koa, hono, proxyaddr.all, proxyaddr.compile, loadRanges]
    export const cdn: RangeSnapshot = cloudflare
    export const named: TrustFn = compileTrust('cdn', { ranges: { cdn } })
    // @ts-expect-error: checked, so a missing member is an error
    proxyaddr.nope
  `
  /** The same through require. */
  const CJS = `
    import proxyaddr = require('proxy-trust')
    import express = require('proxy-trust/express')
    import fastify = require('proxy-trust/fastify')
    import koa = require('proxy-trust/koa')
    import hono = require('proxy-trust/hono')
    import ranges = require('proxy-trust/ranges')
    const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} }
    const trust: proxyaddr.TrustFn = proxyaddr.compileTrust('loopback')
    export const ip: string | undefined = proxyaddr(req, trust)
    export const list: (string | undefined)[] = proxyaddr.all(req, proxyaddr.compile('loopback'))
    export const fns = [express.trustProxy, fastify.trustProxy, koa.trustProxy, hono.trustProxy, ranges.loadRanges]
    export const named: proxyaddr.TrustFn = proxyaddr.compileTrust('cdn', { ranges: { cdn: ranges.cloudflare } })
    // @ts-expect-error: checked, so a missing member is an error
    proxyaddr.nope
  `
  const tsc = fromRepo.resolve('typescript/bin/tsc')

  it.each([
    { name: 'node16/nodenext, import and require', files: { 'esm.mts': ESM, 'cjs.cts': CJS }, flags: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
    // what `module: commonjs` implies; it ignores "exports", and finds the subpaths through typesVersions
    { name: 'node10, require', files: { 'node10.ts': CJS }, flags: ['--module', 'commonjs', '--moduleResolution', 'node10', '--esModuleInterop'] },
    { name: 'bundler, import', files: { 'bundler.ts': ESM }, flags: ['--module', 'esnext', '--moduleResolution', 'bundler'] },
    // the compiler's defaults otherwise: target ES5 and its library, no skipLibCheck, no framework installed
    { name: 'module commonjs alone (node10, default target)', files: { 'defaults.ts': CJS }, flags: ['--module', 'commonjs'] },
    { name: 'module preserve alone (bundler, default target)', files: { 'preserve.ts': ESM }, flags: ['--module', 'preserve'] },
  ])('resolves the root and every subpath, typed, under $name, checking the package\'s own declarations', async ({ files, flags }) => {
    for (const [file, source] of Object.entries(files)) await writeFile(join(app, file), source)
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, '--noEmit', '--strict', ...flags, ...Object.keys(files)], { cwd: app }, (error, stdout) => {
        resolve(error ? stdout || error.message : '')
      })
    })
    expect(out).toBe('')
  })

  /** tsc's output on `files`, written into the app, with `flags`: '' when it has nothing to say. */
  async function compiled(files: Record<string, string>, flags: readonly string[]): Promise<string> {
    for (const [file, source] of Object.entries(files)) await writeFile(join(app, file), source)
    return new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, '--strict', ...flags, ...Object.keys(files)], { cwd: app }, (error, stdout) => {
        resolve(error ? stdout || error.message : '')
      })
    })
  }
  const ES_MODES = [
    { name: 'nodenext', flags: ['--module', 'nodenext'] },
    { name: 'bundler', flags: ['--module', 'esnext', '--moduleResolution', 'bundler'] },
  ]

  it.each(ES_MODES)('lets an ES module re-export the root (export *, export type *) under $name', async ({ flags }) => {
    expect(await compiled({
      'reexport.mts': `export * from 'proxy-trust'\nexport { default } from 'proxy-trust'\nexport type * as types from 'proxy-trust'\n`,
      'reexported.mts': `import proxyaddr, { compileTrust, type TrustFn } from './reexport.mjs'\nexport const trust: TrustFn = compileTrust('loopback')\nexport const ip: string | undefined = proxyaddr({ socket: { remoteAddress: '127.0.0.1' }, headers: {} }, trust)\n`,
    }, ['--noEmit', ...flags])).toBe('')
  })

  it.each([
    ...ES_MODES.map(({ name, flags }) => ({ name: `import, ${name}`, file: 'library.mts', flags, source: [
      `import proxyaddr, { compileTrust, createMonitor, platform } from 'proxy-trust'`,
      `import { trustProxy } from 'proxy-trust/express'`,
      `export const trust = compileTrust('loopback')`,
      `export const monitor = createMonitor(trust)`,
      `export const edge = platform('cloudflare')`,
      `export const ip = proxyaddr`,
      `export const express = trustProxy`,
    ].join('\n') })),
  ])('lets a library emit declarations naming the API\'s types ($name)', async ({ file, flags, source }) => {
    expect(await compiled({ [file]: source }, ['--declaration', '--emitDeclarationOnly', '--outDir', 'emitted', ...flags])).toBe('')
  })

  it.each([
    { name: 'imported by name and as the default', file: 'hover.mts', source: `import proxyaddr, { compileTrust, resolveAddr, explain, createMonitor, platform } from 'proxy-trust'\nvoid [compileTrust, resolveAddr, explain, createMonitor, platform, proxyaddr]\n`, at: (name: string) => `${name}` },
    { name: 'through require', file: 'hover.cts', source: `import proxyaddr = require('proxy-trust')\nvoid [proxyaddr.compileTrust, proxyaddr.resolveAddr, proxyaddr.explain, proxyaddr.createMonitor, proxyaddr.platform, proxyaddr]\n`, at: (name: string) => name === 'proxyaddr' ? 'proxyaddr]' : `.${name}` },
  ])('shows each function\'s documentation in an editor, $name', async ({ file, source, at }) => {
    const ts = (await import('typescript')).default
    const path = join(app, file)
    await writeFile(path, source)
    const service = ts.createLanguageService({
      getScriptFileNames: () => [path],
      getScriptVersion: () => '1',
      getScriptSnapshot: (name) => (ts.sys.fileExists(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name) ?? '') : undefined),
      getCurrentDirectory: () => app,
      getCompilationSettings: () => ({ module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true }),
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      ...(ts.sys.realpath === undefined ? {} : { realpath: ts.sys.realpath }),
    })
    const used = source.indexOf('void')
    const shown = Object.fromEntries(['compileTrust', 'resolveAddr', 'explain', 'createMonitor', 'platform', 'proxyaddr'].map((name) => {
      const position = source.indexOf(at(name), used) + (at(name).startsWith('.') ? 1 : 0)
      const info = service.getQuickInfoAtPosition(path, position)
      return [name, ts.displayPartsToString(info?.documentation ?? []).split('\n')[0]]
    }))
    for (const [name, first] of Object.entries(shown)) expect(first, name).toMatch(/^\S.{20,}/)
  })

  it('gives an import every type the API names', async () => {
    const source = await readFile(new URL('../src/index.ts', import.meta.url), 'utf8')
    const types = [...new Set([
      ...[...source.matchAll(/\btype (\w+)/g)].map(([, name]) => name ?? ''),
      ...[...source.matchAll(/^export type \{([^}]*)\}/gm)].flatMap(([, names]) => (names ?? '').split(',').map((name) => name.trim())),
    ])].filter((name) => name !== '').sort()
    expect(types).toEqual(expect.arrayContaining(['ConnectionHop', 'Explanation', 'TrustFn', 'TrustOptions']))
    await writeFile(join(app, 'types.mts'), `import type { ${types.join(', ')} } from 'proxy-trust'\nexport type All = [${types.join(', ')}]\n`)
    await writeFile(join(app, 'types.cts'), `import proxyaddr = require('proxy-trust')\nexport type All = [${types.map((name) => `proxyaddr.${name}`).join(', ')}]\n`)
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', 'types.mts', 'types.cts'], { cwd: app }, (error, stdout) => {
        resolve(error ? stdout || error.message : '')
      })
    })
    expect(out).toBe('')
  })
})

describe('proxy-trust/ranges', () => {
  it('gives the snapshots and loadRanges to require(), for the CommonJS compileTrust', () => {
    const ranges = appRequire('proxy-trust/ranges') as typeof import('../src/ranges.js')
    expect(appRequire.resolve('proxy-trust/ranges')).toBe(join(pkgDir, 'dist/cjs/ranges.js'))
    expect(Object.keys(ranges).sort()).toEqual(['CHANGE_BOUND', 'FETCH_TIMEOUT_MS', 'MAX_BODY_BYTES', 'WIDEST', 'WatchedRanges', 'cloudflare', 'cloudfront', 'fastly', 'googleLoadBalancers', 'loadRanges', 'watchRanges'])
    const { compileTrust } = appRequire('proxy-trust') as TrustProxyCjs
    expect(compileTrust('cloudflare', { ranges: { cloudflare: ranges.cloudflare } })('173.245.48.1', 0)).toBe(true)
  })

  it('gives the same to import, for the ES module compileTrust', async () => {
    const output = await runModule(`
      import * as ranges from 'proxy-trust/ranges'
      import { compileTrust } from 'proxy-trust'
      import { createRequire } from 'node:module'
      const required = createRequire(process.cwd() + '/')('proxy-trust/ranges')
      const trust = compileTrust('cdn', { ranges: { cdn: ranges.fastly } })
      console.log(JSON.stringify({
        // a CommonJS module's namespace also holds its default, its __esModule mark, and (Node 23 on) 'module.exports'
        names: Object.keys(ranges).filter((name) => !['default', '__esModule', 'module.exports'].includes(name)).sort(),
        trusted: trust('151.101.1.1', 0),
        shared: ranges.cloudflare === required.cloudflare && ranges.loadRanges === required.loadRanges,
      }))
    `)
    expect(JSON.parse(output)).toEqual({ names: ['CHANGE_BOUND', 'FETCH_TIMEOUT_MS', 'MAX_BODY_BYTES', 'WIDEST', 'WatchedRanges', 'cloudflare', 'cloudfront', 'fastly', 'googleLoadBalancers', 'loadRanges', 'watchRanges'], trusted: true, shared: true })
  })
})
