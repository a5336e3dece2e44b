// Child processes (fork and spawn: a fresh exec, each deciding for its own threads) work and report the
// same strategy; per-CPU memory never crosses a process boundary by accident.
import { fork, spawnSync } from 'node:child_process'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { info, PerCpuCounter } from '../lib'
import { fixturesDir } from './helpers/run-node'

const script = path.join(fixturesDir, 'child-process-report.cjs')

interface ChildReport {
  pid: number
  strategy: string
  received?: { attached: boolean; value?: number; error?: string }
}

function forkAndSend(serialization: 'json' | 'advanced', buffer: SharedArrayBuffer): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { serialization, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    child.once('message', (report) => resolve(report as ChildReport))
    child.once('error', reject)
    child.once('exit', (code) => code !== 0 && reject(new Error(`child exited ${code}: ${stderr}`)))
    try {
      child.send({ buffer })
    } catch (error) {
      child.kill()
      reject(error)
    }
  })
}

describe('child processes', () => {
  it('spawn(): a new node process loads the package and reports the same strategy', () => {
    const child = spawnSync(process.execPath, [script], { encoding: 'utf8' })
    expect(child.status, child.stderr).toBe(0)
    const report = JSON.parse(child.stdout) as ChildReport
    expect(report.pid).not.toBe(process.pid)
    expect(report.strategy).toBe(info().strategy)
  })

  it('fork() with JSON messages: the child reports the same strategy, and a sent buffer arrives as no buffer', async () => {
    const counter = new PerCpuCounter()
    const report = await forkAndSend('json', counter.buffer)
    expect(report.strategy).toBe(info().strategy)
    expect(report.received?.attached).toBe(false)
    expect(report.received?.error).toMatch(/TypeError: PerCpuCounter\.from\(buffer\): `buffer` must be the SharedArrayBuffer/)
    expect(counter.value()).toBe(0)
  })

  it('fork() with advanced serialization: a SharedArrayBuffer cannot be sent at all', async () => {
    const counter = new PerCpuCounter()
    await expect(forkAndSend('advanced', counter.buffer)).rejects.toThrow(/SharedArrayBuffer.*could not be cloned/)
    expect(counter.value()).toBe(0)
  })
})
