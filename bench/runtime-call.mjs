// runtime-call.mjs: the per-call comparison that bench/runtimes.mjs runs inside Node, Bun and Deno
// (and, as a Worker, inside workerd): this package's proxyaddr against proxy-addr 2.0.8's on the
// same requests, interleaved round by round. Runtime-neutral: it takes both implementations as
// arguments and times with whatever clock it is given.

/** The request shapes timed, as Node's IncomingMessage carries them. */
export const SCENARIOS = [
  {
    name: 'proxyaddr, loopback, 1 entry',
    setting: 'loopback',
    all: false,
    req: { socket: { remoteAddress: '127.0.0.1' }, headers: { 'x-forwarded-for': '203.0.113.5' } },
  },
  {
    name: 'proxyaddr.all, 10 trusted hops',
    setting: ['10.0.0.0/8', 'loopback'],
    all: true,
    req: {
      socket: { remoteAddress: '127.0.0.1' },
      headers: { 'x-forwarded-for': Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}`).join(', ') },
    },
  },
]

/** A function running one call `n` times, with a sink so the work cannot be dropped. */
function loopOf(impl, scenario) {
  const trust = impl.compile(scenario.setting)
  const { req } = scenario
  if (scenario.all) {
    return (n) => {
      let sink = 0
      for (let i = 0; i < n; i++) sink += impl.all(req, trust).length
      return sink
    }
  }
  return (n) => {
    let sink = 0
    for (let i = 0; i < n; i++) sink += impl(req, trust).length
    return sink
  }
}

/**
 * Median ns per call of each implementation for each scenario, over `rounds` interleaved rounds of
 * `n` calls, timed by `now()` in milliseconds. Both answers are checked equal first.
 */
export function measure({ ours, theirs, now, rounds = 15, n = 20_000 }) {
  const rows = []
  for (const scenario of SCENARIOS) {
    const a = scenario.all ? ours.all(scenario.req, ours.compile(scenario.setting)) : ours(scenario.req, ours.compile(scenario.setting))
    const b = scenario.all ? theirs.all(scenario.req, theirs.compile(scenario.setting)) : theirs(scenario.req, theirs.compile(scenario.setting))
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${scenario.name}: answers differ: ${JSON.stringify(a)} and ${JSON.stringify(b)}`)
    const loops = [loopOf(ours, scenario), loopOf(theirs, scenario)]
    for (const loop of loops) loop(n) // warm-up
    const samples = [[], []]
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < 2; k++) {
        const which = (round + k) % 2
        const start = now()
        loops[which](n)
        samples[which].push(((now() - start) * 1e6) / n)
      }
    }
    const median = (list) => list.slice().sort((x, y) => x - y)[Math.floor(list.length / 2)]
    rows.push({ name: scenario.name, ours: median(samples[0]), theirs: median(samples[1]) })
  }
  return rows
}
