// Runs a fixture script in a child node process with a controlled environment: how every test that
// needs glibc's tunable, a preloaded library or a seccomp filter sets up its thread owners.
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'

export interface RunOptions {
  env?: Record<string, string>
  /** A command to run node under, such as the seccomp launcher and its arguments. */
  launcher?: string[]
  /** Options for node itself, before the script (some, like --cpu-prof, are refused in NODE_OPTIONS). */
  nodeArgs?: string[]
  /** The command that is node: this process's executable, or e.g. an emulator and a foreign node. */
  node?: string[]
  timeoutMs?: number
}

export interface RunResult {
  status: number | null
  stdout: string
  stderr: string
}

export const fixturesDir = path.join(__dirname, '..', 'fixtures')

// The variables a test sets must not leak from the developer's shell either.
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['RSEQ_STRATEGY', 'GLIBC_TUNABLES', 'LD_PRELOAD', 'NODE_OPTIONS']) delete env[name]
  return { ...env, ...extra }
}

export function runNode(script: string, args: string[] = [], options: RunOptions = {}): RunResult {
  const [command, ...commandArgs] = [
    ...(options.launcher ?? []),
    ...(options.node ?? [process.execPath]),
    ...(options.nodeArgs ?? []),
    path.resolve(fixturesDir, script),
    ...args,
  ]
  const child = spawnSync(command, commandArgs, {
    env: cleanEnvironment(options.env ?? {}),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  })
  return { status: child.status, stdout: child.stdout, stderr: child.stderr }
}

/** Runs a fixture that prints one JSON line and returns it parsed; fails with its stderr otherwise. */
export function runNodeJson<T>(script: string, args: string[] = [], options: RunOptions = {}): T {
  const result = runNode(script, args, options)
  if (result.status !== 0) {
    throw new Error(`${script} exited with ${result.status}:\n${result.stderr}`)
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T
}
