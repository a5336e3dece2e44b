// Highest possible CPU number + 1, read as the native side reads it (native/percpu/percpu_layout.cc), so
// that buffers made on either path have the same slots: /sys/devices/system/cpu/possible ("0-7", "0,2-3"),
// else the CPUs the runtime reports (Deno allows neither /sys nor os.cpus() short of --allow-all and
// --allow-sys, but always answers navigator.hardwareConcurrency).
import { readFileSync } from 'node:fs'
import * as os from 'node:os'

export function readPossibleCpus(): number {
  try {
    const numbers = readFileSync('/sys/devices/system/cpu/possible', 'latin1').match(/\d+/g)
    if (numbers !== null) return Math.max(...numbers.map(Number)) + 1
  } catch {
    // not Linux, or not allowed to read /sys: count what the runtime sees
  }
  try {
    return Math.max(1, os.cpus().length)
  } catch {
    const navigator = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    return Math.max(1, navigator?.hardwareConcurrency ?? 1)
  }
}
