// Finds and loads the addon, or says why it cannot: a local build (build/Release, from `npm install` in a
// checkout or `npx rseq build`) before the prebuilds shipped in the package, found by node-gyp-build.
// A prebuild is loaded only on the C library it was made for (prebuilds are made on glibc); a failure of
// any kind becomes a reason for the portable path, never an exception out of require('rseq').
import * as path from 'node:path'
import { detectLibc, type Libc, type LibcFinding } from './libc'
import type { NativeBinding } from './native-binding'

export const PACKAGE_ROOT = path.join(__dirname, '..')

/** The architectures native/arch/ has critical sections for, as process.arch names them. */
export const NATIVE_ARCHES: readonly string[] = ['x64', 'arm64']

/** How a person gets a native build where the package has none that fits. */
export const BUILD_FROM_SOURCE = 'build the addon here with `npx rseq build` (needs python3, make and a C++ compiler)'

export type NativeLoad = { binding: NativeBinding; file: string } | { binding: null; reason: string }

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
  if (libc.libc === null) return `could not tell which C library this process runs on (${libc.evidence}), and the prebuild ${name} needs ${madeFor}`
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

/** Where loadNative() looks and how it learns the C library: the package and this process, unless a test says otherwise. */
export interface LoadOptions {
  root?: string
  findLibc?: () => LibcFinding
}

export function loadNative({ root = PACKAGE_ROOT, findLibc = detectLibc }: LoadOptions = {}): NativeLoad {
  const unsupported = unsupportedPlatform(process.platform, process.arch)
  if (unsupported !== null) return { binding: null, reason: unsupported }
  // Asked only where a prebuild is at stake: a local build loads on any C library.
  const libcOfProcess = (): LibcFinding => {
    try {
      return findLibc()
    } catch (error) {
      return { libc: null, evidence: `reading it failed: ${message(error)}` }
    }
  }
  let file: string
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    file = (require('node-gyp-build') as { path(dir: string): string }).path(root)
  } catch (error) {
    // node-gyp-build looks for musl prebuilds where it guesses musl (Alpine): the package has none.
    const libc = libcOfProcess()
    if (libc.libc === 'musl') return { binding: null, reason: `this process runs on musl libc (${libc.evidence}) and the package has no musl prebuild; ${BUILD_FROM_SOURCE}` }
    return { binding: null, reason: `no native build was found (${message(error)}); reinstall rseq, or ${BUILD_FROM_SOURCE}` }
  }
  const refused = isPrebuild(file, root) ? refusalOf(file, libcOfProcess(), root) : null
  if (refused !== null) return { binding: null, reason: `${refused}; ${BUILD_FROM_SOURCE}` }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return { binding: require(file) as NativeBinding, file }
  } catch (error) {
    return { binding: null, reason: `the native build ${path.relative(root, file)} could not be loaded (${message(error)})` }
  }
}
