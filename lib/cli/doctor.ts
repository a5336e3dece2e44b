// `rseq doctor`: what this host offers rseq and what the package decided, on the main thread and in a
// worker, with a verdict a person can act on.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'
import { native, nativeFile } from '../binding/chosen-binding'
import { describeMachine, type Machine } from './host-description'
import { formatStores, listStores, type StoreListing } from '../store/store-listing'
import { threadInfo } from '../registration/thread-rseq'
import type { RseqInfo } from '../binding/rseq-info'

export interface ThreadDiagnosis extends RseqInfo {
  currentCpu: number
  currentMmCid: number
  currentNumaNode: number
}

export interface Diagnosis {
  machine: Machine
  /** The native build the main thread loaded, relative to the package (a prebuild or build/Release), or null. */
  nativeBuild: string | null
  kernel: {
    release: string
    /** rseq(2) exists and answers (a harmless call returned EINVAL, not ENOSYS). */
    hasRseq: boolean
    /** The errno of that harmless call: EINVAL (implemented), ENOSYS (missing), EPERM (refused). */
    probe: string
    featureSize: number
    alignment: number
  }
  glibc: {
    version: string | null
    /** __rseq_offset / __rseq_size / __rseq_flags, or null where the C library does not export them. */
    symbols: RseqInfo['glibc']
    /** The value of glibc.pthread.rseq in GLIBC_TUNABLES, or null when it is not set. */
    tunable: string | null
  }
  seccomp: {
    /** From /proc/self/status: 0 none, 1 strict, 2 filter; null where the kernel does not say. */
    mode: number | null
    filters: number | null
    active: boolean
  }
  mainThread: ThreadDiagnosis
  worker: ThreadDiagnosis | { error: string }
  /** The calling user's host-wide metric stores in /dev/shm. */
  stores: StoreListing[]
  verdict: { ok: boolean; text: string }
}

function statusField(status: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)
  return match ? Number(match[1]) : null
}

function seccompState(): Diagnosis['seccomp'] {
  let status = ''
  try {
    status = readFileSync('/proc/self/status', 'utf8')
  } catch {
    // not Linux procfs: nothing to report
  }
  const mode = statusField(status, 'Seccomp')
  return { mode, filters: statusField(status, 'Seccomp_filters'), active: mode !== null && mode > 0 }
}

function glibcTunable(): string | null {
  const match = /(?:^|:)glibc\.pthread\.rseq=([^:]*)/.exec(process.env.GLIBC_TUNABLES ?? '')
  return match ? match[1] : null
}

/** This thread's decision and where it runs now. */
export function diagnoseThisThread(): ThreadDiagnosis {
  // Loaded lazily so that a worker started from this file attaches in its own thread.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily so that a worker started from this file attaches in its own thread
  const cpu = require('../registration/current-cpu') as typeof import('../registration/current-cpu')
  return {
    ...threadInfo,
    glibc: threadInfo.glibc === null ? null : { ...threadInfo.glibc },
    currentCpu: cpu.currentCpu(),
    currentMmCid: cpu.currentMmCid(),
    currentNumaNode: cpu.currentNumaNode(),
  }
}

function diagnoseWorker(): Promise<ThreadDiagnosis | { error: string }> {
  return new Promise((resolve) => {
    const worker = new Worker(path.join(__dirname, 'doctor-worker.js'))
    worker.once('message', (diagnosis: ThreadDiagnosis) => resolve(diagnosis))
    worker.once('error', (error) => resolve({ error: String(error.message) }))
  })
}

function verdictFor(main: ThreadDiagnosis, worker: ThreadDiagnosis | { error: string }): Diagnosis['verdict'] {
  const live = (thread: ThreadDiagnosis) => thread.strategy === 'glibc' || thread.strategy === 'own'
  if ('error' in worker) return { ok: false, text: `a worker could not load the package: ${worker.error}` }
  if (main.strategy === 'portable')
    return { ok: false, text: `rseq is not used: no native build is loaded (counters stay exact, only slower). ${main.reason}` }
  if (live(main) && live(worker)) {
    return { ok: true, text: `OK: rseq is live (${main.strategy} on the main thread, ${worker.strategy} in workers).` }
  }
  const odd = live(main) ? worker : main
  const where = odd === main ? 'the main thread' : 'workers'
  if (odd.strategy === 'legacy') {
    return { ok: true, text: `rseq is live on ${where} through an early adopter's __rseq_abi (legacy): ${odd.reason}` }
  }
  return { ok: false, text: `rseq is not used on ${where} (fallback; counters stay exact, only slower). ${odd.reason}` }
}

export async function diagnose(): Promise<Diagnosis> {
  const probe = native.kernelProbe()
  const machine = describeMachine()
  const mainThread = diagnoseThisThread()
  const worker = await diagnoseWorker()
  return {
    machine,
    nativeBuild: nativeFile,
    kernel: {
      release: machine.kernel,
      hasRseq: probe.available,
      probe: probe.syscall,
      featureSize: probe.featureSize,
      alignment: probe.alignment,
    },
    glibc: { version: machine.glibc, symbols: mainThread.glibc, tunable: glibcTunable() },
    seccomp: seccompState(),
    mainThread,
    worker,
    stores: listStores(),
    verdict: verdictFor(mainThread, worker),
  }
}

function threadLines(title: string, thread: ThreadDiagnosis | { error: string }): string[] {
  if ('error' in thread) return [`${title}: could not load the package: ${thread.error}`]
  return [
    `${title}:`,
    `  strategy          ${thread.strategy}${thread.errno ? ` (${thread.errno})` : ''}`,
    `  reason            ${thread.reason}`,
    `  registration      ${thread.registration ? `${thread.registration.length} bytes, ${thread.registration.mode} mode` : 'none'}`,
    `  mm_cid            ${thread.mmCid ? `filled (now ${thread.currentMmCid})` : 'not available'}`,
    `  node_id           ${thread.numaNode ? `filled (now ${thread.currentNumaNode})` : 'not available'}`,
    `  current CPU       ${thread.currentCpu}`,
    `  call path         ${thread.callPath}`,
  ]
}

// What each drain mode means for drain() and drainCell(); all three are exact.
const DRAIN_TEXT: Record<RseqInfo['drain'], string> = {
  fence: 'rseq fence registered (membarrier PRIVATE_EXPEDITED_RSEQ): drains flip sets and fence',
  exchange: 'no rseq fence, and no thread can have rseq: drains use atomic exchange',
  snapshot: 'no rseq fence (Linux < 5.10 or membarrier refused): drains keep snapshots, exact but memory never resets',
}

// What the process's restart self-test found, for a person.
function selfTestText(test: RseqInfo['selfTest']): string {
  const cost = `${(test.microseconds / 1000).toFixed(2)} ms`
  switch (test.verdict) {
    case 'restarts':
      return `passed: ${test.detail} (${cost})`
    case 'does-not-restart':
      return `FAILED: ${test.detail}; every thread uses the atomics fallback (${cost})`
    case 'inconclusive':
      return `inconclusive: ${test.detail}; every thread uses the atomics fallback unless RSEQ_STRATEGY forces rseq (${cost})`
    default:
      return `not run: ${test.detail}`
  }
}

export function formatDiagnosis(diagnosis: Diagnosis): string {
  const { kernel, glibc, seccomp, machine } = diagnosis
  const symbols = glibc.symbols
    ? `__rseq_offset ${glibc.symbols.offset}, __rseq_size ${glibc.symbols.size}, __rseq_flags ${glibc.symbols.flags}`
    : 'not exported (glibc < 2.35 or another C library)'
  return [
    'rseq doctor',
    `runtime           ${machine.runtime.name} ${machine.runtime.version}${machine.runtime.name === 'node' ? '' : ` (process.version ${machine.node})`}`,
    `native build      ${diagnosis.nativeBuild ?? 'none loaded: the portable JavaScript path runs'}`,
    `kernel            ${kernel.release}, rseq(2) ${kernel.hasRseq ? 'implemented' : `not usable (${kernel.probe})`}`,
    `auxv              AT_RSEQ_FEATURE_SIZE ${kernel.featureSize || 'not provided'}, AT_RSEQ_ALIGN ${kernel.alignment || 'not provided'}`,
    `glibc             ${glibc.version ?? 'not glibc'}; ${symbols}`,
    `tunable           glibc.pthread.rseq=${glibc.tunable ?? '(not set)'}`,
    `drain             ${DRAIN_TEXT[diagnosis.mainThread.drain]}`,
    `self-test         ${selfTestText(diagnosis.mainThread.selfTest)}`,
    `seccomp           ${seccomp.active ? `filter active (mode ${seccomp.mode}, ${seccomp.filters ?? '?'} filters)` : seccomp.mode === null ? 'unknown' : 'none'}`,
    ...threadLines('main thread', diagnosis.mainThread),
    ...threadLines('worker', diagnosis.worker),
    ...formatStores(diagnosis.stores),
    `verdict           ${diagnosis.verdict.text}`,
  ].join('\n')
}
