// run.test.ts: the micro-benchmark's command line (bench/run.mjs): flags parsed strictly, and
// `--check` giving one verdict per target with an exit status that follows them. A smoke run of
// one scenario; no figure is asserted, only the output's shape.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BENCH = join(ROOT, 'bench')

function run(args: readonly string[]) {
  const child = spawnSync(process.execPath, [join(BENCH, 'run.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { status: child.status, stdout: child.stdout, stderr: child.stderr }
}

interface Check { name: string, value: number, target: number, pass: boolean, text: string }

describe('npm run bench', () => {
  it.each([
    { args: ['--bogus'], error: "Unknown option '--bogus'" },
    { args: ['--quick', '--only'], error: "Option '--only <value>' argument missing" },
    { args: ['quick'], error: "Unexpected argument 'quick'" },
    { args: ['--check=yes'], error: "Option '--check' does not take an argument" },
    { args: ['--node', '7'], error: 'invalid --node: 7 (release lines: 20, 22, 24, 26,' },
    { args: ['--node', '/no/such/node'], error: 'invalid --node: /no/such/node (no such file)' },
  ])('error: $args exits 2 naming the problem, with the usage', ({ args, error }) => {
    const { status, stdout, stderr } = run(args)
    expect(status).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(error)
    expect(stderr).toContain('usage: npm run bench -- [--quick]')
  })

  it('--check prints PASS or FAIL for each target measured, and exits 1 exactly when one is missed', () => {
    const { status, stdout } = run(['--quick', '--only', 'hop count', '--check'])
    const verdicts = stdout.split('\n').filter((line) => /^(PASS|FAIL) {2}/.test(line))
    expect(verdicts).toHaveLength(1)
    expect(verdicts[0]).toMatch(/^(PASS|FAIL) {2}hop count 2 \(ip\): \d+\.\d+x, target >= 3x$/)
    const missed = verdicts.filter((line) => line.startsWith('FAIL')).length
    expect(stdout).toContain(`${1 - missed} of 1 targets met`)
    expect(status).toBe(missed > 0 ? 1 : 0)
  })

  it('--check --json puts the verdicts in the JSON, each against its own target', () => {
    const { status, stdout } = run(['--quick', '--only', 'trust true', '--check', '--json'])
    const out = JSON.parse(stdout) as { scenarios: { name: string, ratio: number, target: number }[], checks: Check[] }
    expect(out.scenarios.map((s) => s.name)).toEqual(['trust true'])
    expect(out.checks).toHaveLength(1)
    const [check] = out.checks
    expect(check).toMatchObject({ name: 'trust true (ip)', target: 3, value: out.scenarios[0]?.ratio })
    expect(check?.pass).toBe((check?.value ?? 0) >= 3)
    expect(status).toBe(check?.pass ? 0 : 1)
  })

  it('--node runs the benchmark on the Node it names, with the other flags', () => {
    const { status, stdout } = run(['--node', process.execPath, '--quick', '--only', 'hop count'])
    expect(status).toBe(0)
    expect(stdout).toContain(`proxy-trust benchmark: Node ${process.version},`)
    expect(stdout).toContain(', 7 rounds')
    expect(stdout).toContain('| hop count 2 | ip |')
  })

  it('without --check there are no verdicts and the exit status is 0', () => {
    const { status, stdout } = run(['--quick', '--only', 'hop count'])
    expect(status).toBe(0)
    expect(stdout).toContain('| hop count 2 | ip |')
    expect(stdout).not.toMatch(/^(PASS|FAIL) /m)
  })
})
