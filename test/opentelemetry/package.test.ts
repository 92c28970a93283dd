// package.test.ts: `proxy-trust/opentelemetry` from the packed tarball, installed into an empty app
// without any OpenTelemetry package: require() and import give the same function, and it runs.

import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { installedApp } from '../fixtures/installed.js'

const app = installedApp('opentelemetry-entry')

const REQUEST = `{ socket: { remoteAddress: '127.0.0.1', remotePort: 5000 }, headers: { host: 'shop.example', 'x-forwarded-for': '6.6.6.6, 203.0.113.5' } }`

describe('proxy-trust/opentelemetry, installed', () => {
  it('is importable and requirable as one function, with no OpenTelemetry package installed', async () => {
    const output = await app.runModule(`
      import { incomingSpanHook } from 'proxy-trust/opentelemetry'
      import { compileTrust } from 'proxy-trust'
      import { createRequire } from 'node:module'
      const require = createRequire(process.cwd() + '/')
      const required = require('proxy-trust/opentelemetry')
      let otel = 'absent'
      try { require.resolve('@opentelemetry/api'); otel = 'present' } catch {}
      console.log(JSON.stringify({
        names: Object.keys(required).sort(),
        same: required.incomingSpanHook === incomingSpanHook,
        otel,
        attributes: incomingSpanHook(compileTrust('loopback'))(${REQUEST}),
      }))
    `)
    expect(JSON.parse(output)).toEqual({
      names: ['incomingSpanHook'],
      same: true,
      otel: 'absent',
      attributes: { 'client.address': '203.0.113.5', 'server.address': 'shop.example', 'server.port': 80, 'url.scheme': 'http' },
    })
  })

  it('resolves to the CommonJS build for require()', () => {
    expect(createRequire(join(app.dir, 'package.json')).resolve('proxy-trust/opentelemetry')).toBe(join(app.dir, 'node_modules/proxy-trust/dist/cjs/opentelemetry.js'))
  })
})
