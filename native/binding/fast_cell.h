// What the fast-calls addon (native/fast_calls/) reads of a fast cell by itself: the head of every fast cell
// (cell_handles.h), laid out by this one header for both builds. Its fast callback for a counter's add runs the
// sequence from here without a call into this addon; for everything else (a refusal, an attempt that did not
// commit, other operations) it calls this addon's entry points (fast_entry.h). kFastCellViewLayout is compared
// at connect, so that a fast-calls build never reads cells laid out by other sources.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../percpu/percpu_ops.h"

namespace rseq_native {

enum class HandleKind : uint8_t { kFree, kCounter, kHistogram, kArray, kGauge };

struct FastCellView {
  HandleKind kind;
  bool monotonic;          // a store counter's: a negative add is refused
  const bool* closed;      // the store's closed flag (or a constant false)
  CellSequence sequence;   // what the add sequence of the cell reads
  SequenceThread* thread;  // the thread whose cell this is
};

// The layout of FastCellView as one number: its size and the offset of each field.
constexpr uint64_t kFastCellViewLayout =
    (uint64_t{sizeof(FastCellView)} << 48) ^ (uint64_t{offsetof(FastCellView, monotonic)} << 40) ^
    (uint64_t{offsetof(FastCellView, closed)} << 32) ^ (uint64_t{offsetof(FastCellView, sequence)} << 24) ^
    (uint64_t{sizeof(CellSequence)} << 16) ^ (uint64_t{offsetof(FastCellView, thread)} << 8) ^
    uint64_t { sizeof(SequenceThread) };

}  // namespace rseq_native
