// Which native build the package loads, and where it loads none: the C library a process runs on is read
// from the process itself (what is mapped into it, else its executable's program interpreter); a prebuild
// is loaded only on the C library its file name is tagged with, a local build anywhere; a local build that
// does not load (another machine's, or no ELF at all) is skipped for the prebuild, and the reason kept;
// platforms and architectures without critical sections get a reason, never an exception; and each outcome
// says whether a native build was expected (where it was and none loads, the package warns:
// test/unloadable-native-build.test.ts). musl is detected on a real musl process (a C program built with
// Debian's musl-gcc): no musl Node.js, Bun or Deno runs here.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectLibc, interpreterOf, libcOfMaps, type LibcFinding } from '../lib/binding/libc-detection'
import {
  ELF_MACHINES,
  elfMismatch,
  loadNative,
  matchingPrebuild,
  PACKAGE_ROOT,
  prebuildLibc,
  refusalOf,
  unsupportedPlatform,
} from '../lib/binding/addon-loader'
import { emulationRequired } from './helpers/emulation'
import { root } from './helpers/package-copy'

const musl: LibcFinding = { libc: 'musl', evidence: '/lib/ld-musl-x86_64.so.1 is mapped into the process' }
const glibc: LibcFinding = { libc: 'glibc', evidence: '/usr/lib/x86_64-linux-gnu/libc.so.6 is mapped into the process' }
const unknown: LibcFinding = { libc: null, evidence: '/proc/self/maps could not be read' }
const prebuild = (name: string) => path.join(PACKAGE_ROOT, 'prebuilds', `linux-${process.arch}`, name)
const localBuild = path.join(PACKAGE_ROOT, 'build', 'Release', 'rseq.node')

describe('the C library of this process', () => {
  it('is glibc, from the libc.so.6 mapped into it', () => {
    const found = detectLibc()
    expect(found.libc).toBe('glibc')
    expect(found.evidence).toMatch(/\/libc\.so\.6 is mapped into the process$/)
    expect(readFileSync('/proc/self/maps', 'utf8')).toContain(found.evidence.split(' ')[0])
  })

  it("would be told by the program interpreter of node: glibc's dynamic loader", () => {
    expect(interpreterOf(process.execPath)).toMatch(/\/ld-linux[\w.-]*\.so\.\d$/)
  })
})

const muslGcc = spawnSync('sh', ['-c', 'command -v musl-gcc'], { encoding: 'utf8' }).stdout.trim()
const muslMissing = muslGcc === '' ? 'musl-gcc not found: apt-get install musl-tools' : null

describe.skipIf(muslMissing !== null && !emulationRequired)(`a musl process${muslMissing ? ` (skipped: ${muslMissing})` : ''}`, () => {
  const built = path.join(root, 'test', '.build', 'musl')
  const processes: ReturnType<typeof spawn>[] = []

  beforeAll(() => {
    if (muslMissing !== null) throw new Error(muslMissing)
    mkdirSync(built, { recursive: true })
    const source = path.join(root, 'test', 'fixtures', 'waits-for-stdin.c')
    for (const [name, flags] of [
      ['dynamic', []],
      ['static', ['-static']],
    ] as const) {
      const result = spawnSync(muslGcc, ['-O2', '-o', path.join(built, name), source, ...flags], { encoding: 'utf8' })
      if (result.status !== 0) throw new Error(`musl-gcc ${name} failed: ${result.stderr}`)
    }
  })

  afterAll(() => {
    for (const child of processes) child.stdin?.end()
  })

  /** Starts the program and waits until the kernel shows its C library mapped (or its main running). */
  async function running(name: string): Promise<number> {
    const child = spawn(path.join(built, name), [], { stdio: ['pipe', 'ignore', 'ignore'] })
    processes.push(child)
    for (let tries = 0; tries < 100; tries++) {
      const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8')
      if (maps.includes(path.join(built, name))) return child.pid!
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`${name} did not start`)
  }

  it('is musl, from the musl libc mapped into it, and the glibc prebuild is refused for it', async () => {
    const found = detectLibc(await running('dynamic'))
    expect(found.libc).toBe('musl')
    expect(found.evidence).toMatch(/musl.* is mapped into the process$/)
    expect(refusalOf(prebuild('rseq.glibc.node'), found)).toMatch(
      /^this process runs on musl libc \(.*musl.* is mapped into the process\) and the prebuild rseq\.glibc\.node is for glibc$/,
    )
  })

  it("names musl's loader as its program interpreter", () => {
    expect(interpreterOf(path.join(built, 'dynamic'))).toMatch(/^\/lib\/ld-musl-[\w-]+\.so\.1$/)
  })

  it('is unknown when statically linked: nothing mapped, no interpreter, so no prebuild would load', async () => {
    const found = detectLibc(await running('static'))
    expect(found.libc).toBeNull()
    expect(interpreterOf(path.join(built, 'static'))).toBeNull()
    expect(refusalOf(prebuild('rseq.glibc.node'), found)).toMatch(/could not tell which C library/)
  })
})

describe('the mapped files that name a C library', () => {
  it.each([
    ['/lib/ld-musl-aarch64.so.1', 'musl'],
    ['/lib/libc.musl-x86_64.so.1', 'musl'],
    ['/usr/lib/x86_64-linux-musl/libc.so', 'musl'],
    ['/lib/x86_64-linux-gnu/libc.so.6', 'glibc'],
    ['/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1', 'glibc'],
    ['/lib/libc-2.17.so', 'glibc'],
  ])('%s is %s', (file, libc) => {
    expect(libcOfMaps(`7f0000000000-7f0000001000 r-xp 00000000 08:01 42   ${file}\n`)).toEqual({ libc, file })
  })

  it('are not the anonymous mappings, the vDSO or other libraries', () => {
    expect(
      libcOfMaps('7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0   [vdso]\n7f00-7f01 r-xp 0 08:01 7   /usr/lib/libstdc++.so.6\n'),
    ).toBeNull()
  })

  it('count only when mapped executable: a data file of that name is no C library', () => {
    expect(libcOfMaps('7f00-7f01 r--p 00000000 08:01 7   /srv/images/lib/libc.so.6\n')).toBeNull()
  })

  it('are read through paths with spaces and files deleted since they were mapped', () => {
    expect(libcOfMaps('7f00-7f01 r-xp 00000000 08:01 7   /opt/my root/lib/ld-musl-x86_64.so.1 (deleted)\n')).toEqual({
      libc: 'musl',
      file: '/opt/my root/lib/ld-musl-x86_64.so.1',
    })
  })
})

describe('the program interpreter of a file that is not a whole ELF executable', () => {
  const scratch = path.join(root, 'test', '.build', 'elf-scraps')
  beforeAll(() => mkdirSync(scratch, { recursive: true }))

  it.each([
    ['a 54-byte 64-bit ELF header', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(47)])],
    [
      'program headers said to be 8 bytes long',
      (() => {
        const head = Buffer.alloc(128)
        Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(head)
        head.writeBigUInt64LE(64n, 32) // e_phoff
        head.writeUInt16LE(8, 54) // e_phentsize
        head.writeUInt16LE(4, 56) // e_phnum
        return head
      })(),
    ],
    ['a text file', Buffer.from('#!/bin/sh\necho hello\n')],
  ])('is none for %s, without throwing', (name, bytes) => {
    const file = path.join(scratch, name.replace(/\W+/g, '-'))
    writeFileSync(file, bytes)
    expect(interpreterOf(file)).toBeNull()
  })
})

describe('which build may load', () => {
  it('takes a prebuild tagged with the C library of the process', () => {
    expect(prebuildLibc(prebuild('rseq.glibc.node'))).toBe('glibc')
    expect(refusalOf(prebuild('rseq.glibc.node'), glibc)).toBeNull()
    expect(refusalOf(prebuild('rseq.musl.node'), musl)).toBeNull()
  })

  it('never loads a glibc prebuild into a musl process, saying which C library it found and how', () => {
    expect(refusalOf(prebuild('rseq.glibc.node'), musl)).toBe(
      'this process runs on musl libc (/lib/ld-musl-x86_64.so.1 is mapped into the process) and the prebuild rseq.glibc.node is for glibc',
    )
    expect(refusalOf(prebuild('rseq.musl.node'), glibc)).toMatch(/runs on glibc libc .* is for musl$/)
  })

  it('refuses a prebuild that does not say its C library, and any prebuild where the C library is unknown', () => {
    expect(refusalOf(prebuild('rseq.node'), glibc)).toBe('the prebuild rseq.node does not say which C library it was built against')
    expect(refusalOf(prebuild('rseq.glibc.node'), unknown)).toMatch(
      /^could not tell which C library this process runs on \(\/proc\/self\/maps could not be read\)/,
    )
  })

  it('takes a local build on any C library: it was compiled on this machine', () => {
    for (const libc of [glibc, musl, unknown]) expect(refusalOf(localBuild, libc)).toBeNull()
  })
})

describe('loadNative() in a package whose only native build is a glibc prebuild', () => {
  const withPrebuild = path.join(root, 'test', '.build', 'loader-with-glibc-prebuild')
  const empty = path.join(root, 'test', '.build', 'loader-without-builds')
  beforeAll(() => {
    for (const dir of [withPrebuild, empty]) rmSync(dir, { recursive: true, force: true })
    mkdirSync(path.join(withPrebuild, 'prebuilds', `linux-${process.arch}`), { recursive: true })
    mkdirSync(empty, { recursive: true })
    // Never loaded by these tests: a refused prebuild is not opened.
    writeFileSync(path.join(withPrebuild, 'prebuilds', `linux-${process.arch}`, 'rseq.glibc.node'), 'not an ELF file')
  })

  it('does not load it into a musl process, says how to get a build, and expects none there (the package ships none for musl)', () => {
    expect(loadNative({ root: withPrebuild, findLibc: () => musl })).toEqual({
      binding: null,
      reason:
        'this process runs on musl libc (/lib/ld-musl-x86_64.so.1 is mapped into the process) and the prebuild rseq.glibc.node is for glibc; ' +
        'build the addon here with `npx rseq build` (needs python3, make and a C++ compiler)',
      expected: false,
    })
  })

  it('does not load it where the C library cannot be told, even when telling throws, and still expected one', () => {
    const loaded = loadNative({
      root: withPrebuild,
      findLibc: () => {
        throw new Error('EACCES')
      },
    })
    expect(!loaded.binding && loaded.reason).toMatch(/^could not tell which C library this process runs on \(reading it failed: EACCES\)/)
    expect(!loaded.binding && loaded.expected).toBe(true)
  })

  it('tries it on glibc, and a build that fails to load is a reason naming it, the error and the fix, not an exception', () => {
    expect(loadNative({ root: withPrebuild, findLibc: () => glibc })).toEqual({
      binding: null,
      reason: expect.stringMatching(
        /^the prebuild prebuilds\/linux-\w+\/rseq\.glibc\.node could not be loaded \(it is not an ELF shared object; .+\); reinstall rseq, or build the addon here with `npx rseq build`/,
      ),
      expected: true,
    })
  })

  it("names musl where there is no build at all on musl, and node-gyp-build's answer elsewhere, where one was expected", () => {
    expect(loadNative({ root: empty, findLibc: () => musl })).toEqual({
      binding: null,
      reason: expect.stringMatching(/^this process runs on musl libc .* and the package has no musl prebuild; build the addon here/),
      expected: false,
    })
    expect(loadNative({ root: empty, findLibc: () => glibc })).toEqual({
      binding: null,
      reason: expect.stringMatching(
        /^no native build was found \(No native build was found for platform=linux arch=\w+ .*\); reinstall rseq, or build the addon here/,
      ),
      expected: true,
    })
  })
})

const thisMachine = ELF_MACHINES[process.arch]
const otherMachine = process.arch === 'x64' ? ELF_MACHINES.arm64 : ELF_MACHINES.x64

/** The 64 bytes of a little-endian 64-bit ELF header of a shared object for `machine`, and nothing after it. */
function elfHeaderFor(machine: number): Buffer {
  const header = Buffer.alloc(64)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header)
  header.writeUInt16LE(3, 16) // ET_DYN
  header.writeUInt16LE(machine, 18)
  return header
}

describe('the ELF header of a build', () => {
  const scratch = path.join(root, 'test', '.build', 'elf-machines')
  const file = (name: string, bytes: Buffer) => {
    mkdirSync(scratch, { recursive: true })
    writeFileSync(path.join(scratch, name), bytes)
    return path.join(scratch, name)
  }

  it(`names the machine of a build made for another one: ${otherMachine.name} here, on ${thisMachine.name}`, () => {
    expect(elfMismatch(file('other.node', elfHeaderFor(otherMachine.number)))).toBe(
      `it is built for ${otherMachine.name}, and this machine is ${thisMachine.name}`,
    )
    expect(elfMismatch(file('riscv.node', elfHeaderFor(243)))).toBe(
      `it is built for ELF machine 243, and this machine is ${thisMachine.name}`,
    )
  })

  it('says a file that is not an ELF object is none, whatever its length', () => {
    expect(elfMismatch(file('text.node', Buffer.from('not an ELF file')))).toBe('it is not an ELF shared object')
    expect(elfMismatch(file('empty.node', Buffer.alloc(0)))).toBe('it is not an ELF shared object')
    expect(elfMismatch(file('long-text.node', Buffer.from('#!/bin/sh\n'.repeat(10))))).toBe('it is not an ELF shared object')
  })

  it("has nothing to say of this machine's build, of a file it cannot read, or for an architecture the package does not build for", () => {
    expect(elfMismatch(localBuild)).toBeNull()
    expect(elfMismatch(file('this.node', elfHeaderFor(thisMachine.number)))).toBeNull()
    expect(elfMismatch(path.join(scratch, 'never-made.node'))).toBeNull()
    expect(elfMismatch(file('other-again.node', elfHeaderFor(otherMachine.number)), 'riscv64')).toBeNull()
  })
})

describe('loadNative() in a package whose local build does not load', () => {
  const prebuildDir = (dir: string) => path.join(dir, 'prebuilds', `linux-${process.arch}`)
  /** A package at test/.build/<name> whose local build is another machine's, with a prebuild that is not an ELF file, or none. */
  function arranged(name: string, withPrebuild: boolean): string {
    const dir = path.join(root, 'test', '.build', name)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true })
    writeFileSync(path.join(dir, 'build', 'Release', 'rseq.node'), elfHeaderFor(otherMachine.number))
    if (withPrebuild) {
      mkdirSync(prebuildDir(dir), { recursive: true })
      writeFileSync(path.join(prebuildDir(dir), 'rseq.glibc.node'), 'not an ELF file')
    }
    return dir
  }
  const skippedLocal = `^the local build build/Release/rseq\\.node could not be loaded \\(it is built for ${otherMachine.name}, and this machine is ${thisMachine.name}; .+\\)`
  let withPrebuild: string
  let withoutPrebuild: string
  beforeAll(() => {
    withPrebuild = arranged('loader-local-build-for-another-machine', true)
    withoutPrebuild = arranged('loader-local-build-for-another-machine-alone', false)
  })

  it('tries the prebuild that matches this process instead, keeping why the local build was skipped', () => {
    expect(matchingPrebuild(withPrebuild)).toBe(path.join(prebuildDir(withPrebuild), 'rseq.glibc.node'))
    expect(loadNative({ root: withPrebuild, findLibc: () => glibc })).toEqual({
      binding: null,
      reason: expect.stringMatching(
        new RegExp(
          `${skippedLocal}, and the prebuild prebuilds/linux-\\w+/rseq\\.glibc\\.node could not be loaded \\(it is not an ELF shared object; .+\\); reinstall rseq, or build the addon here with \`npx rseq build\``,
        ),
      ),
      expected: true,
    })
  })

  it('holds that prebuild to the C library rules, and a local build made here still makes a native build expected on musl', () => {
    expect(loadNative({ root: withPrebuild, findLibc: () => musl })).toEqual({
      binding: null,
      reason: expect.stringMatching(
        new RegExp(
          `${skippedLocal}, and this process runs on musl libc \\(.+\\) and the prebuild rseq\\.glibc\\.node is for glibc; build the addon here`,
        ),
      ),
      expected: true,
    })
  })

  it('says when the package has no prebuild to load instead, and how to rebuild the local one', () => {
    expect(matchingPrebuild(withoutPrebuild)).toBeNull()
    expect(loadNative({ root: withoutPrebuild, findLibc: () => glibc })).toEqual({
      binding: null,
      reason: expect.stringMatching(
        new RegExp(
          `${skippedLocal}, and the package has no prebuild for linux-${process.arch} to load instead; rebuild it for this machine with \`npx rseq build\``,
        ),
      ),
      expected: true,
    })
  })
})

describe('platforms without a native build', () => {
  it.each([
    ['darwin', 'arm64', /^rseq\(2\) exists only on Linux, and this is darwin$/],
    ['win32', 'x64', /^rseq\(2\) exists only on Linux, and this is win32$/],
    ['linux', 'riscv64', /^the package's critical sections are written for x64 and arm64, not riscv64$/],
    ['linux', 'ia32', /not ia32$/],
  ])('%s-%s gets a reason', (platform, arch, reason) => {
    expect(unsupportedPlatform(platform, arch)).toMatch(reason)
  })

  it.each([
    ['linux', 'x64'],
    ['linux', 'arm64'],
  ])('%s-%s may have one', (platform, arch) => {
    expect(unsupportedPlatform(platform, arch)).toBeNull()
  })
})
