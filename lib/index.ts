// Exports are plain data properties, never re-export getters: a getter in front of currentCpu() would
// cost more than the load it wraps.
import * as cpu from './cpu'
import { PerCpuArray as PerCpuArrayClass } from './percpu-array'
import { PerCpuCounter as PerCpuCounterClass } from './percpu-counter'
import { PerCpuHistogram as PerCpuHistogramClass } from './percpu-histogram'
import { MetricStore as MetricStoreClass } from './metric-store'
import { threadInfo } from './thread-rseq'
import type { RseqInfo } from './types'

export type { RseqInfo, Strategy } from './types'
export type { PerCpuOptions } from './percpu-options'
export type { HistogramSnapshot, PerCpuHistogramOptions } from './percpu-histogram'
export type {
  CollectedCounter, CollectedGauge, CollectedHistogram, CollectedMetric, CreateStoreOptions, MetricOptions, OpenStoreOptions,
  StoreCapacity, StoreHistogramOptions, StoreIndex, StoreScope, StoreUsage,
} from './metric-store'
export type { CounterSeries, GaugeSeries, HistogramSeries, LabelValues, StoreCounter, StoreGauge, StoreHistogram } from './store-metrics'

/** What the package decided for the calling thread (each worker decides for itself). */
export function info(): RseqInfo {
  return { ...threadInfo, glibc: threadInfo.glibc === null ? null : { ...threadInfo.glibc } }
}

/** The CPU the calling thread is running on, like sched_getcpu(3). */
export const currentCpu: () => number = cpu.currentCpu
/** The per-process concurrency id (Linux >= 6.3): dense, below the thread and CPU counts; -1 where unavailable. */
export const currentMmCid: () => number = cpu.currentMmCid
/** The NUMA node of the CPU the calling thread is running on. */
export const currentNumaNode: () => number = cpu.currentNumaNode

export const PerCpuCounter = PerCpuCounterClass
export type PerCpuCounter = PerCpuCounterClass
export const PerCpuArray = PerCpuArrayClass
export type PerCpuArray = PerCpuArrayClass
export const PerCpuHistogram = PerCpuHistogramClass
export type PerCpuHistogram = PerCpuHistogramClass
export const MetricStore = MetricStoreClass
export type MetricStore = MetricStoreClass
