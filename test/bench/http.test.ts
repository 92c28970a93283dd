// http.test.ts: the HTTP benchmark's command line (bench/http.mjs): flags parsed strictly, and a
// smoke run of one pair over real loopback servers whose JSON has the documented shape. No figure
// is asserted: only that every cell was measured, compared and summarised as described.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function run(args: readonly string[]) {
  const child = spawnSync(process.execPath, [join(ROOT, 'bench/http.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { status: child.status, stdout: child.stdout, stderr: child.stderr }
}

interface Share { server: string, samples: number, ours: number, peer: number }
interface Side { server: string, rps: number, p50: number, p99: number, cpu: number }
interface Load { rps: number, requests: number, cpu: number }
interface Turn { a: Load, b: Load }
interface Cell {
  pair: string, shape: string, a: Side, b: Side, ratio: number, ratioMin: number, ratioMax: number, faster: number,
  cpuRatio: number, cpuRatioMin: number, cpuRatioMax: number,
  turns: Turn[], answer: { ip: string, ips: number, protocol: string, hostname: string }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

describe('npm run bench:http', () => {
  it.each([
    { args: ['--pairs', '3'], error: "Unknown option '--pairs'" },
    { args: ['--profile=yes'], error: "Option '--profile' does not take an argument" },
    { args: ['--json', 'extra'], error: "Unexpected argument 'extra'" },
    { args: ['--only'], error: "Option '--only <value>' argument missing" },
    { args: ['--only', 'no such pair'], error: 'no pair or shape matches --only no such pair' },
  ])('error: $args exits 2 naming the problem, with the usage', ({ args, error }) => {
    const { status, stdout, stderr } = run(args)
    expect(status).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(error)
    expect(stderr).toContain('usage: npm run bench:http -- [--quick]')
  })

  it('--quick --only node:http --json measures every shape of that pair, after checking both servers answer alike', () => {
    const { status, stdout, stderr } = run(['--quick', '--only', 'node:http', '--json'])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    const out = JSON.parse(stdout) as { node: string, pairs: number, results: Cell[] }
    expect(out.node).toBe(process.version)
    expect(out.results.map((r) => [r.pair, r.shape])).toEqual([
      ['node:http: proxy-addr vs resolveAddr', 'no forwarding header'],
      ['node:http: proxy-addr vs resolveAddr', '3 hops'],
      ['node:http: proxy-addr vs resolveAddr', '100 hops'],
      ['node:http: proxy-addr vs resolveAddr', 'hostile 16 KB X-Forwarded-For'],
    ])
    // the answers both servers gave before timing: the walk stops where the shape says
    expect(out.results.map((r) => r.answer)).toEqual([
      { ip: '127.0.0.1', ips: 0, protocol: 'http', hostname: '127.0.0.1' },
      { ip: '203.0.113.5', ips: 3, protocol: 'https', hostname: 'example.org' },
      { ip: '203.0.113.5', ips: 100, protocol: 'https', hostname: 'example.org' },
      { ip: '198.51.100.7', ips: 1, protocol: 'https', hostname: 'example.org' },
    ])
    for (const r of out.results) {
      expect(r.a.server).toBe('node:http + proxy-addr')
      expect(r.b.server).toBe('node:http + resolveAddr')
      expect(r.turns).toHaveLength(out.pairs)
      for (const t of r.turns) {
        for (const side of [t.a, t.b]) {
          expect(side.requests).toBeGreaterThan(0)
          expect(side.cpu).toBeGreaterThan(0)
        }
      }
      const ratios = r.turns.map((t) => t.b.rps / t.a.rps)
      expect(r.ratio).toBeCloseTo(median(ratios), 10)
      expect(r.ratioMin).toBe(Math.min(...ratios))
      expect(r.ratioMax).toBe(Math.max(...ratios))
      expect(r.faster).toBe(ratios.filter((x) => x > 1).length)
      const cpuRatios = r.turns.map((t) => t.a.cpu / t.b.cpu)
      expect(r.cpuRatio).toBeCloseTo(median(cpuRatios), 10)
      expect([r.cpuRatioMin, r.cpuRatioMax]).toEqual([Math.min(...cpuRatios), Math.max(...cpuRatios)])
      expect(r.a.rps).toBeCloseTo(median(r.turns.map((t) => t.a.rps)), 10)
      expect(r.b.cpu).toBeCloseTo(median(r.turns.map((t) => t.b.cpu)), 10)
      expect(r.a.p50).toBeLessThanOrEqual(r.a.p99)
    }
  })

  it('--profile reports where each server\'s CPU went: no proxy-addr code in resolveAddr\'s server, none of ours in proxy-addr\'s', () => {
    const { status, stdout, stderr } = run(['--quick', '--profile', '--only', 'node:http', '--json'])
    expect(stderr).toBe('')
    expect(status).toBe(0)
    const out = JSON.parse(stdout) as { profiles: { pair: string, shape: string, a: Share, b: Share }[] }
    expect(out.profiles.map((p) => p.shape)).toEqual(['no forwarding header', '3 hops', '100 hops', 'hostile 16 KB X-Forwarded-For'])
    for (const p of out.profiles) {
      expect(p.a).toMatchObject({ server: 'node:http + proxy-addr', ours: 0 })
      expect(p.b).toMatchObject({ server: 'node:http + resolveAddr', peer: 0 })
      for (const side of [p.a, p.b]) {
        expect(side.samples).toBeGreaterThan(0)
        expect(side.ours + side.peer).toBeLessThanOrEqual(100)
      }
    }
  })
})
