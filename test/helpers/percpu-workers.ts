// The shape printed by fixtures/percpu-workers.cjs, and how tests run it.
import { runNodeJson, type RunOptions } from './run-node'

export interface WorkersResult {
  expected: string
  observed: string
  secondCell: string | null
  perCpu: string[]
  mainStrategy: string
  mmCid: boolean
  workerStrategies: string[]
  workerAborts: number[]
  processAborts: number
}

export function addFromWorkers(args: string[], options: RunOptions = {}): Promise<WorkersResult> {
  return runNodeJson<WorkersResult>('percpu-workers.cjs', args, options)
}
