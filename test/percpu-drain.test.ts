// drain() and drainCell() take a sum and leave zero exactly while other workers keep adding: four
// workers add until a fifth has drained 1,000 times; what the drains took plus what is left equals what
// the adders finished, in every way a process can drain (the rseq fence, atomic exchange, snapshots).
import { beforeAll, describe, expect, it } from 'vitest'
import { instrumentedPackage } from './helpers/instrumented-package'
import { seccompLauncher } from './helpers/native-fixtures'
import { runNodeJson, type RunOptions } from './helpers/run-node'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

interface DrainResult {
  added: string
  taken: string
  left: string
  otherCellExpected: string
  otherCell: string | null
  nonEmptyDrains: number
  negativeDrains: number
  strategies: string[]
  mainStrategy: string
  fence: boolean
  drain: string
}

function drainWhileAdding(args: string[] = [], options: RunOptions = {}): Promise<DrainResult> {
  return runNodeJson<DrainResult>('drain-workers.cjs', args, options)
}

function expectExact(result: DrainResult): void {
  expect(BigInt(result.taken) + BigInt(result.left)).toBe(BigInt(result.added))
  expect(result.negativeDrains).toBe(0)
  // The drains raced with the adds: most of them found something to take.
  expect(result.nonEmptyDrains).toBeGreaterThan(500)
}

describe('PerCpuCounter.drain() with 4 workers adding and a fifth draining 1,000 times', () => {
  it("is exact behind the rseq fence on glibc's registrations", async () => {
    const result = await drainWhileAdding()
    expect(result.fence).toBe(true)
    expect(result.drain).toBe('fence')
    expect(result.strategies).toEqual(['glibc', 'glibc', 'glibc', 'glibc', 'glibc'])
    expectExact(result)
  })

  it("is exact on the package's own registrations", async () => {
    const result = await drainWhileAdding([], { env: GLIBC_RSEQ_OFF })
    expect(result.strategies).toEqual(['own', 'own', 'own', 'own', 'own'])
    expectExact(result)
  })

  it('is exact indexed by mm_cid', async () => {
    expectExact(await drainWhileAdding(['--index', 'mmcid']))
  })

  it('is exact when every thread adds with atomics (RSEQ_STRATEGY=fallback)', async () => {
    const result = await drainWhileAdding([], { env: { RSEQ_STRATEGY: 'fallback' } })
    expect(result.strategies.every((strategy) => strategy === 'fallback')).toBe(true)
    expectExact(result)
  })

  it('is exact by atomic exchange on the portable path (node --no-addons: no addon can load)', async () => {
    const result = await drainWhileAdding([], { nodeArgs: ['--no-addons'] })
    expect(result.strategies).toEqual(['portable', 'portable', 'portable', 'portable', 'portable'])
    expect([result.mainStrategy, result.drain, result.fence]).toEqual(['portable', 'exchange', false])
    expectExact(result)
  })

  it('is exact by atomic exchange where neither rseq nor the fence exists (seccomp ENOSYS on both)', async () => {
    const result = await drainWhileAdding([], { launcher: [seccompLauncher(), 'ENOSYS:rseq,membarrier'] })
    expect(result.fence).toBe(false)
    expect(result.drain).toBe('exchange')
    expect(result.strategies.every((strategy) => strategy === 'fallback')).toBe(true)
    expectExact(result)
  })

  it('is exact by snapshots where rseq works but the fence does not (a kernel before 5.10)', async () => {
    const result = await drainWhileAdding([], { launcher: [seccompLauncher(), 'ENOSYS:membarrier'] })
    expect(result.fence).toBe(false)
    expect(result.drain).toBe('snapshot')
    expect(result.strategies).toEqual(['glibc', 'glibc', 'glibc', 'glibc', 'glibc'])
    expectExact(result)
  })
})

describe('PerCpuArray.drainCell(cell) with 4 workers adding to two cells and a fifth draining one', () => {
  it.each([
    ['the rseq fence', {}],
    ['snapshots', { launcher: [seccompLauncher(), 'ENOSYS:membarrier'] }],
  ] as Array<[string, RunOptions]>)('is exact by %s and leaves the other cell alone', async (_, options) => {
    const result = await drainWhileAdding(['--kind', 'array'], options)
    expectExact(result)
    expect(result.otherCell).toBe(result.otherCellExpected)
  })
})

describe('the fence is what makes drains exact', () => {
  // Sequences widened by a 2,000-iteration spin between their load and their commit, so that many
  // adds are in flight whenever a drain flips the sets.
  let fenced: string
  let fenceless: string
  beforeAll(async () => {
    fenced = await instrumentedPackage('-DRSEQ_TEST_DELAY=2000')
    fenceless = await instrumentedPackage('-DRSEQ_TEST_DELAY=2000 -DRSEQ_TEST_SKIP_FENCE')
  }, 900_000)

  it('with widened sequences, drains behind the fence stay exact', async () => {
    expectExact(await drainWhileAdding([], { env: { RSEQ_PACKAGE: fenced } }))
  })

  it('the same build skipping the fence miscounts: adds that loaded the retired set commit into it after the drain took it', async () => {
    let miscounted = 0n
    for (let attempt = 0; attempt < 5 && miscounted === 0n; attempt++) {
      const result = await drainWhileAdding([], { env: { RSEQ_PACKAGE: fenceless } })
      expect(result.drain).toBe('fence')
      miscounted = BigInt(result.added) - BigInt(result.taken) - BigInt(result.left)
    }
    expect(miscounted).not.toBe(0n)
  })
})

describe('a drain of one cell takes what earlier drains of other cells left behind', () => {
  // A drain flips the active set; for a buffer of more than one cell it flips once more and takes the
  // cell from the other set too, which may hold adds made before an earlier drain of another cell.
  it('drains cell 2 whole after a drain of cell 0 flipped the sets, leaving it zero', async () => {
    const result = await runNodeJson<{ drain: string; firstDrain: string; secondDrain: string; cell2After: string }>('drain-sets.cjs')
    expect(result).toEqual({ drain: 'fence', firstDrain: '7', secondDrain: '5', cell2After: '0' })
  })

  it('a test build without the second flip leaves cell 2 behind, in the set the first drain made active again', async () => {
    const oneFlip = await instrumentedPackage('-DRSEQ_TEST_SKIP_SECOND_FLIP')
    const result = await runNodeJson<{ secondDrain: string; cell2After: string }>('drain-sets.cjs', [], { env: { RSEQ_PACKAGE: oneFlip } })
    expect(result.secondDrain).toBe('0')
    expect(result.cell2After).toBe('5')
  }, 600_000)
})
