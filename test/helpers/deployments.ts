// What the deployment tests share: free loopback ports, the cluster example started and stopped, HTTP
// requests counted as they complete, and the samples of a /metrics answer.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import * as net from 'node:net'
import * as path from 'node:path'
import { root } from './package-copy'
import { cleanEnvironment } from './run-node'
const { samplesOf } = require('../fixtures/exporter-samples.cjs') as { samplesOf: (text: string) => Record<string, number> }

export { samplesOf }

export const CLUSTER_EXAMPLE = path.join(root, 'examples', 'cluster-server')

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** Polls `check` every `everyMs` until it returns something other than undefined, for at most `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

export interface ClusterServer {
  process: ChildProcess
  url: string
  output: string[]
  stop(): Promise<void>
}

/** examples/cluster-server/server.js with `workers` workers under `node`, on `port`, counting into `store`. */
export async function startClusterServer(node: string, port: number, store: string, workers = 2): Promise<ClusterServer> {
  const child = spawn(node, [path.join(CLUSTER_EXAMPLE, 'server.js'), '--workers', String(workers)], {
    cwd: root,
    env: cleanEnvironment({ PORT: String(port), METRICS_STORE: store }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  child.stdout!.on('data', (chunk) => output.push(String(chunk)))
  child.stderr!.on('data', (chunk) => output.push(String(chunk)))
  const url = `http://127.0.0.1:${port}`
  await waitFor('the cluster example to listen', async () => (output.join('').includes('"listening"') ? true : undefined), 60_000, 100)
  return {
    process: child,
    url,
    output,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

/** GET `url`, resolving with the answer's body, or rejecting when the request does not complete with 200. */
export async function get(url: string): Promise<string> {
  const response = await fetch(url)
  const body = await response.text()
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body}`)
  return body
}

/** The sum of every sample of `name` (any labels) in a text exposition. */
export function total(samples: Record<string, number>, name: string, labels = ''): number {
  return Object.entries(samples)
    .filter(([key]) => key === name || (key.startsWith(`${name}{`) && key.includes(labels)))
    .reduce((sum, [, value]) => sum + value, 0)
}
