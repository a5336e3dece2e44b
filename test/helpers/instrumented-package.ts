// A copy of the package whose addon is compiled with test-only instrumentation (-DRSEQ_TEST_DELAY,
// -DRSEQ_TEST_SKIP_FENCE, AddressSanitizer…), which the shipped binary never contains. Fixtures load it
// through RSEQ_PACKAGE. A build is shared: one per set of flags and per state of what it is made from (the
// sources, node-addon-api, the compiler, the Node headers), whichever test files ask for it at once (the
// first to take the lock builds; the others wait for its marker) and in later runs while that stays the same.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { nodeDirArgs, packageCopy, root } from './package-copy'
import { runCommandOk } from './run-node'

const BUILDS = path.join(root, 'test', '.build')
const WAIT_MS = 10 * 60_000
/** A build of the same flags from other sources, unused for this long, is removed. */
const UNUSED_MS = 60 * 60_000

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
  const compiler = execFileSync(process.env.CXX || 'g++', ['--version'], { encoding: 'utf8' })
  const hash = createHash('sha256').update(`${cxxflags}\0${ldflags}\0${compiler}\0${process.version}\0${nodeDirArgs().join(' ')}\0`)
  for (const entry of ['native', 'binding.gyp', 'package.json', 'dist', path.join('node_modules', 'node-addon-api', 'package.json')])
    hashTree(hash, entry)
  return hash.digest('hex').slice(0, 16)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether process `pid` is alive (a lock's owner). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes the lock directory `lock`, recording this process as its owner; false while a live process holds it. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock)
  } catch {
    let owner = 0
    try {
      owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8')) || 0
    } catch {
      // not written yet, or the lock is gone
    }
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
    // A lock whose owner died (a run killed mid-build) is taken over by renaming it away first: of several
    // waiters that find it, one rename succeeds and the others find a fresh lock, or none, next time.
    if ((owner > 0 && !alive(owner)) || (owner === 0 && age > WAIT_MS)) {
      try {
        const dead = `${lock}.dead-${process.pid}`
        renameSync(lock, dead)
        rmSync(dead, { recursive: true, force: true })
      } catch {
        // another waiter took it over first
      }
    }
    return false
  }
  writeFileSync(path.join(lock, 'pid'), String(process.pid))
  return true
}

/**
 * Runs `build` once for `marker` (a file holding `content` once built): whichever process takes `lock` first
 * builds; the others wait for the marker. `what` names the build in the error of a wait that times out.
 */
async function buildOnce(marker: string, content: string, lock: string, what: string, build: () => Promise<void>): Promise<void> {
  const done = () => existsSync(marker) && readFileSync(marker, 'utf8') === content
  for (const deadline = Date.now() + WAIT_MS; !done();) {
    if (!takeLock(lock)) {
      if (Date.now() > deadline) throw new Error(`${what}: waited ${WAIT_MS / 1000} s for ${lock} to be built`)
      await sleep(250)
      continue
    }
    try {
      // Another process may have finished the build between the check above and the lock.
      if (done()) break
      await build()
      writeFileSync(marker, content)
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
}

/** The package built with `cxxflags` (and `ldflags` for the link). */
export async function instrumentedPackage(cxxflags: string, ldflags = ''): Promise<string> {
  const name = `instrumented-${buildKey(cxxflags, ldflags)}`
  const copy = path.join(BUILDS, name)
  const built = path.join(copy, '.built')
  mkdirSync(BUILDS, { recursive: true })
  await buildOnce(built, '', `${copy}.lock`, `instrumentedPackage(${cxxflags})`, async () => {
    packageCopy(name)
    // On every core: the test file that asked has nothing else to do until the build is done.
    await runCommandOk(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--jobs=max', ...nodeDirArgs()], {
      cwd: copy,
      env: { ...process.env, CXXFLAGS: cxxflags, LDFLAGS: ldflags },
      timeoutMs: 600_000,
    })
    writeFileSync(path.join(copy, '.flags'), `${cxxflags}\0${ldflags}`)
  })
  // Marks the build as used now, and removes builds of the same flags made from other sources that nothing
  // has used for a while (a run in progress on older sources keeps its own).
  const now = new Date()
  utimesSync(built, now, now)
  for (const other of readdirSync(BUILDS)) {
    const flags = path.join(BUILDS, other, '.flags')
    const marker = path.join(BUILDS, other, '.built')
    if (other === name || !other.startsWith('instrumented-') || other.endsWith('.lock') || !existsSync(flags) || !existsSync(marker))
      continue
    if (readFileSync(flags, 'utf8') === `${cxxflags}\0${ldflags}` && Date.now() - statSync(marker).mtimeMs > UNUSED_MS) {
      rmSync(path.join(BUILDS, other), { recursive: true, force: true })
    }
  }
  return copy
}

/**
 * The package built with `cxxflags` (instrumentedPackage), with its fast-calls addon built as well for every Node
 * of the runtime matrix whose V8 it covers, each against that Node's own headers, into build/Release/fast-calls/
 * (scripts/fast-calls-build.mjs): the package each Node of the matrix loads with its V8 fast calls.
 */
export async function fastCallsPackage(cxxflags = ''): Promise<string> {
  const copy = await instrumentedPackage(cxxflags)
  // The Nodes (and so the headers) are those versions.json names: a change there builds them again.
  const versions = readFileSync(path.join(root, 'scripts', 'runtimes', 'versions.json'), 'utf8')
  await buildOnce(path.join(copy, '.fast-calls-built'), versions, `${copy}.fast-calls.lock`, `fastCallsPackage(${cxxflags})`, async () => {
    const out = path.join(copy, 'build', 'Release', 'fast-calls')
    rmSync(out, { recursive: true, force: true })
    await runCommandOk(process.execPath, [path.join(copy, 'scripts', 'fast-calls-build.mjs'), '--out', out, '--cxxflags', cxxflags], {
      cwd: copy,
      timeoutMs: 600_000,
    })
  })
  return copy
}

/**
 * Builds the package with a spin of `delayLoops` iterations inside every critical section, and its fast-calls
 * addon for every Node of the matrix counting the fast and slow entries of each thread.
 */
export function delayedPackage(delayLoops: number): Promise<string> {
  return fastCallsPackage(`-DRSEQ_TEST_DELAY=${delayLoops} -DRSEQ_TEST_COUNT_FAST_CALLS`)
}
