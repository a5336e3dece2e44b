// The calling thread's number slot: one float64 through which the hottest functions hand a number to
// the addon. Storing into it and calling a native function without arguments costs a few nanoseconds
// less than passing the number and reading it through N-API (napi_get_value_double and the checks
// around it are about a hundred instructions). Per thread, because each worker loads this module anew;
// used synchronously (store, then call), so nothing else can run in between.
import { native } from './chosen-binding'

export const numberSlot = new Float64Array(1)
native.bindNumberSlot(numberSlot)
