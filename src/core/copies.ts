// copies.ts: how copies of this package (two installs, two versions, in one process) answer for each
// other's predicates: a process-wide registry key on each predicate compiled here, whose value is a
// small versioned protocol that calls back into the copy that compiled it.

import type { TrustFn } from './compile.js'
import type { RequestLike } from './request.js'

/**
 * The key every copy of this package, of any version, defines on the predicates it compiles.
 * `Symbol.for` returns the same symbol in every copy (it is the realm's registry), unlike `Symbol()`.
 */
export const PROTOCOL_KEY: unique symbol = Symbol.for('proxy-trust.compiled') as typeof PROTOCOL_KEY

/**
 * What a copy offers other copies under `PROTOCOL_KEY`, protocol 1. A later protocol may add members
 * but keeps these, with these meanings, and a number at least 1; a change that cannot keep them takes
 * a new key. Each member answers for the predicate it was found on, as the compiling copy's own
 * `resolveAddr`, `proxyaddr`, `proxyaddr.all` and `explain` would, so that no copy needs to read how
 * another stores a setting or its options.
 */
export interface Protocol {
  readonly protocol: number
  /** `resolveAddr(req, trust)`. */
  resolve(req: RequestLike): unknown
  /** `proxyaddr(req, trust)`. */
  ip(req: RequestLike): string | undefined
  /** `proxyaddr.all(req, trust)`. */
  all(req: RequestLike): (string | undefined)[]
  /** `explain(req, trust, setting)`. */
  explain(req: RequestLike, setting?: unknown): unknown
}

/** This copy's own answers, which the members of its `Protocol` call with the predicate they are on. */
export interface Answers {
  resolve(req: RequestLike, trust: TrustFn): unknown
  ip(req: RequestLike, trust: TrustFn): string | undefined
  all(req: RequestLike, trust: TrustFn): (string | undefined)[]
  explain(req: RequestLike, trust: TrustFn, setting?: unknown): unknown
}

/**
 * Set once, when src/diagnostics/answers.ts loads (every package entry imports it): the answers live
 * above the compile step that marks predicates, and the layers below cannot import them.
 */
let answers: Answers | undefined

/** Register this copy's answers; src/diagnostics/answers.ts calls it once. */
export function provideAnswers(own: Answers): void {
  answers = own
}

/** Define the protocol on `trust`, a predicate this copy compiled. */
export function shareProtocol(trust: TrustFn): void {
  const protocol: Protocol = {
    protocol: 1,
    resolve: (req) => (answers as Answers).resolve(req, trust),
    ip: (req) => (answers as Answers).ip(req, trust),
    all: (req) => (answers as Answers).all(req, trust),
    explain: (req, setting) => (answers as Answers).explain(req, trust, setting),
  }
  Object.defineProperty(trust, PROTOCOL_KEY, { value: protocol })
}

/**
 * The protocol of a predicate compiled by another copy of this package; undefined for any other
 * function. Ask only about predicates this copy did not compile: on this copy's own it finds this
 * copy's protocol, whose answers lead back here.
 */
export function otherCopy(trust: TrustFn): Protocol | undefined {
  const value = (trust as { readonly [PROTOCOL_KEY]?: unknown })[PROTOCOL_KEY]
  if (typeof value !== 'object' || value === null) return undefined
  const protocol = value as Partial<Protocol>
  return typeof protocol.protocol === 'number' && protocol.protocol >= 1 ? protocol as Protocol : undefined
}
