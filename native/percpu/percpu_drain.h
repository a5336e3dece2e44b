// Draining a cell of a per-CPU buffer: returning its sum and resetting it to zero at once, while other
// threads keep adding, with no increment lost or counted twice. How depends on the process
// (native/percpu/rseq_fence.h):
//
// kFence. Add sequences load the buffer's active set inside the critical section and add to that
// set's slot. A drain
//   1. flips the active set (one store: 0 for the first set, all ones for the second),
//   2. runs the rseq fence: any sequence that loaded the old set and had not committed is restarted
//      (and reloads the new set); any that had committed is visible to the drainer,
//   3. takes the retired set's cell from every slot: nobody writes it any more,
//   4. for a buffer of more than one cell, flips and fences once more and takes the cell from the
//      other set too, which may hold adds from before an earlier drain of another cell. A counter
//      has one cell, every drain takes it, so the retired set is always empty when a drain begins.
// The fallback slots, written with atomics, are taken with atomic exchange.
// The same pattern as the kernel selftests' membarrier test (tools/testing/selftests/rseq).
//
// kExchange. No thread can run a sequence: atomic exchange of every slot's cell.
//
// kSnapshot. Nothing can stop a sequence, so nothing is reset: the baseline slots keep what each slot
// held at the last drain, a drain returns the growth since, and readers subtract the baseline. Every
// slot's cell only ever accumulates committed adds, so successive reads of it see growing prefixes of
// its adds and the differences add up to each add exactly once (in wrapping int64 arithmetic).
//
// Drains of one buffer are serialized by a lock of this process: buffers never leave their process.
#pragma once

#include <cstdint>

#include "percpu_layout.h"

namespace rseq_native {

// The sum of one cell over all slots: each cell is an int64, their sum needs more.
using DrainSum = __int128;

// Returns the drained sum, or sets `*error` to a sentence and returns 0.
DrainSum DrainCell(const PerCpuLayout& layout, uint32_t cell, const char** error);

// Whether `layout` was laid out for this process's drain mode.
bool LayoutMatchesDrainMode(const PerCpuLayout& layout);

}  // namespace rseq_native
