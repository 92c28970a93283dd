// answers.ts: this copy's answers for the predicates it compiles, registered for the protocol through
// which other copies of the package call them (see core/copies.ts). Every package entry imports it.

import { provideAnswers } from '../core/copies.js'
import type { TrustSetting } from '../core/compile.js'
import { proxyaddr } from '../core/proxyaddr.js'
import { resolveAddr } from '../core/resolve.js'
import { explain } from './explain.js'

provideAnswers({
  resolve: resolveAddr,
  ip: proxyaddr,
  all: proxyaddr.all,
  explain: (req, trust, setting) => explain(req, trust, setting as TrustSetting),
})
