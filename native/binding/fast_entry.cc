#include "fast_entry.h"

#include "handle_ops.h"

using namespace rseq_native;

namespace {

const FastCell* CellAt(const void* cell) { return static_cast<const FastCell*>(cell); }

}  // namespace

uint64_t rseq_fast_v2_cell_view_layout() { return kFastCellViewLayout; }

void rseq_fast_v2_count_abort(const void* cell) { CountAbort(CellAt(cell)->view.thread); }

const void* rseq_fast_v2_cell(uint32_t handle) {
  ThreadBinding* binding = CurrentBinding();
  return binding == nullptr ? nullptr : FastCellOf(&binding->handles, handle, &binding->sequences);
}

int32_t rseq_fast_v2_counter_add(const void* cell, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kCounter);
  return entry == nullptr ? kHandleRefused : CounterAddOn(*entry, CellAt(cell)->view.thread, value);
}

int32_t rseq_fast_v2_histogram_observe(const void* cell, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kHistogram);
  return entry == nullptr ? kHandleRefused : HistogramObserveOn(*entry, CellAt(cell)->view.thread, value);
}

int32_t rseq_fast_v2_gauge_add(const void* cell, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kGauge);
  return entry == nullptr ? kHandleRefused : GaugeUpdateOn<true>(*entry, value);
}

int32_t rseq_fast_v2_gauge_set(const void* cell, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kGauge);
  return entry == nullptr ? kHandleRefused : GaugeUpdateOn<false>(*entry, value);
}

int32_t rseq_fast_v2_array_add(const void* cell, uint32_t index, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kArray);
  return entry == nullptr ? kHandleRefused : ArrayUpdateOn<PerCpuAdd>(*entry, CellAt(cell)->view.thread, index, value);
}

int32_t rseq_fast_v2_array_max(const void* cell, uint32_t index, double value) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kArray);
  return entry == nullptr ? kHandleRefused : ArrayUpdateOn<PerCpuMax>(*entry, CellAt(cell)->view.thread, index, value);
}

int32_t rseq_fast_v2_array_compare_exchange(const void* cell, uint32_t index, double expected, double desired) {
  const CellHandle* entry = UsableCell(CellAt(cell), HandleKind::kArray);
  return entry == nullptr ? kFfiCasRefused
                          : ArrayCompareExchangeOn(*entry, CellAt(cell)->view.thread, index, expected, desired);
}
