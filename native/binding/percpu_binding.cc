// N-API surface of the per-CPU operations. A buffer is bound once (bind() validates the header and
// returns an external holding its layout); every later call passes that external, so no call decodes a
// TypedArray. PerCpuCounter.add, the hottest call, is better still: a function of its own per counter
// and thread, with the layout as its data pointer, so that add() decodes no argument at all.
// Elsewhere the TypeScript layer validates arguments with messages that name them; the checks here only
// guarantee that a direct call with wrong arguments throws instead of touching memory.
#include "percpu_binding.h"

#include <string>

#include "../percpu/histogram_buckets.h"
#include "integer_args.h"
#include "../percpu/percpu_drain.h"
#include "../percpu/percpu_layout.h"
#include "../percpu/percpu_ops.h"
#include "../percpu/rseq_fence.h"

namespace rseq_native {
namespace {

constexpr size_t kMaxArgs = 4;

struct Call {
  napi_env env;
  ThreadBinding* binding;
  napi_value args[kMaxArgs];
  size_t count;
};

bool ReadCall(napi_env env, napi_callback_info info, Call* call) {
  call->env = env;
  call->count = kMaxArgs;
  void* data;
  if (napi_get_cb_info(env, info, &call->count, call->args, nullptr, &data) != napi_ok) return false;
  call->binding = static_cast<ThreadBinding*>(data);
  return true;
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

// A bound buffer, shared by the external that bind() returns and the add and observe functions made from
// it; freed when the last of them is collected. `layout` points into the buffer's memory, so the bound
// layout holds a strong reference to the view bind() was given (and through it to the buffer): the memory
// stays allocated while anything that can write into it lives, whether or not JavaScript still holds the
// buffer, and the reference goes with the last owner, so nothing is kept longer. All owners belong to one
// env, so finalizers never race.
struct BoundLayout {
  PerCpuLayout layout;
  ThreadBinding* binding;
  int owners;
  uint32_t index_offset;  // SequenceIndexOffset for this thread, computed once at bind()
  napi_ref view;          // strong: keeps the buffer `layout` points into alive
};

void ReleaseBoundLayout(napi_env env, void* data, void*) {
  auto* bound = static_cast<BoundLayout*>(data);
  if (--bound->owners > 0) return;
  napi_delete_reference(env, bound->view);
  delete bound;
}

BoundLayout* BoundLayoutArg(const Call& call, size_t at) {
  void* bound = nullptr;
  if (at >= call.count || napi_get_value_external(call.env, call.args[at], &bound) != napi_ok) return nullptr;
  return static_cast<BoundLayout*>(bound);
}

const PerCpuLayout* LayoutArg(const Call& call, size_t at) {
  BoundLayout* bound = BoundLayoutArg(call, at);
  return bound == nullptr ? nullptr : &bound->layout;
}

// A cell index: an integral number below the buffer's width. Read as a double, because
// napi_get_value_uint32 takes a number modulo 2^32 (2^32 would be cell 0) and truncates fractions.
bool CellArg(const Call& call, size_t at, const PerCpuLayout& layout, uint32_t* cell) {
  double number;
  if (at >= call.count || napi_get_value_double(call.env, call.args[at], &number) != napi_ok) return false;
  if (!(number >= 0 && number < layout.width) || number != static_cast<double>(static_cast<uint32_t>(number))) return false;
  *cell = static_cast<uint32_t>(number);
  return true;
}

// Integers arrive as numbers (safe integers) or bigints (checked to fit int64 by the JS layer).
bool NumberArg(const Call& call, size_t at, int64_t* value) {
  return at < call.count && napi_get_value_int64(call.env, call.args[at], value) == napi_ok;
}

bool BigIntArg(const Call& call, size_t at, int64_t* value) {
  bool lossless;
  return at < call.count && napi_get_value_bigint_int64(call.env, call.args[at], value, &lossless) == napi_ok &&
         lossless;
}

napi_value Int32(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

// bind(view: BigInt64Array over the buffer) -> external
napi_value Bind(napi_env env, napi_callback_info info) {
  Call call;
  if (!ReadCall(env, info, &call) || call.count < 1) return Throw(env, "bind(view): `view` is required");
  bool is_typed_array = false;
  napi_is_typedarray(env, call.args[0], &is_typed_array);
  if (!is_typed_array) return Throw(env, "bind(view): `view` must be a BigInt64Array over the buffer");
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value array_buffer;
  napi_get_typedarray_info(env, call.args[0], &type, &length, &data, &array_buffer, &offset);
  if (type != napi_bigint64_array || offset != 0) {
    return Throw(env, "bind(view): `view` must be a BigInt64Array covering the whole buffer");
  }
  // A plain ArrayBuffer can be detached (transfer()) and freed while a reference to the view lives on;
  // a SharedArrayBuffer cannot.
  bool plain = false;
  napi_is_arraybuffer(env, array_buffer, &plain);
  if (plain) return Throw(env, "bind(view): `view` must be over a SharedArrayBuffer");
  PerCpuLayout layout;
  if (const char* problem = ReadLayout(data, length * 8, &layout)) return Throw(env, problem);
  if (!LayoutMatchesDrainMode(layout)) {
    return Throw(env, "the buffer's drain layout was made for another process (or its header was changed)");
  }
  napi_ref view;
  napi_value external;
  if (napi_create_reference(env, call.args[0], 1, &view) != napi_ok) return Throw(env, "bind(view): out of memory");
  auto* bound = new BoundLayout{layout, call.binding, 1, SequenceIndexOffset(call.binding->sequences, layout), view};
  if (napi_create_external(env, bound, ReleaseBoundLayout, nullptr, &external) != napi_ok) {
    ReleaseBoundLayout(env, bound, nullptr);
    return Throw(env, "bind(view): out of memory");
  }
  return external;
}

// A counter's add(n?) for what the JS layer does not pass through the number slot: no argument (adds 1)
// and bigints within int64, each read with at most one N-API call; anything else takes the slow path of
// ReadInt64Argument, whose errors name the argument.
napi_value BoundCounterAdd(napi_env env, napi_callback_info info) {
  size_t count = 1;
  napi_value argument;
  void* data;
  napi_get_cb_info(env, info, &count, &argument, nullptr, &data);
  auto* bound = static_cast<BoundLayout*>(data);
  int64_t value = 1;
  if (count > 0 && !ReadLosslessBigInt(env, argument, &value)) {
    napi_valuetype type;
    napi_typeof(env, argument, &type);
    if (type != napi_undefined && !ReadInt64Argument(env, argument, "PerCpuCounter.add(n): `n`", &value)) {
      return nullptr;
    }
  }
  PerCpuAddInline(&bound->binding->sequences, bound->layout, bound->index_offset, 0, value);
  return nullptr;
}

// A counter's add for a number the JS layer has put in the thread's number slot (typeof checked there).
// Integers within int64 add; anything else throws the error ReadInt64Argument gives for that number.
napi_value BoundCounterAddSlotNumber(napi_env env, napi_callback_info info) {
  void* data;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  auto* bound = static_cast<BoundLayout*>(data);
  double number = *bound->binding->number_slot;
  int64_t value;
  if (!IntegralInt64(number, &value)) {
    napi_value boxed;
    napi_create_double(env, number, &boxed);
    ReadInt64Argument(env, boxed, "PerCpuCounter.add(n): `n`", &value);
    return nullptr;
  }
  PerCpuAddInline(&bound->binding->sequences, bound->layout, bound->index_offset, 0, value);
  return nullptr;
}

// A new native function whose `data` holds one share of `bound` (and so of its buffer) until the function
// is collected, when `release` gives it back. Where N-API refuses: a thrown error, and nothing taken.
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

napi_value FunctionOver(napi_env env, BoundLayout* bound, const char* name, napi_callback callback) {
  return FunctionOwning(env, bound, name, callback, bound, ReleaseBoundLayout);
}

// counterAddFunction(layout) -> a new add(n?) bound to that layout.
napi_value CounterAddFunction(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  if (bound == nullptr) return Throw(env, "counterAddFunction(layout): `layout` must come from bind()");
  return FunctionOver(env, bound, "add", BoundCounterAdd);
}

// counterAddSlotNumberFunction(layout) -> a new addSlotNumber() bound to that layout: adds the number in
// the thread's number slot.
napi_value CounterAddSlotNumberFunction(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  if (bound == nullptr) return Throw(env, "counterAddSlotNumberFunction(layout): `layout` must come from bind()");
  if (call.binding->number_slot == nullptr) return Throw(env, "counterAddSlotNumberFunction: bindNumberSlot() first");
  return FunctionOver(env, bound, "addSlotNumber", BoundCounterAddSlotNumber);
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
    return Throw(env, "bindNumberSlot(slot): `slot` must be a Float64Array of length 1");
  }
  if (call.binding->number_slot_ref != nullptr) napi_delete_reference(env, call.binding->number_slot_ref);
  napi_create_reference(env, call.args[0], 1, &call.binding->number_slot_ref);
  call.binding->number_slot = static_cast<const double*>(data);
  return nullptr;
}

// A histogram's own observe(value), with its buckets copied out of the buffer's (validated) tail.
struct BoundHistogram {
  BoundLayout* bound;
  HistogramBuckets buckets;
};

void ReleaseBoundHistogram(napi_env env, void* data, void*) {
  auto* histogram = static_cast<BoundHistogram*>(data);
  ReleaseBoundLayout(env, histogram->bound, nullptr);
  delete histogram;
}

// observeSlotNumber(): observes the number in the thread's number slot (the JS layer checked that it is
// a number): one add of 1 to its bucket's cell, one add of its units to cell 0 (the sum). Two sequences,
// each committing with its single store, so an abort in either re-runs only that one and neither can
// count twice (lib/percpu-histogram.ts).
napi_value BoundHistogramObserveSlotNumber(napi_env env, napi_callback_info info) {
  void* data;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  auto* histogram = static_cast<BoundHistogram*>(data);
  BoundLayout* bound = histogram->bound;
  double value = *bound->binding->number_slot;
  uint32_t bucket;
  int64_t units;
  if (!PlaceObservation(histogram->buckets, value, &bucket, &units)) {
    napi_value boxed;
    napi_create_double(env, value, &boxed);
    std::string message =
        "PerCpuHistogram.observe(value): `value` must be finite and within 9007199254740991 x resolution, got ";
    message += NumberText(env, boxed);
    napi_throw_range_error(env, nullptr, message.c_str());
    return nullptr;
  }
  SequenceThread* thread = &bound->binding->sequences;
  PerCpuAddInline(thread, bound->layout, bound->index_offset, bucket, 1);
  if (units != 0) PerCpuAddInline(thread, bound->layout, bound->index_offset, 0, units);
  return nullptr;
}

// histogramObserveFunction(layout, tail: Float64Array [resolution, ...bounds]) -> a new
// observeSlotNumber() over a copy of the bounds.
napi_value HistogramObserveFunction(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  const char* usage = "histogramObserveFunction(layout, tail): `layout` must come from bind() of a histogram and "
                      "`tail` be a Float64Array of its resolution and bounds";
  if (bound == nullptr || bound->layout.width < 3 || call.count < 2) return Throw(env, usage);
  if (call.binding->number_slot == nullptr) return Throw(env, "histogramObserveFunction: bindNumberSlot() first");
  bool is_typed_array = false;
  napi_is_typedarray(env, call.args[1], &is_typed_array);
  if (!is_typed_array) return Throw(env, usage);
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_get_typedarray_info(env, call.args[1], &type, &length, &data, nullptr, nullptr);
  if (type != napi_float64_array || length != bound->layout.width - 1) return Throw(env, usage);
  const double* tail = static_cast<const double*>(data);
  auto* histogram = new BoundHistogram{bound, HistogramBuckets{std::vector<double>(tail + 1, tail + length), tail[0]}};
  napi_value function = FunctionOwning(env, bound, "observeSlotNumber", BoundHistogramObserveSlotNumber, histogram,
                                       ReleaseBoundHistogram);
  if (function == nullptr) delete histogram;
  return function;
}

using CellUpdate = void (*)(SequenceThread*, const PerCpuLayout&, uint32_t, int64_t);

// add(layout, cell, value) and max(layout, cell, value), for numbers or bigints.
template <bool (*ReadValue)(const Call&, size_t, int64_t*), CellUpdate Update>
napi_value UpdateCell(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  const PerCpuLayout* layout = LayoutArg(call, 0);
  uint32_t cell;
  int64_t value;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !ReadValue(call, 2, &value)) {
    return Throw(env, "(layout, cell, value): invalid arguments");
  }
  Update(&call.binding->sequences, *layout, cell, value);
  return nullptr;
}

template <bool (*ReadValue)(const Call&, size_t, int64_t*)>
napi_value CompareExchange(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  const PerCpuLayout* layout = LayoutArg(call, 0);
  uint32_t cell;
  int64_t expected, desired;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !ReadValue(call, 2, &expected) ||
      !ReadValue(call, 3, &desired)) {
    return Throw(env, "compareExchange(layout, cell, expected, desired): invalid arguments");
  }
  return Int32(env, PerCpuCompareExchange(&call.binding->sequences, *layout, cell, expected, desired));
}

// drainCell(layout, cell) -> bigint: the cell's sum, reset to zero (native/percpu/percpu_drain.h).
napi_value Drain(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  const PerCpuLayout* layout = LayoutArg(call, 0);
  uint32_t cell;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell)) return Throw(env, "drainCell(layout, cell): invalid arguments");
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
  const PerCpuLayout* layout = LayoutArg(call, 0);
  uint32_t cell, index;
  int64_t value;
  if (layout == nullptr || !CellArg(call, 1, *layout, &cell) || !NumberArg(call, 2, &value) || call.count < 4 ||
      napi_get_value_uint32(env, call.args[3], &index) != napi_ok) {
    return Throw(env, "addWithForgedIndex(layout, cell, value, index): invalid arguments");
  }
  return Int32(env, SeqAddWithForgedIndex(*layout, cell, value, index));
}

}  // namespace

void AddPerCpuFunctions(napi_env env, napi_value exports, ThreadBinding* binding) {
  struct Entry {
    const char* name;
    napi_callback callback;
  };
  const Entry entries[] = {
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
  for (const Entry& entry : entries) {
    napi_value function;
    napi_create_function(env, entry.name, NAPI_AUTO_LENGTH, entry.callback, binding, &function);
    napi_set_named_property(env, exports, entry.name, function);
  }
}

}  // namespace rseq_native
