// PM2 (from npm) runs examples/cluster-server/ecosystem.config.js as written: 4 instances in cluster mode on
// one port, one host-wide store. Under load, one instance is SIGKILLed and PM2 starts it again. Any
// instance's /metrics must show counters that never go backwards, and at the end every completed request:
// the total is at least the requests that got their answer, and exceeds it by at most the requests in
// flight (counted, then cut off by the kill before their answer left).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLUSTER_EXAMPLE, freePort, get, samplesOf, total, waitFor } from '../helpers/deployments'
import { root } from '../helpers/package-copy'
import { cleanEnvironment, runCommand } from '../helpers/run-node'

const PM2 = path.join(root, 'node_modules', 'pm2', 'bin', 'pm2')
const INSTANCES = 4
const CONCURRENCY = 8

interface Pm2Process {
  pid: number
  pm_id: number
  pm2_env: { status: string; restart_time: number }
}

describe('PM2 cluster mode, 4 instances sharing one host-wide store, one killed under load', () => {
  let home: string
  let env: NodeJS.ProcessEnv
  let url: string
  const store = path.join('/dev/shm', `rseq-pm2-${process.pid}.metrics`)
  const pm2 = async (...args: string[]) => {
    const result = await runCommand(process.execPath, [PM2, ...args], { env, cwd: root, timeoutMs: 120_000 })
    if (result.status !== 0) throw new Error(`pm2 ${args.join(' ')}: ${result.status}\n${result.stdout}\n${result.stderr}`)
    return result.stdout
  }
  const processes = async (): Promise<Pm2Process[]> => JSON.parse(await pm2('jlist'))

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'rseq-pm2-'))
    fs.rmSync(store, { force: true })
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    env = cleanEnvironment({ PM2_HOME: home, PORT: String(port), METRICS_STORE: store })
    await pm2('start', path.join(CLUSTER_EXAMPLE, 'ecosystem.config.js'))
    await waitFor(
      '4 instances online and answering',
      async () => {
        const online = (await processes()).filter((instance) => instance.pm2_env.status === 'online')
        return online.length === INSTANCES && (await get(`${url}/hello`)) ? true : undefined
      },
      60_000,
      300,
    )
  })

  afterAll(async () => {
    if (env) {
      // The daemon and its instances are found by PM2_HOME: they must be gone before it is removed. When
      // `pm2 kill` cannot do it, the daemon's pid file names the process to kill.
      const killed = await runCommand(process.execPath, [PM2, 'kill'], { env, cwd: root, timeoutMs: 60_000 })
      if (killed.status !== 0) {
        const pidFile = path.join(home, 'pm2.pid')
        const pids = (await processes().catch(() => [])).map((instance) => instance.pid)
        if (fs.existsSync(pidFile)) pids.push(Number(fs.readFileSync(pidFile, 'utf8').trim()))
        for (const pid of pids.filter((pid) => pid > 0)) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }
      }
    }
    if (home) fs.rmSync(home, { recursive: true, force: true })
    fs.rmSync(store, { force: true })
  })

  it('keeps every completed request and never goes backwards', async () => {
    const counted = async () => total(samplesOf(await get(`${url}/metrics`)), 'http_requests_total', 'route="/hello"')
    const before = await counted()
    let completed = 0
    let failed = 0
    let running = true
    const loops = Array.from({ length: CONCURRENCY }, async () => {
      while (running) {
        try {
          await get(`${url}/hello`)
          completed++
        } catch {
          failed++ // cut off by the kill: never answered, so not a completed request
        }
      }
    })
    // Scrapes through whichever instance answers, while the load runs and across the kill.
    const seen: number[] = []
    const scraper = (async () => {
      while (running) {
        try {
          seen.push(await counted())
        } catch {
          // a scrape cut off by the kill
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const [victim] = await processes()
    process.kill(victim.pid, 'SIGKILL')
    const restarted = await waitFor(
      'PM2 to start the killed instance again',
      async () => {
        const instance = (await processes()).find((candidate) => candidate.pm_id === victim.pm_id)
        return instance && instance.pm2_env.status === 'online' && instance.pid !== victim.pid ? instance : undefined
      },
      60_000,
      200,
    )
    await new Promise((resolve) => setTimeout(resolve, 2000))
    running = false
    await Promise.all([...loops, scraper])
    const after = (await counted()) - before

    expect(restarted.pm2_env.restart_time).toBeGreaterThanOrEqual(1)
    expect((await processes()).filter((instance) => instance.pm2_env.status === 'online')).toHaveLength(INSTANCES)
    expect(completed).toBeGreaterThan(500)
    expect(seen.length).toBeGreaterThan(10)
    expect(seen.every((value, at) => at === 0 || value >= seen[at - 1])).toBe(true)
    expect(after).toBeGreaterThanOrEqual(completed)
    expect(after - completed).toBeLessThanOrEqual(CONCURRENCY)
    expect(after - completed).toBeLessThanOrEqual(failed)
  })
})
