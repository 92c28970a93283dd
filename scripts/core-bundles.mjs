// core-bundles.mjs: which of the core's modules go into which bundle of dist/cjs, for the build
// (scripts/build.mjs) and for the suite run against the built package (vitest.built.config.ts),
// which loads each module of the core from the bundle that holds it.

import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The modules of the core (paths under src/core, such as `sources/xff.ts`): every module there except
 * the provider snapshots (a module of their own, which proxy-trust/ranges exports) and
 * `settingFromEnv` (which reads the snapshots, and loads on its first call).
 */
export const CORE = readdirSync(fileURLToPath(new URL('../src/core', import.meta.url)), { recursive: true, encoding: 'utf8' })
  .map((file) => file.replaceAll('\\', '/')).filter((file) => file.endsWith('.ts') && !['snapshots.ts', 'env.ts'].includes(file)).sort()

/**
 * The core's modules that `require('proxy-trust')` loads, and Express with it when it loads this
 * package as proxy-addr: proxy-addr's API, compiling a setting, and Express's walk over
 * X-Forwarded-For. They are bundled into dist/cjs/core.js. The rest of the core (the options' checks
 * beyond Express's, the other sources, Forwarded, `resolveAddr`, the ranges) is bundled into
 * dist/cjs/core-rest.js, which loads when something first calls into it: an adapter, `resolveAddr`,
 * or `compileTrust` with options. A request that Express's walk answers never does.
 */
export const HOT = ['address.ts', 'answers.ts', 'compile.ts', 'copies.ts', 'express.ts', 'proxyaddr.ts', 'request.ts', 'sources/xff.ts', 'walk.ts']

/** The two bundles, each with the modules it holds. */
export const BUNDLES = [{ file: 'core.js', modules: HOT }, { file: 'core-rest.js', modules: CORE.filter((file) => !HOT.includes(file)) }]

/** The bundle (core.js or core-rest.js) that holds the module `file` of src/core, if one does. */
export const bundleOf = (file) => BUNDLES.find((bundle) => bundle.modules.includes(file))?.file
