// N-API surface of the metric store (lib/store/metric-store.ts). The layout of a store, its directory and its
// checks live in TypeScript (lib/layout/store-layout.ts, lib/store/store-directory.ts); what needs native code is here:
//   - the memory: a region over an in-process store's SharedArrayBuffer, or over a host-wide store's file,
//     opened and created by native/store/store_file.h and guarded against SIGBUS by
//     native/store/sigbus_guard.h;
//   - read-modify-writes on a mapped file, which other processes make too: JavaScript's Atomics are only
//     specified as atomic on SharedArrayBuffers, and a mapping reaches JavaScript as a plain ArrayBuffer;
//   - the series' cells, bound as a per-CPU layout so that their adds and observes are the per-CPU ones,
//     and summed over all slots in one call for collect().
// Every offset that comes from JavaScript is checked against the region's length here.
#include "store_binding.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bound_layout.h"
#include "call_args.h"
#include "store_region.h"
#include "usage_strings.h"
#include "../store/atomic_float64.h"
#include "../store/sigbus_guard.h"
#include "../store/store_file.h"

namespace rseq_native {
namespace {

// Store cells are never drained, so no add ever sees another set: the sequence's set word reads this.
uint32_t kSingleSet = 0;

StoreRegion* RegionArg(const Call& call, size_t at) {
  void* region = nullptr;
  if (at >= call.count || napi_get_value_external(call.env, call.args[at], &region) != napi_ok) return nullptr;
  return static_cast<StoreRegion*>(region);
}

bool StringArg(const Call& call, size_t at, std::string* out) {
  size_t length;
  if (at >= call.count || napi_get_value_string_utf8(call.env, call.args[at], nullptr, 0, &length) != napi_ok)
    return false;
  out->resize(length);
  napi_get_value_string_utf8(call.env, call.args[at], &(*out)[0], length + 1, &length);
  return out->find('\0') == std::string::npos;
}

napi_value String(napi_env env, const std::string& text) {
  napi_value value;
  napi_create_string_utf8(env, text.c_str(), text.size(), &value);
  return value;
}

napi_value Problem(napi_env env, const std::string& problem) {
  napi_value result;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "problem", String(env, problem));
  return result;
}

// The finalizer of an ArrayBuffer over a mapping: N-API passes the memory as `data`, the region as `hint`.
void ReleaseBufferShare(napi_env env, void*, void* hint) { ReleaseRegion(env, static_cast<StoreRegion*>(hint)); }

// { region, buffer } for a mapped file: the region's external and an ArrayBuffer over the mapping, each
// holding a share of it.
napi_value MappedResult(napi_env env, StoreRegion* region) {
  napi_value external, buffer, result;
  if (napi_create_external(env, region, ReleaseRegionShare, nullptr, &external) != napi_ok) {
    ReleaseRegion(env, region);
    return Throw(env, "out of memory mapping a store");
  }
  RetainRegion(region);
  if (napi_create_external_arraybuffer(env, region->base, region->length, ReleaseBufferShare, region, &buffer) !=
      napi_ok) {
    // Node versions differ on whether the finalizer runs when the buffer could not be made: the share it
    // would give back stays taken (the region leaks on this failure) rather than risk giving it back twice.
    return Throw(env, "this runtime cannot make an ArrayBuffer over a mapped store file");
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "region", external);
  napi_set_named_property(env, result, "buffer", buffer);
  return result;
}

// A region over a fresh mapping, guarded against SIGBUS; nullptr with `*problem` when it cannot be guarded.
StoreRegion* GuardedRegion(const FileMapping& mapping, std::string* problem) {
  auto* region = new StoreRegion();
  region->file = mapping;
  region->base = mapping.base;
  region->length = mapping.length;
  region->guard_slot = GuardRange(region->base, region->length, &region->lost);
  if (region->guard_slot < 0) {
    *problem = std::string("cannot be mapped safely: ") + GuardProblem();
    ReleaseMapping(&region->file);
    delete region;
    return nullptr;
  }
  return region;
}

// storeRegionOfBuffer(view: BigInt64Array over a whole SharedArrayBuffer) -> region
napi_value StoreRegionOfBuffer(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  bool is_typed_array = false;
  if (call.count >= 1) napi_is_typedarray(env, call.args[0], &is_typed_array);
  if (!is_typed_array) return Throw(env, usage::kStoreRegionOfBufferUsage);
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value array_buffer;
  napi_get_typedarray_info(env, call.args[0], &type, &length, &data, &array_buffer, &offset);
  bool plain = false;
  napi_is_arraybuffer(env, array_buffer, &plain);  // a plain ArrayBuffer could be detached and freed
  if (type != napi_bigint64_array || offset != 0 || plain) return Throw(env, usage::kStoreRegionOfBufferUsage);
  auto* region = new StoreRegion();
  region->base = static_cast<char*>(data);
  region->length = length * 8;
  napi_value external;
  if (napi_create_reference(env, call.args[0], 1, &region->view) != napi_ok ||
      napi_create_external(env, region, ReleaseRegionShare, nullptr, &external) != napi_ok) {
    ReleaseRegion(env, region);
    return Throw(env, "out of memory binding a store");
  }
  return external;
}

// storeOpenFile(path) -> { region, buffer, mode } | { missing: true } | { problem }: `mode`, the file's
// permission bits, for lib/store/store-file.ts to judge who besides its owner may write it
napi_value StoreOpenFile(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  std::string path;
  if (!StringArg(call, 0, &path)) return Throw(env, usage::kStoreOpenFileUsage);
  FileMapping mapping;
  std::string problem;
  switch (OpenStoreFile(path.c_str(), &mapping, &problem)) {
    case OpenStatus::kMissing: {
      napi_value result, yes;
      napi_create_object(env, &result);
      napi_get_boolean(env, true, &yes);
      napi_set_named_property(env, result, "missing", yes);
      return result;
    }
    case OpenStatus::kRefused:
      return Problem(env, problem);
    case OpenStatus::kOpened:
      break;
  }
  StoreRegion* region = GuardedRegion(mapping, &problem);
  if (region == nullptr) return Problem(env, problem);
  napi_value result = MappedResult(env, region);
  napi_value mode;
  if (result == nullptr) return nullptr;
  if (napi_create_uint32(env, mapping.mode, &mode) != napi_ok ||
      napi_set_named_property(env, result, "mode", mode) != napi_ok) {
    return Throw(env, "out of memory mapping a store");
  }
  return result;
}

// storeCreateFile(directory, length, mode) -> { region, buffer } | { problem }: an unnamed
// file, mapped, for the caller to fill in and then name with storeNameFile().
napi_value StoreCreateFile(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  std::string directory;
  double length, mode;
  if (!StringArg(call, 0, &directory) || !DoubleArg(call, 1, &length) || !DoubleArg(call, 2, &mode) || !(length > 0) ||
      length > 1099511627776.0 || !(mode >= 0 && mode <= 0777)) {
    return Throw(env, usage::kStoreCreateFileUsage);
  }
  FileMapping mapping;
  std::string problem;
  if (!CreateUnnamedStoreFile(directory.c_str(), static_cast<size_t>(length), static_cast<uint32_t>(mode), &mapping,
                              &problem)) {
    return Problem(env, problem);
  }
  StoreRegion* region = GuardedRegion(mapping, &problem);
  return region == nullptr ? Problem(env, problem) : MappedResult(env, region);
}

// storeNameFile(region, path) -> 'named' | 'exists' | { problem }
napi_value StoreNameFile(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  std::string path;
  if (region == nullptr || region->file.fd < 0 || !StringArg(call, 1, &path)) {
    return Throw(env, usage::kStoreNameFileUsage);
  }
  std::string problem;
  switch (NameStoreFile(&region->file, path.c_str(), &problem)) {
    case NameStatus::kNamed:
      return String(env, "named");
    case NameStatus::kExists:
      return String(env, "exists");
    case NameStatus::kFailed:
      break;
  }
  return Problem(env, problem);
}

// storeRemoveFile(path, magic) -> 'removed' | 'missing' | { problem }
napi_value StoreRemoveFile(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  std::string path;
  double magic;
  if (!StringArg(call, 0, &path) || !DoubleArg(call, 1, &magic) || !(magic >= 0 && magic <= 4294967295.0)) {
    return Throw(env, usage::kStoreRemoveFileUsage);
  }
  std::string problem;
  switch (RemoveStoreFile(path.c_str(), static_cast<uint32_t>(magic), &problem)) {
    case RemoveStatus::kRemoved:
      return String(env, "removed");
    case RemoveStatus::kMissing:
      return String(env, "missing");
    case RemoveStatus::kRefused:
      break;
  }
  return Problem(env, problem);
}

// storeRegionState(region) -> 'open' | 'closed' | 'lost' (the SIGBUS guard replaced the mapping)
napi_value StoreRegionState(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  if (region == nullptr) return Throw(env, usage::kStoreRegionStateUsage);
  return String(env, region->closed ? "closed" : region->lost != 0 ? "lost" : "open");
}

// storeFileState(region, path) -> 'same' (path names the mapped file), 'removed', 'replaced' (by another
// file, or a symlink), or 'unreachable' (the path cannot be examined: a directory's permissions changed)
napi_value StoreFileState(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  std::string path;
  if (region == nullptr || region->file.base == nullptr || !StringArg(call, 1, &path)) {
    return Throw(env, usage::kStoreFileStateUsage);
  }
  struct stat status;
  if (lstat(path.c_str(), &status) != 0) return String(env, errno == ENOENT ? "removed" : "unreachable");
  bool same = S_ISREG(status.st_mode) && status.st_dev == region->file.device && status.st_ino == region->file.inode;
  return String(env, same ? "same" : "replaced");
}

// storeCloseRegion(region): its series throw from now on; a mapping is detached from its file at once
// (replaced by private memory, unmapped when the last share goes).
napi_value StoreCloseRegion(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  if (region == nullptr) return Throw(env, usage::kStoreCloseRegionUsage);
  // Detached first: a mapping the kernel refused to replace stays guarded (it still maps the file).
  if (!region->closed && region->file.base != nullptr && DetachMapping(region->file) && region->guard_slot >= 0) {
    UnguardRange(region->guard_slot);
    region->guard_slot = -1;
  }
  region->closed = true;
  return nullptr;
}

// storeCompareExchange32(region, byteOffset, expected, desired) -> the word's old value, as an unsigned number
napi_value StoreCompareExchange32(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  size_t offset;
  double expected, desired;
  if (region == nullptr || !WordOffsetArg(call, 1, region->length, 4, &offset) || !DoubleArg(call, 2, &expected) ||
      !DoubleArg(call, 3, &desired) || !(expected >= 0 && expected <= 4294967295.0) ||
      !(desired >= 0 && desired <= 4294967295.0)) {
    return Throw(env, usage::kStoreCompareExchange32Usage);
  }
  auto* word = reinterpret_cast<uint32_t*>(region->base + offset);
  uint32_t old = static_cast<uint32_t>(expected);
  __atomic_compare_exchange_n(word, &old, static_cast<uint32_t>(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  napi_value result;
  napi_create_uint32(env, old, &result);
  return result;
}

// A float64 word changed atomically: `add` adds to it, otherwise it is replaced.
template <bool kAdd>
napi_value StoreUpdateFloat64(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  size_t offset;
  double value;
  if (region == nullptr || !WordOffsetArg(call, 1, region->length, 8, &offset) || !DoubleArg(call, 2, &value)) {
    return Throw(env, kAdd ? usage::kStoreAddFloat64Usage : usage::kStoreSetFloat64Usage);
  }
  UpdateFloat64<kAdd>(reinterpret_cast<uint64_t*>(region->base + offset), value);
  return nullptr;
}

// storeAcquireFence(): what makes the records behind directory words read before it visible after it.
napi_value StoreAcquireFence(napi_env, napi_callback_info) {
  std::atomic_thread_fence(std::memory_order_acquire);
  return nullptr;
}

// storePageSize() -> the page size a host-wide store's file is laid out for.
napi_value StorePageSize(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_double(env, static_cast<double>(sysconf(_SC_PAGESIZE)), &result);
  return result;
}

// bindStoreCells(region, rseqOffset, fallbackOffset, slots, stride, width, index) -> layout: the store's
// per-CPU cells as a layout of one rseq set and the fallback slots, which the counter and histogram
// functions take like a per-CPU buffer's.
napi_value BindStoreCells(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  StoreRegion* region = RegionArg(call, 0);
  double numbers[6];
  bool read = region != nullptr;
  for (size_t at = 0; read && at < 6; at++)
    read = DoubleArg(call, at + 1, &numbers[at]) && numbers[at] >= 0 && numbers[at] <= 4294967295.0 &&
           numbers[at] == static_cast<double>(static_cast<uint32_t>(numbers[at]));
  if (!read) return Throw(env, usage::kBindStoreCellsUsage);
  uint64_t rseq_offset = static_cast<uint64_t>(numbers[0]), fallback_offset = static_cast<uint64_t>(numbers[1]);
  uint64_t slots = static_cast<uint64_t>(numbers[2]), stride = static_cast<uint64_t>(numbers[3]);
  uint64_t width = static_cast<uint64_t>(numbers[4]), index = static_cast<uint64_t>(numbers[5]);
  uint64_t region_bytes = slots * stride;
  // mm_cid is numbered per process: a mapped file, shared between processes, is only ever indexed by CPU.
  if (index == static_cast<uint32_t>(IndexKind::kMmCid) && region->file.base != nullptr)
    return Throw(env, usage::kBindStoreCellsUsage);
  if (slots == 0 || width == 0 || stride % kSlotAlignment != 0 || stride < width * 8 || index >= kIndexKinds ||
      rseq_offset % 8 != 0 || fallback_offset % 8 != 0 || rseq_offset + region_bytes > region->length ||
      fallback_offset + region_bytes > region->length ||
      (rseq_offset < fallback_offset + region_bytes && fallback_offset < rseq_offset + region_bytes)) {
    return Throw(env, usage::kBindStoreCellsUsage);
  }
  PerCpuLayout layout;
  layout.rseq_cells = region->base + rseq_offset;
  layout.fallback_cells = region->base + fallback_offset;
  layout.baseline_cells = nullptr;
  layout.active_set = &kSingleSet;
  layout.set_bytes = 0;
  layout.slots = static_cast<uint32_t>(slots);
  layout.fallback_slots = static_cast<uint32_t>(slots);
  layout.width = static_cast<uint32_t>(width);
  layout.rseq_sets = 1;
  layout.stride = stride;
  layout.index = index == 0 ? IndexKind::kCpu : IndexKind::kMmCid;
  return ExternalOf(env, NewBoundLayout(layout, call.binding, false, nullptr, region));
}

// sumStoreCells(layout, first, count, out: BigInt64Array) -> nothing: out[i] = cell first + i summed over
// every slot of the rseq set and the fallback slots, each cell read atomically, wrapping like an int64.
napi_value SumStoreCells(napi_env env, napi_callback_info info) {
  Call call;
  ReadCall(env, info, &call);
  BoundLayout* bound = BoundLayoutArg(call, 0);
  uint32_t first, count;
  if (bound == nullptr || !IndexArg(call, 1, bound->layout.width, &first) ||
      !IndexArg(call, 2, static_cast<uint64_t>(bound->layout.width) - first + 1, &count) || call.count < 4) {
    return Throw(env, usage::kSumStoreCellsUsage);
  }
  bool is_typed_array = false;
  napi_is_typedarray(env, call.args[3], &is_typed_array);
  if (!is_typed_array) return Throw(env, usage::kSumStoreCellsUsage);
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_get_typedarray_info(env, call.args[3], &type, &length, &data, nullptr, nullptr);
  if (type != napi_bigint64_array || length < count) return Throw(env, usage::kSumStoreCellsUsage);
  auto* out = static_cast<uint64_t*>(data);
  std::memset(out, 0, count * 8ull);
  const PerCpuLayout& layout = bound->layout;
  for (char* region : {layout.rseq_cells, layout.fallback_cells}) {
    for (uint32_t slot = 0; slot < layout.slots; slot++) {
      const int64_t* cells = CellIn(region, layout, slot, first);
      for (uint32_t at = 0; at < count; at++)
        out[at] += static_cast<uint64_t>(__atomic_load_n(cells + at, __ATOMIC_RELAXED));
    }
  }
  return nullptr;
}

}  // namespace

void AddStoreFunctions(napi_env env, napi_value exports, ThreadBinding* binding) {
  const NamedCallback entries[] = {
      {"storeRegionOfBuffer", StoreRegionOfBuffer},
      {"storeOpenFile", StoreOpenFile},
      {"storeCreateFile", StoreCreateFile},
      {"storeNameFile", StoreNameFile},
      {"storeRemoveFile", StoreRemoveFile},
      {"storeRegionState", StoreRegionState},
      {"storeFileState", StoreFileState},
      {"storeCloseRegion", StoreCloseRegion},
      {"storeCompareExchange32", StoreCompareExchange32},
      {"storeAddFloat64", StoreUpdateFloat64<true>},
      {"storeSetFloat64", StoreUpdateFloat64<false>},
      {"storeAcquireFence", StoreAcquireFence},
      {"storePageSize", StorePageSize},
      {"bindStoreCells", BindStoreCells},
      {"sumStoreCells", SumStoreCells},
  };
  SetFunctions(env, exports, binding, entries);
}

}  // namespace rseq_native
