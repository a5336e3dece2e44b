// A corrupted CPU index cannot make a critical section write outside the buffer: the sequence itself
// checks the index it read against the slot count before any store.
import { describe, expect, it } from 'vitest'
import { PerCpuCounter } from '../lib'
import { addWithForgedIndex } from '../lib/internal'
import { possibleCpus } from '../lib/percpu/this-process'

const OUT_OF_RANGE = -2

describe('the add sequence fed a forged CPU index', () => {
  it.each([
    ['the slot count', possibleCpus],
    ['2^31', 2 ** 31],
    ['RSEQ_CPU_ID_UNINITIALIZED (-1 as u32)', 0xffffffff],
    ['RSEQ_CPU_ID_REGISTRATION_FAILED (-2 as u32)', 0xfffffffe],
  ])('rejects %s without writing', (_label, index) => {
    const counter = new PerCpuCounter()
    const before = new Uint8Array(counter.buffer).slice()
    expect(addWithForgedIndex(counter, 0, 1, index)).toBe(OUT_OF_RANGE)
    expect(new Uint8Array(counter.buffer)).toEqual(before)
  })

  it('writes to exactly the slot it was given when the index is in range', () => {
    const counter = new PerCpuCounter()
    const last = possibleCpus - 1
    expect(addWithForgedIndex(counter, 0, 5, last)).toBe(last)
    expect(counter.perCpu()[last]).toBe(5n)
    expect(counter.bigValue()).toBe(5n)
  })
})
