// The native core under AddressSanitizer and UndefinedBehaviorSanitizer: scripts/sanitize.mjs builds it
// around a stress test of every sequence (more threads than CPUs, forced migrations, SIGPROF handlers
// running sequences of their own, a thread draining meanwhile), in every drain mode (the two without the
// fence under a seccomp filter), and must finish with exact counts and no report. The planted errors
// prove that a report would fail the run.
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCommand } from './helpers/run-node'

const root = path.join(__dirname, '..')
const out = path.join(__dirname, '.build', 'sanitize')

interface Summary {
  exact: boolean
  workers: number
  strategies: Record<string, number>
  rseqSyscall: string
  adds: number
  compareStores: number
  signalAdds: number
  migrations: number
  drains: number
  drainMode: string
  aborts: number
  descriptors: number
}
interface Outcome {
  name: string
  ok: boolean
  problems: string[]
  summary: Summary | null
}

async function sanitize(args: string[]): Promise<{ status: number | null; outcomes: Outcome[]; output: string }> {
  const child = await runCommand(process.execPath, [path.join(root, 'scripts', 'sanitize.mjs'), '--out', out, ...args], {
    timeoutMs: 600_000,
  })
  const output = child.stdout + child.stderr
  const line = child.stdout.split('\n').find((text) => text.startsWith('json '))
  return { status: child.status, outcomes: line ? JSON.parse(line.slice(5)) : [], output }
}

describe('the native core under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
  it('runs every sequence and drain mode (glibc, own, mixed fallback, no fence, no rseq) exactly with no report', async () => {
    const { status, outcomes, output } = await sanitize(['--iterations', '60000'])
    expect(status, output).toBe(0)
    expect(outcomes.map((outcome) => outcome.name)).toEqual(['glibc', 'own', 'glibc+fallback', 'no-fence', 'no-rseq'])
    for (const { name, ok, summary } of outcomes) {
      expect(ok, `${name}: ${output}`).toBe(true)
      expect(summary!.exact, name).toBe(true)
      expect(summary!.workers, name).toBeGreaterThan(2)
      expect(summary!.descriptors, name).toBeGreaterThan(0)
      expect(summary!.drains, name).toBeGreaterThan(0)
      if (summary!.rseqSyscall !== 'EINVAL') continue // no rseq in this kernel: nothing restarts
      // The restart path ran: the kernel aborted sequences, threads moved, handlers ran sequences.
      expect(summary!.aborts, name).toBeGreaterThan(0)
      expect(summary!.migrations, name).toBeGreaterThan(0)
      expect(summary!.signalAdds, name).toBeGreaterThan(0)
    }
    const [glibc, own, mixed, noFence, noRseq] = outcomes.map((outcome) => outcome.summary!)
    if (glibc.rseqSyscall === 'EINVAL') {
      expect(glibc.strategies.glibc).toBe(glibc.workers)
      expect(own.strategies.own).toBe(own.workers)
      expect(mixed.strategies.glibc).toBeGreaterThan(0)
      expect(mixed.strategies.fallback).toBeGreaterThan(0)
      expect([glibc.drainMode, noFence.drainMode, noRseq.drainMode]).toEqual(['fence', 'snapshot', 'exchange'])
      expect(noFence.strategies.glibc).toBe(noFence.workers)
      expect(noRseq.strategies.fallback).toBe(noRseq.workers)
    }
  })

  it.each([
    ['heap-overflow', /AddressSanitizer: heap-buffer-overflow/],
    ['signed-overflow', /runtime error: signed integer overflow/],
  ])('fails the run when the stress test commits a planted %s', async (plant, report) => {
    // Reuses the binary the first test built.
    const { status, outcomes, output } = await sanitize(['--no-build', '--only', 'own', '--iterations', '200', '--plant', plant])
    expect(status).toBe(1)
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0].ok).toBe(false)
    expect(outcomes[0].problems.join(' ')).toMatch(/sanitizer report/)
    expect(output).toMatch(report)
  })
})
