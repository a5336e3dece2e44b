#include "ffi_entry.h"

#include "handle_ops.h"

namespace rseq_native {

thread_local ThreadBinding* current_binding RSEQ_TLS_MODEL = nullptr;

}  // namespace rseq_native

using namespace rseq_native;

int32_t rseq_ffi_counter_add(uint32_t handle, double value) { return CounterAddByHandle(handle, value); }

int32_t rseq_ffi_histogram_observe(uint32_t handle, double value) { return HistogramObserveByHandle(handle, value); }

// An array's cell and an integral value, or false.
static const CellHandle* ArrayCell(uint32_t handle, uint32_t cell, double value, int64_t* integer,
                                   ThreadBinding** binding) {
  const CellHandle* entry = UsableHandle(handle, HandleKind::kArray, binding);
  if (entry == nullptr || cell >= entry->bound->layout.width || !IntegralInt64(value, integer)) return nullptr;
  return entry;
}

// An array operation (PerCpuAdd, PerCpuMax) on an integral value, or a refusal.
template <void (*Operation)(SequenceThread*, const PerCpuLayout&, uint32_t, int64_t)>
static int32_t ArrayUpdate(uint32_t handle, uint32_t cell, double value) {
  ThreadBinding* binding;
  int64_t integer;
  const CellHandle* entry = ArrayCell(handle, cell, value, &integer, &binding);
  if (entry == nullptr) return kHandleRefused;
  Operation(&binding->sequences, entry->bound->layout, cell, integer);
  return kHandleDone;
}

int32_t rseq_ffi_array_add(uint32_t handle, uint32_t cell, double value) {
  return ArrayUpdate<PerCpuAdd>(handle, cell, value);
}

int32_t rseq_ffi_array_max(uint32_t handle, uint32_t cell, double value) {
  return ArrayUpdate<PerCpuMax>(handle, cell, value);
}

int32_t rseq_ffi_array_compare_exchange(uint32_t handle, uint32_t cell, double expected, double desired) {
  ThreadBinding* binding;
  int64_t want, store;
  const CellHandle* entry = ArrayCell(handle, cell, expected, &want, &binding);
  if (entry == nullptr || !IntegralInt64(desired, &store)) return kFfiCasRefused;
  return PerCpuCompareExchange(&binding->sequences, entry->bound->layout, cell, want, store);
}
