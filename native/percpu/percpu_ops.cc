#include "percpu_ops.h"

#include <sched.h>

#include <atomic>
#include <cstddef>

namespace rseq_native {

static std::atomic<uint64_t> total_aborts{0};

uint64_t TotalAborts() { return total_aborts.load(std::memory_order_relaxed); }

uint32_t SequenceIndexOffset(const SequenceThread& thread, const PerCpuLayout& layout) {
  if (thread.area == nullptr) return 0;
  if (layout.index == IndexKind::kCpu) return offsetof(RseqArea, cpu_id);
  return thread.mm_cid_filled ? offsetof(RseqArea, mm_cid) : 0;
}

void CountAbort(SequenceThread* thread) {
  thread->aborts++;
  total_aborts.fetch_add(1, std::memory_order_relaxed);
}

static uint32_t FallbackSlot(const PerCpuLayout& layout) {
  int cpu = sched_getcpu();
  uint32_t slot = cpu < 0 ? 0 : static_cast<uint32_t>(cpu);
  return slot < layout.fallback_slots ? slot : slot % layout.fallback_slots;
}

// Cell `cell` of slot 0 in set 0; add sequences move to the active set themselves.
static char* RseqCell0(const PerCpuLayout& layout, uint32_t cell) { return layout.rseq_cells + cell * 8ull; }

static void FallbackAdd(const PerCpuLayout& layout, uint32_t cell, int64_t value) {
  __atomic_fetch_add(CellIn(layout.fallback_cells, layout, FallbackSlot(layout), cell), value, __ATOMIC_RELAXED);
}

static int32_t FallbackCompareExchange(const PerCpuLayout& layout, uint32_t cell, int64_t expected, int64_t desired) {
  uint32_t slot = FallbackSlot(layout);
  bool stored = __atomic_compare_exchange_n(CellIn(layout.fallback_cells, layout, slot, cell), &expected, desired,
                                            false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return stored ? static_cast<int32_t>(slot) : kSeqCompareFailed;
}

void PerCpuAdd(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value) {
  uint32_t offset = SequenceIndexOffset(*thread, layout);
  if (offset != 0) {
    for (;;) {
      int32_t status = SeqAdd(thread->area, offset, layout.slots, RseqCell0(layout, cell), layout.stride, value,
                              layout.active_set, layout.set_bytes);
      if (status >= 0) return;
      if (status != kSeqAborted) break;  // out of range: the atomics below keep the count exact
      CountAbort(thread);
    }
  }
  FallbackAdd(layout, cell, value);
}

int32_t PerCpuCompareExchange(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t expected,
                              int64_t desired) {
  uint32_t offset = SequenceIndexOffset(*thread, layout);
  if (offset != 0) {
    for (;;) {
      int32_t status = SeqCompareStore(thread->area, offset, layout.slots, RseqCell0(layout, cell), layout.stride,
                                       expected, desired);
      if (status >= 0 || status == kSeqCompareFailed) return status;
      if (status != kSeqAborted) break;
      CountAbort(thread);
    }
  }
  return FallbackCompareExchange(layout, cell, expected, desired);
}

// Reads the cell of the slot the thread is on now, for the compare-and-store that follows. A stale
// read (the thread migrated in between) only makes that compare-and-store fail and the loop go again.
static int64_t ReadCurrentCell(const SequenceThread& thread, const PerCpuLayout& layout, uint32_t offset,
                               uint32_t cell) {
  if (offset != 0) {
    uint32_t index =
        __atomic_load_n(reinterpret_cast<uint32_t*>(reinterpret_cast<char*>(thread.area) + offset), __ATOMIC_RELAXED);
    if (index < layout.slots) {
      return __atomic_load_n(CellIn(layout.rseq_cells, layout, index, cell), __ATOMIC_RELAXED);
    }
  }
  // Out of range, the compare-and-store falls back to the fallback slots too: read where it will compare.
  return __atomic_load_n(CellIn(layout.fallback_cells, layout, FallbackSlot(layout), cell), __ATOMIC_RELAXED);
}

int64_t PerCpuReadCurrent(const SequenceThread& thread, const PerCpuLayout& layout, uint32_t cell) {
  return ReadCurrentCell(thread, layout, SequenceIndexOffset(thread, layout), cell);
}

void PerCpuMax(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value) {
  uint32_t offset = SequenceIndexOffset(*thread, layout);
  for (;;) {
    int64_t current = ReadCurrentCell(*thread, layout, offset, cell);
    if (current >= value) return;
    if (PerCpuCompareExchange(thread, layout, cell, current, value) != kSeqCompareFailed) return;
  }
}

int32_t SeqAddWithForgedIndex(const PerCpuLayout& layout, uint32_t cell, int64_t value, uint32_t index) {
  // Not registered with the kernel: the sequence arms this copy's rseq_cs, which nobody reads, and takes
  // its index from it exactly as it would from the thread's real area.
  RseqArea forged{};
  forged.cpu_id = index;
  forged.mm_cid = index;
  return SeqAdd(&forged, offsetof(RseqArea, cpu_id), layout.slots, RseqCell0(layout, cell), layout.stride, value,
                layout.active_set, layout.set_bytes);
}

}  // namespace rseq_native
