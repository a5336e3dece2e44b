// The operations behind the plain C entry points (ffi_entry.h) on a cell handle.
#pragma once

#include <cstdint>

#include "bound_layout.h"
#include "cell_handles.h"
#include "current_thread.h"
#include "integer_args.h"
#include "../percpu/percpu_ops.h"
#include "thread_binding.h"

namespace rseq_native {

constexpr int32_t kHandleDone = 0;
constexpr int32_t kHandleRefused = 1;

// The handle of `kind` the calling thread may use now, or null: no binding on this thread, an unknown
// handle, or a closed store's.
inline const CellHandle* UsableHandle(uint32_t handle, HandleKind kind, ThreadBinding** binding) {
  *binding = CurrentBinding();
  if (*binding == nullptr) return nullptr;
  const CellHandle* entry = HandleOf((*binding)->handles, handle, kind);
  return entry == nullptr || *entry->closed ? nullptr : entry;
}

inline int32_t CounterAddByHandle(uint32_t handle, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kCounter, &binding);
  int64_t integer;
  if (entry == nullptr || !IntegralInt64(value, &integer) || (integer < 0 && entry->monotonic)) return kHandleRefused;
  CellAddInline(entry->sequence, &binding->sequences, entry->bound->layout, entry->cell, 0, integer);
  return kHandleDone;
}

inline int32_t HistogramObserveByHandle(uint32_t handle, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kHistogram, &binding);
  uint32_t bucket;
  int64_t units;
  if (entry == nullptr || !PlaceObservation(entry->buckets, value, &bucket, &units)) return kHandleRefused;
  CellAddInline(entry->sequence, &binding->sequences, entry->bound->layout, entry->cell, bucket, 1);
  if (units != 0) CellAddInline(entry->sequence, &binding->sequences, entry->bound->layout, entry->cell, 0, units);
  return kHandleDone;
}

}  // namespace rseq_native
