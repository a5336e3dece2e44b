// The abort signature before every handler is the one registered, in every strategy, and a registration
// made with another signature is never run under.
import { describe, expect, it } from 'vitest'
import { auditDescriptors } from '../lib/internal'
import { earlyAdopterLibrary, unknownOwnerLibrary } from './helpers/native-fixtures'
import { GLIBC_RSEQ_OFF, threadReport } from './helpers/thread-report'

const FOREIGN = '0x12345678'

describe('the critical-section descriptors in the addon', () => {
  it('each carry the registration signature right before an abort handler outside the sequence', async () => {
    const audit = auditDescriptors()
    expect(audit.descriptors).toBeGreaterThanOrEqual(2)
    expect(audit.signatureMatches).toBe(audit.descriptors)
    expect(audit.handlerOutside).toBe(audit.descriptors)
    expect(audit.wellFormed).toBe(audit.descriptors)
  })
})

describe('the signature registered in every strategy', () => {
  it.each([
    ['glibc', {}],
    ['own', GLIBC_RSEQ_OFF],
    ['legacy', { ...GLIBC_RSEQ_OFF, LD_PRELOAD: earlyAdopterLibrary() }],
  ])('is the one the kernel holds the area under with %s, and no other', async (strategy, env) => {
    const report = await threadReport({ env, workers: 1 })
    for (const thread of [report.main, report.firstRound[0]]) {
      expect(thread.strategy).toBe(strategy)
      expect(thread.kernelAnswers).toEqual({ reported: 'EBUSY', other: 'EPERM' })
    }
  })
})

describe('a registration made with a foreign signature', () => {
  it('by an early adopter: the thread takes fallback (EPERM) instead of running sequences under it', async () => {
    const report = await threadReport({
      env: { ...GLIBC_RSEQ_OFF, LD_PRELOAD: earlyAdopterLibrary(), EARLY_ADOPTER_SIGNATURE: FOREIGN },
      workers: 1,
    })
    expect(report.main.strategy).toBe('fallback')
    expect(report.main.errno).toBe('EPERM')
    expect(report.main.reason).toMatch(/signature other than/)
    // Threads the early adopter did not register get the shared area registered with the right one.
    expect(report.firstRound[0].strategy).toBe('legacy')
  })

  it('by an unknown owner: the thread takes fallback, never its area', async () => {
    const report = await threadReport({
      env: { ...GLIBC_RSEQ_OFF, LD_PRELOAD: unknownOwnerLibrary(), UNKNOWN_OWNER_SIGNATURE: FOREIGN },
      workers: 1,
    })
    expect(report.main.strategy).toBe('fallback')
    expect(report.main.registered).toBe(false)
  })
})
