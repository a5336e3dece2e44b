// Finds and loads the addon, or says why it cannot: a local build (build/Release, from `npm install` in a
// checkout or `npx rseq build`) before the prebuilds shipped in the package, found by node-gyp-build.
// A local build that fails to load (made for another machine, or half-written) is skipped for the prebuild
// that matches this process, and the reason it was skipped is kept. A prebuild is loaded only on the C
// library it was made for (prebuilds are made on glibc); a failure of any kind becomes a reason for the
// portable path, never an exception out of require('rseq').
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs'
import * as path from 'node:path'
import { detectLibc, type Libc, type LibcFinding } from './libc-detection'
import type { NativeBinding } from './binding-interface'

export const PACKAGE_ROOT = path.join(__dirname, '..', '..')

/** The architectures native/arch/ has critical sections for, as process.arch names them. */
export const NATIVE_ARCHES: readonly string[] = ['x64', 'arm64']

/** What `npx rseq build` needs on the machine. */
const BUILD_NEEDS = '`npx rseq build` (needs python3, make and a C++ compiler)'
/** How a person gets a native build where the package has none that fits. */
export const BUILD_FROM_SOURCE = `build the addon here with ${BUILD_NEEDS}`

/** How a person replaces a local build that does not load. */
const REBUILD_LOCAL_BUILD = `rebuild it for this machine with ${BUILD_NEEDS}`
/** The same where the prebuild loaded in its place. */
const REBUILD_OR_DELETE_LOCAL_BUILD = `${REBUILD_LOCAL_BUILD}, or delete it to keep the prebuild`

/**
 * A native build loaded, and why the local build was skipped for it (with what to do), or null when none was.
 * Or none loaded: why, with what to do, and whether this process should have had one (lib/binding/chosen-binding.ts warns
 * where it should): not on a platform without critical sections, not on musl where the package ships no
 * build and none was made here, not where addons are turned off on purpose (node --no-addons).
 */
export type NativeLoad =
  { binding: NativeBinding; file: string; skippedLocalBuild: string | null } | { binding: null; reason: string; expected: boolean }

/** The C library a prebuild was built against, from its file name's tag (rseq.glibc.node), or null untagged. */
export function prebuildLibc(file: string): Libc | null {
  const tags = path.basename(file).split('.')
  return tags.includes('musl') ? 'musl' : tags.includes('glibc') ? 'glibc' : null
}

function isPrebuild(file: string, root: string): boolean {
  return path.relative(path.join(root, 'prebuilds'), file).split(path.sep)[0] !== '..'
}

/**
 * Why `file` (node-gyp-build's choice in the package at `root`) must not be loaded into a process on
 * `libc`, or null when it may: a local build was compiled here; a prebuild fits only the C library its tag names.
 */
export function refusalOf(file: string, libc: LibcFinding, root = PACKAGE_ROOT): string | null {
  if (!isPrebuild(file, root)) return null
  const name = path.basename(file)
  const madeFor = prebuildLibc(file)
  if (madeFor === null) return `the prebuild ${name} does not say which C library it was built against`
  if (libc.libc === null)
    return `could not tell which C library this process runs on (${libc.evidence}), and the prebuild ${name} needs ${madeFor}`
  if (libc.libc !== madeFor) return `this process runs on ${libc.libc} libc (${libc.evidence}) and the prebuild ${name} is for ${madeFor}`
  return null
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]
}

/** Why there can be no native build on this platform at all, or null on Linux x64 and arm64. */
export function unsupportedPlatform(platform: string, arch: string): string | null {
  if (platform !== 'linux') return `rseq(2) exists only on Linux, and this is ${platform}`
  if (!NATIVE_ARCHES.includes(arch)) return `the package's critical sections are written for ${NATIVE_ARCHES.join(' and ')}, not ${arch}`
  return null
}

/** ELF e_machine numbers of the architectures the package builds for, and the names the toolchains use. */
export const ELF_MACHINES: Record<string, { number: number; name: string }> = {
  x64: { number: 62, name: 'x86_64' },
  arm64: { number: 183, name: 'aarch64' },
}

function elfMachineName(machine: number): string {
  return Object.values(ELF_MACHINES).find((known) => known.number === machine)?.name ?? `ELF machine ${machine}`
}

/** The first `length` bytes of `file` (fewer when it is shorter), or null when it cannot be read. */
export function headOf(file: string, length: number): Buffer | null {
  try {
    const fd = openSync(file, 'r')
    try {
      const head = Buffer.alloc(length)
      return head.subarray(0, readSync(fd, head, 0, length, 0))
    } finally {
      closeSync(fd)
    }
  } catch {
    return null
  }
}

/**
 * Why `file` cannot be an addon for a process on `arch`, as read from its ELF header, or null when the header
 * fits (or cannot be read, or `arch` is not one the package builds for). The dynamic loader's own word for an
 * ELF of another architecture is "cannot open shared object file: No such file or directory", which misleads.
 */
export function elfMismatch(file: string, arch: string = process.arch): string | null {
  const expected = ELF_MACHINES[arch]
  const head = headOf(file, 20)
  if (expected === undefined || head === null) return null
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return 'it is not an ELF shared object'
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
  if (machine === expected.number) return null
  return `it is built for ${elfMachineName(machine)}, and this machine is ${expected.name}`
}

interface NodeGypBuild {
  path(dir: string): string
  parseTags(file: string): unknown
  matchTags(runtime: string, abi: string | undefined): (tags: unknown) => boolean
  compareTags(runtime: string): (a: unknown, b: unknown) => number
}

function nodeGypBuild(): NodeGypBuild {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when an addon is looked for (never on the forced portable path)
  return require('node-gyp-build') as NodeGypBuild
}

/**
 * The prebuild node-gyp-build would choose in the package at `root` if there were no local build: the best
 * match in prebuilds/<platform>-<arch>/ by node-gyp-build's own rules, or null when there is none.
 */
export function matchingPrebuild(root: string): string | null {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`)
  let files: string[]
  try {
    files = readdirSync(dir)
  } catch {
    return null
  }
  const gypBuild = nodeGypBuild()
  const winner = files
    .map((file) => gypBuild.parseTags(file) as { file: string } | undefined)
    .filter(gypBuild.matchTags('node', process.versions.modules))
    .sort(gypBuild.compareTags('node'))[0]
  return winner === undefined ? null : path.join(dir, winner.file)
}

/**
 * Why a load failed: this file (made for another machine, damaged: another build may load), or every addon
 * in this process, because node was started with --no-addons (on purpose: no native build is expected) or
 * because Deno was not given --allow-ffi (the README asks for it: a native build is expected).
 */
type Failure = 'file' | 'addons-turned-off' | 'ffi-not-allowed'

type Attempt = { binding: NativeBinding } | { binding: null; problem: string; failure: Failure }

const ALLOW_FFI = 'run Deno with --allow-ffi, which it needs to load the native build'

function failureOf(error: unknown): Failure {
  // Anything can be thrown, null included.
  if ((error as { code?: unknown } | null)?.code === 'ERR_DLOPEN_DISABLED') return 'addons-turned-off'
  const deno = (globalThis as { Deno?: { errors?: Record<string, unknown> } }).Deno
  const refusals = [deno?.errors?.NotCapable, deno?.errors?.PermissionDenied].filter((type) => typeof type === 'function')
  return refusals.some((type) => error instanceof (type as new () => Error)) ? 'ffi-not-allowed' : 'file'
}

/** Loads `file`, or says why it could not, naming the file relative to the package at `root`. */
function attempt(file: string, root: string): Attempt {
  const what = `${isPrebuild(file, root) ? 'the prebuild' : 'the local build'} ${path.relative(root, file)}`
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an addon is loaded by require(), from a path known only at run time
    return { binding: require(file) as NativeBinding }
  } catch (error) {
    const failure = failureOf(error)
    const header = failure === 'file' ? elfMismatch(file) : null
    const why = header === null ? message(error) : `${header}; ${message(error)}`
    return { binding: null, problem: `${what} could not be loaded (${why})`, failure }
  }
}

/** The outcome where the runtime refused every addon, which no other build changes, or null where it refused one file. */
function refusedByRuntime(failed: { problem: string; failure: Failure }): NativeLoad | null {
  if (failed.failure === 'addons-turned-off') return { binding: null, reason: failed.problem, expected: false }
  if (failed.failure === 'ffi-not-allowed') return { binding: null, reason: `${failed.problem}; ${ALLOW_FFI}`, expected: true }
  return null
}

/** Where loadNative() looks and how it learns the C library: the package and this process, unless a test says otherwise. */
export interface LoadOptions {
  root?: string
  findLibc?: () => LibcFinding
}

export function loadNative({ root = PACKAGE_ROOT, findLibc = detectLibc }: LoadOptions = {}): NativeLoad {
  const unsupported = unsupportedPlatform(process.platform, process.arch)
  if (unsupported !== null) return { binding: null, reason: unsupported, expected: false }
  // Asked only where a prebuild is at stake: a local build loads on any C library.
  const libcOfProcess = (): LibcFinding => {
    try {
      return findLibc()
    } catch (error) {
      return { libc: null, evidence: `reading it failed: ${message(error)}` }
    }
  }
  // The local build by its name where it exists: node-gyp leaves a copy of the fast-calls addon in build/Release
  // too, node-gyp-build takes the first .node file there, and some runtimes (Bun) list directories unsorted.
  const localBuild = path.join(root, 'build', 'Release', 'rseq.node')
  let file: string
  try {
    file = existsSync(localBuild) ? localBuild : nodeGypBuild().path(root)
  } catch (error) {
    // node-gyp-build looks for musl prebuilds where it guesses musl (Alpine): the package has none.
    const libc = libcOfProcess()
    if (libc.libc === 'musl') {
      return {
        binding: null,
        reason: `this process runs on musl libc (${libc.evidence}) and the package has no musl prebuild; ${BUILD_FROM_SOURCE}`,
        expected: false,
      }
    }
    return {
      binding: null,
      reason: `no native build was found (${message(error)}); reinstall rseq, or ${BUILD_FROM_SOURCE}`,
      expected: true,
    }
  }
  if (isPrebuild(file, root)) return loadPrebuild(file, root, libcOfProcess(), null)
  const local = attempt(file, root)
  if (local.binding !== null) return { binding: local.binding, file, skippedLocalBuild: null }
  const refused = refusedByRuntime(local)
  if (refused !== null) return refused
  const prebuild = matchingPrebuild(root)
  if (prebuild === null) {
    const reason = `${local.problem}, and the package has no prebuild for ${process.platform}-${process.arch} to load instead; ${REBUILD_LOCAL_BUILD}`
    return { binding: null, reason, expected: true }
  }
  return loadPrebuild(prebuild, root, libcOfProcess(), local.problem)
}

/** Loads the prebuild `file` where the C library allows it; `localProblem` says why it is tried instead of a local build. */
function loadPrebuild(file: string, root: string, libc: LibcFinding, localProblem: string | null): NativeLoad {
  const withLocal = (problem: string) => (localProblem === null ? problem : `${localProblem}, and ${problem}`)
  const refused = refusalOf(file, libc, root)
  if (refused !== null) {
    // On musl the package ships nothing that loads, so only a local build made here raised the expectation.
    return { binding: null, reason: `${withLocal(refused)}; ${BUILD_FROM_SOURCE}`, expected: localProblem !== null || libc.libc !== 'musl' }
  }
  const loaded = attempt(file, root)
  if (loaded.binding !== null) {
    return {
      binding: loaded.binding,
      file,
      skippedLocalBuild: localProblem === null ? null : `${localProblem}; ${REBUILD_OR_DELETE_LOCAL_BUILD}`,
    }
  }
  const refusedAll = refusedByRuntime(loaded)
  if (refusedAll !== null) return refusedAll
  return { binding: null, reason: `${withLocal(loaded.problem)}; reinstall rseq, or ${BUILD_FROM_SOURCE}`, expected: true }
}
