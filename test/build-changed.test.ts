// npm test never runs a stale build: before the suite, scripts/build-changed.mjs rebuilds dist/ from lib/
// and the addon from native/ when they are older than their sources, and the addon when it is not an ELF
// for this machine (a cross build left in build/, newer than its sources, would never load), and a failed
// build stops the run.
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ELF_MACHINES } from '../lib/binding/addon-loader'
import { packageCopy, root } from './helpers/package-copy'
import { runCommand } from './helpers/run-node'

const thisMachine = ELF_MACHINES[process.arch]
const otherMachine = process.arch === 'x64' ? ELF_MACHINES.arm64 : ELF_MACHINES.x64

describe('scripts/build-changed.mjs, in a copy of the package built as npm install builds it', () => {
  let copy: string
  // A rebuild of the addon takes most of a minute on two cores, more on a loaded machine.
  const buildChanged = () =>
    runCommand(process.execPath, [path.join(copy, 'scripts', 'build-changed.mjs')], { cwd: copy, timeoutMs: 600_000 })

  beforeAll(() => {
    copy = packageCopy('build-changed')
    cpSync(path.join(root, 'lib'), path.join(copy, 'lib'), { recursive: true })
    cpSync(path.join(root, 'tsconfig.json'), path.join(copy, 'tsconfig.json'))
    cpSync(path.join(root, 'build'), path.join(copy, 'build'), { recursive: true })
    // Built after its sources, as npm install leaves it: lib/, native/ and binding.gyp dated a minute ago.
    const earlier = new Date(Date.now() - 60_000)
    for (const source of ['lib', 'native', 'tsconfig.json', 'binding.gyp']) {
      for (const file of [source, ...entriesUnder(path.join(copy, source)).map((entry) => path.join(source, entry))]) {
        utimesSync(path.join(copy, file), earlier, earlier)
      }
    }
    const now = new Date()
    for (const built of ['dist', 'build']) {
      for (const entry of entriesUnder(path.join(copy, built))) utimesSync(path.join(copy, built, entry), now, now)
    }
  })

  it('does nothing when everything is newer than its sources', async () => {
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toBe('')
  })

  it(`rebuilds the addon when build/Release/rseq.node, though newer than its sources, is built for ${otherMachine.name}`, async () => {
    // Written now, after every source: only its ELF header says that it would not load here.
    const addon = path.join(copy, 'build', 'Release', 'rseq.node')
    const foreign = readFileSync(addon)
    foreign.writeUInt16LE(otherMachine.number, 18)
    writeFileSync(addon, foreign)
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(
      new RegExp(
        `^build-changed: build/Release/rseq\\.node cannot be this machine's addon: it is built for ${otherMachine.name}, and this machine is ${thisMachine.name}: node-gyp rebuild$`,
        'm',
      ),
    )
    expect(readFileSync(addon).readUInt16LE(18)).toBe(thisMachine.number)
  }, 900_000)

  it('stops the run, saying why, when the addon is built for this machine but does not load', async () => {
    // This machine's ELF header over nothing else: newer than its sources, right by its header, unloadable.
    const addon = path.join(copy, 'build', 'Release', 'rseq.node')
    const built = readFileSync(addon)
    writeFileSync(addon, built.subarray(0, 64))
    try {
      const result = await buildChanged()
      expect(result.status).toBe(1)
      expect(result.stderr).toMatch(
        /^build-changed: build\/Release\/rseq\.node was built but does not load \(.*Error.*\); the tests would run without it, so they do not run$/m,
      )
    } finally {
      writeFileSync(addon, built)
    }
  })

  it('rebuilds dist/ when lib/ changed, so the suite runs the edit', async () => {
    appendFileSync(path.join(copy, 'lib', 'index.ts'), '\nexport const editedAfterTheBuild = 42\n')
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/build-changed: lib\/ changed since dist\/ was built: tsc/)
    expect(readFileSync(path.join(copy, 'dist', 'index.js'), 'utf8')).toMatch(/editedAfterTheBuild = 42/)
  })

  it('builds dist/ anew when an output has no source in lib/ any more, so that nothing moved or removed is loaded or packed', async () => {
    const orphan = path.join(copy, 'dist', 'removed-module.js')
    writeFileSync(orphan, 'module.exports = "from a source since removed"\n')
    const result = await buildChanged()
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^build-changed: dist\/removed-module\.js has no source in lib\/ any more: dist\/ is built anew$/m)
    expect(existsSync(orphan)).toBe(false)
    expect(existsSync(path.join(copy, 'dist', 'index.js'))).toBe(true)
  })

  it('stops the run, saying why, when the build fails', async () => {
    appendFileSync(path.join(copy, 'lib', 'index.ts'), '\nexport const broken: number = "not a number"\n')
    const result = await buildChanged()
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/tsc .* failed \(exit \d+\); the tests would run a stale build, so they do not run/)
  })
})

function entriesUnder(at: string): string[] {
  try {
    return readdirSync(at, { recursive: true }).map(String)
  } catch {
    return [] // a file, not a folder
  }
}
