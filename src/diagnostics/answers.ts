// answers.ts: this copy's answers for the predicates it compiles, registered for the protocol through
// which other copies of the package call them (see core/copies.ts). The adapters, the command line
// and index.ts (the API's declarations, and the API as the sources' tests load it) import it; the
// package's root, cjs.ts, registers the same table with `explain` loaded on first use.

import { shareAnswers } from '../core/answers.js'
import type { TrustSetting } from '../core/compile.js'
import { explain } from './explain.js'

shareAnswers((req, trust, setting) => explain(req, trust, setting as TrustSetting))
