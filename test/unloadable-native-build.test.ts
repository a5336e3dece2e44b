// What a process gets where its native build does not load. A local build made for another machine (what
// `npm run prebuild` once left in build/) is skipped for the prebuild that fits, with a warning of its own
// saying why. Where no native build loads at all the portable path runs and the process gets one warning,
// RSEQ_NATIVE_BUILD_NOT_LOADED, however many of its threads load the package, naming the file, the error
// and the fix; where the portable path is chosen on purpose (RSEQ_STRATEGY=portable, node --no-addons)
// nothing is printed. Each case is a copy of the package with its builds arranged; the loader's reasons
// in detail are test/native-loader.test.ts's.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ELF_MACHINES } from '../lib/binding/addon-loader'
import { packageCopy, root } from './helpers/package-copy'
import { printedWarnings, type PrintedWarning } from './helpers/printed-warnings'
import { runNode } from './helpers/run-node'

const thisMachine = ELF_MACHINES[process.arch]
const otherMachine = process.arch === 'x64' ? ELF_MACHINES.arm64 : ELF_MACHINES.x64
const LOCAL_BUILD = path.join('build', 'Release', 'rseq.node')
const PREBUILD = path.join('prebuilds', `linux-${process.arch}`, 'rseq.glibc.node')
/** The checkout's own build (scripts/build-changed.mjs made it before the suite): an addon that loads here. */
const checkoutBuild = () => readFileSync(path.join(root, 'build', 'Release', 'rseq.node'))

/** The checkout's build with an ELF header naming another machine: to the dynamic loader, that machine's build. */
function buildForOtherMachine(): Buffer {
  const bytes = checkoutBuild()
  bytes.writeUInt16LE(otherMachine.number, 18)
  return bytes
}

/** A copy of the package whose build/Release/rseq.node and glibc prebuild hold these bytes, or are absent (null). */
function arrangedCopy(name: string, builds: { local: Buffer | null; prebuild: Buffer | null }): string {
  const copy = packageCopy(name)
  for (const [file, bytes] of [
    [LOCAL_BUILD, builds.local],
    [PREBUILD, builds.prebuild],
  ] as const) {
    if (bytes === null) continue
    mkdirSync(path.dirname(path.join(copy, file)), { recursive: true })
    writeFileSync(path.join(copy, file), bytes)
  }
  return copy
}

interface ThreadLoad {
  strategy: string
  reason: string
  nativeFile: string | null
  skippedLocalBuild: string | null
}

interface Loaded {
  threads: ThreadLoad[]
  warnings: PrintedWarning[]
  /** stderr without the warnings. */
  otherOutput: string
}

/** Loads the copy on the main thread (unless `workersOnly`) and then in 2 workers, in a child node. */
async function loadIn(
  copy: string,
  options: { env?: Record<string, string>; nodeArgs?: string[]; workersOnly?: boolean } = {},
): Promise<Loaded> {
  const args = ['--workers', '2', '--workers-only', options.workersOnly ? 'yes' : 'no']
  const result = await runNode('native-load-report.cjs', args, { env: { RSEQ_PACKAGE: copy, ...options.env }, nodeArgs: options.nodeArgs })
  expect(result.status, result.stderr).toBe(0)
  const report = JSON.parse(result.stdout) as { main: ThreadLoad | null; workers: ThreadLoad[] }
  return { threads: [...(report.main === null ? [] : [report.main]), ...report.workers], ...printedWarnings(result.stderr) }
}

const strategies = (loaded: Loaded) => loaded.threads.map((thread) => thread.strategy)
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe(`a local build made for ${otherMachine.name}, beside a prebuild that fits this ${thisMachine.name} machine`, () => {
  let loaded: Loaded
  beforeAll(async () => {
    loaded = await loadIn(arrangedCopy('local-build-for-another-machine', { local: buildForOtherMachine(), prebuild: checkoutBuild() }))
  })

  it('is skipped for the prebuild on every thread, which runs the native strategies, not the portable path', () => {
    expect(loaded.threads.map((thread) => thread.nativeFile)).toEqual([PREBUILD, PREBUILD, PREBUILD])
    expect(strategies(loaded)).not.toContain('portable')
  })

  it('is named in one warning of its own, RSEQ_LOCAL_BUILD_SKIPPED, with the machine it was built for and the fix', () => {
    const why = `the local build ${LOCAL_BUILD} could not be loaded (it is built for ${otherMachine.name}, and this machine is ${thisMachine.name}; `
    expect(loaded.warnings).toEqual([
      {
        code: 'RSEQ_LOCAL_BUILD_SKIPPED',
        message: expect.stringMatching(
          new RegExp(
            `^rseq loads its prebuild ${escaped(PREBUILD)} because ${escaped(why)}.+\\); rebuild it for this machine with \`npx rseq build\``,
          ),
        ),
      },
    ])
    expect(loaded.otherOutput).toBe('')
    expect(loaded.threads[0].skippedLocalBuild).toMatch(new RegExp(`^${escaped(why)}`))
  })
})

describe('a local build that is not an ELF file, and no prebuild: no native build loads', () => {
  let copy: string
  beforeAll(() => {
    copy = arrangedCopy('local-build-not-elf', { local: Buffer.from('not an ELF file\n'), prebuild: null })
  })

  it('runs the portable path on every thread, saying why in info().reason', async () => {
    const loaded = await loadIn(copy)
    expect(strategies(loaded)).toEqual(['portable', 'portable', 'portable'])
    expect(loaded.threads[0].reason).toMatch(
      new RegExp(
        `^The portable JavaScript path runs .* because the local build ${escaped(LOCAL_BUILD)} could not be loaded \\(it is not an ELF shared object; .*file too short\\)`,
      ),
    )
  })

  it('warns once per process, not once per thread: RSEQ_NATIVE_BUILD_NOT_LOADED, naming the file, the error and the fix', async () => {
    const loaded = await loadIn(copy)
    expect(loaded.warnings).toEqual([
      {
        code: 'RSEQ_NATIVE_BUILD_NOT_LOADED',
        message: expect.stringMatching(
          new RegExp(
            '^rseq could not load its native build and runs the portable JavaScript path instead \\(exact, over atomics; currentCpu\\(\\) reads -1; host-wide metric stores cannot be opened\\): ' +
              `the local build ${escaped(LOCAL_BUILD)} could not be loaded \\(it is not an ELF shared object; ${escaped(path.join(copy, LOCAL_BUILD))}: file too short\\), ` +
              `and the package has no prebuild for linux-${process.arch} to load instead; rebuild it for this machine with \`npx rseq build\`.*` +
              'RSEQ_STRATEGY=portable chooses that path on purpose, without this warning\\.$',
          ),
        ),
      },
    ])
    expect(loaded.otherOutput).toBe('')
  })

  it('warns once in each worker where only workers load it: their parent thread, which never did, handed them no mark', async () => {
    const loaded = await loadIn(copy, { workersOnly: true })
    expect(strategies(loaded)).toEqual(['portable', 'portable'])
    expect(loaded.warnings.map((warning) => warning.code)).toEqual(['RSEQ_NATIVE_BUILD_NOT_LOADED', 'RSEQ_NATIVE_BUILD_NOT_LOADED'])
    expect(loaded.otherOutput).toBe('')
  })

  it('prints nothing where the portable path is asked for (RSEQ_STRATEGY=portable)', async () => {
    const loaded = await loadIn(copy, { env: { RSEQ_STRATEGY: 'portable' } })
    expect(strategies(loaded)).toEqual(['portable', 'portable', 'portable'])
    expect([loaded.warnings, loaded.otherOutput]).toEqual([[], ''])
  })

  it('prints nothing where node runs with addons turned off (node --no-addons): no native build was expected', async () => {
    const loaded = await loadIn(copy, { nodeArgs: ['--no-addons'] })
    expect(strategies(loaded)).toEqual(['portable', 'portable', 'portable'])
    expect(loaded.threads[0].reason).toMatch(/could not be loaded \(Cannot load native addon because loading addons is disabled\.\)$/)
    expect([loaded.warnings, loaded.otherOutput]).toEqual([[], ''])
  })

  it.runIf(process.allowedNodeEnvironmentFlags.has('--disable-warning'))(
    'prints nothing under node --disable-warning=RSEQ_NATIVE_BUILD_NOT_LOADED',
    async () => {
      const loaded = await loadIn(copy, { nodeArgs: ['--disable-warning=RSEQ_NATIVE_BUILD_NOT_LOADED'] })
      expect(strategies(loaded)).toEqual(['portable', 'portable', 'portable'])
      expect([loaded.warnings, loaded.otherOutput]).toEqual([[], ''])
    },
  )
})

describe('a package installed without any native build (no build/, no prebuilds/)', () => {
  it('runs the portable path and warns once, saying that none was found and to reinstall or build one', async () => {
    const loaded = await loadIn(arrangedCopy('no-native-build', { local: null, prebuild: null }))
    expect(strategies(loaded)).toEqual(['portable', 'portable', 'portable'])
    expect(loaded.warnings).toEqual([
      {
        code: 'RSEQ_NATIVE_BUILD_NOT_LOADED',
        message: expect.stringMatching(
          new RegExp(
            `: no native build was found \\(No native build was found for platform=linux arch=${process.arch} .*\\); reinstall rseq, or build the addon here with \`npx rseq build\``,
          ),
        ),
      },
    ])
    expect(loaded.otherOutput).toBe('')
  })
})
