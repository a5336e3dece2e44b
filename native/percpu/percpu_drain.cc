#include "percpu_drain.h"

#include <cstddef>
#include <functional>
#include <mutex>

#include "rseq_fence.h"

namespace rseq_native {
namespace {

// One lock per buffer would need a registry of buffers; a small table of locks picked by address
// serializes drains of one buffer with no bookkeeping (two buffers may share a lock, which is only slower).
std::mutex drain_locks[64];

std::mutex& LockOf(const PerCpuLayout& layout) {
  return drain_locks[(std::hash<const void*>{}(layout.rseq_cells) >> 7) % 64];
}

DrainSum TakeRegion(char* region, const PerCpuLayout& layout, uint32_t cell) {
  DrainSum sum = 0;
  for (uint32_t slot = 0; slot < layout.slots; slot++) {
    sum += __atomic_exchange_n(CellIn(region, layout, slot, cell), 0, __ATOMIC_RELAXED);
  }
  return sum;
}

// Flips the active set, fences, and takes the cell of the set that was active.
bool RetireAndTake(const PerCpuLayout& layout, uint32_t cell, DrainSum* sum, const char** error) {
  uint32_t retired = __atomic_load_n(layout.active_set, __ATOMIC_RELAXED) != 0 ? 1 : 0;
  __atomic_store_n(layout.active_set, retired == 1 ? 0u : 0xffffffffu, __ATOMIC_SEQ_CST);
  if (RseqFence() != 0) {
    // Registered once, so it cannot fail now short of the process changing its seccomp filter; the
    // retired set is then not known to be quiet, so it stays untouched (the adds are not lost).
    *error = "the rseq fence (membarrier) failed after it had been registered; nothing was drained";
    return false;
  }
  *sum += TakeRegion(layout.rseq_cells + retired * layout.set_bytes, layout, cell);
  return true;
}

// A slot's cell is its rseq cell plus its fallback cell, in wrapping int64 like every cell.
DrainSum SnapshotDrain(const PerCpuLayout& layout, uint32_t cell) {
  DrainSum sum = 0;
  for (uint32_t slot = 0; slot < layout.slots; slot++) {
    uint64_t now =
        static_cast<uint64_t>(__atomic_load_n(CellIn(layout.rseq_cells, layout, slot, cell), __ATOMIC_RELAXED)) +
        static_cast<uint64_t>(__atomic_load_n(CellIn(layout.fallback_cells, layout, slot, cell), __ATOMIC_RELAXED));
    int64_t* baseline = CellIn(layout.baseline_cells, layout, slot, cell);
    sum += static_cast<int64_t>(now - static_cast<uint64_t>(__atomic_load_n(baseline, __ATOMIC_RELAXED)));
    __atomic_store_n(baseline, static_cast<int64_t>(now), __ATOMIC_RELAXED);
  }
  return sum;
}

}  // namespace

bool LayoutMatchesDrainMode(const PerCpuLayout& layout) {
  switch (ProcessFence().mode) {
    case DrainMode::kFence:
      return layout.rseq_sets == 2;
    case DrainMode::kExchange:
      return layout.rseq_sets == 1 && layout.baseline_cells == nullptr;
    case DrainMode::kSnapshot:
      return layout.rseq_sets == 1 && layout.baseline_cells != nullptr;
  }
  return false;
}

DrainSum DrainCell(const PerCpuLayout& layout, uint32_t cell, const char** error) {
  *error = nullptr;
  std::lock_guard<std::mutex> hold(LockOf(layout));
  DrainSum sum = 0;
  switch (ProcessFence().mode) {
    case DrainMode::kFence:
      if (!RetireAndTake(layout, cell, &sum, error)) return 0;
#ifdef RSEQ_TEST_SKIP_SECOND_FLIP
      // Test builds only: shows that without the second flip a drain misses what an earlier drain of
      // another cell left in the set that is active again.
      if (false) {
#else
      if (layout.width > 1 && !RetireAndTake(layout, cell, &sum, error)) {
#endif
        // The first set is taken already: hand it back as an add to the fallback slots rather than lose it.
        __atomic_fetch_add(CellIn(layout.fallback_cells, layout, 0, cell), static_cast<int64_t>(sum), __ATOMIC_RELAXED);
        return 0;
      }
      sum += TakeRegion(layout.fallback_cells, layout, cell);
      break;
    case DrainMode::kExchange:
      sum = TakeRegion(layout.rseq_cells, layout, cell) + TakeRegion(layout.fallback_cells, layout, cell);
      break;
    case DrainMode::kSnapshot:
      sum = SnapshotDrain(layout, cell);
      break;
  }
  return sum;
}

}  // namespace rseq_native
