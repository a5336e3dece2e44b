// The runtimes of the matrix (scripts/runtimes/versions.json), fetched from the npm registry into the
// cache outside the repository, and a consumer folder that has this package in its node_modules as an
// install would: what `require('rseq')` and `import 'rseq'` resolve from in every runtime.
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { packageCopy, root } from './package-copy'
import { runCommand } from './run-node'

export interface Runtime {
  name: string
  kind: 'node' | 'bun' | 'deno'
  package: string
  version: string
}

const { runtimes } = require('../../scripts/runtimes/versions.json') as { runtimes: Runtime[] }
export { runtimes }

/** The runtime's executable, fetched into the cache on first use. */
export async function fetchRuntime(runtime: Runtime): Promise<string> {
  const fetched = await runCommand(process.execPath, [path.join(root, 'scripts', 'runtimes', 'fetch.mjs'), runtime.name], {
    timeoutMs: 600_000,
  })
  if (fetched.status !== 0) throw new Error(`fetching ${runtime.package}@${runtime.version} failed:\n${fetched.stderr}`)
  return fetched.stdout.trim().split('\t')[1]
}

/**
 * What Deno must be allowed for the package (the README says so): reading its files, the environment
 * (RSEQ_STRATEGY, node-gyp-build's variables) and loading the addon; the CLIs also ask the system (os.cpus).
 */
export const DENO_LIBRARY_PERMISSIONS = ['--allow-read', '--allow-env', '--allow-ffi']
export const DENO_CLI_PERMISSIONS = [...DENO_LIBRARY_PERMISSIONS, '--allow-sys']

/** The command line that runs `script` (and its arguments) in `runtime`. */
export function commandLine(
  runtime: Runtime,
  executable: string,
  script: string,
  args: string[] = [],
  denoPermissions = DENO_LIBRARY_PERMISSIONS,
): string[] {
  return runtime.kind === 'deno' ? [executable, 'run', ...denoPermissions, script, ...args] : [executable, script, ...args]
}

/**
 * test/.build/runtime-consumer: package.json, node_modules/rseq -> this checkout, and the check script.
 * With `withoutNativeBuild`, test/.build/runtime-consumer-portable, whose node_modules/rseq is the package
 * without any native build (no build/, no prebuilds/), as on a platform the package has no build for; with
 * `installed` and `name`, test/.build/<name>, whose node_modules/rseq is the package copy at `installed`.
 */
export function consumerFolder({ withoutNativeBuild = false, installed = '', name = '' } = {}): string {
  const folder = path.join(root, 'test', '.build', name || (withoutNativeBuild ? 'runtime-consumer-portable' : 'runtime-consumer'))
  rmSync(folder, { recursive: true, force: true })
  mkdirSync(path.join(folder, 'node_modules'), { recursive: true })
  writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'runtime-consumer', private: true, type: 'module' }))
  // The package finds its native build from where its files really are: a copy has none.
  const target = installed || (withoutNativeBuild ? packageCopy('runtime-package-without-native-build') : root)
  symlinkSync(target, path.join(folder, 'node_modules', 'rseq'))
  for (const file of [
    'runtime-check.mjs',
    'exporter-samples.cjs',
    'ffi-aborts.mjs',
    'fast-call-entries.cjs',
    'fast-call-aborts.cjs',
    'package-reload.cjs',
    'store-teardown.mjs',
  ])
    cpSync(path.join(root, 'test', 'fixtures', file), path.join(folder, file))
  return folder
}
