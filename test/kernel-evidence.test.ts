// docs/kernel-matrix.json is evidence about this code, not about some earlier version of it: it records
// the commit and a hash of the sources that determine its raw results (scripts/kernels/evidence.mjs),
// and npm test fails once those sources change until the matrix is recorded again.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  headCommit,
  inputFiles,
  MATRIX_INPUTS,
  RECORD_COMMAND,
  sourcesHash,
  staleness,
  uncommittedInputs,
} from '../scripts/kernels/evidence.mjs'
import { root } from './helpers/package-copy'
import { runCommandOk } from './helpers/run-node'

const matrix = JSON.parse(readFileSync(path.join(root, 'docs', 'kernel-matrix.json'), 'utf8'))

describe('docs/kernel-matrix.json', () => {
  it('was recorded from the sources in this tree, at a commit', async () => {
    expect(await staleness(matrix)).toBeNull()
    expect(matrix.commit).toMatch(/^[0-9a-f]{40}$/)
  })
})

describe('the staleness check (staleness(matrix))', () => {
  it('finds a matrix whose sources hash is that of the tree current', async () => {
    expect(await staleness({ ...matrix, sources: await sourcesHash() })).toBeNull()
  })

  it('finds a matrix recorded from other sources stale, and says what is hashed and how to re-record', async () => {
    const stale = await staleness({ ...matrix, sources: '0'.repeat(64), commit: 'c0ffee' })
    expect(stale).toMatch(
      /^docs\/kernel-matrix\.json was recorded from sources hashing to 0{64} \(commit c0ffee\), but they now hash to [0-9a-f]{64}\./,
    )
    for (const input of MATRIX_INPUTS) expect(stale).toContain(input)
    expect(stale).toContain(`re-record with \`${RECORD_COMMAND}\` on a committed tree`)
  })

  it('finds a matrix without a sources hash stale: missing evidence is no evidence', async () => {
    const { sources: _, ...unhashed } = matrix
    expect(await staleness(unhashed)).toMatch(
      /^docs\/kernel-matrix\.json records no `sources` hash .* so nothing ties its results to the code\./,
    )
  })
})

// A scratch repository laid out like this one, to change inputs without touching the checkout.
describe('the sources hash (sourcesHash)', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'rseq-evidence-'))
  const files: Record<string, string> = {
    'native/registration/a.cc': 'int a;\n',
    'native/arch/b.h': '#define B 1\n',
    'binding.gyp': '{}\n',
    'test/fixtures/kernel-check.cjs': '// check\n',
    'scripts/kernels/test-kernels.mjs': '// boot\n',
    'scripts/kernels/initramfs.mjs': '// image\n',
    'scripts/kernels/apt.mjs': '// apt\n',
    'scripts/kernels/matrix.json': '{}\n',
    'scripts/kernels/judge.mjs': '// judge\n',
    'scripts/kernels/tables.mjs': '// tables\n',
    'lib/index.ts': 'export {}\n',
    'tsconfig.json': '{}\n',
    'package.json': '{}\n',
    'scripts/prebuild.mjs': '// prebuild\n',
    'scripts/fast-calls-build.mjs': '// fast calls\n',
    'scripts/cross-toolchain.mjs': '// cross\n',
    'docs/notes.md': '# notes\n',
  }
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true })
    writeFileSync(path.join(scratch, file), text)
  }
  const git = (...args: string[]) =>
    runCommandOk('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: scratch,
    })

  beforeAll(async () => {
    for (const [file, text] of Object.entries(files)) write(file, text)
    await git('init', '--quiet')
    await git('add', '.')
    await git('commit', '--quiet', '-m', 'scratch')
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('covers every file under native/ and the named inputs, in sorted order, and nothing else', async () => {
    const inputs = Object.keys(files)
      .filter((file) => !/judge|tables|^docs\//.test(file))
      .sort()
    expect(await inputFiles(scratch)).toEqual(inputs)
    expect(await sourcesHash(scratch)).toBe(await sourcesHash(scratch))
    expect(await uncommittedInputs(scratch)).toEqual([])
    expect(await headCommit(scratch)).toMatch(/^[0-9a-f]{40}$/)
  })

  it('reads the work tree: an uncommitted edit changes it, and uncommittedInputs (over which test-kernels.mjs refuses to record) names it', async () => {
    const committed = await sourcesHash(scratch)
    write('native/registration/a.cc', 'int a = 1;\n')
    try {
      expect(await sourcesHash(scratch)).not.toBe(committed)
      expect(await uncommittedInputs(scratch)).toEqual([' M native/registration/a.cc'])
    } finally {
      write('native/registration/a.cc', files['native/registration/a.cc'])
    }
    expect(await sourcesHash(scratch)).toBe(committed)
  })

  it('counts a new file under native/ that git does not ignore: the image copies native/ whole', async () => {
    const committed = await sourcesHash(scratch)
    write('native/arch/new.h', '// new\n')
    try {
      expect(await sourcesHash(scratch)).not.toBe(committed)
      expect(await uncommittedInputs(scratch)).toEqual(['?? native/arch/new.h'])
    } finally {
      unlinkSync(path.join(scratch, 'native/arch/new.h'))
    }
  })

  it('ties each content to its path: the same contents under another name hash differently', async () => {
    const committed = await sourcesHash(scratch)
    write('native/registration/a.cc', files['native/arch/b.h'])
    write('native/arch/b.h', files['native/registration/a.cc'])
    try {
      expect(await sourcesHash(scratch)).not.toBe(committed)
    } finally {
      write('native/registration/a.cc', files['native/registration/a.cc'])
      write('native/arch/b.h', files['native/arch/b.h'])
    }
  })

  it('is left alone by judge.mjs, tables.mjs and files outside the inputs, which are checked on their own', async () => {
    const committed = await sourcesHash(scratch)
    for (const file of ['scripts/kernels/judge.mjs', 'scripts/kernels/tables.mjs', 'docs/notes.md']) write(file, '// changed\n')
    try {
      expect(await sourcesHash(scratch)).toBe(committed)
      expect(await uncommittedInputs(scratch)).toEqual([])
    } finally {
      for (const file of ['scripts/kernels/judge.mjs', 'scripts/kernels/tables.mjs', 'docs/notes.md']) write(file, files[file])
    }
  })

  it('refuses to hash without a named input rather than hash less', async () => {
    unlinkSync(path.join(scratch, 'binding.gyp'))
    try {
      await expect(sourcesHash(scratch)).rejects.toThrow(/binding\.gyp is an input of the kernel matrix but is not in the work tree/)
    } finally {
      write('binding.gyp', files['binding.gyp'])
    }
  })

  it('has no commit outside a git work tree', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'rseq-no-git-'))
    try {
      expect(await headCommit(outside)).toBeNull()
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})
