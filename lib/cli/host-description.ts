// What a diagnosis or a benchmark report says about the host and the JavaScript runtime running it.
import * as os from 'node:os'
import { native } from '../binding/chosen-binding'

export interface Runtime {
  /** 'node', 'bun' or 'deno': Bun and Deno also answer process.version, with the Node version they mimic. */
  name: 'node' | 'bun' | 'deno'
  version: string
}

export interface Machine {
  kernel: string
  arch: string
  cpuModel: string
  cpus: number
  memoryGiB: number
  runtime: Runtime
  /** process.version: the Node release, or the one Bun or Deno claims to be compatible with. */
  node: string
  glibc: string | null
}

declare const Deno: { version: { deno: string } } | undefined

export function describeRuntime(): Runtime {
  if (typeof Deno !== 'undefined') return { name: 'deno', version: Deno.version.deno }
  const bun = (process.versions as Record<string, string | undefined>).bun
  if (bun !== undefined) return { name: 'bun', version: bun }
  return { name: 'node', version: process.versions.node }
}

/**
 * glibc's version as the loaded C library states it (gnu_get_libc_version), or null on another C
 * library. Not Node's diagnostic report: other runtimes fill that header with a value of their own.
 */
export function glibcVersion(): string | null {
  return native.glibcVersion()
}

export function describeMachine(): Machine {
  const cpus = os.cpus()
  return {
    kernel: os.release(),
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    runtime: describeRuntime(),
    node: process.version,
    glibc: glibcVersion(),
  }
}
