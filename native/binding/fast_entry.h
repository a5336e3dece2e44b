// The plain C entry points V8's fast API calls reach (native/fast_calls/), exported from the addon. The
// fast-calls addon of each Node ABI holds, in an internal field of a V8 object per counter, histogram, array
// or store gauge, the cell rseq_fast_v2_cell() answers for a handle of the calling thread, and its fast
// callbacks pass that cell on: an entry point reads it without a lookup (no thread-local, no table). A
// counter's add it runs by itself from the cell's head (fast_cell.h), calling in here only where that does not
// commit. Each checks what the FFI entry points of ffi_entry.h check (the cell's kind, its store open, the
// value) and answers what they answer; a gauge's, which has no FFI entry point, also that its store's memory
// still holds the store (store_gauge.h).
// The fast-calls addon finds these by name (dlsym): the version in their names is the contract between the
// two builds, raised whenever a signature or an answer changes, so that a fast-calls build never calls an
// addon of another contract.
#pragma once

#include <cstdint>

#include "ffi_entry.h"

// The fast cell of `handle`, a live handle of the calling thread, or null. It stays valid until the handle is
// released, and is of the thread that asked.
RSEQ_EXPORT const void* rseq_fast_v2_cell(uint32_t handle);

// kFastCellViewLayout (fast_cell.h) as this addon was built: what the fast-calls addon reads of a cell by itself.
RSEQ_EXPORT uint64_t rseq_fast_v2_cell_view_layout();

// Records one aborted sequence on the cell's thread: an attempt the fast-calls addon made by itself.
RSEQ_EXPORT void rseq_fast_v2_count_abort(const void* cell);

RSEQ_EXPORT int32_t rseq_fast_v2_counter_add(const void* cell, double value);
RSEQ_EXPORT int32_t rseq_fast_v2_histogram_observe(const void* cell, double value);
RSEQ_EXPORT int32_t rseq_fast_v2_array_add(const void* cell, uint32_t index, double value);
RSEQ_EXPORT int32_t rseq_fast_v2_array_max(const void* cell, uint32_t index, double value);
RSEQ_EXPORT int32_t rseq_fast_v2_array_compare_exchange(const void* cell, uint32_t index, double expected,
                                                        double desired);

// A store gauge's add and set (store_gauge.h): entry points of the fast calls only.
RSEQ_EXPORT int32_t rseq_fast_v2_gauge_add(const void* cell, double value);
RSEQ_EXPORT int32_t rseq_fast_v2_gauge_set(const void* cell, double value);
