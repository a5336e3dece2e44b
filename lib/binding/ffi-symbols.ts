// The addon's plain C entry points (native/binding/ffi_entry.h) through the FFI of the runtime, where it
// has one that calls a C function for less than N-API does: Bun's bun:ffi and Deno's Deno.dlopen (2-3 ns a
// call against 9-38 ns for an empty N-API call). The same shared object N-API loaded is opened again, so
// the entry points see the same per-thread state. Node keeps N-API (why: lib/binding/call-path.ts).

/** The entry points, as functions of numbers: each answers 0 (done) or 1 (refused: make the N-API call). */
export interface FfiSymbols {
  counterAdd(handle: number, value: number): number
  histogramObserve(handle: number, value: number): number
  arrayAdd(handle: number, cell: number, value: number): number
  arrayMax(handle: number, cell: number, value: number): number
  /** The CPU stored on (>= 0), -1 when the cell held another value, -2 refused. */
  arrayCompareExchange(handle: number, cell: number, expected: number, desired: number): number
}

export type FfiKind = 'bun:ffi' | 'deno:ffi'

/** What each entry point takes, in one place for both runtimes' declarations. */
const SIGNATURES = {
  rseq_ffi_counter_add: ['u32', 'f64'],
  rseq_ffi_histogram_observe: ['u32', 'f64'],
  rseq_ffi_array_add: ['u32', 'u32', 'f64'],
  rseq_ffi_array_max: ['u32', 'u32', 'f64'],
  rseq_ffi_array_compare_exchange: ['u32', 'u32', 'f64', 'f64'],
} as const

type Raw = Record<keyof typeof SIGNATURES, (...args: number[]) => number>

function named(raw: Raw): FfiSymbols {
  return {
    counterAdd: raw.rseq_ffi_counter_add,
    histogramObserve: raw.rseq_ffi_histogram_observe,
    arrayAdd: raw.rseq_ffi_array_add,
    arrayMax: raw.rseq_ffi_array_max,
    arrayCompareExchange: raw.rseq_ffi_array_compare_exchange,
  }
}

/** Which FFI this runtime has for us, or null (Node). */
export function runtimeFfi(): FfiKind | null {
  if (typeof process.versions.bun === 'string') return 'bun:ffi'
  if (typeof (globalThis as { Deno?: unknown }).Deno === 'object') return 'deno:ffi'
  return null
}

/** The entry points of the shared object `file` through `kind`, or why they cannot be had. */
export function openFfi(kind: FfiKind, file: string): { symbols: FfiSymbols } | { problem: string } {
  try {
    if (kind === 'bun:ffi') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- bun:ffi exists only in Bun, and is required only there
      const { dlopen } = require('bun:ffi') as { dlopen(path: string, symbols: object): { symbols: Raw } }
      const declared = Object.fromEntries(Object.entries(SIGNATURES).map(([name, args]) => [name, { args, returns: 'i32' }]))
      return { symbols: named(dlopen(file, declared).symbols) }
    }
    const deno = (globalThis as unknown as { Deno: { dlopen(path: string, symbols: object): { symbols: Raw } } }).Deno
    const declared = Object.fromEntries(Object.entries(SIGNATURES).map(([name, parameters]) => [name, { parameters, result: 'i32' }]))
    return { symbols: named(deno.dlopen(file, declared).symbols) }
  } catch (error) {
    return { problem: `${kind} could not open ${file} (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})` }
  }
}
