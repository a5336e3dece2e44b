// Node's fast way into the addon's entry points: V8 fast API calls (native/fast_calls/), from a second, small
// addon built per Node ABI against that Node's V8 (its API is not stable across versions). Optimized code calls
// its callbacks as plain C functions: a counter's add runs the sequence there, from the cell's head, and every
// other operation calls the main addon's entry point; the interpreter and Maglev call plain V8 callbacks that do
// the same. The fast-calls builds are kept in fast-calls/ beside the main addon that loaded: abi<ABI>.node (a
// prebuild, or a local build made for that Node), and beside build/Release/rseq.node also the one node-gyp made
// for the Node that ran it. A build is loaded only into the Node whose ABI its name carries (another Node refuses
// its initializer anyway), and it refuses itself, before using any declaration, where this process's V8 is not
// the major.minor it was made for or one its declarations were never verified on. Where anything is missing or
// refused the reason is kept and Node runs N-API as before.
import { existsSync } from 'node:fs'
import * as path from 'node:path'

/**
 * A handle's cell as the fast-calls addon holds it: an object whose methods reach the main addon's entry points
 * (native/binding/fast_entry.h). Each answers what the FFI entry point of the same name answers
 * (lib/binding/ffi-symbols.ts): 0 done, 1 refused (make the N-API call); compareExchange the CPU stored on, -1
 * when the cell held another value, -2 refused.
 */
export interface FastCell {
  counterAdd(value: number): number
  /** counterAdd of a value the caller has checked is an int32: no conversion on the native side. */
  counterAddInt32(value: number): number
  histogramObserve(value: number): number
  /**
   * A store gauge's add (inc, and dec with the value negated) and set: refused for a value that is not finite, a
   * closed store, and memory that no longer holds the store (then the store's own checks throw).
   */
  gaugeAdd(value: number): number
  gaugeSet(value: number): number
  arrayAdd(index: number, value: number): number
  arrayMax(index: number, value: number): number
  arrayCompareExchange(index: number, expected: number, desired: number): number
}

/** The cell object of a live handle of the calling thread (undefined for any other number). */
export type CellOf = (handle: number) => FastCell | undefined

/** What the fast-calls addon exports (native/fast_calls/fast_calls_addon.cc). */
interface FastCallsAddon {
  /** The V8 major.minor of the headers it was built against. */
  builtFor: string
  /** Whether those headers declared a V8 with pointer compression, and one with its sandbox. */
  pointerCompression: boolean
  sandbox: boolean
  connect(mainAddon: string): CellOf | string
  /** The test build's (-DRSEQ_TEST_COUNT_FAST_CALLS): the calling thread's fast and slow entries so far. */
  entryCounts?(): [number, number]
}

/** V8 flags with which optimized code never makes a fast call: Node then keeps N-API, whose cost is known. */
const FAST_CALLS_OFF = ['--no-turbo-fast-api-calls', '--turbo-fast-api-calls=false', '--no-turbofan', '--jitless']

/** Where the fast-calls builds are kept beside a main addon: one file per Node ABI (scripts/fast-calls-build.mjs). */
export const FAST_CALLS_DIR = 'fast-calls'

/**
 * The fast-calls builds that may go with the main addon `mainAddon` in a Node of ABI `abi`, in the order they are
 * tried: the one named by that ABI in fast-calls/ beside it, then, beside a local build, the one node-gyp made
 * there for the Node that ran it (which another Node refuses to load).
 */
export function fastCallsCandidates(mainAddon: string, abi: string = process.versions.modules): string[] {
  const dir = path.join(path.dirname(mainAddon), FAST_CALLS_DIR)
  const byAbi = path.join(dir, `abi${abi}.node`)
  return path.basename(mainAddon) === 'rseq.node' ? [byAbi, path.join(dir, 'rseq_fast_calls.node')] : [byAbi]
}

/**
 * The flag of `flags` (this process's execArgv and NODE_OPTIONS, which takes --jitless among them) that turns
 * fast calls off, or null. V8 spells its flags with dashes or underscores alike. (A flag set later with
 * v8.setFlagsFromString() is not seen: the slow callbacks then serve every call, as exactly.)
 */
export function fastCallsTurnedOff(flags: readonly string[]): string | null {
  return flags.find((flag) => FAST_CALLS_OFF.includes(flag.replace(/_/g, '-'))) ?? null
}

/** Whether the configuration variable `value` (0/1, a boolean or its text, or absent) says yes. */
function configured(value: unknown): boolean {
  return value === 1 || value === true || value === 'true' || value === '1'
}

/**
 * Why the build's V8 configuration differs from this Node's (an object's fields lie elsewhere with pointer
 * compression or the sandbox, and the build reads them inline), or null when it is the same.
 */
export function buildMismatch(
  addon: Pick<FastCallsAddon, 'pointerCompression' | 'sandbox'>,
  variables: Record<string, unknown>,
): string | null {
  const running = {
    pointerCompression: configured(variables.v8_enable_pointer_compression),
    sandbox: configured(variables.v8_enable_sandbox),
  }
  for (const feature of ['pointerCompression', 'sandbox'] as const) {
    if (addon[feature] !== running[feature])
      return `the fast-calls build was made for a V8 ${addon[feature] ? 'with' : 'without'} ${feature === 'sandbox' ? 'its sandbox' : 'pointer compression'}, and this Node's V8 is ${running[feature] ? 'with' : 'without'} it`
  }
  return null
}

/** The cells of V8 fast calls for the main addon loaded from `mainAddon`, or why there are none. */
export function openFastCalls(mainAddon: string): { cellOf: CellOf; file: string; addon: FastCallsAddon } | { problem: string } {
  const off = fastCallsTurnedOff([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)])
  if (off !== null) return { problem: `node runs with ${off}, which keeps optimized code from making fast calls` }
  const file = fastCallsCandidates(mainAddon).find((candidate) => existsSync(candidate))
  if (file === undefined)
    return { problem: `there is no fast-calls build for this Node (ABI ${process.versions.modules}) beside ${path.basename(mainAddon)}` }
  let addon: FastCallsAddon
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an addon, found at run time
    addon = require(file) as FastCallsAddon
  } catch (error) {
    return {
      problem: `the fast-calls build ${file} does not load (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`,
    }
  }
  const mismatch = buildMismatch(addon, process.config.variables as Record<string, unknown>)
  if (mismatch !== null) return { problem: mismatch }
  const connected = addon.connect(mainAddon)
  if (typeof connected === 'string') return { problem: connected }
  return { cellOf: connected, file, addon }
}
