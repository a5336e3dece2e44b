// Cells reached by a number: the JS layer asks for a handle once (counterHandle() and kin), a small integer
// indexing the calling thread's table, and passes it on every call of the plain C entry points (Bun's and
// Deno's FFI, ffi_entry.cc). Every use checks the handle against the table of
// the thread that calls, so no number JavaScript passes reaches memory unchecked; a handle holds a share of
// its bound layout (and so of the memory under it) until the JS layer releases it.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../percpu/histogram_buckets.h"
#include "../percpu/percpu_ops.h"
#include "fast_cell.h"
#include "store_gauge.h"

namespace rseq_native {

struct BoundLayout;  // bound_layout.h, which needs the thread binding that holds these tables

// What every call on a handle reads first, together: its kind, whether its store is closed, and what the
// add sequence of its cell reads. What only some calls read (a histogram's bounds, a gauge's value) follows.
struct CellHandle {
  HandleKind kind = HandleKind::kFree;
  bool monotonic = false;        // a store counter's: a negative add is refused
  uint32_t cell = 0;             // a counter's cell, a histogram's first cell (its sum); 0 for an array
  const bool* closed = nullptr;  // the store's closed flag (or a constant false)
  CellSequence sequence{};       // what the add sequence of `cell` reads, gathered when the handle is made
  BoundLayout* bound = nullptr;
  HistogramBuckets buckets;  // a histogram's bounds and resolution
  StoreGauge gauge;          // a gauge's value, in the memory `bound` holds a share of
};

// A handle's cell as V8's fast calls reach it (fast_entry.h): what the fast-calls addon reads by itself
// (fast_cell.h) first, then a copy of the entry, at an address that stays put while the table grows. Made on
// the first request, owned by the table, and freed when the handle is released, which the JS layer does only
// once nothing can call through it any more (the object holding the cell is unreachable by then).
struct FastCell {
  FastCellView view;
  CellHandle entry;
};

// A handle names its table as well as its entry: the entry's index in the low kHandleIndexBits, the table's
// tag above them. Two bindings can live on one thread (Bun and Deno load the addon again when a module
// cache is reset), each numbering its entries from 0, and the thread's FFI calls reach the table of the
// binding attached last: the tag keeps another binding's handle from naming an entry of that table.
// Tags go up to kHandleTags - 1 only, so that every handle stays below 2^31: an int32 in JavaScript, and a
// u32 no FFI can mistake for a negative number.
constexpr uint32_t kHandleIndexBits = 20;
constexpr uint32_t kHandleIndexLimit = 1u << kHandleIndexBits;  // entries a table can hold
constexpr uint32_t kHandleTags = 1u << (31 - kHandleIndexBits);

// The tag of the next table made on the calling thread, shifted into place: 1..kHandleTags-1 in turn. Tags
// only tell apart the bindings of one thread (a thread's FFI calls reach one table), so they are counted per
// thread, and two bindings alive on one thread share a tag only after kHandleTags - 2 more were made there.
uint32_t NextHandleTag();

struct HandleTable {
  uint32_t tag = 0;  // this table's tag << kHandleIndexBits
  std::vector<CellHandle> entries;
  std::vector<std::string> names;  // how errors name the value or the call, by handle (read on refusals only)
  std::vector<std::unique_ptr<FastCell>> fast_cells;  // by handle: made by FastCellOf, or null
  uint32_t size = 0;  // entries.size(), kept as a count so that the check needs no division
  std::vector<uint32_t> free;
};

// The live handle `handle` of `kind` in `table`, or null. Another table's tag leaves bits above the index,
// so the one comparison with the size refuses it too.
inline const CellHandle* HandleOf(const HandleTable& table, uint32_t handle, HandleKind kind) {
  uint32_t index = handle ^ table.tag;
  if (index >= table.size) return nullptr;
  const CellHandle& entry = table.entries[index];
  return entry.kind == kind ? &entry : nullptr;
}

// Adds `entry` (which holds one share of its layout) to the table, errors naming it `name`, and sets
// `handle`; false (the entry not taken) when the table holds kHandleIndexLimit handles already.
bool AddHandle(HandleTable* table, CellHandle entry, std::string name, uint32_t* handle);

// The fast cell of the live `handle` in `table`, made on the first request for `thread`; null for a handle that
// is not live.
const FastCell* FastCellOf(HandleTable* table, uint32_t handle, SequenceThread* thread);

// Frees `handle` (and its fast cell) and gives back its share; false if it was not live.
bool ReleaseHandle(napi_env env, HandleTable* table, uint32_t handle);

// Gives back every handle's share: the thread's environment is being torn down.
void ReleaseAllHandles(napi_env env, HandleTable* table);

}  // namespace rseq_native
