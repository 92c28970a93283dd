// pack.mjs: the manifest the tarball ships. `npm pack` and `npm publish` run `prepack` (this script
// with `strip`, after the build) and, once the tarball is written, `postpack` (`restore`).
//
// The published package.json carries no scripts: every script names a file the tarball does not
// ship (scripts/build.mjs, bench/, test/), and npm 11.16 and later list a dependency's `prepare`
// on every install that holds it ("install scripts not yet covered by allowScripts"), although npm
// runs `prepare` only for git and directory installs. The repository's own package.json keeps
// `prepare`, so that a git install (`npm install git+https://…`) still builds dist/.
//
// Publish the tarball (`npm pack`, then `npm publish ./proxy-trust-<version>.tgz`): `npm publish`
// from the directory reads package.json again after packing (lib/commands/publish.js, npm 11), once
// `postpack` has restored it, and would send the scripts to the registry as the version's metadata.
// `prepublishOnly`, which npm runs for directory publishes only, runs this script with `refuse`.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const MANIFEST = 'package.json'
const SAVED = 'package.json.unpacked'

/** The text of the package.json the tarball ships, from the repository's: without its scripts. */
export function publishedManifest(text) {
  const published = JSON.parse(text)
  delete published.scripts
  return JSON.stringify(published, null, 2) + '\n'
}

const [command] = process.argv[1] === fileURLToPath(import.meta.url) ? process.argv.slice(2) : ['(imported)']
if (command === '(imported)') {
  // a module of publishedManifest only
} else if (command === 'strip') {
  if (existsSync(SAVED)) throw new Error(`${SAVED} exists: a pack was interrupted; restore it with \`node scripts/pack.mjs restore\` first`)
  const text = readFileSync(MANIFEST, 'utf8')
  writeFileSync(SAVED, text)
  writeFileSync(MANIFEST, publishedManifest(text))
} else if (command === 'restore') {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST)
} else if (command === 'refuse') {
  const { version } = JSON.parse(readFileSync(MANIFEST, 'utf8'))
  process.stderr.write(`publish the packed tarball, whose package.json has no scripts: npm pack, then npm publish ./proxy-trust-${version}.tgz\n`)
  process.exitCode = 1
} else {
  throw new Error(`usage: node scripts/pack.mjs strip|restore|refuse (got ${JSON.stringify(command)})`)
}
