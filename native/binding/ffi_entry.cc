#include "ffi_entry.h"

#include "handle_ops.h"

namespace rseq_native {

thread_local ThreadBinding* current_binding RSEQ_TLS_MODEL = nullptr;

}  // namespace rseq_native

using namespace rseq_native;

int32_t rseq_ffi_counter_add(uint32_t handle, double value) { return CounterAddByHandle(handle, value); }

int32_t rseq_ffi_histogram_observe(uint32_t handle, double value) { return HistogramObserveByHandle(handle, value); }

int32_t rseq_ffi_array_add(uint32_t handle, uint32_t cell, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kArray, &binding);
  return entry == nullptr ? kHandleRefused : ArrayUpdateOn<PerCpuAdd>(*entry, &binding->sequences, cell, value);
}

int32_t rseq_ffi_array_max(uint32_t handle, uint32_t cell, double value) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kArray, &binding);
  return entry == nullptr ? kHandleRefused : ArrayUpdateOn<PerCpuMax>(*entry, &binding->sequences, cell, value);
}

int32_t rseq_ffi_array_compare_exchange(uint32_t handle, uint32_t cell, double expected, double desired) {
  ThreadBinding* binding;
  const CellHandle* entry = UsableHandle(handle, HandleKind::kArray, &binding);
  return entry == nullptr ? kFfiCasRefused
                          : ArrayCompareExchangeOn(*entry, &binding->sequences, cell, expected, desired);
}
