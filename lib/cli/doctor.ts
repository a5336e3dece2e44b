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
    /**
     * What that harmless call found: 'ok' (rseq(2) is there), 'unavailable' (not in this kernel, or not under
     * qemu-user or valgrind), 'refused' (a seccomp filter said no), 'not probed' (no native build is loaded).
     */
    probe: ProbeOutcome
    /** The call's raw answer: EINVAL is the good one (the call is harmless on purpose), ENOSYS, EPERM, ... */
    probeErrno: string | null
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
  /** Whether rseq runs; why, in one sentence; and what to do about it, if anything. */
  verdict: { ok: boolean; text: string; action: string }
}

export type ProbeOutcome = 'ok' | 'unavailable' | 'refused' | 'error' | 'not probed'

/** The outcome of the kernel probe's raw answer (`errno` null: no native build made the call). */
function probeOutcome(errno: string | null): ProbeOutcome {
  if (errno === null) return 'not probed'
  if (errno === 'EINVAL') return 'ok'
  if (errno === 'ENOSYS') return 'unavailable'
  return errno === 'EPERM' || errno === 'EACCES' ? 'refused' : 'error'
}

/** Whether the kernel `release` ("6.18.44-...") is at least major.minor. */
function releaseAtLeast(release: string, major: number, minor: number): boolean {
  const [have, haveMinor] = release.split(/[.-]/).map(Number)
  return have > major || (have === major && haveMinor >= minor)
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

function verdictFor(main: ThreadDiagnosis, worker: ThreadDiagnosis | { error: string }, host: HostFacts): Diagnosis['verdict'] {
  const live = (thread: ThreadDiagnosis) => thread.strategy === 'glibc' || thread.strategy === 'own' || thread.strategy === 'legacy'
  if ('error' in worker) {
    return {
      ok: false,
      text: `a worker could not load the package: ${worker.error}`,
      action: 'the main thread loaded it: look for what differs in workers (their execArgv, resource limits, a module cache)',
    }
  }
  if (main.strategy === 'portable') {
    return {
      ok: false,
      text: `rseq is not used: no native build is loaded (counters stay exact, only slower). ${main.reason}`,
      action: 'nothing if speed does not matter here; otherwise what the reason above says (reinstall, or build with `npx rseq build`)',
    }
  }
  if (live(main) && live(worker)) {
    const legacy = main.strategy === 'legacy' || worker.strategy === 'legacy'
    return {
      ok: true,
      text: `OK: rseq is live (${main.strategy} on the main thread, ${worker.strategy} in workers).`,
      action: legacy
        ? "nothing: where it says legacy, the package shares the early adopters' __rseq_abi area (the protocol before glibc 2.35)"
        : 'nothing: counters, histograms and currentCpu() use per-CPU critical sections here',
    }
  }
  const odd = live(main) ? worker : main
  const where = odd === main ? 'the main thread' : 'workers'
  return {
    ok: false,
    text: `rseq is not used on ${where} (fallback; counters stay exact, only slower). ${odd.reason}`,
    action: fallbackAction(odd, host),
  }
}

/** What the verdict's advice depends on besides the threads. */
interface HostFacts {
  release: string
  /** A seccomp filter is active. */
  filtered: boolean
}

/** What to do about a thread that fell back to atomics, by its cause. */
function fallbackAction(thread: ThreadDiagnosis, host: HostFacts): string {
  if (process.env.RSEQ_STRATEGY === 'fallback') return 'unset RSEQ_STRATEGY, which asks for the fallback'
  const seccomp = "allow the rseq system call in the process's seccomp profile (a container runtime's, or systemd's)"
  if ((thread.errno === 'EPERM' || thread.errno === 'EACCES') && host.filtered) return seccomp
  if (thread.errno === 'ENOSYS') {
    if (host.filtered && releaseAtLeast(host.release, 4, 18)) return seccomp
    return 'run on Linux 4.18 or later, natively: qemu-user, valgrind and gVisor do not implement rseq'
  }
  if (thread.selfTest.verdict === 'does-not-restart')
    return 'boot a kernel that restarts critical sections (see the self-test line); until then the fallback keeps counts exact'
  if (thread.selfTest.verdict === 'inconclusive')
    return 'see the self-test line for what kept it from deciding; RSEQ_STRATEGY=glibc or own forces rseq where you know the kernel restarts sections'
  return 'the reason above says why and what to change'
}

export async function diagnose(): Promise<Diagnosis> {
  const probe = native.kernelProbe()
  const machine = describeMachine()
  const mainThread = diagnoseThisThread()
  const worker = await diagnoseWorker()
  const seccomp = seccompState()
  const probeErrno = nativeFile === null ? null : probe.syscall // no native build made the call
  return {
    machine,
    nativeBuild: nativeFile,
    kernel: {
      release: machine.kernel,
      hasRseq: probe.available,
      probe: probeOutcome(probeErrno),
      probeErrno,
      featureSize: probe.featureSize,
      alignment: probe.alignment,
    },
    glibc: { version: machine.glibc, symbols: mainThread.glibc, tunable: glibcTunable() },
    seccomp,
    mainThread,
    worker,
    stores: listStores(),
    verdict: verdictFor(mainThread, worker, { release: machine.kernel, filtered: seccomp.active }),
  }
}

function threadLines(title: string, thread: ThreadDiagnosis | { error: string }): string[] {
  if ('error' in thread) return [`${title}: could not load the package: ${thread.error}`]
  return [
    `${title}:`,
    `  strategy          ${thread.strategy}${thread.errno ? ` (${thread.errno})` : ''}: who owns the thread's rseq area (see the reason)`,
    `  reason            ${thread.reason}`,
    `  registration      ${registrationText(thread.registration)}`,
    `  mm_cid            ${thread.mmCid ? `filled (now ${thread.currentMmCid}): a per-process CPU number, dense from 0 (currentMmCid())` : 'not filled on this thread (Linux < 6.3, or no rseq area): currentMmCid() reads -1'}`,
    `  node_id           ${thread.numaNode ? `filled (now ${thread.currentNumaNode}): the NUMA node (currentNumaNode())` : `not filled on this thread: currentNumaNode() ${thread.strategy === 'portable' ? 'reads -1' : 'asks the kernel (getcpu)'}`}`,
    `  current CPU       ${thread.currentCpu} (currentCpu())`,
    `  call path         ${thread.callPath}: ${CALL_PATH_TEXT[thread.callPath]}`,
  ]
}

// How the hot operations reach native code, in words.
const CALL_PATH_TEXT: Record<RseqInfo['callPath'], string> = {
  'v8:fast': 'optimized code calls the addon as a plain C function (V8 fast API calls)',
  napi: 'an N-API call per operation',
  'bun:ffi': "Bun's FFI calls the addon as a plain C function",
  'deno:ffi': "Deno's FFI calls the addon as a plain C function",
  portable: 'JavaScript, no native code',
}

// The thread's rseq registration, in words: the kernel's two modes differ in when it writes the CPU fields.
function registrationText(registration: RseqInfo['registration']): string {
  if (registration === null) return 'none: this thread has no rseq area'
  const mode =
    registration.mode === 'historical'
      ? 'a 32-byte area: the kernel rewrites the CPU fields after every context switch, as every kernel did before 7.0.10'
      : 'an area over 32 bytes: from Linux 7.0.10 the kernel writes the CPU fields only at registration, on migration and on an mm_cid change'
  return `${registration.length} bytes, ${registration.mode} mode (${mode})`
}

// What each drain mode means for drain() and drainCell(); all three are exact.
const DRAIN_TEXT: Record<RseqInfo['drain'], string> = {
  fence:
    'drain() and reset() switch adds to a second set of cells, then make every CPU restart a critical section in flight ' +
    '(the rseq fence of membarrier(2)): exact while adds go on, and the cells reset',
  exchange: 'no thread here can use rseq: drain() takes each cell by atomic exchange, exact',
  snapshot: 'no rseq fence (Linux < 5.10, or membarrier refused): drain() keeps snapshots, exact, but the cells never reset',
}

// What the process's restart self-test found, for a person.
function selfTestText(test: RseqInfo['selfTest']): string {
  const cost = `${(test.microseconds / 1000).toFixed(2)} ms`
  switch (test.verdict) {
    case 'restarts':
      return `passed, as the package checks at load that the kernel does restart a critical section: ${test.detail} (${cost})`
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
  const registers = glibc.symbols !== null && glibc.symbols.size > 0
  const symbols =
    glibc.symbols === null
      ? 'does not say where a registration of its own would be (glibc < 2.35 or another C library): the package registers one'
      : registers
        ? `registers rseq for every thread itself, and the package shares that registration (__rseq_offset ${glibc.symbols.offset}: ` +
          `where the area lies in thread memory; __rseq_size ${glibc.symbols.size}: the bytes of it glibc vouches for, ` +
          `whatever the kernel fills; __rseq_flags ${glibc.symbols.flags})`
        : `registered nothing (__rseq_size 0): the package registers an area of its own`
  const tunable =
    glibc.tunable === '0'
      ? 'glibc leaves rseq to the package'
      : registers
        ? 'glibc registers rseq (0 would leave it to the package)'
        : 'no effect on this C library'
  return [
    'rseq doctor',
    `verdict           ${diagnosis.verdict.text}`,
    `what to do        ${diagnosis.verdict.action}`,
    '',
    `runtime           ${machine.runtime.name} ${machine.runtime.version}${machine.runtime.name === 'node' ? '' : ` (process.version ${machine.node})`}`,
    `native build      ${diagnosis.nativeBuild ?? 'none loaded: the portable JavaScript path runs'}`,
    `kernel            ${kernel.release}: ${KERNEL_TEXT[kernel.probe]}${kernel.probe === 'error' ? ` (${kernel.probeErrno})` : ''}`,
    `auxv              ${diagnosis.nativeBuild === null ? 'not read: no native build is loaded' : auxvText(kernel)}`,
    `glibc             ${glibc.version === null ? 'not glibc' : `${glibc.version}: ${symbols}`}`,
    `tunable           glibc.pthread.rseq=${glibc.tunable ?? '(not set)'} in GLIBC_TUNABLES: ${tunable}`,
    `drain             ${DRAIN_TEXT[diagnosis.mainThread.drain]}`,
    `self-test         ${selfTestText(diagnosis.mainThread.selfTest)}`,
    `seccomp           ${seccomp.active ? `filter active (mode ${seccomp.mode}, ${seccomp.filters ?? '?'} filters): a system-call filter, which may refuse rseq` : seccomp.mode === null ? 'unknown' : 'none: no system-call filter'}`,
    ...threadLines('main thread', diagnosis.mainThread),
    ...threadLines('worker', diagnosis.worker),
    ...formatStores(diagnosis.stores),
  ].join('\n')
}

// The kernel probe's outcome, in words.
const KERNEL_TEXT: Record<ProbeOutcome, string> = {
  ok: 'rseq(2) available (whether the kernel restarts critical sections as it must: the self-test line)',
  unavailable: 'rseq(2) not available (ENOSYS: before Linux 4.18, under qemu-user, valgrind or gVisor, or a seccomp filter answering so)',
  refused: 'rseq(2) refused (EPERM or EACCES: a seccomp filter)',
  error: 'rseq(2) answered the probe with an unexpected error',
  'not probed': 'not probed: no native build is loaded to ask',
}

// What the kernel told the process about its rseq areas (the auxiliary vector), in words.
function auxvText(kernel: Diagnosis['kernel']): string {
  if (!kernel.featureSize) return 'the kernel does not say which rseq fields it fills (AT_RSEQ_FEATURE_SIZE not provided: before Linux 6.3)'
  const fields = kernel.featureSize >= 28 ? 'CPU, NUMA node and mm_cid' : kernel.featureSize >= 24 ? 'CPU and NUMA node' : 'CPU'
  return `the kernel fills ${kernel.featureSize} bytes of an rseq area (${fields}; AT_RSEQ_FEATURE_SIZE) and wants it aligned to ${kernel.alignment || 'an unstated size'} (AT_RSEQ_ALIGN)`
}
