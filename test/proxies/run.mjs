// run.mjs: proxy-trust behind the reverse proxies users deploy. Each proxy runs from a configuration
// file of this folder (copied into a temporary directory with this run's ports and paths) in front
// of one application on 127.0.0.1 that answers as Express through the proxy-addr override, as the
// whoami server, and as the Express adapter with options; clients on their own loopback addresses
// send honest and hostile requests, and every answer is compared whole.
//
// Plain Node, no test runner: `npm run test:proxies` (which builds first); `node test/proxies/run.mjs
// haproxy caddy` runs only those. Prints the failing cases (all of them with --verbose) and one line
// per proxy, `haproxy: 38 cases, 0 failed`; exits non-zero when a case fails or a proxy cannot start.

import { cleanupSync, startApp } from './lib.mjs'

const PROXIES = ['nginx', 'haproxy', 'caddy', 'apache', 'varnish', 'trafficserver', 'lighttpd', 'chains']
const args = process.argv.slice(2)
const verbose = args.includes('--verbose')
const only = args.filter((arg) => !arg.startsWith('--'))
for (const name of only) if (!PROXIES.includes(name)) throw new Error(`no proxy ${name}: one of ${PROXIES.join(', ')}`)
const chosen = only.length > 0 ? only : PROXIES

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    console.error(`proxies: ${signal}, stopping`)
    cleanupSync()
    process.exit(code)
  })
}
process.once('exit', cleanupSync)

// The adapter warns once per kind when a peer it does not trust sends forwarding headers: here that
// is the forging client, by design. Every other warning is shown.
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'TrustProxyWarning') console.error(warning)
})

const closeApp = await startApp()
let failures = 0
try {
  // the proxies listen on ports of their own: they run at once, each printing when it is done
  await Promise.all(chosen.map(async (name) => {
    let result
    try {
      const { run } = await import(`./${name}.mjs`)
      result = await run()
    } catch (error) {
      result = { lines: [`not ok - ${name}: ${error.stack}`], passed: 0, failed: 1 }
    }
    for (const line of result.lines) if (verbose || !line.startsWith('ok - ')) console.log(line)
    console.log(`${name}: ${result.passed + result.failed} cases, ${result.failed} failed`)
    failures += result.failed
  }))
} finally {
  await closeApp()
  cleanupSync()
}
process.exitCode = failures === 0 ? 0 : 1
