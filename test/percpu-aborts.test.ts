// The kernel really restarts the sequences, and every restart is survived without a lost or doubled add.
import * as os from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { delayedPackage } from './helpers/instrumented-package'
import { addFromWorkers } from './helpers/percpu-workers'

let instrumented: string

beforeAll(async () => {
  // A spin of 2,000 iterations between load and commit: a window that preemption and signals hit often.
  instrumented = await delayedPackage(2000)
}, 600_000)

const oversubscribed = String(os.cpus().length * 3)

describe('a test build with a delay inside every critical section', () => {
  it('aborts under preemption with more workers than cores, and stays exact', async () => {
    const result = await addFromWorkers(['--workers', oversubscribed, '--adds', '100000'], {
      env: { RSEQ_PACKAGE: instrumented },
    })
    expect(result.workerStrategies.every((strategy) => strategy === 'glibc')).toBe(true)
    expect(result.processAborts).toBeGreaterThan(0)
    expect(result.workerAborts.reduce((a, b) => a + b, 0)).toBe(result.processAborts)
    expect(result.observed).toBe(result.expected)
  })

  it("aborts and stays exact on the package's own registrations, indexed by mm_cid", async () => {
    const result = await addFromWorkers(['--workers', oversubscribed, '--adds', '100000', '--kind', 'array', '--index', 'mmcid'], {
      env: { RSEQ_PACKAGE: instrumented, GLIBC_TUNABLES: 'glibc.pthread.rseq=0' },
    })
    expect(result.workerStrategies.every((strategy) => strategy === 'own')).toBe(true)
    expect(result.processAborts).toBeGreaterThan(0)
    expect(result.observed).toBe(result.expected)
  })
})

describe('a profiling timer interrupting the threads while they add', () => {
  // V8's CPU profiler samples each thread by sending it SIGPROF, here every 20 microseconds.
  async function profiled(extraEnv: Record<string, string>) {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'rseq-prof-'))
    try {
      return await addFromWorkers(['--workers', '2', '--adds', '250000'], {
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${directory}`, '--cpu-prof-interval=20'],
        env: extraEnv,
      })
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  }

  it('aborts on signal delivery in the instrumented build and stays exact', async () => {
    const result = await profiled({ RSEQ_PACKAGE: instrumented })
    expect(result.processAborts).toBeGreaterThan(0)
    expect(result.observed).toBe(result.expected)
  })

  it('stays exact in the shipped build', async () => {
    const result = await profiled({})
    expect(result.observed).toBe(result.expected)
  })
})
