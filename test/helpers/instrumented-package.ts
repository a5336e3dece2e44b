// A copy of the package whose addon is compiled with test-only instrumentation (-DRSEQ_TEST_DELAY),
// which the shipped binary never contains. Fixtures load it through RSEQ_PACKAGE.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import * as path from 'node:path'

const root = path.join(__dirname, '..', '..')

// node-gyp must not try to download headers (this machine may have no route to them): use the ones npm
// is configured with, or those installed beside the running node.
function nodeGypArgs(): string[] {
  const configured = process.env.npm_config_nodedir
  if (configured) return [`--nodedir=${configured}`]
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  return existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : []
}

/** Builds the package with a spin of `delayLoops` iterations inside every critical section. */
export function delayedPackage(delayLoops: number): string {
  const copy = path.join(root, 'test', '.build', `delay-${delayLoops}`)
  rmSync(copy, { recursive: true, force: true })
  mkdirSync(copy, { recursive: true })
  for (const entry of ['package.json', 'binding.gyp', 'native', 'dist']) {
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true })
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'))
  execFileSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', ...nodeGypArgs()], {
    cwd: copy,
    env: { ...process.env, CXXFLAGS: `-DRSEQ_TEST_DELAY=${delayLoops}` },
    stdio: 'pipe',
  })
  return copy
}
