// The binding every module of the package calls, chosen once per JS thread (each worker loads this module
// anew): the addon where a native build loads (lib/binding/addon-loader.ts), else the portable path in plain
// JavaScript (lib/binding/portable-binding.ts), which RSEQ_STRATEGY=portable also forces. Where a native build was
// expected and none loads, or a local build was skipped for the prebuild, the process gets one warning.
import * as path from 'node:path'
import * as workerThreads from 'node:worker_threads'
import type { NativeBinding } from './binding-interface'
import { loadNative, PACKAGE_ROOT } from './addon-loader'
import { portableBinding } from './portable-binding'
import { requestedStrategy } from './strategy-request'

export type { AttachResult, MappedStoreFile, NativeBinding, NativeLayout, StoreRegion } from './binding-interface'

/** RSEQ_STRATEGY as this thread sees it, checked. */
export const requested = requestedStrategy()

/** The code of the warning emitted where a native build was expected and none loads (node --disable-warning takes it). */
const NATIVE_BUILD_NOT_LOADED = 'RSEQ_NATIVE_BUILD_NOT_LOADED'
/** The code of the warning emitted where the local build does not load and the prebuild runs instead. */
const LOCAL_BUILD_SKIPPED = 'RSEQ_LOCAL_BUILD_SKIPPED'

/** What the portable path is, for every message that names it. */
const PORTABLE_PATH = 'portable JavaScript path'
const PORTABLE_TRAITS = 'exact, over atomics; currentCpu() reads -1'
const PORTABLE = `${PORTABLE_PATH} runs (${PORTABLE_TRAITS})`

/** The native build this thread loaded, relative to the package, or null on the portable path. */
export let nativeFile: string | null = null
/** The same, as an absolute path (what the FFI of Bun and Deno opens), or null. */
export let nativeAbsolutePath: string | null = null
/** Why the local build was not loaded where the prebuild was loaded instead, with what to do, or null. */
export let skippedLocalBuild: string | null = null

/**
 * Emits the warning `code` once per process rather than once per thread. Every thread that loads the package
 * reaches the same verdict from the same files, so the first to warn marks its worker_threads environment
 * data, which each Worker started after that copies (and passes on to its own): they, and a second copy of
 * the package loaded on a marked thread, stay silent. A worker whose parent never loaded the package (a pool
 * whose main thread does not use rseq) inherits no mark and warns once itself, since threads share nothing
 * they were not handed. Where a runtime has no environment data, each thread warns.
 */
function warnOncePerProcess(code: string, message: string): void {
  const mark = `rseq warned ${code}`
  const { getEnvironmentData, setEnvironmentData } = workerThreads
  const marked = typeof getEnvironmentData === 'function' && typeof setEnvironmentData === 'function'
  if (marked && getEnvironmentData(mark) === true) return
  if (marked) setEnvironmentData(mark, true)
  process.emitWarning(message, { code })
}

function choose(): NativeBinding {
  if (requested === 'portable') return portableBinding(`RSEQ_STRATEGY=portable: the native build is not loaded, and the ${PORTABLE}`, null)
  const loaded = loadNative()
  if (loaded.binding !== null) {
    nativeFile = path.relative(PACKAGE_ROOT, loaded.file)
    nativeAbsolutePath = path.resolve(loaded.file)
    skippedLocalBuild = loaded.skippedLocalBuild
    if (skippedLocalBuild !== null)
      warnOncePerProcess(LOCAL_BUILD_SKIPPED, `rseq loads its prebuild ${nativeFile} because ${skippedLocalBuild}`)
    return loaded.binding
  }
  if (loaded.expected) {
    warnOncePerProcess(
      NATIVE_BUILD_NOT_LOADED,
      `rseq could not load its native build and runs the ${PORTABLE_PATH} instead (${PORTABLE_TRAITS}; host-wide metric stores cannot be opened): ${loaded.reason}. ` +
        'RSEQ_STRATEGY=portable chooses that path on purpose, without this warning.',
    )
  }
  const because = `${PORTABLE} because ${loaded.reason}`
  const reason =
    requested === 'fallback' ? `RSEQ_STRATEGY=fallback asks for no rseq; with no native build loaded, the ${because}` : `The ${because}`
  return portableBinding(reason, loaded.reason)
}

export const native: NativeBinding = choose()
