// The memory layout of a per-CPU buffer (a SharedArrayBuffer made by lib/layout/percpu-layout.ts):
//   [0, 128)    header: u32 magic, version, slots, width, stride, index kind, fallback slots, buffer kind,
//               active set, rseq sets, baseline, tail bytes
//   then        `rseq sets` x `slots` rseq slots, one per possible CPU (or mm_cid) in each set, written
//               only by critical sections; with two sets, adds go to the set `active set` names (0: the
//               first, all ones: the second) and a drain retires the other one (native/percpu/percpu_drain.h)
//   then        `fallback slots` (== slots), one per possible CPU, written only with atomics by threads
//               without rseq
//   then        with `baseline` 1, `slots` slots of drained totals (the drain without a fence)
//   then        `tail bytes` the JS layer keeps for itself (a histogram's bucket bounds)
// Each slot is `stride` bytes (a multiple of 128) holding `width` int64 cells. Keeping the writers
// apart is what keeps mixed processes exact: a critical section's plain load/add/store would lose an
// atomic add made to the same cell from another CPU.
// This file is the one statement of the layout: the addon exports its constants, the header's field order
// (offsetof) and the problems ReadLayout names through layoutFacts() (native/binding/native_facts.cc), and
// scripts/generate-native-facts.mjs writes them to lib/layout/percpu-layout-facts.ts, which the TypeScript
// layer and the portable path read; test/native-facts.test.ts fails while that copy differs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rseq_native {

constexpr uint32_t kLayoutMagic = 0x71657372;  // "rseq" in little-endian bytes
constexpr uint32_t kLayoutVersion = 2;
constexpr uint32_t kLayoutHeaderBytes = 128;
constexpr uint32_t kSlotAlignment = 128;  // no two CPUs share a cache line or an adjacent-line pair

enum class IndexKind : uint32_t { kCpu = 0, kMmCid = 1 };
constexpr uint32_t kIndexKinds = 2;  // a header's index kind is below this

struct LayoutHeader {
  uint32_t magic;
  uint32_t version;
  uint32_t slots;
  uint32_t width;
  uint32_t stride;
  uint32_t index_kind;
  uint32_t fallback_slots;
  uint32_t buffer_kind;
  uint32_t active_set;  // 0: adds go to rseq set 0; 0xffffffff: to set 1. Only drains write it
  uint32_t rseq_sets;   // 2 where drains flip sets behind the rseq fence, else 1
  uint32_t baseline;    // 1 where drains keep drained totals instead (no fence, rseq possible)
  uint32_t tail_bytes;
};

struct PerCpuLayout {
  char* rseq_cells;      // cell 0 of rseq slot 0 of set 0
  char* fallback_cells;  // cell 0 of fallback slot 0
  char* baseline_cells;  // cell 0 of baseline slot 0, or null
  uint32_t* active_set;  // read inside the add sequence, sign-extended and masked with set_bytes
  uint64_t set_bytes;    // from a cell of set 0 to the same cell of set 1; 0 with one set
  uint32_t slots;
  uint32_t fallback_slots;
  uint32_t width;
  uint32_t rseq_sets;
  uint64_t stride;
  IndexKind index;
};

// Cell `cell` of slot `slot` in one of the layout's regions (an rseq set, the fallback slots, the baseline).
inline int64_t* CellIn(char* region, const PerCpuLayout& layout, uint32_t slot, uint32_t cell) {
  return reinterpret_cast<int64_t*>(region + slot * layout.stride + cell * 8ull);
}

// X(Name, text): what ReadLayout says of a buffer it refuses, layout_problem::kName here and
// layoutFacts().problems.Name in JavaScript.
#define RSEQ_LAYOUT_PROBLEMS(X)                                                    \
  X(TooShort, "the buffer is smaller than a per-CPU buffer header")                \
  X(BadMagic, "the buffer does not start with the per-CPU buffer magic")           \
  X(UnsupportedVersion, "the buffer's layout version is not supported")            \
  X(WidthAndStride, "the buffer's width and stride do not fit together")           \
  X(UnknownIndexKind, "the buffer's index kind is unknown")                        \
  X(TooFewSlots, "the buffer has fewer slots than this machine has possible CPUs") \
  X(UnknownDrainLayout, "the buffer's drain layout is unknown")                    \
  X(LengthMismatch, "the buffer's length does not match its header")

namespace layout_problem {
#define RSEQ_LAYOUT_PROBLEM(name, text) inline constexpr char k##name[] = text;
RSEQ_LAYOUT_PROBLEMS(RSEQ_LAYOUT_PROBLEM)
#undef RSEQ_LAYOUT_PROBLEM
}  // namespace layout_problem

// Checks the header at `memory` against `byte_length` and the running machine. Returns nullptr and
// fills `layout`, or a sentence saying what is wrong (one of layout_problem's).
const char* ReadLayout(void* memory, size_t byte_length, PerCpuLayout* layout);

// Slots a buffer needs on this machine: the highest possible CPU number + 1.
uint32_t PossibleCpus();

}  // namespace rseq_native
