// Workers by the hundred (2,000 under `npm run test:soak`), each attaching, adding and exiting, a fifth of
// them terminated mid-loop: every finished add is counted exactly once, memory stays flat after warm-up,
// and no registration is left behind.
import { beforeAll, describe, expect, it } from 'vitest'
import { runNodeJson } from './helpers/run-node'
import { CHURN_WORKERS } from './helpers/soak'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

interface ChurnResult {
  strategy: string
  workers: number
  terminated: number
  reported: string
  observed: string
  rssAfterWarmup: number
  rssAtEnd: number
  liveOwnAfterExit: number
}

const MiB = 2 ** 20
const TERMINATED = CHURN_WORKERS / 5
/** The adds each worker that is not terminated makes before it exits. */
const ADDS_PER_WORKER = 2000

describe.each([
  ['glibc', {}, 0],
  ['own', GLIBC_RSEQ_OFF, 1],
])(`${CHURN_WORKERS.toLocaleString('en')} workers churning under %s`, (strategy, env, liveOwnAtEnd) => {
  let result: ChurnResult
  beforeAll(async () => {
    const args = ['--workers', String(CHURN_WORKERS), '--concurrency', '8', '--adds', String(ADDS_PER_WORKER)]
    result = await runNodeJson<ChurnResult>('worker-churn.cjs', args, {
      env,
      nodeArgs: ['--expose-gc'],
      timeoutMs: 400_000,
    })
  }, 420_000)

  it('ran every worker, a fifth of them terminated mid-loop', async () => {
    expect(result.strategy).toBe(strategy)
    expect(result.workers).toBe(CHURN_WORKERS)
    expect(result.terminated).toBe(TERMINATED)
    // Terminated workers had finished some adds, so the reports include partial loops.
    expect(BigInt(result.reported)).toBeGreaterThan(BigInt((CHURN_WORKERS - TERMINATED) * ADDS_PER_WORKER))
  })

  it('counted exactly the adds the workers report finishing', async () => {
    expect(result.observed).toBe(result.reported)
  })

  it('kept memory flat after the first 200 workers', async () => {
    expect(result.rssAtEnd).toBeLessThan(result.rssAfterWarmup + 64 * MiB)
  })

  it("left no registration of its own behind (only the main thread's, where it has one)", async () => {
    expect(result.liveOwnAfterExit).toBe(liveOwnAtEnd)
  })
})
