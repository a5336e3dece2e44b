// Runs a fixture script in a child node process with a controlled environment: how every test that
// needs glibc's tunable, a preloaded library or a seccomp filter sets up its thread owners.
import { spawn } from 'node:child_process'
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
  for (const name of ['RSEQ_STRATEGY', 'RSEQ_CALL_PATH', 'GLIBC_TUNABLES', 'LD_PRELOAD', 'NODE_OPTIONS']) delete env[name]
  return { ...env, ...extra }
}

/**
 * Runs the child without blocking this process: a test worker blocked in a synchronous child cannot answer
 * vitest, which then fails the run with an RPC timeout although every test passed.
 */
export function runNode(script: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...commandArgs] = [
    ...(options.launcher ?? []),
    ...(options.node ?? [process.execPath]),
    ...(options.nodeArgs ?? []),
    path.resolve(fixturesDir, script),
    ...args,
  ]
  return runCommand(command, commandArgs, { env: cleanEnvironment(options.env ?? {}), timeoutMs: options.timeoutMs })
}

/** Any command, asynchronously, with its output as text; status null when it was killed (by the timeout). */
export function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') })
    })
  })
}

/** Runs a command and resolves with its stdout; rejects with its stderr when it does not exit 0. */
export async function runCommandOk(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await runCommand(command, args, options)
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`)
  return result.stdout
}

/** Runs a fixture that prints one JSON line and returns it parsed; fails with its stderr otherwise. */
export async function runNodeJson<T>(script: string, args: string[] = [], options: RunOptions = {}): Promise<T> {
  const result = await runNode(script, args, options)
  if (result.status !== 0) {
    throw new Error(`${script} exited with ${result.status}:\n${result.stderr}`)
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T
}
