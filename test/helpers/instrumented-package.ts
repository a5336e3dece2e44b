// A copy of the package whose addon is compiled with test-only instrumentation (-DRSEQ_TEST_DELAY,
// -DRSEQ_TEST_SKIP_FENCE), which the shipped binary never contains. Fixtures load it through RSEQ_PACKAGE.
import { nodeDirArgs, packageCopy } from './package-copy'
import { runCommandOk } from './run-node'

/**
 * A copy named `name` built with `cxxflags` (and `ldflags` for the link); each test file uses its own
 * names, as files run in parallel.
 */
export async function instrumentedPackage(name: string, cxxflags: string, ldflags = ''): Promise<string> {
  const copy = packageCopy(name)
  await runCommandOk(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodeDirArgs()], {
    cwd: copy,
    env: { ...process.env, CXXFLAGS: cxxflags, LDFLAGS: ldflags },
    timeoutMs: 600_000,
  })
  return copy
}

/** Builds the package with a spin of `delayLoops` iterations inside every critical section. */
export function delayedPackage(delayLoops: number): Promise<string> {
  return instrumentedPackage(`delay-${delayLoops}`, `-DRSEQ_TEST_DELAY=${delayLoops}`)
}


