// One store, many writers: threads of one process on every path, processes of node:cluster with one killed
// and one on atomics, processes creating the same store and series at once, and writers SIGKILLed at
// random while adding and creating series. Every add that returned is counted once, and nothing else.
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricStore } from '../lib'
import { cleanEnvironment, fixturesDir, runNode, runNodeJson } from './helpers/run-node'
import { GLIBC_RSEQ_OFF } from './helpers/thread-report'

const directory = path.join('/dev/shm', `rseq-store-processes-${process.pid}`)
const at = (name: string) => path.join(directory, name)

beforeAll(() => fs.mkdirSync(directory, { recursive: true }))
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }))

interface ThreadsResult {
  expected: string
  observed: string
  expectedObservations: string
  observations: string
  expectedSum: string
  sum: string
  series: number
  strategies: string[]
}

describe('an in-process store shared by workers', () => {
  it.each([['cpu'], ['mmcid']])(
    'is exact with rseq, fallback and portable workers adding and observing at once (index %s)',
    async (index) => {
      const result = await runNodeJson<ThreadsResult>('store-threads.cjs', ['--adds', '100000', '--index', index])
      expect(result.strategies).toEqual(['glibc', 'fallback', 'portable', 'glibc'])
      expect(result.observed).toBe(result.expected)
      expect(result.observations).toBe(result.expectedObservations)
      expect(result.sum).toBe(result.expectedSum)
      expect(result.series).toBe(4)
    },
  )
})

interface ClusterResult {
  expected: number
  acked: number
  observed: number
  series: string[]
  strategies: string[]
  victimSignal: string | null
}

describe('8 node:cluster workers adding to one host-wide store, read by the primary with no IPC', () => {
  it('count every add exactly, in the 4 series all of them made at once', async () => {
    const result = await runNodeJson<ClusterResult>('store-cluster.cjs', [at('cluster.metrics'), '--workers', '8', '--adds', '100000'], {
      timeoutMs: 120_000,
    })
    expect(result.strategies).toEqual(Array(8).fill('glibc'))
    expect(result.observed).toBe(800_000)
    expect(result.series).toEqual(['/', '/a', '/b', '/c'])
  })

  it.each([
    ['one of them SIGKILLed halfway', ['--kill-one'], [...Array(7).fill('glibc')]],
    [
      'one SIGKILLed and one on atomics (RSEQ_STRATEGY=fallback)',
      ['--kill-one', '--fallback-one'],
      [...Array(6).fill('glibc'), 'fallback'],
    ],
  ])('keep every add the killed worker completed, with %s', async (_name, flags, strategies) => {
    const result = await runNodeJson<ClusterResult>(
      'store-cluster.cjs',
      [at(`cluster-${flags.join('')}.metrics`), '--workers', '8', '--adds', '100000', ...flags],
      { timeoutMs: 120_000 },
    )
    expect(result.victimSignal).toBe('SIGKILL')
    expect(result.strategies).toEqual(['killed', ...strategies])
    expect(result.acked).toBeGreaterThanOrEqual(50_000)
    expect(result.acked).toBeLessThan(100_000)
    // Its acknowledged adds are all there; the one it may have made before the kill stopped its ack, at most.
    expect(result.observed - result.expected).toBeGreaterThanOrEqual(0)
    expect(result.observed - result.expected).toBeLessThanOrEqual(1)
    expect(result.series).toEqual(['/', '/a', '/b', '/c'])
  })
})

describe('processes opening a store that does not exist yet, all at once', () => {
  it('end up in one store with one series per label set', async () => {
    const file = at('raced.metrics')
    const runs = await Promise.all(Array.from({ length: 8 }, () => runNode('store-writer.cjs', [file, 'add', '1000'])))
    for (const run of runs) expect(run.stderr).toBe('')
    const store = MetricStore.open(file)
    const [requests] = store.collect()
    expect(requests.series).toHaveLength(16)
    expect(requests.series.reduce((sum, series) => sum + (series.value as bigint), 0n)).toBe(8000n)
    expect(store.usage().metrics.used).toBe(1)
  })
})

describe('processes making the same new series at the same moment', () => {
  it("make each one series: whoever loses the race for a directory slot finds the winner's record there", async () => {
    const file = at('series-race.metrics')
    MetricStore.open(file)
    const startAt = String(Date.now() + 1500)
    const runs = await Promise.all(Array.from({ length: 4 }, () => runNode('store-writer.cjs', [file, 'race', startAt, '2000'])))
    for (const run of runs) expect(run.stderr).toBe('')
    // The races happened: racers wrote records for series another racer published first, and used theirs.
    const racesLost = runs.reduce((sum, run) => sum + JSON.parse(run.stdout).racesLost, 0)
    expect(racesLost).toBeGreaterThan(0)
    const store = MetricStore.open(file)
    const raced = store.collect()[0].series.filter((series) => series.labels.shard.startsWith('race-'))
    expect(raced).toHaveLength(2000)
    expect(raced.every((series) => series.value === 4n)).toBe(true)
    // The losers gave back the series they counted for records nobody uses.
    expect(store.usage().series.used).toBe(16 + 2000)
  })
})

describe('a process killed in the middle of making a series', () => {
  it.each(['before', 'after'])('%s publishing it leaves a store every other process uses, with that series once at most', async (when) => {
    const file = at(`die-creating-${when}.metrics`)
    MetricStore.open(file)
      .counter('requests_total', { labelNames: ['shard'] })
      .add(1, { shard: 'existing' })
    const died = await runNode('store-writer.cjs', [file, 'die-creating', when])
    expect(died.status).toBeNull()
    const shards = () =>
      MetricStore.open(file)
        .collect()[0]
        .series.map((series) => [series.labels.shard, series.value])
    // Killed before the compare-and-exchange: nobody can reach its record. After: its series is there, empty.
    const doomed = when === 'before' ? [] : [['doomed', 0n]]
    expect(shards().filter(([shard]) => !/^\d+$/.test(String(shard)))).toEqual([['existing', 1n], ...doomed])
    await runNode('store-writer.cjs', [file, 'add', '16'])
    const store = MetricStore.open(file)
    store.counter('requests_total', { labelNames: ['shard'] }).add(5, { shard: 'doomed' })
    expect(shards().filter(([shard]) => !/^\d+$/.test(String(shard)))).toEqual([
      ['existing', 1n],
      ['doomed', 5n],
    ])
  })
})

/** A writer that acknowledges each add with a byte on stdout, and how many it acknowledged so far. */
interface Writer {
  child: ChildProcess
  acked: number
  done: Promise<void>
}

function startWriter(file: string, env: Record<string, string>): Writer & { strategy: Promise<string> } {
  const child = spawn(process.execPath, [path.join(fixturesDir, 'store-writer.cjs'), file, 'acked'], {
    env: cleanEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let told: (strategy: string) => void
  const writer = { child, acked: 0, done: Promise.resolve(), strategy: new Promise<string>((resolve) => (told = resolve)) }
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
    const said = /^strategy (\w+)\n/.exec(stderr)
    if (said) told(said[1])
  })
  child.stdout!.on('data', (chunk: Buffer) => (writer.acked += chunk.length))
  writer.done = new Promise((resolve, reject) => {
    child.once('close', (_code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`writer ended with ${_code ?? signal}:\n${stderr}`)),
    )
  })
  return writer
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('writers SIGKILLed at random times while adding and creating series', () => {
  it('leave every acknowledged add in the store, at most one more per kill, and a store others still use', async () => {
    const file = at('crash.metrics')
    // Every writer makes a series every 64 adds: room enough for however fast this machine adds.
    MetricStore.open(file, { capacity: { series: 1 << 20, cells: 1 << 20, directoryBytes: 1 << 26 } })
    // Four lanes, each restarted after every kill: two on glibc's rseq, one on the package's own, one on atomics.
    const lanes: Array<[Record<string, string>, string]> = [
      [{}, 'glibc'],
      [{}, 'glibc'],
      [GLIBC_RSEQ_OFF, 'own'],
      [{ RSEQ_STRATEGY: 'fallback' }, 'fallback'],
    ]
    const finished: Writer[] = []
    let random = 0x2545f491
    const nextRandom = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32
    await Promise.all(
      lanes.map(async ([env, strategy]) => {
        for (let round = 0; round < 6; round++) {
          const writer = startWriter(file, env)
          expect(await writer.strategy).toBe(strategy)
          // Killed at a random moment once it is adding (its start takes longer than the loop under load).
          while (writer.acked === 0) await sleep(5)
          await sleep(nextRandom() * 300)
          writer.child.kill('SIGKILL')
          await writer.done
          finished.push(writer)
        }
      }),
    )
    const acknowledged = finished.reduce((sum, writer) => sum + writer.acked, 0)
    expect(finished.every((writer) => writer.acked > 0)).toBe(true)
    const store = MetricStore.open(file)
    const requests = store.collect().find((metric) => metric.name === 'requests_total')!
    const total = Number(requests.series.reduce((sum, series) => sum + (series.value as bigint), 0n))
    expect(total - acknowledged).toBeGreaterThanOrEqual(0)
    expect(total - acknowledged).toBeLessThanOrEqual(finished.length)
    // One series per label set, however many processes made it at once or died making it.
    const labelSets = requests.series.map((series) => series.labels.shard)
    expect(new Set(labelSets).size).toBe(labelSets.length)
    expect(labelSets.filter((shard) => !shard.includes('-')).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 16 }, (_, shard) => String(shard)),
    )
    // Still usable: a new series and adds by a new process, read back exactly.
    const after = await runNodeJson<{ total: string }>('store-writer.cjs', [file, 'add', '1000'])
    expect(BigInt(after.total)).toBe(BigInt(total) + 1000n)
  }, 120_000)
})
