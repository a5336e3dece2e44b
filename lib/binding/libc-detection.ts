// Which C library a Linux process runs on, from what the kernel shows of it, never from file names on the
// disk (an Alpine marker file, a libc that is installed but not in use): first the libraries mapped into
// the process (/proc/<pid>/maps), then the program interpreter its executable names (PT_INTERP), which
// is the C library's own dynamic loader; in Deno, which keeps /proc from scripts, the target it was built
// for. A prebuild made against glibc is loaded only where this says glibc.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'

export type Libc = 'glibc' | 'musl'

export interface LibcFinding {
  /** null when neither source could be read or named a known C library. */
  libc: Libc | null
  /** What decided it, for info().reason and rseq doctor: the mapped file or the interpreter. */
  evidence: string
}

// musl's loader is its libc (ld-musl-<arch>.so.1; Alpine also links libc.musl-<arch>.so.1 to it; Debian's
// musl package keeps the file at /usr/lib/<arch>-linux-musl/libc.so, which is what the mapping names).
const MUSL_FILE = /\/(?:ld-musl-[\w-]+\.so\.1|libc\.musl-[\w-]+\.so\.1|[\w-]+-linux-musl\w*\/libc\.so)$/
// glibc's C library and its dynamic loaders (ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld-linux.so.2, ld64.so.*).
const GLIBC_FILE = /\/(?:libc\.so\.6|libc-2\.\d+\.so|ld-linux[\w.-]*\.so\.\d|ld64\.so\.\d)$/

function libcOfFile(file: string): Libc | null {
  if (MUSL_FILE.test(file)) return 'musl'
  if (GLIBC_FILE.test(file)) return 'glibc'
  return null
}

/**
 * The C library among the files a /proc/<pid>/maps text maps executable (a data file that happens to bear
 * such a name is no C library), or null when none is (a static binary).
 */
export function libcOfMaps(maps: string): { libc: Libc; file: string } | null {
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path; the path may hold spaces and end in " (deleted)"
    const fields = line.split(/\s+/)
    const at = line.indexOf('/')
    if (at === -1 || fields.length < 6 || !fields[1].includes('x')) continue
    const file = line.slice(at).replace(/ \(deleted\)$/, '')
    const libc = libcOfFile(file)
    if (libc !== null) return { libc, file }
  }
  return null
}

const PT_INTERP = 3
const ELF_HEAD_BYTES = 64 * 1024
const ELF32_HEADER_BYTES = 52
const ELF64_HEADER_BYTES = 64
const ELF32_PHDR_BYTES = 32
const ELF64_PHDR_BYTES = 56

/** The program interpreter an ELF executable asks for (its PT_INTERP), or null (static, not ELF, unreadable). */
export function interpreterOf(file: string): string | null {
  let head: Buffer
  try {
    const fd = openSync(file, 'r')
    try {
      head = Buffer.alloc(ELF_HEAD_BYTES)
      head = head.subarray(0, readSync(fd, head, 0, ELF_HEAD_BYTES, 0))
    } finally {
      closeSync(fd)
    }
  } catch {
    return null
  }
  // An ELF file, little-endian; the header and each program header entry at least as long as the format's.
  if (head.length < 16 || head.readUInt32BE(0) !== 0x7f454c46 || head[5] !== 1) return null
  const is64 = head[4] === 2
  if (head.length < (is64 ? ELF64_HEADER_BYTES : ELF32_HEADER_BYTES)) return null
  const tableOffset = is64 ? Number(head.readBigUInt64LE(32)) : head.readUInt32LE(28)
  const entrySize = head.readUInt16LE(is64 ? 54 : 42)
  const entries = head.readUInt16LE(is64 ? 56 : 44)
  if (entrySize < (is64 ? ELF64_PHDR_BYTES : ELF32_PHDR_BYTES)) return null
  for (let at = 0; at < entries; at++) {
    const entry = tableOffset + at * entrySize
    if (entry + entrySize > head.length) return null
    if (head.readUInt32LE(entry) !== PT_INTERP) continue
    const offset = is64 ? Number(head.readBigUInt64LE(entry + 8)) : head.readUInt32LE(entry + 4)
    const size = is64 ? Number(head.readBigUInt64LE(entry + 32)) : head.readUInt32LE(entry + 16)
    if (offset + size > head.length || size < 2) return null
    return head.toString('latin1', offset, offset + size - 1) // without its terminating NUL
  }
  return null
}

declare const Deno: { build: { env?: string } } | undefined

/** The C library of process `pid` (this process by default). */
export function detectLibc(pid: number | 'self' = 'self'): LibcFinding {
  // Deno lets nothing short of --allow-all read /proc, and says what it was built for instead.
  if (pid === 'self' && typeof Deno !== 'undefined' && (Deno.build.env === 'gnu' || Deno.build.env === 'musl')) {
    return { libc: Deno.build.env === 'gnu' ? 'glibc' : 'musl', evidence: `Deno.build.env is '${Deno.build.env}'` }
  }
  let maps: string | null = null
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
  } catch {
    // no procfs, or not allowed to read it (Deno without --allow-read for it): ask the executable
  }
  const mapped = maps === null ? null : libcOfMaps(maps)
  if (mapped !== null) return { libc: mapped.libc, evidence: `${mapped.file} is mapped into the process` }
  const interpreter = interpreterOf(`/proc/${pid}/exe`)
  const libc = interpreter === null ? null : libcOfFile(interpreter)
  if (libc !== null) return { libc, evidence: `the executable's program interpreter is ${interpreter}` }
  return {
    libc: null,
    evidence:
      maps === null
        ? `/proc/${pid}/maps could not be read`
        : 'no known C library is mapped into the process and the executable names no known interpreter',
  }
}
