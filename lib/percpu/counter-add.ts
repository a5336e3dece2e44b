// The add(n?) of every counter, per-CPU or a store's: bound to its cell once, so that a call decodes no
// buffer, and reaching native code the way this thread does (lib/binding/call-path.ts). add() and add(n) with a
// number go the fast way (V8 fast calls, or the runtime's FFI); a bigint (and any value the fast way refuses, for its error) goes through the
// counter's own N-API function, whose error names the argument.
import { native, type NativeLayout } from '../binding/chosen-binding'
import { fastCellFor, ffi, ffiRefusals, holdHandle } from '../binding/call-path'
import { numberSlot } from '../binding/number-slot'

/**
 * add(n?) over `cell` of `layout`, whose errors name the value `argument` (e.g. "PerCpuCounter.add(n): `n`");
 * a `monotonic` counter (a store's) refuses a negative n.
 */
export function counterAddOf(layout: NativeLayout, cell: number, argument: string, monotonic = false): (n?: number | bigint) => void {
  const addArgument = native.counterAddFunction(layout, cell, argument, monotonic)
  const addSlotNumber = native.counterAddSlotNumberFunction(layout, cell, argument, monotonic)
  const slot = numberSlot
  const fastCall = fastCellFor(() => native.counterHandle(layout, cell, argument, monotonic))
  if (fastCall !== null) {
    const fast = fastCall.cell
    return holdHandle(function add(n?: number | bigint): void {
      if (typeof n === 'number') {
        if (((n | 0) === n ? fast.counterAddInt32(n) : fast.counterAdd(n)) === 0) return
        ffiRefusals.count++
        slot[0] = n
        addSlotNumber()
      } else if (n === undefined) {
        if (fast.counterAddInt32(1) !== 0) {
          ffiRefusals.count++
          addArgument()
        }
      } else addArgument(n)
    }, fastCall.handle)
  }
  if (ffi !== null) {
    const handle = native.counterHandle(layout, cell, argument, monotonic)
    const counterAdd = ffi.counterAdd
    return holdHandle(function add(n?: number | bigint): void {
      if (typeof n === 'number') {
        if (counterAdd(handle, n) === 0) return
        ffiRefusals.count++
        slot[0] = n
        addSlotNumber()
      } else if (n === undefined) {
        if (counterAdd(handle, 1) !== 0) {
          ffiRefusals.count++
          addArgument()
        }
      } else addArgument(n)
    }, handle)
  }
  return function add(n?: number | bigint): void {
    if (typeof n === 'number') {
      slot[0] = n
      addSlotNumber()
    } else if (n === undefined) addArgument()
    else addArgument(n)
  }
}
