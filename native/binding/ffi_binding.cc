// N-API surface of the handle call paths: a handle is made once per counter, histogram, array or store gauge
// and thread, from a bound layout, for the plain C entry points (ffi_entry.h, and fast_entry.h, the only ones a
// gauge has); the JS layer releases it when the function or object using it is collected (a
// FinalizationRegistry), and the thread's teardown releases whatever is left.
#include "ffi_binding.h"

#include <string>

#include "bound_layout.h"
#include "call_args.h"
#include "current_thread.h"
#include "cell_handles.h"
#include "usage_strings.h"

namespace rseq_native {
namespace {

napi_value Uint32(napi_env env, uint32_t value) {
  napi_value result;
  napi_create_uint32(env, value, &result);
  return result;
}

// A new handle over `bound`, which it holds one share of.
napi_value NewHandle(const Call& call, BoundLayout* bound, CellHandle entry, std::string name) {
  bound->owners++;
  entry.bound = bound;
  entry.closed = bound->closed;
  entry.sequence = CellSequenceOf(call.binding->sequences, bound->layout, entry.cell);
  uint32_t handle;
  if (!AddHandle(&call.binding->handles, std::move(entry), std::move(name), &handle)) {
    ReleaseBoundLayout(call.env, bound, nullptr);
    std::string message =
        "this thread holds " + std::to_string(kHandleIndexLimit) +
        " counters, histograms, arrays and gauges already, the most its FFI and fast calls can reach: "
        "drop some, or set RSEQ_CALL_PATH=napi";
    napi_throw_range_error(call.env, usage::kHandleTableFullCode, message.c_str());
    return nullptr;
  }
  return Uint32(call.env, handle);
}

// counterHandle(layout, cell, name, monotonic) -> handle
napi_value CounterHandle(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  CellHandle entry;
  entry.kind = HandleKind::kCounter;
  std::string name;
  if (bound == nullptr || !CellArg(call, 1, bound->layout, &entry.cell) || !NameArg(call, 2, &name) || call.count < 4 ||
      napi_get_value_bool(env, call.args[3], &entry.monotonic) != napi_ok) {
    return Throw(env, usage::kCounterHandleUsage);
  }
  return NewHandle(call, bound, std::move(entry), std::move(name));
}

// histogramHandle(layout, tail: Float64Array [resolution, ...bounds], base, caller) -> handle
napi_value HistogramHandle(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  CellHandle entry;
  entry.kind = HandleKind::kHistogram;
  std::string name;
  if (bound == nullptr || !CellArg(call, 2, bound->layout, &entry.cell) ||
      !HistogramTailArg(call, 1, bound->layout, entry.cell, &entry.buckets) || !NameArg(call, 3, &name)) {
    return Throw(env, usage::kHistogramHandleUsage);
  }
  return NewHandle(call, bound, std::move(entry), std::move(name));
}

// arrayHandle(layout) -> handle
napi_value ArrayHandle(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  if (bound == nullptr) return Throw(env, usage::kArrayHandleUsage);
  CellHandle entry;
  entry.kind = HandleKind::kArray;
  return NewHandle(call, bound, std::move(entry), "PerCpuArray");
}

// gaugeHandle(layout, byteOffset, trailerOffset, magic, checksum) -> handle: the gauge whose float64 is at
// `byteOffset` of the store whose cells `layout` binds, and what its trailer (at `trailerOffset`) holds while the
// memory is that store's (store_gauge.h).
napi_value GaugeHandle(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  StoreRegion* region = bound == nullptr ? nullptr : bound->region;
  size_t value_at, trailer_at;
  CellHandle entry;
  entry.kind = HandleKind::kGauge;
  if (region == nullptr || !WordOffsetArg(call, 1, region->length, 8, &value_at) ||
      !WordOffsetArg(call, 2, region->length, 8, &trailer_at) || !IndexArg(call, 3, 1ull << 32, &entry.gauge.magic) ||
      !IndexArg(call, 4, 1ull << 32, &entry.gauge.checksum)) {
    return Throw(env, usage::kGaugeHandleUsage);
  }
  entry.gauge.word = reinterpret_cast<uint64_t*>(region->base + value_at);
  entry.gauge.trailer = reinterpret_cast<const uint32_t*>(region->base + trailer_at);
  entry.gauge.region = region;
  return NewHandle(call, bound, std::move(entry), "GaugeSeries");
}

// releaseHandle(handle) -> whether it was live
napi_value ReleaseHandleCall(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  uint32_t handle;
  bool released = IndexArg(call, 0, 0xffffffffu, &handle) && ReleaseHandle(env, &call.binding->handles, handle);
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

// isCurrentBinding() -> whether the entry points (which find the calling thread's binding without N-API) reach
// this binding's handles: false on a thread where another copy of the package attached since.
napi_value IsCurrentBinding(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  napi_value result;
  napi_get_boolean(env, call.binding == CurrentBinding(), &result);
  return result;
}

}  // namespace

void AddHandleFunctions(napi_env env, napi_value exports, ThreadBinding* binding) {
  const NamedCallback entries[] = {
      {"counterHandle", CounterHandle}, {"histogramHandle", HistogramHandle}, {"arrayHandle", ArrayHandle},
      {"gaugeHandle", GaugeHandle},     {"releaseHandle", ReleaseHandleCall}, {"isCurrentBinding", IsCurrentBinding},
  };
  SetFunctions(env, exports, binding, entries);
}

}  // namespace rseq_native
