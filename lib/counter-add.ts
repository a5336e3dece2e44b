// The add(n?) of every counter, per-CPU or a store's series: one native function of its own per counter
// and thread, bound to its cell, so that a call decodes no buffer. add() passes no argument, add(n) with a
// number passes it through the thread's number slot, and only a bigint (or a wrong value, for the error)
// is read as an argument.
import { native, type NativeLayout } from './binding'
import { numberSlot } from './number-slot'

/**
 * add(n?) over `cell` of `layout`, whose errors name the value `argument` (e.g. "PerCpuCounter.add(n): `n`");
 * a `monotonic` counter (a store's) refuses a negative n.
 */
export function counterAddOf(layout: NativeLayout, cell: number, argument: string, monotonic = false): (n?: number | bigint) => void {
  const addArgument = native.counterAddFunction(layout, cell, argument, monotonic)
  const addSlotNumber = native.counterAddSlotNumberFunction(layout, cell, argument, monotonic)
  const slot = numberSlot
  return function add(n?: number | bigint): void {
    if (typeof n === 'number') {
      slot[0] = n
      addSlotNumber()
    } else if (n === undefined) addArgument()
    else addArgument(n)
  }
}
