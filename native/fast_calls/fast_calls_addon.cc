// The fast-calls addon: built once per Node ABI against that Node's own headers, loaded beside the main (N-API)
// addon where its V8 is the one the build was made for. connect(path) finds the main addon's entry points
// (native/binding/fast_entry.h) and answers cellOf(handle): an object holding the handle's fast cell in an
// internal field, whose methods (counterAdd, counterAddInt32, histogramObserve, gaugeAdd, gaugeSet, arrayAdd,
// arrayMax, arrayCompareExchange) have a fast C callback, called by TurboFan-optimized code as a plain C call,
// and a slow callback (the interpreter's, Maglev's, a deoptimized caller's) that is a plain V8 callback. Both
// read the cell from the receiver and call the same entry point. A Signature makes V8 check the receiver is
// such an object before either runs.
//
// Exports: builtFor (the V8 "major.minor" of the headers), pointerCompression and sandbox (how they configure
// V8), and connect(path) -> cellOf, or a string saying why not. The test build (-DRSEQ_TEST_COUNT_FAST_CALLS)
// also exports entryCounts() -> [fast entries, slow entries] of the calling thread.
#include <node.h>
#include <v8.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "../binding/fast_cell.h"
#include "../binding/ffi_entry.h"
#include "../binding/integer_args.h"
#include "main_entries.h"
#include "v8_fast_api.h"

namespace rseq_fast_calls {

namespace {

#define RSEQ_STRINGIFY_VALUE(x) #x
#define RSEQ_STRINGIFY(x) RSEQ_STRINGIFY_VALUE(x)
// The V8 version the headers are of, as "major.minor": a V8 of another major.minor is refused at connect().
constexpr const char* kBuiltFor = RSEQ_STRINGIFY(V8_MAJOR_VERSION) "." RSEQ_STRINGIFY(V8_MINOR_VERSION);

// Why this build cannot make fast calls in this process, or empty when it can: decided before any declaration
// of v8_fast_api.h is used.
std::string Refusal() {
#if !RSEQ_FAST_CALLS_VERIFIED
  return std::string("the fast-calls build was made against V8 ") + kBuiltFor +
         ", whose fast API layouts the package has not verified";
#else
#if defined(RSEQ_TEST_RUNNING_V8)
  const char* running = RSEQ_TEST_RUNNING_V8;  // a test build pretending to run in another V8
#else
  const char* running = v8::V8::GetVersion();  // "11.3.244.8-node.33"
#endif
  std::string prefix = std::string(kBuiltFor) + ".";
  if (std::strncmp(running, prefix.c_str(), prefix.size()) != 0) {
    return std::string("the fast-calls build was made for V8 ") + kBuiltFor + " and this process runs V8 " + running;
  }
  return "";
#endif
}

MainEntries entries;
std::string connected_path;  // the main addon `entries` were found in; empty before the first connect()
std::mutex connecting;

#if defined(RSEQ_TEST_COUNT_FAST_CALLS)
// Per thread: a worker's entries are its own, whatever the other threads do meanwhile.
thread_local uint64_t fast_entries = 0;
thread_local uint64_t slow_entries = 0;
void CountFast() { fast_entries++; }
void CountSlow() { slow_entries++; }
#else
void CountFast() {}
void CountSlow() {}
#endif

// The internal field holding a cell object's fast cell, and (V8 14 type-tags such fields) its tag: any of
// 0..V8_EMBEDDER_DATA_TAG_COUNT - 1 (V8 refuses others with a fatal error), here the last, apart from the
// default 0 Node's own objects take.
constexpr int kCellField = 0;
#if V8_MAJOR_VERSION >= 14
constexpr v8::EmbedderDataTypeTag kCellTag = V8_EMBEDDER_DATA_TAG_COUNT - 1;
#endif

RSEQ_ALWAYS_INLINE const void* CellOf(v8::Local<v8::Object> receiver) {
#if V8_MAJOR_VERSION >= 14 && !defined(V8_ENABLE_SANDBOX) && !defined(V8_ENABLE_CHECKS)
  // V8 14's inline read, less its first step: it converts the tag by calling into V8 (ToExternalPointerTag), which
  // only a V8 with its sandbox reads. Without the sandbox (checked at compile time here, and against process.config
  // before this build is used) the field holds the pointer itself, read as V8's own inline code reads it.
  using I = v8::internal::Internals;
  v8::internal::Address object = v8::internal::ValueHelper::ValueAsAddress(*receiver);
  if (V8_LIKELY(I::CanHaveInternalField(I::GetInstanceType(object)))) {
    int offset = I::kJSAPIObjectWithEmbedderSlotsHeaderSize + I::kEmbedderDataSlotSize * kCellField +
                 I::kEmbedderDataSlotExternalPointerOffset;
    return reinterpret_cast<const void*>(I::ReadRawField<v8::internal::Address>(object, offset));
  }
  return receiver->GetAlignedPointerFromInternalField(kCellField, kCellTag);
#elif V8_MAJOR_VERSION >= 14
  return receiver->GetAlignedPointerFromInternalField(kCellField, kCellTag);
#else
  return receiver->GetAlignedPointerFromInternalField(kCellField);
#endif
}

inline void SetCell(v8::Local<v8::Object> object, const void* cell) {
#if V8_MAJOR_VERSION >= 14
  object->SetAlignedPointerInInternalField(kCellField, const_cast<void*>(cell), kCellTag);
#else
  object->SetAlignedPointerInInternalField(kCellField, const_cast<void*>(cell));
#endif
}

// A counter's add of an integral `value` from the cell's head (fast_cell.h), without a call into the main addon
// where the sequence commits; the main addon's entry point otherwise, which refuses what it must and takes the
// out-of-line way (retries, atomics) for the rest. An attempt that aborted is counted as the main addon counts its own.
RSEQ_ALWAYS_INLINE int32_t CounterAddFromView(const void* cell, int64_t value) {
  using namespace rseq_native;
  const FastCellView* view = static_cast<const FastCellView*>(cell);
  if (view->kind == HandleKind::kCounter && !*view->closed && (value >= 0 || !view->monotonic)) {
    int32_t status = CellAddAttempt(view->sequence, view->thread, 0, value);
    if (status >= 0) return kHandleDone;
    if (status == kSeqAborted) entries.count_abort(cell);
  }
  return entries.counter_add(cell, static_cast<double>(value));
}

// The fast callbacks: what optimized code calls, with the receiver V8 has checked against the Signature.
int32_t FastCounterAdd(v8::Local<v8::Object> receiver, double value) {
  CountFast();
  int64_t integer;
  if (!rseq_native::IntegralInt64(value, &integer)) return kHandleRefused;
  return CounterAddFromView(CellOf(receiver), integer);
}

int32_t FastCounterAddInt32(v8::Local<v8::Object> receiver, int32_t value) {
  CountFast();
  return CounterAddFromView(CellOf(receiver), value);
}

int32_t FastHistogramObserve(v8::Local<v8::Object> receiver, double value) {
  CountFast();
  return entries.histogram_observe(CellOf(receiver), value);
}

int32_t FastGaugeAdd(v8::Local<v8::Object> receiver, double value) {
  CountFast();
  return entries.gauge_add(CellOf(receiver), value);
}

int32_t FastGaugeSet(v8::Local<v8::Object> receiver, double value) {
  CountFast();
  return entries.gauge_set(CellOf(receiver), value);
}

int32_t FastArrayAdd(v8::Local<v8::Object> receiver, uint32_t index, double value) {
  CountFast();
  return entries.array_add(CellOf(receiver), index, value);
}

int32_t FastArrayMax(v8::Local<v8::Object> receiver, uint32_t index, double value) {
  CountFast();
  return entries.array_max(CellOf(receiver), index, value);
}

int32_t FastArrayCompareExchange(v8::Local<v8::Object> receiver, uint32_t index, double expected, double desired) {
  CountFast();
  return entries.array_compare_exchange(CellOf(receiver), index, expected, desired);
}

// The slow callbacks. An argument of another type than the fast signature's is refused like a value the entry
// point refuses (the JS layer then makes the N-API call, whose error names it). Numbers are taken as numbers,
// as the fast signatures take them: -0 is an int32 0 and a cell index 0 there, as here.
bool NumberArg(const v8::FunctionCallbackInfo<v8::Value>& call, int at, double* number) {
  if (call.Length() <= at || !call[at]->IsNumber()) return false;
  *number = call[at].As<v8::Number>()->Value();
  return true;
}

// A cell index: a number in uint32's range (the JS layer has checked it is an integer below the width, and the
// entry point checks it against the width again).
bool IndexArg(const v8::FunctionCallbackInfo<v8::Value>& call, int at, uint32_t* index) {
  double number;
  if (!NumberArg(call, at, &number) || !(number >= 0 && number < 4294967296.0)) return false;
  *index = static_cast<uint32_t>(number);
  return true;
}

// counterAdd and counterAddInt32 alike.
void SlowCounterAdd(const v8::FunctionCallbackInfo<v8::Value>& call) {
  CountSlow();
  double value;
  call.GetReturnValue().Set(NumberArg(call, 0, &value) ? entries.counter_add(CellOf(call.This()), value)
                                                       : kHandleRefused);
}

// An operation taking one number: histogramObserve, gaugeAdd, gaugeSet.
template <int32_t (*MainEntries::*kEntry)(const void*, double)>
void SlowValueOperation(const v8::FunctionCallbackInfo<v8::Value>& call) {
  CountSlow();
  double value;
  call.GetReturnValue().Set(NumberArg(call, 0, &value) ? (entries.*kEntry)(CellOf(call.This()), value)
                                                       : kHandleRefused);
}

template <int32_t (*MainEntries::*kEntry)(const void*, uint32_t, double)>
void SlowArrayUpdate(const v8::FunctionCallbackInfo<v8::Value>& call) {
  CountSlow();
  uint32_t index;
  double value;
  bool taken = IndexArg(call, 0, &index) && NumberArg(call, 1, &value);
  call.GetReturnValue().Set(taken ? (entries.*kEntry)(CellOf(call.This()), index, value) : kHandleRefused);
}

void SlowArrayCompareExchange(const v8::FunctionCallbackInfo<v8::Value>& call) {
  CountSlow();
  uint32_t index;
  double expected, desired;
  bool taken = IndexArg(call, 0, &index) && NumberArg(call, 1, &expected) && NumberArg(call, 2, &desired);
  call.GetReturnValue().Set(taken ? entries.array_compare_exchange(CellOf(call.This()), index, expected, desired)
                                  : kFfiCasRefused);
}

// One method of a cell object.
struct Method {
  const char* name;
  v8::FunctionCallback slow;
  int length;
  const v8::CFunction* fast = nullptr;  // made once connected (V8 keeps the pointer for as long as it runs)
};

Method methods[] = {
    {"counterAdd", SlowCounterAdd, 1},
    {"counterAddInt32", SlowCounterAdd, 1},
    {"histogramObserve", SlowValueOperation<&MainEntries::histogram_observe>, 1},
    {"gaugeAdd", SlowValueOperation<&MainEntries::gauge_add>, 1},
    {"gaugeSet", SlowValueOperation<&MainEntries::gauge_set>, 1},
    {"arrayAdd", SlowArrayUpdate<&MainEntries::array_add>, 2},
    {"arrayMax", SlowArrayUpdate<&MainEntries::array_max>, 2},
    {"arrayCompareExchange", SlowArrayCompareExchange, 3},
};

#if RSEQ_FAST_CALLS_VERIFIED

using Type = v8::CTypeInfo::Type;
constexpr v8::CTypeInfo kAnswer{Type::kInt32};
constexpr v8::CTypeInfo kValueArgs[] = {v8::CTypeInfo{Type::kV8Value}, v8::CTypeInfo{Type::kFloat64}};
constexpr v8::CTypeInfo kInt32Args[] = {v8::CTypeInfo{Type::kV8Value}, v8::CTypeInfo{Type::kInt32}};
constexpr v8::CTypeInfo kIndexValueArgs[] = {v8::CTypeInfo{Type::kV8Value}, v8::CTypeInfo{Type::kUint32},
                                             v8::CTypeInfo{Type::kFloat64}};
constexpr v8::CTypeInfo kCompareExchangeArgs[] = {v8::CTypeInfo{Type::kV8Value}, v8::CTypeInfo{Type::kUint32},
                                                  v8::CTypeInfo{Type::kFloat64}, v8::CTypeInfo{Type::kFloat64}};

// A CFunction for `callback` taking `args` (the receiver first) and answering an int32.
template <size_t kCount>
const v8::CFunction* FastCallback(const void* callback, const v8::CTypeInfo (&args)[kCount]) {
#if RSEQ_V8_FUNCTION_INFO_HAS_INT64_REPRESENTATION
  auto* signature = new v8::CFunctionInfo(kAnswer, kCount, args, v8::CFunctionInfo::Int64Representation::kNumber);
#else
  auto* signature = new v8::CFunctionInfo(kAnswer, kCount, args);
#endif
  return new v8::CFunction(callback, signature);
}

#endif  // RSEQ_FAST_CALLS_VERIFIED

// The CFunctions, made once for the process.
void MakeFastCallbacks() {
#if RSEQ_FAST_CALLS_VERIFIED
  const v8::CFunction* made[] = {
      FastCallback(reinterpret_cast<const void*>(&FastCounterAdd), kValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastCounterAddInt32), kInt32Args),
      FastCallback(reinterpret_cast<const void*>(&FastHistogramObserve), kValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastGaugeAdd), kValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastGaugeSet), kValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastArrayAdd), kIndexValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastArrayMax), kIndexValueArgs),
      FastCallback(reinterpret_cast<const void*>(&FastArrayCompareExchange), kCompareExchangeArgs),
  };
  static_assert(sizeof(made) / sizeof(made[0]) == sizeof(methods) / sizeof(methods[0]), "a fast callback per method");
  for (size_t at = 0; at < sizeof(methods) / sizeof(methods[0]); at++) methods[at].fast = made[at];
#endif
}

// Finds the main addon at `path` (once for the process; every later connect() must name the same file).
std::string Connect(const std::string& path) {
  std::string refusal = Refusal();
  if (!refusal.empty()) return refusal;
  std::lock_guard<std::mutex> hold(connecting);
  if (!connected_path.empty()) {
    return connected_path == path ? ""
                                  : "the fast-calls build is connected to the addon " + connected_path + " already";
  }
  std::string problem;
  MainEntries found;
  if (!FindMainEntries(path, &found, &problem)) return problem;
  entries = found;
  MakeFastCallbacks();
  connected_path = path;
  return "";
}

v8::Local<v8::String> Text(v8::Isolate* isolate, const char* text) {
  return v8::String::NewFromUtf8(isolate, text).ToLocalChecked();
}

void Throw(v8::Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(Text(isolate, message)));
}

// Whether cellOf() is making a cell object on this thread: the constructor of cell objects (reachable from their
// prototype) refuses every other `new`, which would make an object whose internal field holds no cell.
thread_local bool making_cell = false;

void ConstructCell(const v8::FunctionCallbackInfo<v8::Value>& call) {
  if (!making_cell) Throw(call.GetIsolate(), "cell objects are made by cellOf(handle)");
}

// cellOf(handle) -> the cell object of a live handle of this thread, or undefined. Its data is the constructor
// of cell objects.
void CellOfCall(const v8::FunctionCallbackInfo<v8::Value>& call) {
  v8::Isolate* isolate = call.GetIsolate();
  if (call.Length() < 1 || !call[0]->IsUint32()) return Throw(isolate, "cellOf(handle): `handle` must be a handle");
  const void* cell = entries.cell(call[0].As<v8::Uint32>()->Value());
  if (cell == nullptr) return;
  v8::Local<v8::Object> object;
  making_cell = true;
  bool made = call.Data().As<v8::Function>()->NewInstance(isolate->GetCurrentContext()).ToLocal(&object);
  making_cell = false;
  if (!made) return;
  SetCell(object, cell);
  call.GetReturnValue().Set(object);
}

// connect(path) -> cellOf, or why not. Templates are per isolate: each thread connects once.
void ConnectCall(const v8::FunctionCallbackInfo<v8::Value>& call) {
  v8::Isolate* isolate = call.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  if (call.Length() < 1 || !call[0]->IsString())
    return Throw(isolate, "connect(path): `path` must be the main addon's file");
  v8::String::Utf8Value path(isolate, call[0]);
  std::string refusal = Connect(*path);
  if (!refusal.empty()) return call.GetReturnValue().Set(Text(isolate, refusal.c_str()));

  v8::Local<v8::FunctionTemplate> cells = v8::FunctionTemplate::New(isolate, ConstructCell);
  cells->SetClassName(Text(isolate, "RseqFastCell"));
  cells->InstanceTemplate()->SetInternalFieldCount(kCellField + 1);
  v8::Local<v8::Signature> receiver = v8::Signature::New(isolate, cells);
  for (const Method& method : methods) {
    v8::Local<v8::FunctionTemplate> made =
        v8::FunctionTemplate::New(isolate, method.slow, v8::Local<v8::Value>(), receiver, method.length,
                                  v8::ConstructorBehavior::kThrow, v8::SideEffectType::kHasSideEffect, method.fast);
    cells->PrototypeTemplate()->Set(Text(isolate, method.name), made);
  }
  v8::Local<v8::Function> constructor, cell_of;
  if (!cells->GetFunction(context).ToLocal(&constructor)) return;
  if (!v8::FunctionTemplate::New(isolate, CellOfCall, constructor)->GetFunction(context).ToLocal(&cell_of)) return;
  call.GetReturnValue().Set(cell_of);
}

#if defined(RSEQ_TEST_COUNT_FAST_CALLS)
void EntryCounts(const v8::FunctionCallbackInfo<v8::Value>& call) {
  v8::Isolate* isolate = call.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Array> counts = v8::Array::New(isolate, 2);
  if (counts->Set(context, 0, v8::Number::New(isolate, static_cast<double>(fast_entries))).IsNothing()) return;
  if (counts->Set(context, 1, v8::Number::New(isolate, static_cast<double>(slow_entries))).IsNothing()) return;
  call.GetReturnValue().Set(counts);
}
#endif

void SetFunction(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> exports, const char* name,
                 v8::FunctionCallback callback) {
  v8::Local<v8::Function> function;
  if (!v8::FunctionTemplate::New(isolate, callback)->GetFunction(context).ToLocal(&function)) return;
  exports->Set(context, Text(isolate, name), function).Check();
}

}  // namespace

}  // namespace rseq_fast_calls

// Context-aware (worker threads load it too; it keeps no per-context state), found by Node under the name of
// its ABI (node_register_module_v115 for Node 20): another Node finds no initializer and refuses the file.
extern "C" NODE_MODULE_EXPORT void NODE_MODULE_INITIALIZER(v8::Local<v8::Object> exports, v8::Local<v8::Value>,
                                                           v8::Local<v8::Context> context) {
  using namespace rseq_fast_calls;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();  // Context::GetIsolate() is gone in V8 14
  exports->Set(context, Text(isolate, "builtFor"), Text(isolate, kBuiltFor)).Check();
  // How the headers configured V8: an object's fields lie elsewhere with pointer compression or the sandbox, and
  // this build reads a cell object's internal field inline (the JS layer compares with process.config).
#if defined(V8_COMPRESS_POINTERS)
  constexpr bool kPointerCompression = true;
#else
  constexpr bool kPointerCompression = false;
#endif
#if defined(V8_ENABLE_SANDBOX)
  constexpr bool kSandbox = true;
#else
  constexpr bool kSandbox = false;
#endif
  exports->Set(context, Text(isolate, "pointerCompression"), v8::Boolean::New(isolate, kPointerCompression)).Check();
  exports->Set(context, Text(isolate, "sandbox"), v8::Boolean::New(isolate, kSandbox)).Check();
  SetFunction(isolate, context, exports, "connect", ConnectCall);
#if defined(RSEQ_TEST_COUNT_FAST_CALLS)
  SetFunction(isolate, context, exports, "entryCounts", EntryCounts);
#endif
}
