// The shape printed by fixtures/thread-report.cjs, and how tests run it.
import type { RseqInfo } from '../../lib/binding/rseq-info'
import { runNodeJson, type RunOptions } from './run-node'

export interface ThreadReport extends RseqInfo {
  cpu: number
  mmCidValue: number
  numaNodeValue: number
  samples: number
  agreed: number
  outOfRange: number
  liveOwn: number
  /** rseq(2)'s answers to registering the thread's area again with its reported signature and another; null in fallback. */
  kernelAnswers: { reported: string | null; other: string | null }
}

export interface ProcessReport {
  main: ThreadReport
  firstRound: ThreadReport[]
  /** Worker count by strategy, or strategy/errno where registration failed. */
  strategies: Record<string, number>
  workerErrors: number
  maxLiveOwn: number
  liveOwnAfterExit: number
}

export function threadReport(options: RunOptions & { workers?: number; rounds?: number; samples?: number } = {}): Promise<ProcessReport> {
  const args = ['--workers', String(options.workers ?? 1), '--rounds', String(options.rounds ?? 1)]
  if (options.samples !== undefined) args.push('--samples', String(options.samples))
  return runNodeJson<ProcessReport>('thread-report.cjs', args, options)
}

/** currentCpu() agreed with the getcpu system call (the kernel's own answer) in the vast majority of samples. */
export function agreesWithGetcpuSyscall(report: ThreadReport): boolean {
  return report.outOfRange === 0 && report.agreed >= 0.9 * report.samples
}

export const GLIBC_RSEQ_OFF = { GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }
