// What a call costs before TurboFan optimizes its caller: V8's fast calls are made only from TurboFan's code, and
// until then (the interpreter, Sparkplug) each call of a cell's method runs its slow callback, a plain V8
// callback. Measured in a child node capped below TurboFan (--max-opt=1), against the empty N-API call in the same
// process: the call path stays V8 fast calls there, and neither side of the ratio is optimized.
//   node --max-opt=1 dist/bench/unoptimized-caller.js ITERATIONS ROUNDS   prints the figures as JSON
import { spawnSync } from 'node:child_process'
import { native } from '../binding/chosen-binding'
import { PerCpuCounter } from '../percpu/percpu-counter'
import { compare, returningZero, type Spread } from './measure'
import { BASELINE } from './single-thread'

/** The V8 flag that keeps every function of the child below TurboFan. */
const BELOW_TURBOFAN = '--max-opt=1'

/** The figures, each with its ratio to the empty N-API call of the same (unoptimized) process. */
export type UnoptimizedFigures = Record<string, Spread & { ratio: number }>

function measureHere(iterations: number, rounds: number): UnoptimizedFigures {
  const add = new PerCpuCounter().add
  const spreads = compare(
    {
      [`${BASELINE}, caller not optimized`]: returningZero(native.calibration.emptyCall),
      'PerCpuCounter.add(), caller not optimized': returningZero(add),
    },
    { iterations, rounds, warmup: 1 },
  )
  const baseline = spreads[`${BASELINE}, caller not optimized`].median
  return Object.fromEntries(Object.entries(spreads).map(([name, spread]) => [name, { ...spread, ratio: spread.median / baseline }]))
}

/** The figures from a child node below TurboFan, or why there are none. */
export function measureUnoptimizedCaller(iterations: number, rounds: number): UnoptimizedFigures | { problem: string } {
  const child = spawnSync(process.execPath, [BELOW_TURBOFAN, __filename, String(iterations), String(rounds)], { encoding: 'utf8' })
  if (child.status !== 0)
    return { problem: `node ${BELOW_TURBOFAN} exited with ${child.status ?? child.signal}: ${child.stderr.trim().split('\n')[0]}` }
  return JSON.parse(child.stdout) as UnoptimizedFigures
}

if (require.main === module) {
  process.stdout.write(JSON.stringify(measureHere(Number(process.argv[2]), Number(process.argv[3]))) + '\n')
}
