// The C++ microbenchmark of the bare critical section against lock xadd (scripts/native-bench), built
// with the host's g++ at run time from the package's own sources.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { coreSources } from './native-sources'

export interface SequenceFigure {
  nsPerOp: number
  aborts: number
  exact: boolean
}

export interface SequenceFigures {
  iterations: number
  threads: number
  rseqAddUncontended: SequenceFigure
  lockXaddUncontended: SequenceFigure
  rseqAddAllCores: SequenceFigure
  lockXaddContended: SequenceFigure
}

const packageRoot = path.join(__dirname, '..', '..')

/** Why the microbenchmark cannot run here, or null. */
export function sequenceBenchUnavailable(): string | null {
  return spawnSync('g++', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'g++ is not installed'
}

export function runSequenceBench(iterations: number, threads: number): SequenceFigures {
  const build = mkdtempSync(path.join(os.tmpdir(), 'rseq-bench-'))
  try {
    const binary = path.join(build, 'sequence_bench')
    execFileSync('g++', [
      '-O2',
      '-std=c++17',
      '-D_GNU_SOURCE',
      '-pthread',
      '-o',
      binary,
      path.join(packageRoot, 'scripts', 'native-bench', 'sequence_bench.cc'),
      ...coreSources(packageRoot),
      '-ldl',
    ])
    return JSON.parse(execFileSync(binary, [String(iterations), String(threads)], { encoding: 'utf8' })) as SequenceFigures
  } finally {
    rmSync(build, { recursive: true, force: true })
  }
}
