// aarch64: the critical sections proven under qemu-user against a simulated rseq area, a linux-arm64
// prebuild with its fast-calls builds, and the whole addon running its fallback under Debian's arm64 Node in
// qemu-user (which answers rseq with ENOSYS). Real aarch64 hardware is not available here: see
// docs/development.md.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { arm64NodeRoot, emulationRequired, missingCrossTools, qemuNode } from './helpers/emulation'
import { packageCopy, root } from './helpers/package-copy'
import { runCommandOk, runNodeJson } from './helpers/run-node'
// @ts-expect-error: a script of the package, without declarations
import { FAST_CALLS_ABIS } from '../scripts/package.mjs'

const missing = missingCrossTools()
if (missing !== null) {
  if (emulationRequired) throw new Error(`RSEQ_REQUIRE_EMULATION=1 but ${missing}`)
  console.warn(`aarch64 tests skipped: ${missing}`)
}

const EMULATION_SOURCES = ['test/fixtures/sequence-emulation.cc', 'native/percpu/percpu_ops.cc', 'native/percpu/percpu_layout.cc']

async function buildEmulation(compiler: string, output: string, extra: string[]): Promise<string> {
  const binary = path.join(root, 'test', '.build', output)
  mkdirSync(path.dirname(binary), { recursive: true })
  await runCommandOk(
    compiler,
    ['-O2', '-std=c++17', '-DRSEQ_TEST_DELAY=2000', ...extra, '-o', binary, ...EMULATION_SOURCES.map((source) => path.join(root, source))],
    { timeoutMs: 300_000 },
  )
  return binary
}

interface EmulationReport {
  arch: string
  passed: boolean
  commits: number
  aborts: number
  [check: string]: unknown
}

async function runEmulation(command: string[]): Promise<EmulationReport> {
  return JSON.parse(await runCommandOk(command[0], command.slice(1), { timeoutMs: 300_000 })) as EmulationReport
}

const EMULATION_CHECKS = [
  'addReturnsCpu',
  'addWritesThatCpu',
  'armsDescriptor',
  'casStoresWhenExpected',
  'casRefusesOtherwise',
  'maxNeverLowers',
  'maxRaises',
  'indexesByMmCid',
  'addFollowsActiveSet',
  'scribbledSetWordStaysInside',
  'boundsCheckRejects',
  'abortsHappen',
  'signatureFound',
  'abortedAddsLeaveNoTrace',
  'continuesOnNewCpu',
]

function expectEveryCheck(report: EmulationReport): void {
  for (const check of EMULATION_CHECKS) expect(report[check], check).toBe(true)
  expect(report.passed).toBe(true)
}

describe.skipIf(missing !== null)('the aarch64 sequences under qemu-user, a timer playing the kernel', () => {
  it('add, compare-and-store, max, the bounds check and the abort path all hold', async () => {
    const binary = await buildEmulation('aarch64-linux-gnu-g++', 'sequence-emulation-arm64', ['-static'])
    const report = await runEmulation(['qemu-aarch64-static', binary])
    expect(report.arch).toBe('arm64')
    expectEveryCheck(report)
    expect(report.aborts).toBeGreaterThan(0)
  })
})

describe(`the ${process.arch} sequences natively, under the same simulated kernel`, () => {
  it('hold the same checks, which shows the emulation itself is sound', async () => {
    const report = await runEmulation([await buildEmulation('g++', 'sequence-emulation-host', [])])
    expect(report.arch).toBe(process.arch)
    expectEveryCheck(report)
  })
})

/**
 * The first 4 bytes of the binary's __rseq_failure section, little-endian: the signature the kernel finds
 * before the first abort handler.
 */
function signatureBeforeFirstHandler(file: string): number {
  const dump = execFileSync('readelf', ['-x', '__rseq_failure', file], { encoding: 'utf8' })
  const word = /^\s*0x[0-9a-f]+ ([0-9a-f]{8})/m.exec(dump)
  if (!word) throw new Error(`readelf -x __rseq_failure ${file}: no hex dump:\n${dump}`)
  return Buffer.from(word[1], 'hex').readUInt32LE(0)
}

describe.skipIf(missing !== null)('the addon on arm64', () => {
  let copy: string
  let signatureInBinary: number
  let node: string[] | undefined
  let noNodeReason = ''

  beforeAll(async () => {
    copy = packageCopy('arm64-prebuild')
    await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs'), '--arch', 'arm64'], { cwd: copy, timeoutMs: 600_000 })
    rmSync(path.join(copy, 'build'), { recursive: true, force: true })
    signatureInBinary = signatureBeforeFirstHandler(path.join(copy, 'prebuilds', 'linux-arm64', 'rseq.glibc.node'))
    const sysroot = await arm64NodeRoot()
    if ('root' in sysroot) node = qemuNode(sysroot.root)
    else if (emulationRequired) throw new Error(sysroot.reason)
    else noNodeReason = sysroot.reason
  }, 900_000)

  it('is an aarch64 ELF shared object in prebuilds/linux-arm64 with its rseq sections', async () => {
    const file = path.join(copy, 'prebuilds', 'linux-arm64', 'rseq.glibc.node')
    const header = execFileSync('readelf', ['-h', '-S', '-W', file], { encoding: 'utf8' })
    expect(header).toMatch(/Type:\s+DYN/)
    expect(header).toMatch(/Machine:\s+AArch64/)
    expect(header).toMatch(/__rseq_cs/)
    expect(header).toMatch(/__rseq_failure/)
  })

  it("has an aarch64 ELF shared object per Node ABI in prebuilds/linux-arm64/fast-calls, each with that ABI's initializer", () => {
    const dir = path.join(copy, 'prebuilds', 'linux-arm64', 'fast-calls')
    expect(readdirSync(dir).sort()).toEqual((FAST_CALLS_ABIS as string[]).map((abi) => `abi${abi}.node`).sort())
    for (const abi of FAST_CALLS_ABIS as string[]) {
      const file = path.join(dir, `abi${abi}.node`)
      const elf = execFileSync('readelf', ['-h', '--dyn-syms', '-W', file], { encoding: 'utf8' })
      expect(elf, file).toMatch(/Type:\s+DYN/)
      expect(elf, file).toMatch(/Machine:\s+AArch64/)
      // Defined (a section index, not UND) and exported: the Node of that ABI finds it, any other finds none.
      expect(elf, file).toMatch(new RegExp(`\\sFUNC\\s+GLOBAL\\s+DEFAULT\\s+\\d+\\s+node_register_module_v${abi}$`, 'm'))
      expect(elf.match(/node_register_module_v\d+/g), file).toEqual([`node_register_module_v${abi}`])
    }
  })

  it('loads under arm64 Node in qemu-user and takes fallback with ENOSYS on every thread', async (context) => {
    if (node === undefined) return context.skip(noNodeReason)
    const report = await runNodeJson<{ main: Record<string, unknown>; firstRound: Record<string, unknown>[] }>(
      'thread-report.cjs',
      ['--workers', '2', '--samples', '200'],
      { node, env: { RSEQ_PACKAGE: copy } },
    )
    for (const thread of [report.main, ...report.firstRound]) {
      expect(thread.arch).toBe('arm64')
      expect(thread.strategy).toBe('fallback')
      expect(thread.errno).toBe('ENOSYS')
      expect(thread.signature).toBe(signatureInBinary)
      expect(thread.outOfRange).toBe(0)
    }
  })

  it('passes the API checks there', async (context) => {
    if (node === undefined) return context.skip(noNodeReason)
    const result = await runNodeJson<{ checks: Record<string, unknown> }>('api-checks.cjs', [], { node, env: { RSEQ_PACKAGE: copy } })
    for (const [name, outcome] of Object.entries(result.checks)) expect(outcome, name).toBe(true)
  })

  it('sums exactly with 4 workers adding there', async (context) => {
    if (node === undefined) return context.skip(noNodeReason)
    const result = await runNodeJson<{ expected: string; observed: string; workerStrategies: string[] }>(
      'percpu-workers.cjs',
      ['--workers', '4', '--adds', '50000'],
      { node, env: { RSEQ_PACKAGE: copy } },
    )
    expect(result.workerStrategies).toEqual(['fallback', 'fallback', 'fallback', 'fallback'])
    expect(result.observed).toBe(result.expected)
  })
})
