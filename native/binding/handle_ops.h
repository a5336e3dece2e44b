// The operations behind the plain C entry points on a cell handle (ffi_entry.h, fast_entry.h).
#pragma once

#include <cmath>
#include <cstdint>

#include "bound_layout.h"
#include "cell_handles.h"
#include "current_thread.h"
#include "ffi_entry.h"
#include "integer_args.h"
#include "../percpu/percpu_ops.h"
#include "../store/atomic_float64.h"
#include "thread_binding.h"

namespace rseq_native {

// The operations behind every entry point, on a cell entry of the calling thread that has been checked to be of
// the operation's kind and usable now (its store open); each answers kHandleDone, or kHandleRefused for a value
// it does not take (and a gauge's for memory that no longer holds its store; nothing done). The FFI entry points
// find the entry by handle, the fast-call ones in a fast cell.

// The handle of `kind` the calling thread may use now, or null: no binding on this thread, an unknown
// handle, or a closed store's.
inline const CellHandle* UsableHandle(uint32_t handle, HandleKind kind, ThreadBinding** binding) {
  *binding = CurrentBinding();
  if (*binding == nullptr) return nullptr;
  const CellHandle* entry = HandleOf((*binding)->handles, handle, kind);
  return entry == nullptr || *entry->closed ? nullptr : entry;
}

// The entry of fast cell `cell` if it is of `kind` and usable now, or null.
inline const CellHandle* UsableCell(const FastCell* cell, HandleKind kind) {
  const CellHandle& entry = cell->entry;
  return entry.kind == kind && !*entry.closed ? &entry : nullptr;
}

inline int32_t CounterAddIntegerOn(const CellHandle& entry, SequenceThread* thread, int64_t integer) {
  if (integer < 0 && entry.monotonic) return kHandleRefused;
  CellAddInline(entry.sequence, thread, entry.bound->layout, entry.cell, 0, integer);
  return kHandleDone;
}

inline int32_t CounterAddOn(const CellHandle& entry, SequenceThread* thread, double value) {
  int64_t integer;
  return IntegralInt64(value, &integer) ? CounterAddIntegerOn(entry, thread, integer) : kHandleRefused;
}

inline int32_t HistogramObserveOn(const CellHandle& entry, SequenceThread* thread, double value) {
  uint32_t bucket;
  int64_t units;
  if (!PlaceObservation(entry.buckets, value, &bucket, &units)) return kHandleRefused;
  CellAddInline(entry.sequence, thread, entry.bound->layout, entry.cell, bucket, 1);
  if (units != 0) CellAddInline(entry.sequence, thread, entry.bound->layout, entry.cell, 0, units);
  return kHandleDone;
}

// An array operation (PerCpuAdd, PerCpuMax) on cell `cell` and an integral value.
template <void (*Operation)(SequenceThread*, const PerCpuLayout&, uint32_t, int64_t)>
inline int32_t ArrayUpdateOn(const CellHandle& entry, SequenceThread* thread, uint32_t cell, double value) {
  int64_t integer;
  if (cell >= entry.bound->layout.width || !IntegralInt64(value, &integer)) return kHandleRefused;
  Operation(thread, entry.bound->layout, cell, integer);
  return kHandleDone;
}

// The CPU stored on (>= 0), kFfiCompareFailed, or kFfiCasRefused.
inline int32_t ArrayCompareExchangeOn(const CellHandle& entry, SequenceThread* thread, uint32_t cell, double expected,
                                      double desired) {
  int64_t want, store;
  if (cell >= entry.bound->layout.width || !IntegralInt64(expected, &want) || !IntegralInt64(desired, &store))
    return kFfiCasRefused;
  return PerCpuCompareExchange(thread, entry.bound->layout, cell, want, store);
}

// A gauge's set (kAdd false) or add of a finite `value`, while its store's memory is still the store's.
template <bool kAdd>
inline int32_t GaugeUpdateOn(const CellHandle& entry, double value) {
  if (!std::isfinite(value) || !StoreGaugeIntact(entry.gauge)) return kHandleRefused;
  UpdateFloat64<kAdd>(entry.gauge.word, value);
  return kHandleDone;
}

inline int32_t CounterAddByHandle(uint32_t handle, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kCounter, &binding);
  return entry == nullptr ? kHandleRefused : CounterAddOn(*entry, &binding->sequences, value);
}

inline int32_t HistogramObserveByHandle(uint32_t handle, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kHistogram, &binding);
  return entry == nullptr ? kHandleRefused : HistogramObserveOn(*entry, &binding->sequences, value);
}

}  // namespace rseq_native
