// How this thread's hot operations reach native code, decided once per thread like its strategy:
//   'napi'       a native function per counter and histogram, bound to its cell (its data pointer, read by
//                napi_get_cb_info), which takes a number through the thread's number slot: Node's path
//   'bun:ffi', 'deno:ffi'
//                the addon's plain C entry points, through Bun's or Deno's FFI, on a cell handle
//   'portable'   no native build: the operations are JavaScript
// Node has no faster way in: its node:ffi measured no faster than N-API, and one N-API function for all
// counters, taking a cell handle through a second number slot instead of its data pointer, measured slower
// than a function per counter (docs/benchmarks.md#the-call-paths).
// Every path runs the same per-thread sequences with the same checks: a value an entry point refuses is
// handed to the N-API function of the same cell, whose error names it. RSEQ_CALL_PATH=napi keeps the
// runtime's FFI unused; RSEQ_CALL_PATH=ffi insists on it, and loading fails where it cannot be had.
import { native, nativeAbsolutePath } from './chosen-binding'
import { openFfi, runtimeFfi, type FfiSymbols } from './ffi-symbols'

export type CallPath = 'napi' | 'bun:ffi' | 'deno:ffi' | 'portable'

const REQUESTS = ['napi', 'ffi'] as const

function requestedCallPath(): '' | (typeof REQUESTS)[number] {
  const text = process.env.RSEQ_CALL_PATH ?? ''
  if (text === '' || text === 'auto') return ''
  if ((REQUESTS as readonly string[]).includes(text)) return text as (typeof REQUESTS)[number]
  throw new TypeError(`RSEQ_CALL_PATH must be one of ${REQUESTS.join(', ')} (or unset); got '${text}'`)
}

function decide(): { path: CallPath; reason: string; ffi: FfiSymbols | null } {
  const requested = requestedCallPath()
  if (nativeAbsolutePath === null) {
    if (requested === 'ffi')
      throw new Error(
        'RSEQ_CALL_PATH=ffi needs the native build, which is not loaded here: build it (npm rebuild rseq), or unset RSEQ_CALL_PATH to run the portable path',
      )
    return { path: 'portable', reason: 'no native build is loaded: the operations are JavaScript', ffi: null }
  }
  const kind = runtimeFfi()
  if (requested === 'napi') return { path: 'napi', reason: 'RSEQ_CALL_PATH=napi: an N-API function per counter and histogram', ffi: null }
  if (kind === null) {
    if (requested === 'ffi')
      throw new Error(
        "RSEQ_CALL_PATH=ffi needs Bun's bun:ffi or Deno's Deno.dlopen; Node's node:ffi measured no faster than N-API, so Node uses N-API",
      )
    return { path: 'napi', reason: 'Node: an N-API function per counter and histogram (its node:ffi is no faster)', ffi: null }
  }
  const opened = openFfi(kind, nativeAbsolutePath)
  if ('problem' in opened) {
    if (requested === 'ffi') throw new Error(`RSEQ_CALL_PATH=ffi: ${opened.problem}`)
    return { path: 'napi', reason: `${opened.problem}: N-API calls instead`, ffi: null }
  }
  return { path: kind, reason: `the addon's C entry points through ${kind}`, ffi: opened.symbols }
}

const decided = decide()

/** The call path of this thread, why, and the entry points where it is an FFI. */
export const callPath: CallPath = decided.path
export const callPathReason: string = decided.reason
export const ffi: FfiSymbols | null = decided.ffi

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
