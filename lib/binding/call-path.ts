// How this thread's hot operations reach native code, decided once per thread like its strategy:
//   'v8:fast'    Node: the addon's plain C entry points on a cell handle, called through V8 fast API calls
//                by optimized code, and through a plain V8 callback before that (lib/binding/fast-calls.ts)
//   'napi'       a native function per counter and histogram, bound to its cell (its data pointer, read by
//                napi_get_cb_info), which takes a number through the thread's number slot: Node where no
//                fast-calls build fits, and every runtime with RSEQ_CALL_PATH=napi
//   'bun:ffi', 'deno:ffi'
//                the same C entry points, through Bun's or Deno's FFI
//   'portable'   no native build: the operations are JavaScript
// Node's node:ffi measured no faster than N-API, and one N-API function for all counters, taking a cell
// handle through a second number slot instead of its data pointer, measured slower than a function per
// counter (docs/benchmarks.md#the-call-paths).
// Every path runs the same per-thread sequences with the same checks: a value an entry point refuses is
// handed to the N-API function of the same cell, whose error names it. RSEQ_CALL_PATH=napi keeps the fast
// ways unused; RSEQ_CALL_PATH=fast (Node) and RSEQ_CALL_PATH=ffi (Bun, Deno) insist on them, and loading
// fails where they cannot be had.
import * as path from 'node:path'
import { native, nativeAbsolutePath } from './chosen-binding'
import { openFastCalls, type CellOf, type FastCell } from './fast-calls'
import { openFfi, runtimeFfi, type FfiSymbols } from './ffi-symbols'
import { USAGE_STRINGS } from './usage-strings'

export type CallPath = 'v8:fast' | 'napi' | 'bun:ffi' | 'deno:ffi' | 'portable'

const REQUESTS = ['napi', 'fast', 'ffi'] as const

function requestedCallPath(): '' | (typeof REQUESTS)[number] {
  const text = process.env.RSEQ_CALL_PATH ?? ''
  if (text === '' || text === 'auto') return ''
  if ((REQUESTS as readonly string[]).includes(text)) return text as (typeof REQUESTS)[number]
  throw new TypeError(`RSEQ_CALL_PATH must be one of ${REQUESTS.join(', ')} (or unset); got '${text}'`)
}

interface Decision {
  path: CallPath
  reason: string
  ffi: FfiSymbols | null
  fast?: { cellOf: CellOf; entryCounts?(): [number, number] }
}

function decide(): Decision {
  const requested = requestedCallPath()
  if (nativeAbsolutePath === null) {
    if (requested === 'ffi' || requested === 'fast')
      throw new Error(
        `RSEQ_CALL_PATH=${requested} needs the native build, which is not loaded here: build it (npm rebuild rseq), or unset RSEQ_CALL_PATH to run the portable path`,
      )
    return { path: 'portable', reason: 'no native build is loaded: the operations are JavaScript', ffi: null }
  }
  const kind = runtimeFfi()
  if (requested === 'napi') return { path: 'napi', reason: 'RSEQ_CALL_PATH=napi: an N-API function per counter and histogram', ffi: null }
  if (kind === null) {
    if (requested === 'ffi')
      throw new Error(
        "RSEQ_CALL_PATH=ffi needs Bun's bun:ffi or Deno's Deno.dlopen; Node's fast way is RSEQ_CALL_PATH=fast (V8 fast API calls)",
      )
    const fast = openFastCalls(nativeAbsolutePath)
    if ('problem' in fast) {
      if (requested === 'fast') throw new Error(`RSEQ_CALL_PATH=fast: ${fast.problem}; unset RSEQ_CALL_PATH to run N-API calls instead`)
      return {
        path: 'napi',
        reason: `Node: an N-API function per counter and histogram, since V8 fast calls cannot be had: ${fast.problem}`,
        ffi: null,
      }
    }
    return {
      path: 'v8:fast',
      reason: `Node: the addon's C entry points through V8 fast API calls (${path.basename(fast.file)}, made for V8 ${fast.addon.builtFor})`,
      ffi: null,
      fast: { cellOf: fast.cellOf, entryCounts: fast.addon.entryCounts },
    }
  }
  if (requested === 'fast')
    throw new Error(`RSEQ_CALL_PATH=fast is Node's (V8 fast API calls); ${kind === 'bun:ffi' ? 'Bun' : 'Deno'} has RSEQ_CALL_PATH=ffi`)
  const opened = openFfi(kind, nativeAbsolutePath)
  if ('problem' in opened) {
    if (requested === 'ffi') throw new Error(`RSEQ_CALL_PATH=ffi: ${opened.problem}`)
    return { path: 'napi', reason: `${opened.problem}: N-API calls instead`, ffi: null }
  }
  return { path: kind, reason: `the addon's C entry points through ${kind}`, ffi: opened.symbols }
}

const decided = decide()

/** The call path of this thread, why, and the entry points where it is an FFI (Bun, Deno). */
export const callPath: CallPath = decided.path
export const callPathReason: string = decided.reason
export const ffi: FfiSymbols | null = decided.ffi
/** Where the call path is `v8:fast`, the cell objects of V8 fast calls; null otherwise. */
export const fastCalls: { cellOf: CellOf; entryCounts?(): [number, number] } | null = decided.fast ?? null

/**
 * A fast-call cell over the handle `makeHandle()` makes, where the call path is `v8:fast`; null elsewhere, and
 * where this thread's native calls reach another copy of the package loaded on it since (a module-cache reset),
 * which then serves these cells through N-API (the handle is released at once), and where the thread's handle
 * table is full; any other error of `makeHandle()` is thrown. The caller holds the handle.
 */
export function fastCellFor(makeHandle: () => number): { cell: FastCell; handle: number } | null {
  // The fast-call entry points find a handle in the table of the binding attached to this thread last: where that
  // is another copy's, a handle of this copy could name one of its entries.
  if (fastCalls === null || !native.isCurrentBinding()) return null
  let handle: number
  try {
    handle = makeHandle()
  } catch (error) {
    // The thread's table is full (2^20 live handles): N-API serves this one, as it would have. Anything else is
    // a fault of the caller's, which it must see.
    if ((error as { code?: unknown } | null)?.code === USAGE_STRINGS.HandleTableFullCode) return null
    throw error
  }
  const cell = fastCalls.cellOf(handle)
  if (cell !== undefined) return { cell, handle }
  native.releaseHandle(handle)
  return null
}

/**
 * Calls of the FFI entry points on this thread that refused (an argument they do not take, a released or
 * foreign handle, a closed store) and were made again through N-API: counted on that slow way only.
 */
export const ffiRefusals = { count: 0 }

// A handle lives as long as the function or object using it: released when that is collected (and all
// of the thread's at its teardown, natively).
const handles = new FinalizationRegistry<number>((handle) => native.releaseHandle(handle))

/** Ties `handle` to `owner`: the handle is released once `owner` is collected. */
export function holdHandle<T extends object>(owner: T, handle: number): T {
  handles.register(owner, handle)
  return owner
}
