// Compiles the C fixtures under test/fixtures once per test run into test/.build.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import * as path from 'node:path'

const fixtures = path.join(__dirname, '..', 'fixtures')
const output = path.join(__dirname, '..', '.build')

function compile(source: string, target: string, flags: string[]): string {
  const input = path.join(fixtures, source)
  const result = path.join(output, target)
  if (existsSync(result) && statSync(result).mtimeMs >= statSync(input).mtimeMs) return result
  mkdirSync(output, { recursive: true })
  execFileSync('cc', ['-O2', '-Wall', '-o', result, input, ...flags], { stdio: 'pipe' })
  return result
}

/** An executable that runs a command with rseq(2) refused with `errno` by seccomp. */
export function seccompLauncher(): string {
  return compile('seccomp-launcher.c', 'seccomp-launcher', [])
}

/** A shared object exporting TLS __rseq_abi and __rseq_refcount, registering the thread that loads it. */
export function earlyAdopterLibrary(): string {
  return compile('early-adopter.c', 'libearly-adopter.so', ['-shared', '-fPIC'])
}

/** A shared object registering a private, unexported rseq area for the thread that loads it. */
export function unknownOwnerLibrary(): string {
  return compile('unknown-owner.c', 'libunknown-owner.so', ['-shared', '-fPIC'])
}

/** A shared object that node loads with process.dlopen() to install RSEQ_TEST_LATE_REFUSALS on its thread. */
export function lateSeccompLibrary(): string {
  return compile('late-seccomp.c', 'late-seccomp.node', ['-shared', '-fPIC'])
}
