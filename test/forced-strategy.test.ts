// RSEQ_STRATEGY forces a strategy; one that the thread cannot have fails loudly, never silently.
import { describe, expect, it } from 'vitest'
import { runNode } from './helpers/run-node'
import { GLIBC_RSEQ_OFF, agreesWithGetcpuSyscall, threadReport } from './helpers/thread-report'

describe('RSEQ_STRATEGY', () => {
  it('=fallback forces atomics on every thread even where glibc registered rseq', async () => {
    const report = await threadReport({ env: { RSEQ_STRATEGY: 'fallback' }, workers: 1 })
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(thread.strategy).toBe('fallback')
      expect(thread.errno).toBeNull()
      expect(thread.reason).toMatch(/RSEQ_STRATEGY=fallback/)
      expect(agreesWithGetcpuSyscall(thread)).toBe(true)
    }
  })

  it('=own while glibc owns the area makes loading fail with an error that says what to do', async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_STRATEGY: 'own' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/RSEQ_STRATEGY=own cannot be honoured: glibc already registered rseq/)
    expect(result.stderr).toMatch(/GLIBC_TUNABLES=glibc\.pthread\.rseq=0/)
  })

  it("=own with glibc's registration off is honoured", async () => {
    const report = await threadReport({ env: { ...GLIBC_RSEQ_OFF, RSEQ_STRATEGY: 'own' }, workers: 1 })
    expect(report.main.strategy).toBe('own')
    expect(report.firstRound[0].strategy).toBe('own')
  })

  it("=glibc with glibc's registration off fails to load, naming what the thread would use", async () => {
    const result = await runNode('thread-report.cjs', [], { env: { ...GLIBC_RSEQ_OFF, RSEQ_STRATEGY: 'glibc' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/RSEQ_STRATEGY=glibc cannot be honoured on this thread, which would use 'own'/)
  })

  it('=legacy without an early adopter fails to load and registers nothing', async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_STRATEGY: 'legacy' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/RSEQ_STRATEGY=legacy cannot be honoured/)
  })

  it('rejects an unknown value with a TypeError listing the valid ones', async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_STRATEGY: 'fastest' } })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(
      /TypeError: RSEQ_STRATEGY must be one of glibc, own, legacy, fallback, portable \(or unset\); got 'fastest'/,
    )
  })

  it('=portable takes the portable path on every thread although the native build would load', async () => {
    const report = await threadReport({ env: { RSEQ_STRATEGY: 'portable' }, workers: 1 })
    for (const thread of [report.main, report.firstRound[0]]) {
      expect([thread.strategy, thread.registered, thread.errno]).toEqual(['portable', false, null])
      expect(thread.reason).toMatch(/^RSEQ_STRATEGY=portable: the native build is not loaded/)
    }
  })

  it("=glibc where no addon can load (node --no-addons) fails to load, naming the loader's error", async () => {
    const result = await runNode('thread-report.cjs', [], { env: { RSEQ_STRATEGY: 'glibc' }, nodeArgs: ['--no-addons'] })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toMatch(/Error: RSEQ_STRATEGY=glibc needs the native build, which is not loaded: .*loading addons is disabled/)
  })

  it('=fallback where no addon can load takes the portable path, which has no rseq either, and says so', async () => {
    const report = await threadReport({ env: { RSEQ_STRATEGY: 'fallback' }, nodeArgs: ['--no-addons'], workers: 1 })
    expect([report.main.strategy, report.firstRound[0].strategy]).toEqual(['portable', 'portable'])
    expect(report.main.reason).toMatch(
      /^RSEQ_STRATEGY=fallback asks for no rseq; with no native build loaded, the portable JavaScript path runs/,
    )
  })
})

describe('RSEQ_CALL_PATH', () => {
  const callPathOf = async (env: Record<string, string>) =>
    runNode('thread-report.cjs', [], { env: { ...env } }).then((result) => ({
      ...result,
      path: /"callPath":"([^"]+)"/.exec(result.stdout)?.[1],
    }))

  it('is V8 fast calls in this Node, also when insisted on (=fast), and N-API with =napi', async () => {
    expect((await callPathOf({})).path).toBe('v8:fast')
    expect((await callPathOf({ RSEQ_CALL_PATH: 'fast' })).path).toBe('v8:fast')
    expect((await callPathOf({ RSEQ_CALL_PATH: 'napi' })).path).toBe('napi')
  })

  it('=ffi in Node fails to load, naming the way Node has instead', async () => {
    const result = await callPathOf({ RSEQ_CALL_PATH: 'ffi' })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(
      "RSEQ_CALL_PATH=ffi needs Bun's bun:ffi or Deno's Deno.dlopen; Node's fast way is RSEQ_CALL_PATH=fast (V8 fast API calls)",
    )
  })

  it('refuses a value it does not know, naming the ones it does', async () => {
    const result = await callPathOf({ RSEQ_CALL_PATH: 'fastest' })
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain("RSEQ_CALL_PATH must be one of napi, fast, ffi (or unset); got 'fastest'")
  })
})
