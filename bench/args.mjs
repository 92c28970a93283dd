// bench/args.mjs: the benchmarks' command-line flags, parsed strictly: an unknown flag, a missing
// value or a stray argument is an error (exit status 2), never silently ignored.

import { parseArgs } from 'node:util'

/**
 * Parse `argv` against `options` (node:util parseArgs's format). On a bad command line, print the
 * problem and `usage` to stderr and exit with status 2.
 */
export function parseFlags(argv, options, usage) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${usage}\n`)
    process.exit(2)
  }
}
