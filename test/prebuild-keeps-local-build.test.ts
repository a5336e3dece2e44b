// `npm run prebuild` builds away from the checkout's build/, where the local build is looked for (by the
// package, and by scripts/build-changed.mjs before `npm test`): whether its builds succeed or fail, build/
// holds afterwards exactly what it held before, so that `npm test` after it still tests this machine's
// addon rather than the last prebuild's (the arm64 one, cross-compiled, which does not load on x86_64).
// Here the build that fails; test/packaging.test.ts checks the same of the builds that succeed, in the copy
// where it makes the prebuilds for the tarball.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { missingCrossTools } from './helpers/emulation'
import { filesWithTimes } from './helpers/files-with-times'
import { packageCopy } from './helpers/package-copy'
import { cleanEnvironment, runCommand } from './helpers/run-node'
// @ts-expect-error -- an ES module of the build scripts, without declarations
import { TRIPLETS } from '../scripts/cross-toolchain.mjs'

// The cross build (arm64 on x86_64), the one that once left build/ holding an addon this machine cannot load,
// where the cross compiler is here; else this machine's. Either goes through the same staging copy, and
// test/packaging.test.ts builds both.
const cross = process.arch === 'x64' ? 'arm64' : 'x64'
const arches = missingCrossTools() === null ? [cross] : [process.arch]

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
