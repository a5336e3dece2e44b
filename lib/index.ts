// Exports are plain data properties, never re-export getters: a getter in front of currentCpu() would
// cost more than the load it wraps.
import * as cpu from './registration/current-cpu'
import { PerCpuArray as PerCpuArrayClass } from './percpu/percpu-array'
import { PerCpuCounter as PerCpuCounterClass } from './percpu/percpu-counter'
import { PerCpuHistogram as PerCpuHistogramClass } from './percpu/percpu-histogram'
import { MetricStore as MetricStoreClass } from './store/metric-store'
import { threadInfo } from './registration/thread-rseq'
import type { RseqInfo } from './binding/rseq-info'

export type { RseqInfo, Strategy } from './binding/rseq-info'
export type { PerCpuOptions } from './percpu/percpu-options'
export type { HistogramSnapshot, PerCpuHistogramOptions } from './percpu/percpu-histogram'
export type {
  CollectedCounter,
  CollectedGauge,
  CollectedHistogram,
  CollectedMetric,
  CreateStoreOptions,
  MetricOptions,
  OpenStoreOptions,
  StoreCapacity,
  StoreHistogramOptions,
  StoreIndex,
  StoreScope,
  StoreUsage,
} from './store/metric-store'
export type { CounterSeries } from './store/counter-series'
export type { GaugeSeries } from './store/gauge-series'
export type { HistogramSeries } from './store/histogram-series'
export type { StoreCounter } from './store/store-counter'
export type { StoreGauge } from './store/store-gauge'
export type { StoreHistogram } from './store/store-histogram'
export type { LabelValues } from './store/store-metric'

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
