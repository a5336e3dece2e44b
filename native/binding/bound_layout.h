// A bound buffer: the layout of per-CPU cells that the binding's functions write, made once when the JS
// layer binds a buffer (bind()) or a store's cells (bindStoreCells()), and shared by the external returned
// then and every add and observe function made from it; freed when the last of them is collected.
// `layout` points into memory JavaScript could otherwise let go of, so a bound layout holds that memory:
// a strong reference to the view it was bound from (a per-CPU buffer), or a share of the store region
// (store cells). All owners belong to one env, so finalizers never race.
#pragma once

#include <node_api.h>

#include <cstdint>

#include "call_args.h"
#include "../percpu/histogram_buckets.h"
#include "../percpu/percpu_layout.h"
#include "store_region.h"
#include "thread_binding.h"

namespace rseq_native {

struct BoundLayout {
  PerCpuLayout layout;
  ThreadBinding* binding;
  int owners;
  uint32_t index_offset;  // SequenceIndexOffset for this thread, computed once at binding
  bool drainable;         // a per-CPU buffer; a store's cells are never drained (docs/store.md)
  const bool* closed;     // the store's closed flag, or a constant false: read on every add
  napi_ref view;          // strong: keeps a per-CPU buffer alive, or null
  StoreRegion* region;    // one share of a store's region, or null
};

// A new bound layout with one owner (the external it is returned in), holding `view` or a share of `region`.
BoundLayout* NewBoundLayout(const PerCpuLayout& layout, ThreadBinding* binding, bool drainable, napi_ref view,
                            StoreRegion* region);

// A napi_finalize giving back one share of the BoundLayout in `data`.
void ReleaseBoundLayout(napi_env env, void* data, void* hint);

// The external made for a new bound layout; on failure releases it and throws.
napi_value ExternalOf(napi_env env, BoundLayout* bound);

BoundLayout* BoundLayoutArg(const Call& call, size_t at);

// A cell index of `bound`: an integral number below its width.
bool CellArg(const Call& call, size_t at, const PerCpuLayout& layout, uint32_t* cell);

// A new native function whose `data` holds one share of `bound` until the function is collected, when
// `release` gives it back. Where N-API refuses: a thrown error, and nothing taken.
napi_value FunctionOwning(napi_env env, BoundLayout* bound, const char* name, napi_callback callback, void* data,
                          napi_finalize release);

// A histogram's bounds from the Float64Array [resolution, ...bounds] at `at`, whose cells from `base` (the
// sum, then one per bucket) must lie in `layout`; false when they do not or the argument is not one.
bool HistogramTailArg(const Call& call, size_t at, const PerCpuLayout& layout, uint32_t base,
                      HistogramBuckets* buckets);

// The error an add through a closed store's series throws.
napi_value ThrowClosed(napi_env env);

}  // namespace rseq_native
