// What this process's per-CPU memory is laid out for (lib/layout/percpu-layout.ts takes it as a parameter),
// asked of the binding once per thread: the machine's possible CPUs and the process's drain mode.
import { native } from '../binding/chosen-binding'
import type { DrainMode, PercpuMachine } from '../layout/percpu-layout'

/** Highest possible CPU number + 1: the slots every buffer and store on this machine needs. */
export const possibleCpus: number = native.possibleCpus()

/** How this process drains (fixed for its life): decides the sets and baseline of every buffer it makes. */
export const drainMode = native.drainMode() as DrainMode

export const thisProcess: Readonly<PercpuMachine> = Object.freeze({ possibleCpus, drainMode })
