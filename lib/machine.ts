// What a diagnosis or a benchmark report says about the host.
import * as os from 'node:os'

export interface Machine {
  kernel: string
  arch: string
  cpuModel: string
  cpus: number
  memoryGiB: number
  node: string
  glibc: string | null
}

/** glibc's version as Node's diagnostic report reads it at run time, or null on another C library. */
export function glibcVersion(): string | null {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
  return report?.header?.glibcVersionRuntime ?? null
}

export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    kernel: os.release(),
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    glibc: glibcVersion(),
  }
}
