// answers.ts: the table of this copy's answers that other copies of the package reach through the
// protocol on each predicate compiled here (see copies.ts), written once for every package entry.

import { provideAnswers, type Answers } from './copies.js'
import { proxyaddr } from './proxyaddr.js'
import { resolveAddr } from './resolve.js'

/**
 * Register this copy's answers: the core's own, and `explain` as the entry gives it (the diagnostics
 * load it at once; the CommonJS root loads it on first use, to keep `require` light).
 */
export function shareAnswers(explain: Answers['explain']): void {
  provideAnswers({ resolve: resolveAddr, ip: proxyaddr, all: proxyaddr.all, explain })
}
