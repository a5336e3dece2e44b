// Hooks for this package's tests and benchmarks: not part of the public API and not covered by semver.
import { native } from './binding'

/** rseq areas this package registered itself and has not yet unregistered, process-wide. */
export function liveOwnRegistrations(): number {
  return native.liveOwnRegistrations()
}

/** glibc's sched_getcpu(), called natively: the reference currentCpu() is checked against. */
export function nativeSchedGetcpu(): number {
  return native.calibration.schedGetcpu()
}

/** Raw N-API baselines: an empty call, and a call returning sched_getcpu(). */
export const calibration = native.calibration
