// N-API surface of the per-CPU operations. A buffer is bound once (bind() validates the header and
// returns an external holding its layout); every later call passes that external, so no call decodes a
// TypedArray. PerCpuCounter.add, the hottest call, is better still: a function of its own per counter
// and thread, with the layout as its data pointer, so that add() decodes no argument at all.
// Elsewhere the TypeScript layer validates arguments with messages that name them; the checks here only
// guarantee that a direct call with wrong arguments throws instead of touching memory.
#include "percpu_binding.h"

#include <string>

#include "../percpu/histogram_buckets.h"
#include "bound_layout.h"
#include "integer_args.h"
#include "refusals.h"
#include "usage_strings.h"
#include "../percpu/percpu_drain.h"
#include "../percpu/percpu_layout.h"
#include "../percpu/percpu_ops.h"
#include "../percpu/rseq_fence.h"

namespace rseq_native {
namespace {

// Integers arrive as numbers (safe integers) or bigints (checked to fit int64 by the JS layer).
bool NumberArg(const Call& call, size_t at, int64_t* value) {
  return at < call.count && napi_get_value_int64(call.env, call.args[at], value) == napi_ok;
}

bool BigIntArg(const Call& call, size_t at, int64_t* value) {
  bool lossless;
  return at < call.count && napi_get_value_bigint_int64(call.env, call.args[at], value, &lossless) == napi_ok &&
         lossless;
}

// bind(view: BigInt64Array over the buffer) -> external
napi_value Bind(napi_env env, napi_callback_info info) {
  Call call;
  if (!ReadCall(env, info, &call) || call.count < 1) return Throw(env, usage::kBindViewRequired);
  bool is_typed_array = false;
  napi_is_typedarray(env, call.args[0], &is_typed_array);
  if (!is_typed_array) return Throw(env, usage::kBindViewNotBigInt64Array);
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value array_buffer;
  napi_get_typedarray_info(env, call.args[0], &type, &length, &data, &array_buffer, &offset);
  if (type != napi_bigint64_array) return Throw(env, usage::kBindViewNotBigInt64Array);
  if (offset != 0) return Throw(env, usage::kBindViewNotWhole);
  // A plain ArrayBuffer can be detached (transfer()) and freed while a reference to the view lives on;
  // a SharedArrayBuffer cannot.
  bool plain = false;
  napi_is_arraybuffer(env, array_buffer, &plain);
  if (plain) return Throw(env, usage::kBindViewNotShared);
  PerCpuLayout layout;
  if (const char* problem = ReadLayout(data, length * 8, &layout)) return Throw(env, problem);
  if (!LayoutMatchesDrainMode(layout)) {
    return Throw(env, usage::kBufferOfAnotherDrainMode);
  }
  napi_ref view;
  if (napi_create_reference(env, call.args[0], 1, &view) != napi_ok) return Throw(env, "bind(view): out of memory");
  return ExternalOf(env, NewBoundLayout(layout, call.binding, true, view, nullptr));
}

// One cell of a bound layout, the data of a counter's (or a store series') own add functions.
struct BoundCell {
  BoundLayout* bound;
  uint32_t cell;
  std::string argument;   // how errors name the value, such as "CounterSeries.add(n): `n`"
  bool monotonic;         // a store counter's: it only goes up, so a negative value is refused
  const bool* closed;     // the store's closed flag (or a constant false), read on every add
  CellSequence sequence;  // what the add sequence reads, gathered at binding
};

// A napi_finalize for the data of a function made over a bound layout (a BoundCell or BoundHistogram):
// gives back its share of the layout and frees it.
template <typename Owner>
void ReleaseOwner(napi_env env, void* data, void*) {
  auto* owner = static_cast<Owner*>(data);
  ReleaseBoundLayout(env, owner->bound, nullptr);
  delete owner;
}

// A counter's add(n?) for what the JS layer does not pass through the number slot: no argument (adds 1)
// and bigints within int64, each read with at most one N-API call; anything else takes the slow path of
// ReadInt64Argument, whose errors name the argument.
napi_value BoundCounterAdd(napi_env env, napi_callback_info info) {
  size_t count = 1;
  napi_value argument;
  void* data;
  napi_get_cb_info(env, info, &count, &argument, nullptr, &data);
  auto* target = static_cast<BoundCell*>(data);
  if (*target->closed) return ThrowClosed(env);
  BoundLayout* bound = target->bound;
  int64_t value = 1;
  if (count > 0 && !ReadLosslessBigInt(env, argument, &value)) {
    napi_valuetype type;
    napi_typeof(env, argument, &type);
    if (type != napi_undefined && !ReadInt64Argument(env, argument, target->argument.c_str(), &value)) {
      return nullptr;
    }
  }
  if (value < 0 && target->monotonic) return ThrowNegative(env, target->argument, value);
  CellAddInline(target->sequence, &bound->binding->sequences, bound->layout, target->cell, 0, value);
  return nullptr;
}

// A counter's add for a number the JS layer has put in the thread's number slot (typeof checked there).
// Integers within int64 add; anything else throws the error ReadInt64Argument gives for that number.
napi_value BoundCounterAddSlotNumber(napi_env env, napi_callback_info info) {
  void* data;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  auto* target = static_cast<BoundCell*>(data);
  if (*target->closed) return ThrowClosed(env);
  BoundLayout* bound = target->bound;
  double number = *bound->binding->number_slot;
  int64_t value;
  if (!IntegralInt64(number, &value) || (value < 0 && target->monotonic)) {
    return ThrowAddRefusal(env, target->argument, target->monotonic, number);
  }
  CellAddInline(target->sequence, &bound->binding->sequences, bound->layout, target->cell, 0, value);
  return nullptr;
}

// A new function over one cell of `layout` (the call's first argument; the cell its second, the name errors
// give the value its third, and whether the counter only goes up its optional fourth).
napi_value CellFunction(napi_env env, napi_callback_info info, const char* usage_text, const char* unslotted,
                        const char* name, napi_callback callback) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  uint32_t cell;
  std::string argument;
  if (bound == nullptr || !CellArg(call, 1, bound->layout, &cell) || !NameArg(call, 2, &argument)) {
    return Throw(env, usage_text);
  }
  if (unslotted != nullptr && call.binding->number_slot == nullptr) return Throw(env, unslotted);
  bool monotonic = false;
  if (call.count > 3) napi_get_value_bool(env, call.args[3], &monotonic);
  auto* target = new BoundCell{bound,     cell,          argument,
                               monotonic, bound->closed, CellSequenceOf(call.binding->sequences, bound->layout, cell)};
  napi_value function = FunctionOwning(env, bound, name, callback, target, ReleaseOwner<BoundCell>);
  if (function == nullptr) delete target;
  return function;
}

// counterAddFunction(layout, cell, argument, monotonic?) -> a new add(n?) bound to that cell.
napi_value CounterAddFunction(napi_env env, napi_callback_info info) {
  return CellFunction(env, info, usage::kCounterAddFunctionUsage, nullptr, "add", BoundCounterAdd);
}

// counterAddSlotNumberFunction(layout, cell, argument, monotonic?) -> a new addSlotNumber() bound to that
// cell: adds the number in the thread's number slot.
napi_value CounterAddSlotNumberFunction(napi_env env, napi_callback_info info) {
  return CellFunction(env, info, usage::kCounterAddSlotNumberFunctionUsage,
                      usage::kCounterAddSlotNumberFunctionUnslotted, "addSlotNumber", BoundCounterAddSlotNumber);
}

// bindNumberSlot(slot: Float64Array of length 1): once per thread, before any *SlotNumber function.
napi_value BindNumberSlot(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  bool is_typed_array = false;
  if (call.count >= 1) napi_is_typedarray(env, call.args[0], &is_typed_array);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is_typed_array) napi_get_typedarray_info(env, call.args[0], &type, &length, &data, nullptr, nullptr);
  if (!is_typed_array || type != napi_float64_array || length != 1) {
    return Throw(env, usage::kBindNumberSlotUsage);
  }
  if (call.binding->number_slot_ref != nullptr) napi_delete_reference(env, call.binding->number_slot_ref);
  napi_create_reference(env, call.args[0], 1, &call.binding->number_slot_ref);
  call.binding->number_slot = static_cast<const double*>(data);
  return nullptr;
}

// A histogram's own observe(value), with its buckets copied out of the buffer's (validated) tail. Its
// cells start at `base`: the sum, then one per bucket.
struct BoundHistogram {
  BoundLayout* bound;
  uint32_t base;
  HistogramBuckets buckets;
  std::string caller;     // how errors name the call, such as "HistogramSeries.observe(value)"
  CellSequence sequence;  // the sum's cell; a bucket's is `bucket` cells further
};

// observeSlotNumber(): observes the number in the thread's number slot (the JS layer checked that it is
// a number): one add of 1 to its bucket's cell, one add of its units to the sum's cell. Two sequences,
// each committing with its single store, so an abort in either re-runs only that one and neither can
// count twice (lib/percpu/percpu-histogram.ts).
napi_value BoundHistogramObserveSlotNumber(napi_env env, napi_callback_info info) {
  void* data;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  auto* histogram = static_cast<BoundHistogram*>(data);
  BoundLayout* bound = histogram->bound;
  if (*bound->closed) return ThrowClosed(env);
  double value = *bound->binding->number_slot;
  uint32_t bucket;
  int64_t units;
  if (!PlaceObservation(histogram->buckets, value, &bucket, &units))
    return ThrowObserveRefusal(env, histogram->caller, value);
  SequenceThread* thread = &bound->binding->sequences;
  CellAddInline(histogram->sequence, thread, bound->layout, histogram->base, bucket, 1);
  if (units != 0) CellAddInline(histogram->sequence, thread, bound->layout, histogram->base, 0, units);
  return nullptr;
}

// histogramObserveFunction(layout, tail: Float64Array [resolution, ...bounds], base, caller) -> a new
// observeSlotNumber() over a copy of the bounds, whose cells are base (the sum) to base + bounds + 1.
napi_value HistogramObserveFunction(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  if (bound == nullptr || call.count < 2) return Throw(env, usage::kHistogramObserveFunctionUsage);
  if (call.binding->number_slot == nullptr) return Throw(env, usage::kHistogramObserveFunctionUnslotted);
  uint32_t base;
  std::string caller;
  HistogramBuckets buckets;
  if (!CellArg(call, 2, bound->layout, &base) || !HistogramTailArg(call, 1, bound->layout, base, &buckets) ||
      !NameArg(call, 3, &caller)) {
    return Throw(env, usage::kHistogramObserveFunctionUsage);
  }
  auto* histogram = new BoundHistogram{bound, base, std::move(buckets), caller,
                                       CellSequenceOf(call.binding->sequences, bound->layout, base)};
  napi_value function = FunctionOwning(env, bound, "observeSlotNumber", BoundHistogramObserveSlotNumber, histogram,
                                       ReleaseOwner<BoundHistogram>);
  if (function == nullptr) delete histogram;
  return function;
}

using CellUpdate = void (*)(SequenceThread*, const PerCpuLayout&, uint32_t, int64_t);

// add(layout, cell, value) and max(layout, cell, value), for numbers or bigints.
template <bool (*ReadValue)(const Call&, size_t, int64_t*), CellUpdate Update>
napi_value UpdateCell(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  const PerCpuLayout* layout = bound == nullptr ? nullptr : &bound->layout;
  uint32_t cell;
  int64_t value;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !ReadValue(call, 2, &value)) {
    return Throw(env, usage::kCellUpdateUsage);
  }
  Update(&call.binding->sequences, *layout, cell, value);
  return nullptr;
}

template <bool (*ReadValue)(const Call&, size_t, int64_t*)>
napi_value CompareExchange(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  const PerCpuLayout* layout = bound == nullptr ? nullptr : &bound->layout;
  uint32_t cell;
  int64_t expected, desired;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !ReadValue(call, 2, &expected) ||
      !ReadValue(call, 3, &desired)) {
    return Throw(env, usage::kCompareExchangeUsage);
  }
  return Int32(env, PerCpuCompareExchange(&call.binding->sequences, *layout, cell, expected, desired));
}

// drainCell(layout, cell) -> bigint: the cell's sum, reset to zero (native/percpu/percpu_drain.h).
napi_value Drain(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  const PerCpuLayout* layout = bound == nullptr ? nullptr : &bound->layout;
  uint32_t cell;
  if (layout == nullptr || !bound->drainable || !CellArg(call, 1, *layout, &cell)) {
    return Throw(env, usage::kDrainCellUsage);
  }
  const char* error;
  DrainSum sum = DrainCell(*layout, cell, &error);
  if (error != nullptr) {
    napi_throw_error(env, nullptr, error);
    return nullptr;
  }
  unsigned __int128 magnitude = sum < 0 ? -static_cast<unsigned __int128>(sum) : static_cast<unsigned __int128>(sum);
  const uint64_t words[2] = {static_cast<uint64_t>(magnitude), static_cast<uint64_t>(magnitude >> 64)};
  napi_value result;
  napi_create_bigint_words(env, sum < 0 ? 1 : 0, 2, words, &result);
  return result;
}

// drainMode() -> 'fence' | 'exchange' | 'snapshot', fixed for the process.
napi_value DrainModeCall(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_string_utf8(env, DrainModeName(ProcessFence().mode), NAPI_AUTO_LENGTH, &result);
  return result;
}

napi_value ThreadAborts(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  napi_value result;
  napi_create_double(env, static_cast<double>(call.binding->sequences.aborts), &result);
  return result;
}

napi_value ProcessAborts(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_double(env, static_cast<double>(TotalAborts()), &result);
  return result;
}

napi_value PossibleCpusCall(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_uint32(env, PossibleCpus(), &result);
  return result;
}

// addWithForgedIndex(layout, cell, value, index) -> the sequence's status, for the bounds-check test.
napi_value AddWithForgedIndex(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  const PerCpuLayout* layout = bound == nullptr ? nullptr : &bound->layout;
  uint32_t cell, index;
  int64_t value;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !NumberArg(call, 2, &value) || call.count < 4 ||
      napi_get_value_uint32(env, call.args[3], &index) != napi_ok) {
    return Throw(env, usage::kAddWithForgedIndexUsage);
  }
  return Int32(env, SeqAddWithForgedIndex(*layout, cell, value, index));
}

}  // namespace

void AddPerCpuFunctions(napi_env env, napi_value exports, ThreadBinding* binding) {
  const NamedCallback entries[] = {
      {"bind", Bind},
      {"add", UpdateCell<NumberArg, PerCpuAdd>},
      {"addBigInt", UpdateCell<BigIntArg, PerCpuAdd>},
      {"counterAddFunction", CounterAddFunction},
      {"counterAddSlotNumberFunction", CounterAddSlotNumberFunction},
      {"bindNumberSlot", BindNumberSlot},
      {"histogramObserveFunction", HistogramObserveFunction},
      {"max", UpdateCell<NumberArg, PerCpuMax>},
      {"maxBigInt", UpdateCell<BigIntArg, PerCpuMax>},
      {"compareExchange", CompareExchange<NumberArg>},
      {"compareExchangeBigInt", CompareExchange<BigIntArg>},
      {"drainCell", Drain},
      {"drainMode", DrainModeCall},
      {"threadAborts", ThreadAborts},
      {"processAborts", ProcessAborts},
      {"possibleCpus", PossibleCpusCall},
      {"addWithForgedIndex", AddWithForgedIndex},
  };
  SetFunctions(env, exports, binding, entries);
}

}  // namespace rseq_native
