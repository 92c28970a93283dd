// registry.mjs: a package registry on loopback that serves proxy-trust from local tarballs and passes
// every other request to the upstream registry, so that npm, pnpm and yarn install the package by its
// published name and ranges (`npm install proxy-trust`, `npm:proxy-trust@^0.2.0`) before it is
// published. Packuments follow the npm registry API (github.com/npm/registry, docs/REGISTRY-API.md):
// GET /<name> answers { name, dist-tags, versions: { <v>: manifest + dist: { tarball, integrity, shasum } } }.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { Readable } from 'node:stream'
import { execFileSync } from 'node:child_process'

/** The manifest inside a tarball: package/package.json. */
function manifestOf(tarball) {
  return JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }))
}

/**
 * Serve `tarballs` (paths of one package's tarballs) under their package's name on 127.0.0.1; every
 * other path is fetched from `upstream`. Resolves with the registry's URL and a close function.
 */
export async function startRegistry(tarballs, upstream) {
  const versions = new Map()
  let name
  for (const tarball of tarballs) {
    const manifest = manifestOf(tarball)
    name = manifest.name
    const data = readFileSync(tarball)
    versions.set(manifest.version, {
      manifest,
      data,
      integrity: 'sha512-' + createHash('sha512').update(data).digest('base64'),
      shasum: createHash('sha1').update(data).digest('hex'),
    })
  }
  const base = { url: '' }
  const tarballPath = (version) => `/${name}/-/${name}-${version}.tgz`

  function packument() {
    const latest = [...versions.keys()].at(-1)
    return {
      name,
      'dist-tags': { latest },
      versions: Object.fromEntries([...versions].map(([version, { manifest, integrity, shasum }]) => [version, {
        ...manifest,
        _id: `${name}@${version}`,
        dist: { tarball: base.url + tarballPath(version), integrity, shasum },
      }])),
      time: Object.fromEntries([...versions.keys()].map((version) => [version, new Date(0).toISOString()])),
    }
  }

  async function pass(req, res) {
    const headers = {}
    // fetch decodes gzip itself, so neither side is told of an encoding
    for (const header of ['accept', 'user-agent']) if (req.headers[header]) headers[header] = req.headers[header]
    const answer = await fetch(new URL(req.url, upstream), { headers, redirect: 'follow' })
    const out = {}
    for (const header of ['content-type', 'etag', 'last-modified']) {
      const value = answer.headers.get(header)
      if (value) out[header] = value
    }
    res.writeHead(answer.status, out)
    if (answer.body) Readable.fromWeb(answer.body).pipe(res)
    else res.end()
  }

  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://registry').pathname)
    if (path === `/${name}`) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(packument()))
      return
    }
    for (const [version, { data }] of versions) {
      if (path === tarballPath(version)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length })
        res.end(data)
        return
      }
    }
    pass(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  base.url = `http://127.0.0.1:${server.address().port}`
  return {
    url: base.url + '/',
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
