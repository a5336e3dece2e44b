// Per-CPU operations on a bound buffer: the rseq critical section where the calling thread has one for
// the buffer's index kind, atomics on the fallback slots otherwise, and the retry loop around aborts.
#pragma once

#include <cstdint>

#include "percpu_layout.h"
#include "rseq_abi.h"

namespace rseq_native {

// What an operation needs to know about the calling thread.
struct SequenceThread {
  RseqArea* area = nullptr;   // the live rseq area, null in fallback
  bool mm_cid_filled = false;  // the kernel fills area->mm_cid
  uint64_t aborts = 0;         // aborted sequences on this thread
};

void PerCpuAdd(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value);

// Returns the slot (CPU or mm_cid) index it stored into, or -1 when the cell did not hold `expected`.
int32_t PerCpuCompareExchange(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell,
                              int64_t expected, int64_t desired);

// This slot's cell = max(cell, value), as a compare-and-store loop.
void PerCpuMax(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value);

// Aborted sequences in the whole process.
uint64_t TotalAborts();

// Runs the add sequence against a private copy of an rseq area whose index field holds `index`, to show
// what the bounds check does with a corrupted cpu_id. Returns the sequence's status.
int32_t SeqAddWithForgedIndex(const PerCpuLayout& layout, uint32_t cell, int64_t value, uint32_t index);

}  // namespace rseq_native
