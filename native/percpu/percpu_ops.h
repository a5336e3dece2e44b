// Per-CPU operations on a bound buffer: the rseq critical section where the calling thread has one for
// the buffer's index kind, atomics on the fallback slots otherwise, and the retry loop around aborts.
#pragma once

#include <cstdint>

#include "../arch/arch.h"
#include "percpu_layout.h"
#include "../registration/rseq_abi.h"

namespace rseq_native {

// What an operation needs to know about the calling thread.
struct SequenceThread {
  RseqArea* area = nullptr;    // the live rseq area, null in fallback
  bool mm_cid_filled = false;  // the kernel fills area->mm_cid
  uint64_t aborts = 0;         // aborted sequences on this thread
};

void PerCpuAdd(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value);

// Records one aborted sequence of `thread`.
void CountAbort(SequenceThread* thread);

// The offset of the rseq area field that indexes `layout` for this thread (cpu_id or mm_cid), or 0 when
// the thread cannot run the sequences on it (no rseq, or an mm_cid buffer without mm_cid). Fixed for
// the thread's life, so callers may compute it once per buffer.
uint32_t SequenceIndexOffset(const SequenceThread& thread, const PerCpuLayout& layout);

// What one cell's add sequence reads, gathered once per bound function (which belongs to one thread) so
// that the hottest adds load it from one place instead of following pointers from the function's data to
// its layout and thread: the thread's area (null without rseq), the offset of the index field in it (0
// when the sequence cannot run on this layout), the cell's address in slot 0 of set 0, and the geometry.
struct CellSequence {
  RseqArea* area;
  uint32_t index_offset;
  uint32_t slots;
  char* cell0;
  uint64_t stride;
  const uint32_t* active_set;
  uint64_t set_bytes;
};

inline CellSequence CellSequenceOf(const SequenceThread& thread, const PerCpuLayout& layout, uint32_t cell) {
  return CellSequence{thread.area,     SequenceIndexOffset(thread, layout),
                      layout.slots,    layout.rseq_cells + cell * 8ull,
                      layout.stride,   layout.active_set,
                      layout.set_bytes};
}

// The status of an add attempt that could not run the sequence: no rseq for this layout, or the thread's area
// is gone (a teardown clears it, and may free an area this thread registered: a function or handle gathered
// before must not reach that area after). Nothing was stored.
constexpr int32_t kSeqNotRun = -100;

// One inline attempt at the add sequence of cell + `further` cells after the gathered one: its status (>= 0
// committed; kSeqAborted, kSeqOutOfRange or kSeqNotRun: nothing stored, take the out-of-line way).
RSEQ_ALWAYS_INLINE int32_t CellAddAttempt(const CellSequence& sequence, const SequenceThread* thread, uint32_t further,
                                          int64_t value) {
  if (sequence.index_offset == 0 || thread->area == nullptr) return kSeqNotRun;
  return SeqAdd(sequence.area, sequence.index_offset, sequence.slots, sequence.cell0 + further * 8ull, sequence.stride,
                value, sequence.active_set, sequence.set_bytes);
}

// PerCpuAdd of cell + `further` cells after the gathered one: one inline attempt at the sequence, the
// out-of-line way (retries, atomics) when it cannot commit.
inline void CellAddInline(const CellSequence& sequence, SequenceThread* thread, const PerCpuLayout& layout,
                          uint32_t cell, uint32_t further, int64_t value) {
  int32_t status = CellAddAttempt(sequence, thread, further, value);
  if (status >= 0) return;
  if (status == kSeqAborted) CountAbort(thread);
  PerCpuAdd(thread, layout, cell + further, value);
}

// Returns the slot (CPU or mm_cid) index it stored into, or -1 when the cell did not hold `expected`.
int32_t PerCpuCompareExchange(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t expected,
                              int64_t desired);

// The cell of the slot the calling thread would update now: the value a compare-and-store should
// expect. Stale as soon as the thread migrates, which only makes that compare-and-store fail.
int64_t PerCpuReadCurrent(const SequenceThread& thread, const PerCpuLayout& layout, uint32_t cell);

// This slot's cell = max(cell, value), as a compare-and-store loop.
void PerCpuMax(SequenceThread* thread, const PerCpuLayout& layout, uint32_t cell, int64_t value);

// Aborted sequences in the whole process.
uint64_t TotalAborts();

// Runs the add sequence against a private copy of an rseq area whose index field holds `index`, to show
// what the bounds check does with a corrupted cpu_id. Returns the sequence's status.
int32_t SeqAddWithForgedIndex(const PerCpuLayout& layout, uint32_t cell, int64_t value, uint32_t index);

}  // namespace rseq_native
