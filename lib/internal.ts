// Hooks for this package's tests and benchmarks: not part of the public API and not covered by semver.
import { native } from './binding/chosen-binding'
import { fastCalls, ffiRefusals as refusals } from './binding/call-path'
import { cellsOf } from './percpu/percpu-cells'
import { races } from './store/store-directory'

/** rseq areas this package registered itself and has not yet unregistered, process-wide. */
export function liveOwnRegistrations(): number {
  return native.liveOwnRegistrations()
}

/**
 * What the kernel answers when this thread's live rseq area is registered again, at its length, with
 * `signature`: 'EBUSY' when it holds the area under that signature, 'EPERM' under another; null in fallback.
 */
export function registrationAnswer(signature: number): string | null {
  return native.registrationAnswer(signature)
}

/**
 * The getcpu system call itself, neither the vDSO nor the rseq area: the kernel's own answer, the reference
 * currentCpu() and the views over the rseq area are checked against.
 */
export function getcpuSyscall(): number {
  return native.calibration.getcpuSyscall()
}

/** Raw N-API baselines: an empty call, and a call returning sched_getcpu(). */
export const calibration = native.calibration

/** Aborted critical sections on the calling thread, and in the whole process. */
export function threadAborts(): number {
  return native.threadAborts()
}

export function processAborts(): number {
  return native.processAborts()
}

/**
 * Runs the add sequence on `counterOrArray`'s buffer with a forged CPU index, as if the kernel's cpu_id
 * were corrupted. Returns the sequence's status: the index it wrote to, or -2 when the bounds check
 * rejected the index (nothing written).
 */
export function addWithForgedIndex(counterOrArray: object, cell: number, value: number, index: number): number {
  const cells = cellsOf.get(counterOrArray)
  if (cells === undefined) throw new TypeError('addWithForgedIndex: expected a PerCpuCounter or PerCpuArray')
  return native.addWithForgedIndex(cells.layout, cell, value, index)
}

/**
 * Every critical-section descriptor the addon carries, checked as the kernel would check them: how many
 * there are, how many have the registration signature right before their abort handler, how many keep
 * the handler outside the sequence, how many are well formed (version 0, no flags, non-empty).
 */
export function auditDescriptors(): { descriptors: number; signatureMatches: number; handlerOutside: number; wellFormed: number } {
  return native.auditDescriptors()
}

/**
 * Calls of the FFI entry points (Bun's and Deno's call path) this thread made again through N-API because
 * the entry point refused them: 0 after valid calls shows the FFI did the work.
 */
export function ffiRefusals(): number {
  return refusals.count
}

/**
 * The fast and slow entries this thread made into the fast-calls addon where it is the test build that counts
 * them (-DRSEQ_TEST_COUNT_FAST_CALLS); null otherwise.
 */
export function fastCallEntries(): { fast: number; slow: number } | null {
  const counts = fastCalls?.entryCounts?.()
  return counts === undefined ? null : { fast: counts[0], slow: counts[1] }
}

/** Store records this thread wrote and gave back because another process or thread published the same series first. */
export function storeRacesLost(): number {
  return races.lost
}
