// warn.ts: the adapters' `warn` option: a monitor of live traffic (createMonitor) on by default,
// off, or reporting to a function of the application's, validated with the other options at setup.

import type { TrustFn } from '../core/compile.js'
import { resolveOptions, describeValue, type TrustOptions } from '../core/options.js'
import { createMonitor, type Monitor } from '../diagnostics/monitor.js'
import type { Warning } from '../diagnostics/warnings.js'

/** Whether an adapter reports warnings from live traffic, and where to: `true`, `false` or a function. */
export type WarnOption = boolean | ((warning: Warning) => void)

/** `TrustOptions`, and the adapters' `warn`. */
export interface AdapterOptions extends TrustOptions {
  /**
   * Warnings from live traffic (see `createMonitor`): `true` reports each code once through
   * `process.emitWarning` (type `TrustProxyWarning`, so `node --no-warnings` silences it), a
   * function receives each warning instead, `false` turns the monitor off. Answers never change.
   * @default true
   */
  readonly warn?: WarnOption | undefined
}

/**
 * The options for `compileTrust` and the `warn` option, apart; a `warn` that is not a boolean or a
 * function is refused here, at setup, as compileTrust refuses the others.
 *
 * @throws {TypeError} `invalid option warn: <value> (expected true, false or a function)`, and
 *   `invalid option options: <value> (expected an object)`.
 */
export function splitOptions<T extends AdapterOptions>(options: T | undefined): { trustOptions: Omit<T, 'warn'>; warn: WarnOption } {
  // not an object: resolveOptions names it
  if (options === undefined || options === null || typeof options !== 'object') resolveOptions(options)
  const { warn = true, ...trustOptions } = options ?? ({} as T)
  if (typeof warn !== 'boolean' && typeof warn !== 'function') {
    throw new TypeError(`invalid option warn: ${describeValue(warn)} (expected true, false or a function)`)
  }
  return { trustOptions, warn }
}

/** The monitor `warn` asks for, or undefined when it is off. */
export function monitorFor(trust: TrustFn, warn: WarnOption): Monitor | undefined {
  if (warn === false) return undefined
  return warn === true ? createMonitor(trust) : createMonitor(trust, { onWarning: warn })
}
