// A copy of the package whose addon is compiled with test-only instrumentation (-DRSEQ_TEST_DELAY),
// which the shipped binary never contains. Fixtures load it through RSEQ_PACKAGE.
import { execFileSync } from 'node:child_process'
import { nodeDirArgs, packageCopy } from './package-copy'

/** Builds the package with a spin of `delayLoops` iterations inside every critical section. */
export function delayedPackage(delayLoops: number): string {
  const copy = packageCopy(`delay-${delayLoops}`)
  execFileSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodeDirArgs()], {
    cwd: copy,
    env: { ...process.env, CXXFLAGS: `-DRSEQ_TEST_DELAY=${delayLoops}` },
    stdio: 'pipe',
  })
  return copy
}
