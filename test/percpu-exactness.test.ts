// Workers adding to one per-CPU object lose and double nothing, whoever owns their rseq areas.
import { describe, expect, it } from 'vitest'
import { seccompLauncher } from './helpers/native-fixtures'
import { addFromWorkers } from './helpers/percpu-workers'
import { runNode } from './helpers/run-node'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

const FOUR_BY_250K = ['--workers', '4', '--adds', '250000']

describe('4 workers x 250,000 add() on one PerCpuCounter attached with from()', () => {
  it("sums exactly on glibc's registration, indexed by CPU", async () => {
    const result = await addFromWorkers(FOUR_BY_250K)
    expect(result.workerStrategies).toEqual(['glibc', 'glibc', 'glibc', 'glibc'])
    expect(result.observed).toBe(result.expected)
    expect(result.perCpu.reduce((total, cell) => total + BigInt(cell), 0n)).toBe(BigInt(result.expected))
  })

  it('sums exactly indexed by mm_cid', async () => {
    const result = await addFromWorkers([...FOUR_BY_250K, '--index', 'mmcid'])
    expect(result.observed).toBe(result.expected)
  })

  it("sums exactly on the package's own registrations (glibc's off)", async () => {
    const result = await addFromWorkers(FOUR_BY_250K, { env: GLIBC_RSEQ_OFF })
    expect(result.workerStrategies).toEqual(['own', 'own', 'own', 'own'])
    expect(result.observed).toBe(result.expected)
  })

  it('sums exactly in fallback under a seccomp filter answering ENOSYS', async () => {
    const result = await addFromWorkers(FOUR_BY_250K, { launcher: [seccompLauncher(), 'ENOSYS'] })
    expect(result.workerStrategies).toEqual(['fallback', 'fallback', 'fallback', 'fallback'])
    expect(result.observed).toBe(result.expected)
  })

  it('sums exactly on the portable path, in a process that cannot load the addon (node --no-addons)', async () => {
    const result = await addFromWorkers(FOUR_BY_250K, { nodeArgs: ['--no-addons'] })
    expect([result.mainStrategy, ...result.workerStrategies]).toEqual(['portable', 'portable', 'portable', 'portable', 'portable'])
    expect(result.observed).toBe(result.expected)
    expect(result.perCpu.reduce((total, cell) => total + BigInt(cell), 0n)).toBe(BigInt(result.expected))
  })

  it('sums exactly with the main thread on the addon and workers on the portable path, where drains exchange', async () => {
    // seccomp's ENOSYS for rseq and membarrier leaves neither rseq nor the fence: the addon lays buffers out
    // for exchange drains, as the portable path does, so both attach to one buffer.
    const launcher = [seccompLauncher(), 'ENOSYS:rseq,membarrier']
    const result = await addFromWorkers([...FOUR_BY_250K, '--worker-strategy', 'portable'], { launcher })
    expect([result.mainStrategy, ...result.workerStrategies]).toEqual(['fallback', 'portable', 'portable', 'portable', 'portable'])
    expect(result.observed).toBe(result.expected)
  })

  it('refuses to attach a portable worker to a buffer laid out for the rseq fence, saying why', async () => {
    const result = await runNode('percpu-workers.cjs', [...FOUR_BY_250K, '--worker-strategy', 'portable'])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(
      /`buffer` was laid out for another drain mode than this thread's 'exchange' \(.*the native build is loaded while this one runs the portable path/,
    )
  })

  it('sums exactly when the main thread falls back and workers run rseq on the same buffer', async () => {
    const result = await addFromWorkers(FOUR_BY_250K, { env: { RSEQ_STRATEGY: 'fallback' } })
    expect(result.mainStrategy).toBe('fallback')
    expect(result.observed).toBe(result.expected)
  })
})

describe('4 workers x 250,000 add() on two cells of one PerCpuArray', () => {
  it.each(['cpu', 'mmcid'])('sums each cell exactly, indexed by %s', async (index) => {
    const result = await addFromWorkers([...FOUR_BY_250K, '--kind', 'array', '--index', index])
    expect(result.observed).toBe(result.expected)
    expect(result.secondCell).toBe(String(4 * 250_000))
  })
})
