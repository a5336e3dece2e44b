// What ties docs/kernel-matrix.json to the code it measured: the commit it was recorded at and a sha256
// over the sources that determine its raw results (the addon and its build, the TypeScript the image's
// dist/ is compiled from, the package manifest and prebuild script the image is made with, the check
// script run inside each kernel, and the scripts that build and boot the machines; not node_modules/). judge.mjs and tables.mjs are not
// inputs: they are applied to the raw results at check time, and tested on their own.
//   node scripts/kernels/evidence.mjs    prints the hash and commit; exit 1 when the matrix is stale
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The matrix's inputs, relative to the repository root: a path ending in / stands for every file git lists under it. */
export const MATRIX_INPUTS = Object.freeze([
  'native/',
  'binding.gyp',
  'lib/',
  'tsconfig.json',
  'package.json',
  'scripts/prebuild.mjs',
  'scripts/fast-calls-build.mjs',
  'scripts/cross-toolchain.mjs',
  'test/fixtures/kernel-check.cjs',
  'scripts/kernels/test-kernels.mjs',
  'scripts/kernels/initramfs.mjs',
  'scripts/kernels/apt.mjs',
  'scripts/kernels/matrix.json',
])

export const RECORD_COMMAND = 'npm run test:kernels -- --json docs/kernel-matrix.json'

async function git(root, args) {
  const { stdout } = await run('git', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/**
 * The files the hash covers, sorted: those git tracks under the inputs, and new ones it does not ignore
 * (the initramfs copies native/ whole, so they are built too); a tracked file deleted from the work tree
 * is left out, which changes the hash as the deletion changes the build.
 */
export async function inputFiles(root = repositoryRoot) {
  const listed = (await git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...MATRIX_INPUTS]))
    .split('\0')
    .filter((file) => file !== '')
  const files = [...new Set(listed)].filter((file) => existsSync(path.join(root, file))).sort()
  for (const input of MATRIX_INPUTS.filter((entry) => !entry.endsWith('/'))) {
    if (!files.includes(input)) throw new Error(`${input} is an input of the kernel matrix but is not in the work tree of ${root}`)
  }
  return files
}

/** sha256 over each input file's path and contents, in sorted path order, as the work tree has them. */
export async function sourcesHash(root = repositoryRoot) {
  const hash = createHash('sha256')
  for (const file of await inputFiles(root)) {
    const contents = readFileSync(path.join(root, file))
    hash.update(`${file}\0${contents.length}\0`)
    hash.update(contents)
  }
  return hash.digest('hex')
}

/** `git rev-parse HEAD`, or null outside a git work tree. */
export async function headCommit(root = repositoryRoot) {
  try {
    return (await git(root, ['rev-parse', 'HEAD'])).trim()
  } catch {
    return null
  }
}

/** `git status --porcelain` lines for the inputs: uncommitted, unstaged or untracked changes to them. */
export async function uncommittedInputs(root = repositoryRoot) {
  return (await git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...MATRIX_INPUTS]))
    .split('\n')
    .filter((line) => line.trim() !== '')
}

/** null when `matrix.sources` is the hash of the current sources, else a sentence saying what to do. */
export async function staleness(matrix, root = repositoryRoot) {
  const current = await sourcesHash(root)
  if (matrix.sources === current) return null
  const recorded =
    typeof matrix.sources === 'string'
      ? `was recorded from sources hashing to ${matrix.sources} (commit ${matrix.commit ?? 'not recorded'}), but they now hash to ${current}`
      : `records no \`sources\` hash (the current sources hash to ${current}), so nothing ties its results to the code`
  return `docs/kernel-matrix.json ${recorded}. The hash covers ${MATRIX_INPUTS.join(', ')}; re-record with \`${RECORD_COMMAND}\` on a committed tree.`
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const matrix = JSON.parse(readFileSync(path.join(repositoryRoot, 'docs', 'kernel-matrix.json'), 'utf8'))
  process.stdout.write(`sources ${await sourcesHash()}\ncommit ${await headCommit()}\n`)
  const stale = await staleness(matrix)
  if (stale) process.stderr.write(`${stale}\n`)
  process.exitCode = stale ? 1 : 0
}
