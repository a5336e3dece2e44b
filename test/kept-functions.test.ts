// A function kept from a per-CPU object keeps that object's memory: the native state behind a counter's
// `add`, a histogram's `observe` and every other function that can write into a buffer holds a reference
// to the buffer, so calling the function after the object and its buffer became unreachable still writes
// into that buffer and nowhere else; and once the last such function is gone, the buffer is freed.
// Counters, histograms and a store's series keep native functions (a counter attached with from() in a worker too); an array's
// methods and prom-client's metrics are kept bound to their objects, which hold the buffer: the same
// specification for every class, whichever side keeps the memory.
import { beforeAll, describe, expect, it } from 'vitest'
import { native } from '../lib/binding/chosen-binding'
import * as rseq from '../lib'
import { instrumentedPackage } from './helpers/instrumented-package'
import { runCommandOk, runNode } from './helpers/run-node'

const KINDS = ['counter', 'histogram', 'array', 'store-series', 'prom-client', 'worker-counter'] as const
const OBJECTS = 50

interface Kept {
  kind: string
  objects: number
  calls: number
  changedWords: number
  freshBuffers: number
  collectedWhileKept: number
  collectedAfterDrop: number
}

async function keep(kind: string, env: Record<string, string> = {}): Promise<{ status: number | null; stderr: string; kept: Kept | null }> {
  const result = await runNode('kept-functions.cjs', ['--kind', kind, '--objects', String(OBJECTS)], { env, nodeArgs: ['--expose-gc'] })
  const line = result.stdout.trim().split('\n').pop()
  return { status: result.status, stderr: result.stderr, kept: result.status === 0 && line ? (JSON.parse(line) as Kept) : null }
}

describe.each(KINDS)('the kept functions of a %s whose object and buffer were dropped', (kind) => {
  it('write only into that buffer and the process exits 0', async () => {
    const { status, stderr, kept } = await keep(kind)
    expect(status, stderr).toBe(0)
    expect(kept!.calls).toBe(OBJECTS * 1000)
    expect(kept!.freshBuffers).toBe(OBJECTS * 4)
    expect(kept!.changedWords).toBe(0)
  })

  it('keep the buffer allocated while they live and let it go after them', async () => {
    const { kept } = await keep(kind)
    expect(kept!.collectedWhileKept).toBe(0)
    // All of them but, at most, the last one or two that V8 may still hold from the loop that called them.
    expect(kept!.collectedAfterDrop).toBeGreaterThanOrEqual(OBJECTS - 2)
  })
})

// ASan cannot see the stores of the hand-written sequences, but it sees every atomic of the fallback: a
// kept function writing freed memory there is a heap-use-after-free report. The rseq path runs too, under
// ASan's allocator, whose quarantine keeps freed blocks poisoned instead of reusing them.
describe('the same under AddressSanitizer (the addon built with -fsanitize=address, node with libasan preloaded)', () => {
  let asan: string
  let libasan: string
  beforeAll(async () => {
    libasan = (await runCommandOk('g++', ['-print-file-name=libasan.so'])).trim()
    asan = await instrumentedPackage('-fsanitize=address -fno-omit-frame-pointer', '-fsanitize=address')
  }, 600_000)

  it.each(
    KINDS.flatMap((kind) => [
      [kind, 'fallback'],
      [kind, 'auto'],
    ]),
  )('%s, strategy %s: no report, exit 0', async (kind, strategy) => {
    const env = { RSEQ_PACKAGE: asan, LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1', RSEQ_STRATEGY: strategy }
    const { status, stderr, kept } = await keep(kind, env)
    expect(stderr).not.toMatch(/AddressSanitizer/)
    expect(status, stderr).toBe(0)
    expect(kept!.changedWords).toBe(0)
    expect(kept!.collectedWhileKept).toBe(0)
  })
})

describe('the native bind() the classes are built on', () => {
  it('refuses a view over a plain ArrayBuffer, whose memory transfer() could free under a kept reference', () => {
    const shared = new rseq.PerCpuCounter().buffer
    const plain = new ArrayBuffer(shared.byteLength)
    new Uint8Array(plain).set(new Uint8Array(shared)) // a valid header, in memory that can be detached
    expect(() => native.bind(new BigInt64Array(plain))).toThrow(/bind\(view\): `view` must be over a SharedArrayBuffer/)
    expect(() => native.bind(new BigInt64Array(shared))).not.toThrow()
  })
})
