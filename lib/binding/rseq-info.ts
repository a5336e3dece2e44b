/**
 * Who owns the calling thread's rseq area, or `portable` where no native build loads; see the README's
 * "Strategies".
 */
export type Strategy = 'glibc' | 'own' | 'legacy' | 'fallback' | 'portable'

/** What the package decided for the calling thread, and why. */
export interface RseqInfo {
  /**
   * `glibc`, `own` and `legacy` run on rseq; `fallback` runs the same API over atomics in the addon;
   * `portable` runs it in plain JavaScript over atomics where no native build loads (or RSEQ_STRATEGY=portable).
   */
  strategy: Strategy
  /** rseq is live on this thread (true for glibc, own and legacy). */
  registered: boolean
  /** One sentence a person can act on: why this strategy, and what would change it. */
  reason: string
  /** The errno name of the registration attempt that failed ('ENOSYS', 'EPERM', 'EINVAL', 'EBUSY'), or null. */
  errno: string | null
  /** `process.arch`. */
  arch: string
  /** The abort signature in use: 0x53053053 on x86_64, 0xd428bc00 on aarch64; 0 on the portable path. */
  signature: number
  /** glibc's `__rseq_offset`, `__rseq_size`, `__rseq_flags`, or null where the C library does not export them. */
  glibc: { offset: number; size: number; flags: number } | null
  /** getauxval(AT_RSEQ_FEATURE_SIZE); 0 where the kernel does not say (before Linux 6.3). */
  featureSize: number
  /** The kernel fills `mm_cid` for this thread's registration. */
  mmCid: boolean
  /** The kernel fills `node_id` for this thread's registration. */
  numaNode: boolean
  /**
   * The process registered the kernel's rseq fence (membarrier MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
   * Linux >= 5.10), which drains use. Fixed for the process.
   */
  fence: boolean
  /**
   * How drain() and drainCell() stay exact in this process: `fence` (flip sets, fence, take the retired
   * set), `exchange` (no thread can have rseq: atomic exchange), `snapshot` (rseq without the fence:
   * drained totals are kept and subtracted). All three are exact.
   */
  drain: 'fence' | 'exchange' | 'snapshot'
  /**
   * The thread's registration: its length (rseq_len) and mode. `historical` is the original 32-byte
   * registration; `extended` is a longer one (glibc >= 2.41 and the package's own areas on Linux 7.x),
   * which kernels from 7.0.10 and 7.1 run in their optimized mode. Null in fallback.
   */
  registration: { length: number; mode: 'historical' | 'extended' } | null
  /**
   * The process's proof that the kernel restarts a critical section scheduled out on its CPU, run once
   * before the first sequence: `restarts`; `does-not-restart` (every thread then takes fallback: the arm64
   * regression of Linux 6.19-7.0.13); `inconclusive` (the test could not start, pin or register its
   * threads, or its probe was never scheduled out in `attempts` tries: every thread then takes fallback too,
   * unless RSEQ_STRATEGY forces a strategy); `not-run` (no thread of the process had rseq). With what it cost
   * the process, in microseconds, how many probe runs it took, and what it saw.
   */
  selfTest: {
    verdict: 'restarts' | 'does-not-restart' | 'inconclusive' | 'not-run'
    microseconds: number
    attempts: number
    detail: string
  }
  /**
   * How the hot operations (add, observe, the array's) reach native code on this thread: `v8:fast` (Node:
   * the addon's C entry points through V8 fast API calls), `napi` (an N-API function per counter and
   * histogram: a Node without a fast-calls build that fits, and any runtime with RSEQ_CALL_PATH=napi),
   * `bun:ffi` or `deno:ffi` (the C entry points through the runtime's FFI), `portable` (no native build:
   * JavaScript). `callPathReason` says why, and why not `v8:fast` where Node runs `napi`.
   */
  callPath: 'v8:fast' | 'napi' | 'bun:ffi' | 'deno:ffi' | 'portable'
  /** Why this call path, in one sentence. */
  callPathReason: string
}
