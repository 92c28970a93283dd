// copies.ts: how copies of this package (two installs, two versions, in one process) answer for each
// other's predicates: a process-wide registry key on each predicate compiled here, whose value is a
// small versioned protocol that calls back into the copy that compiled it.
//
// The mark is only a property of a function, which anything can set: a member missing or not a
// function, an answer of the wrong type, a member that throws, or one that calls back for the same
// predicate before answering, and the predicate is asked as a custom function instead, as proxy-addr
// 2.0.8 asks any function (Express's walk, no options). No request throws or recurses for a mark.

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
 * function, and for a mark that does not offer protocol 1's four members as functions (a mark
 * written by hand, or damaged), which is then asked as any custom function is. Ask only about
 * predicates this copy did not compile: on this copy's own it finds this copy's protocol, whose
 * answers lead back here.
 */
export function otherCopy(trust: TrustFn): Protocol | undefined {
  const value = (trust as { readonly [PROTOCOL_KEY]?: unknown })[PROTOCOL_KEY]
  if (typeof value !== 'object' || value === null) return undefined
  const protocol = value as Partial<Record<keyof Protocol, unknown>>
  if (!(typeof protocol.protocol === 'number' && protocol.protocol >= 1)) return undefined
  const complete = typeof protocol.resolve === 'function' && typeof protocol.ip === 'function' &&
    typeof protocol.all === 'function' && typeof protocol.explain === 'function'
  return complete ? protocol as Protocol : undefined
}

/** What `handOver` returns when the other copy gave no answer this copy can return. */
export const DECLINED: unique symbol = Symbol('declined')

/** The predicates being handed over now: asked again while they are, a protocol is calling back into itself. */
const handing = new Set<TrustFn>()

/**
 * The other copy's answer for `trust` (`ask` calls one member of its protocol), when it is one this
 * copy can return: `DECLINED` when the member throws, answers with a value `valid` refuses, or calls
 * back for the same predicate before it has answered (a protocol that calls into itself, which
 * would otherwise never end). The caller then asks `trust` as a custom function, as proxy-addr asks
 * any function: the answer of last resort, which never depends on what the mark says.
 */
export function handOver<T>(trust: TrustFn, ask: () => unknown, valid: (value: unknown) => value is T): T | typeof DECLINED {
  if (handing.has(trust)) return DECLINED
  handing.add(trust)
  let value: unknown
  try {
    value = ask()
  } catch {
    value = DECLINED
  }
  handing.delete(trust)
  return value !== DECLINED && valid(value) ? value : DECLINED
}

/** `proxyaddr`'s answer: an address as text, or undefined. */
export function isAddress(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string'
}

/** `proxyaddr.all`'s answer: the socket peer's entry, then the hops walked. */
export function isAddressList(value: unknown): value is (string | undefined)[] {
  return Array.isArray(value) && value.length > 0 && value.every(isAddress)
}

/** `resolveAddr`'s answer, field by field. */
export function isResolved(value: unknown): value is Record<'ip' | 'host' | 'hostname', string | undefined> & { ips: string[]; protocol: string; secure: boolean } {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Record<string, unknown>
  return isAddress(r['ip']) && Array.isArray(r['ips']) && r['ips'].every((ip) => typeof ip === 'string') &&
    isAddress(r['host']) && isAddress(r['hostname']) && typeof r['protocol'] === 'string' && typeof r['secure'] === 'boolean'
}

/** `explain`'s answer: an object whose `result` is a `resolveAddr` answer and whose `hops` is a list. */
export function isExplanation(value: unknown): value is { readonly result: unknown; readonly hops: readonly unknown[] } {
  if (typeof value !== 'object' || value === null) return false
  const e = value as Record<string, unknown>
  return isResolved(e['result']) && Array.isArray(e['hops'])
}
