#!/usr/bin/env node
// cli.ts: the `proxy-trust` executable: the command line run with this process's arguments and I/O.

import './diagnostics/answers.js'
import { main, processIo } from './cli/command.js'

void main(process.argv.slice(2), processIo(process.argv[1])).then((code) => {
  process.exitCode = code
})
