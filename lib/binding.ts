// The binding every module of the package calls, chosen once per JS thread (each worker loads this module
// anew): the addon where a native build loads (lib/native-loader.ts), else the portable path in plain
// JavaScript (lib/portable-binding.ts), which RSEQ_STRATEGY=portable also forces.
import * as path from 'node:path'
import type { NativeBinding } from './native-binding'
import { loadNative, PACKAGE_ROOT } from './native-loader'
import { portableBinding } from './portable-binding'
import { requestedStrategy } from './strategy-request'

export type { AttachResult, MappedStoreFile, NativeBinding, NativeLayout, StoreRegion } from './native-binding'

/** RSEQ_STRATEGY as this thread sees it, checked. */
export const requested = requestedStrategy()

const PORTABLE = 'portable JavaScript path runs (exact, over atomics; currentCpu() reads -1)'

/** The native build this thread loaded, relative to the package, or null on the portable path. */
export let nativeFile: string | null = null
/** The same, as an absolute path (what the FFI of Bun and Deno opens), or null. */
export let nativeAbsolutePath: string | null = null

function choose(): NativeBinding {
  if (requested === 'portable') return portableBinding(`RSEQ_STRATEGY=portable: the native build is not loaded, and the ${PORTABLE}`, null)
  const loaded = loadNative()
  if (loaded.binding !== null) {
    nativeFile = path.relative(PACKAGE_ROOT, loaded.file)
    nativeAbsolutePath = path.resolve(loaded.file)
    return loaded.binding
  }
  const because = `${PORTABLE} because ${loaded.reason}`
  const reason = requested === 'fallback' ? `RSEQ_STRATEGY=fallback asks for no rseq; with no native build loaded, the ${because}` : `The ${because}`
  return portableBinding(reason, loaded.reason)
}

export const native: NativeBinding = choose()
