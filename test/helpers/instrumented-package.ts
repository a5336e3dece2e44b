// A copy of the package whose addon is compiled with test-only instrumentation (-DRSEQ_TEST_DELAY,
// -DRSEQ_TEST_SKIP_FENCE, AddressSanitizer…), which the shipped binary never contains. Fixtures load it
// through RSEQ_PACKAGE. A build is shared: one per set of flags and per state of the sources it is made
// from (native/, binding.gyp, package.json, dist/), whichever test files ask for it at once (the first to
// claim the lock builds; the others wait for its marker) and in later runs while the sources stay the same.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { nodeDirArgs, packageCopy, root } from './package-copy'
import { runCommandOk } from './run-node'

const BUILDS = path.join(root, 'test', '.build')
const WAIT_MS = 10 * 60_000

function hashTree(hash: ReturnType<typeof createHash>, entry: string): void {
  const at = path.join(root, entry)
  if (statSync(at).isDirectory()) {
    for (const child of readdirSync(at).sort()) hashTree(hash, path.join(entry, child))
    return
  }
  hash.update(`${entry}\0`).update(readFileSync(at)).update('\0')
}

/** What a build is made from, hashed with its flags. */
function buildKey(cxxflags: string, ldflags: string): string {
  const hash = createHash('sha256').update(`${cxxflags}\0${ldflags}\0`)
  for (const entry of ['native', 'binding.gyp', 'package.json', 'dist']) hashTree(hash, entry)
  return hash.digest('hex').slice(0, 16)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The package built with `cxxflags` (and `ldflags` for the link). */
export async function instrumentedPackage(cxxflags: string, ldflags = ''): Promise<string> {
  const name = `instrumented-${buildKey(cxxflags, ldflags)}`
  const copy = path.join(BUILDS, name)
  const built = path.join(copy, '.built')
  const lock = `${copy}.lock`
  mkdirSync(BUILDS, { recursive: true })
  for (const deadline = Date.now() + WAIT_MS; !existsSync(built); ) {
    try {
      mkdirSync(lock)
    } catch {
      // Another test file builds it: wait, unless its lock outlived any build (a run killed mid-build).
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > WAIT_MS) rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`instrumentedPackage(${cxxflags}): waited ${WAIT_MS / 1000} s for ${lock} to be built`)
      await sleep(250)
      continue
    }
    try {
      packageCopy(name)
      await runCommandOk(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodeDirArgs()], {
        cwd: copy,
        env: { ...process.env, CXXFLAGS: cxxflags, LDFLAGS: ldflags },
        timeoutMs: 600_000,
      })
      writeFileSync(path.join(copy, '.flags'), `${cxxflags}\0${ldflags}`)
      writeFileSync(built, '')
      // Builds of the same flags from sources that changed since are not used again.
      for (const other of readdirSync(BUILDS)) {
        const flags = path.join(BUILDS, other, '.flags')
        if (other !== name && other.startsWith('instrumented-') && existsSync(flags) && readFileSync(flags, 'utf8') === `${cxxflags}\0${ldflags}`) {
          rmSync(path.join(BUILDS, other), { recursive: true, force: true })
        }
      }
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
  return copy
}

/** Builds the package with a spin of `delayLoops` iterations inside every critical section. */
export function delayedPackage(delayLoops: number): Promise<string> {
  return instrumentedPackage(`-DRSEQ_TEST_DELAY=${delayLoops}`)
}
