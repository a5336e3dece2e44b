// The options object the per-CPU constructors take.
import type { IndexKind } from '../layout/percpu-layout'

export interface PerCpuOptions {
  /**
   * What picks a slot: `cpu` (the CPU number, the default) or `mmcid` (the per-process concurrency id
   * of Linux >= 6.3, dense and bounded by the thread count: fewer slots touched when few threads run).
   * Where the kernel does not fill mm_cid, operations take the exact atomics path.
   */
  index?: IndexKind
}

export function readIndexOption(options: unknown, caller: string): IndexKind {
  if (options === undefined) return 'cpu'
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${caller}: \`options\` must be an object or undefined`)
  }
  const index = (options as PerCpuOptions).index
  if (index === undefined) return 'cpu'
  if (index !== 'cpu' && index !== 'mmcid') {
    throw new TypeError(`${caller}: \`options.index\` must be 'cpu' or 'mmcid', got ${JSON.stringify(index)}`)
  }
  return index
}
