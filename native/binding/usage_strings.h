// Every message the binding throws for a call it refuses, stated once: the N-API functions throw these
// constants (a message made with a value, such as a refused add's, is built from one), and usageStrings()
// exports the table (native_facts.cc), from which scripts/generate-native-facts.mjs writes its TypeScript copy,
// lib/binding/usage-strings.ts: the portable path (lib/binding/portable-binding.ts) and the checks JavaScript
// makes before native code would (lib/binding/integer-args.ts) throw the same words from it, and
// test/native-facts.test.ts fails while the copy differs from this table. A message names a call as the
// binding interface names it (lib/binding/binding-interface.ts), or the public API's call, never a C++ identifier.
// The messages of a buffer's header checks are the layout's own (native/percpu/percpu_layout.h).
#pragma once

// X(Name, text): usage::kName here, usageStrings().Name in JavaScript.
#define RSEQ_USAGE_STRINGS(X)                                                                                          \
  /* per-CPU buffers (percpu_binding.cc) */                                                                            \
  X(BindViewRequired, "bind(view): `view` is required")                                                                \
  X(BindViewNotBigInt64Array, "bind(view): `view` must be a BigInt64Array over the buffer")                            \
  X(BindViewNotWhole, "bind(view): `view` must be a BigInt64Array covering the whole buffer")                          \
  X(BindViewNotShared, "bind(view): `view` must be over a SharedArrayBuffer")                                          \
  X(BufferOfAnotherDrainMode, "the buffer's drain layout was made for another process (or its header was changed)")    \
  X(CounterAddFunctionUsage,                                                                                           \
    "counterAddFunction(layout, cell, argument, monotonic?): `layout` must come from bind(), `cell` be one of its "    \
    "cells and `argument` be a string")                                                                                \
  X(CounterAddSlotNumberFunctionUsage,                                                                                 \
    "counterAddSlotNumberFunction(layout, cell, argument, monotonic?): `layout` must come from bind(), `cell` be "     \
    "one of its cells and `argument` be a string")                                                                     \
  X(CounterAddSlotNumberFunctionUnslotted, "counterAddSlotNumberFunction: bindNumberSlot() first")                     \
  X(BindNumberSlotUsage, "bindNumberSlot(slot): `slot` must be a Float64Array of length 1")                            \
  X(HistogramObserveFunctionUsage,                                                                                     \
    "histogramObserveFunction(layout, tail, base, caller): `layout` must come from bind(), `tail` be a Float64Array "  \
    "of the resolution and at least one bound, its cells from `base` lie in the layout and `caller` be a string")      \
  X(HistogramObserveFunctionUnslotted, "histogramObserveFunction: bindNumberSlot() first")                             \
  X(CellUpdateUsage, "(layout, cell, value): invalid arguments")                                                       \
  X(CompareExchangeUsage, "compareExchange(layout, cell, expected, desired): invalid arguments")                       \
  X(DrainCellUsage, "drainCell(layout, cell): invalid arguments (a per-CPU buffer's layout and one of its cells)")     \
  X(AddWithForgedIndexUsage, "addWithForgedIndex(layout, cell, value, index): invalid arguments")                      \
  /* the hot functions' refusals (refusals.cc, bound_layout.cc), after the name of the argument or call */             \
  X(NegativeCount, " must not be negative: a counter only goes up (a gauge goes both ways), got ")                     \
  X(ObserveOutOfRange, ": `value` must be finite and within 9007199254740991 x resolution, got ")                      \
  X(RefusedUnknowingly, ": refused for no reason the binding knows (a bug)")                                           \
  X(StoreClosed, "this series' MetricStore is closed (store.close() was called): open the store again")                \
  /* int64 arguments (integer_args.cc), after the argument's name, before the value as shown */                        \
  X(NotAnInteger, " must be an integer, got ")                                                                         \
  X(OutsideInt64, " must fit in a signed 64-bit integer, got ")                                                        \
  X(NotANumberOrBigInt, " must be an integer (number or bigint), got ")                                                \
  /* the metric store (store_binding.cc) */                                                                            \
  X(StoreRegionOfBufferUsage,                                                                                          \
    "storeRegionOfBuffer(view): `view` must be a BigInt64Array over a whole SharedArrayBuffer")                        \
  X(StoreOpenFileUsage, "storeOpenFile(path): `path` must be a string")                                                \
  X(StoreCreateFileUsage, "storeCreateFile(directory, length, mode): invalid arguments")                               \
  X(StoreNameFileUsage, "storeNameFile(region, path): `region` must come from storeCreateFile() and not be named yet") \
  X(StoreRemoveFileUsage, "storeRemoveFile(path, magic): invalid arguments")                                           \
  X(StoreRegionStateUsage, "storeRegionState(region): `region` is required")                                           \
  X(StoreFileStateUsage, "storeFileState(region, path): `region` must be a mapped store's")                            \
  X(StoreCloseRegionUsage, "storeCloseRegion(region): `region` is required")                                           \
  X(StoreCompareExchange32Usage, "storeCompareExchange32(region, byteOffset, expected, desired): invalid arguments")   \
  X(StoreAddFloat64Usage, "storeAddFloat64(region, byteOffset, value): invalid arguments")                             \
  X(StoreSetFloat64Usage, "storeSetFloat64(region, byteOffset, value): invalid arguments")                             \
  X(BindStoreCellsUsage,                                                                                               \
    "bindStoreCells(region, rseqOffset, fallbackOffset, slots, stride, width, index): invalid arguments")              \
  X(SumStoreCellsUsage, "sumStoreCells(layout, first, count, out): invalid arguments")                                 \
  /* the FFI call path's handles (ffi_binding.cc) */                                                                   \
  X(CounterHandleUsage, "counterHandle(layout, cell, name, monotonic): invalid arguments")                             \
  X(HistogramHandleUsage, "histogramHandle(layout, tail, base, caller): invalid arguments")                            \
  X(ArrayHandleUsage, "arrayHandle(layout): `layout` must come from bind()")                                           \
  X(GaugeHandleUsage, "gaugeHandle(layout, byteOffset, trailerOffset, magic, checksum): invalid arguments")            \
  /* the `code` of the error a handle request gets from a full table (ffi_binding.cc); JS then takes N-API */          \
  X(HandleTableFullCode, "RSEQ_HANDLE_TABLE_FULL")                                                                     \
  /* the thread's registration (addon.cc) */                                                                           \
  X(AttachUsage, "attach(requested): `requested` must be a string")                                                    \
  X(AttachUnknownStrategy, "attach(requested): unknown strategy")                                                      \
  X(RegistrationAnswerUsage, "registrationAnswer(signature): `signature` must be a number")

namespace rseq_native {
namespace usage {

#define RSEQ_USAGE_CONSTANT(name, text) inline constexpr char k##name[] = text;
RSEQ_USAGE_STRINGS(RSEQ_USAGE_CONSTANT)
#undef RSEQ_USAGE_CONSTANT

}  // namespace usage
}  // namespace rseq_native
