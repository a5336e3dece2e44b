#include "bound_layout.h"

#include "../percpu/percpu_ops.h"
#include "usage_strings.h"

namespace rseq_native {
namespace {

const bool kNeverClosed = false;

}  // namespace

BoundLayout* NewBoundLayout(const PerCpuLayout& layout, ThreadBinding* binding, bool drainable, napi_ref view,
                            StoreRegion* region) {
  if (region != nullptr) RetainRegion(region);
  return new BoundLayout{layout,    binding,
                         1,         SequenceIndexOffset(binding->sequences, layout),
                         drainable, region != nullptr ? &region->closed : &kNeverClosed,
                         view,      region};
}

void ReleaseBoundLayout(napi_env env, void* data, void*) {
  auto* bound = static_cast<BoundLayout*>(data);
  if (--bound->owners > 0) return;
  if (bound->view != nullptr) napi_delete_reference(env, bound->view);
  if (bound->region != nullptr) ReleaseRegion(env, bound->region);
  delete bound;
}

napi_value ExternalOf(napi_env env, BoundLayout* bound) {
  napi_value external;
  if (napi_create_external(env, bound, ReleaseBoundLayout, nullptr, &external) != napi_ok) {
    ReleaseBoundLayout(env, bound, nullptr);
    return Throw(env, "out of memory binding per-CPU cells");
  }
  return external;
}

BoundLayout* BoundLayoutArg(const Call& call, size_t at) {
  void* bound = nullptr;
  if (at >= call.count || napi_get_value_external(call.env, call.args[at], &bound) != napi_ok) return nullptr;
  return static_cast<BoundLayout*>(bound);
}

bool CellArg(const Call& call, size_t at, const PerCpuLayout& layout, uint32_t* cell) {
  return IndexArg(call, at, layout.width, cell);
}

napi_value FunctionOwning(napi_env env, BoundLayout* bound, const char* name, napi_callback callback, void* data,
                          napi_finalize release) {
  napi_value function;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, data, &function) != napi_ok ||
      napi_add_finalizer(env, function, data, release, nullptr, nullptr) != napi_ok) {
    return Throw(env, "out of memory making a per-CPU function");
  }
  bound->owners++;
  return function;
}

bool HistogramTailArg(const Call& call, size_t at, const PerCpuLayout& layout, uint32_t base,
                      HistogramBuckets* buckets) {
  bool is_typed_array = false;
  if (at >= call.count || napi_is_typedarray(call.env, call.args[at], &is_typed_array) != napi_ok || !is_typed_array)
    return false;
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_get_typedarray_info(call.env, call.args[at], &type, &length, &data, nullptr, nullptr);
  // Cells base .. base + length (the sum, then length - 1 bounds + 1 buckets) must all be in the layout.
  if (type != napi_float64_array || length < 2 || static_cast<uint64_t>(base) + length + 1 > layout.width) return false;
  const double* tail = static_cast<const double*>(data);
  *buckets = HistogramBucketsOf(std::vector<double>(tail + 1, tail + length), tail[0]);
  return true;
}

napi_value ThrowClosed(napi_env env) {
  napi_throw_error(env, nullptr, usage::kStoreClosed);
  return nullptr;
}

}  // namespace rseq_native
