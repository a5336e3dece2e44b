// Every per-call cost a user weighs, on the calling thread: the current CPU three ways, the raw N-API
// baselines, the per-CPU operations with each kind of argument, a store series, and the two Atomics.add alternatives.
// Timed together by compare(), so that each ratio to the empty N-API call holds within one run.
import { native } from '../binding/chosen-binding'
import { currentCpu } from '../registration/current-cpu'
import { PerCpuCounter } from '../percpu/percpu-counter'
import { PerCpuHistogram } from '../percpu/percpu-histogram'
import { MetricStore } from '../store/metric-store'
import { compare, returningZero, type CompareOptions, type Spread } from './measure'
import { HISTOGRAM_BOUNDS, OBSERVED } from './worker-thread'

/** The figure every other one is divided by: the least a call from JavaScript into the addon costs. */
export const BASELINE = 'N-API empty call'

/** The single-thread methods, keyed by the names the tables and the JSON use. */
function methods(): Record<string, () => number> {
  const counter = new PerCpuCounter()
  const add = counter.add
  const histogram = new PerCpuHistogram({ buckets: HISTOGRAM_BOUNDS, resolution: 1e-6 })
  const observe = histogram.observe
  const seriesAdd = MetricStore.create().counter('bench_total').labels({}).add
  let next = 0
  // int64 cells, the width of the per-CPU counter's; one 128 bytes apart per CPU, as the sharded workers use them.
  const shared = new BigInt64Array(new SharedArrayBuffer(128))
  const sharded = new BigInt64Array(new SharedArrayBuffer(128 * Math.max(1, native.possibleCpus())))
  return {
    'currentCpu()': currentCpu,
    'N-API sched_getcpu()': native.calibration.schedGetcpu,
    'getcpu system call': native.calibration.getcpuSyscall,
    [BASELINE]: returningZero(native.calibration.emptyCall),
    'PerCpuCounter.add()': returningZero(() => add()),
    'PerCpuCounter.add(n), n a number': returningZero(() => add(3)),
    'PerCpuCounter.add(n), n a bigint': returningZero(() => add(3n)),
    'PerCpuHistogram.observe(v)': returningZero(() => observe(OBSERVED[next++ & 63])),
    'CounterSeries.add(), a MetricStore series': returningZero(() => seriesAdd()),
    'shared Atomics.add': returningZero(() => Atomics.add(shared, 0, 1n)),
    'Atomics.add sharded by currentCpu()': returningZero(() => Atomics.add(sharded, currentCpu() * 16, 1n)),
  }
}

export interface SingleThreadFigure extends Spread {
  /** median / the median of the empty N-API call. */
  ratio: number
}

export function measureSingleThread(options: CompareOptions): Record<string, SingleThreadFigure> {
  const spreads = compare(methods(), options)
  const baseline = spreads[BASELINE].median
  return Object.fromEntries(Object.entries(spreads).map(([name, spread]) => [name, { ...spread, ratio: spread.median / baseline }]))
}
