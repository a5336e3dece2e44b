// `npm run prebuild` builds away from the checkout's build/, where the local build is looked for (by the
// package, and by scripts/build-changed.mjs before `npm test`): whether its builds succeed or fail, build/
// holds afterwards exactly what it held before, so that `npm test` after it still tests this machine's
// addon rather than the last prebuild's (the arm64 one, cross-compiled, which does not load on x86_64).
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ELF_MACHINES } from '../lib/binding/addon-loader'
import { missingCrossTools } from './helpers/emulation'
import { packageCopy } from './helpers/package-copy'
import { cleanEnvironment, runCommand } from './helpers/run-node'
// @ts-expect-error -- an ES module of the build scripts, without declarations
import { TRIPLETS } from '../scripts/cross-toolchain.mjs'

// The cross build (arm64 on x86_64), the one that once left build/ holding an addon this machine cannot load,
// where the cross compiler is here; else this machine's. Either goes through the same staging copy, and
// test/packaging.test.ts builds both.
const cross = process.arch === 'x64' ? 'arm64' : 'x64'
const arches = missingCrossTools() === null ? [cross] : [process.arch]

/** Every file under `dir`, with its size and modification time: a build that rewrote any of them shows. */
function filesWithTimes(dir: string): Record<string, string> {
  const entries = readdirSync(dir, { recursive: true }).map(String)
  return Object.fromEntries(
    entries
      .filter((entry) => statSync(path.join(dir, entry)).isFile())
      .map((entry) => {
        const stat = statSync(path.join(dir, entry))
        return [entry, `${stat.size} bytes, modified at ${stat.mtimeMs}`]
      }),
  )
}

describe(`npm run prebuild (${arches.join(' and ')}) in a copy of the package that has a local build`, () => {
  let copy: string
  let buildBefore: Record<string, string>
  const prebuild = (env: Record<string, string> = {}) =>
    runCommand(process.execPath, [path.join(copy, 'scripts', 'prebuild.mjs'), '--arch', arches[0]], {
      cwd: copy,
      env: cleanEnvironment(env),
      timeoutMs: 600_000,
    })

  beforeAll(() => {
    copy = packageCopy('prebuild-keeps-local-build', ['build'])
    buildBefore = filesWithTimes(path.join(copy, 'build'))
  })

  it('writes the prebuilds and leaves build/ exactly as it was', async () => {
    const result = await prebuild()
    expect(result.status, result.stderr).toBe(0)
    for (const arch of arches) {
      const header = readFileSync(path.join(copy, 'prebuilds', `linux-${arch}`, 'rseq.glibc.node')).subarray(0, 20)
      expect(header.readUInt16LE(18)).toBe(ELF_MACHINES[arch].number)
    }
    expect(filesWithTimes(path.join(copy, 'build'))).toEqual(buildBefore)
  }, 900_000)

  it('leaves build/ exactly as it was when a build fails', async () => {
    // A compiler that fails at once: `false` for this machine's build; for the cross build, which names its
    // compilers by their triplet (scripts/cross-toolchain.mjs), compilers of those names that exit 1, first on PATH.
    const failing = mkdtempSync(path.join(os.tmpdir(), 'rseq-failing-cc-'))
    for (const tool of ['gcc', 'g++']) {
      const file = path.join(failing, `${TRIPLETS[arches[0] as keyof typeof TRIPLETS]}-${tool}`)
      writeFileSync(file, '#!/bin/sh\nexit 1\n')
      chmodSync(file, 0o755)
    }
    const result = await prebuild(
      arches[0] === process.arch ? { CC: 'false', CXX: 'false' } : { PATH: `${failing}${path.delimiter}${process.env.PATH}` },
    )
    rmSync(failing, { recursive: true, force: true })
    expect(result.status).not.toBe(0)
    expect(filesWithTimes(path.join(copy, 'build'))).toEqual(buildBefore)
  })
})
