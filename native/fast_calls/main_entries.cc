#include "main_entries.h"

#include <dlfcn.h>

#include "../binding/fast_cell.h"

namespace rseq_fast_calls {

namespace {

template <typename Entry>
bool Find(void* addon, const char* name, Entry* entry, std::string* problem) {
  *entry = reinterpret_cast<Entry>(dlsym(addon, name));
  if (*entry != nullptr) return true;
  *problem = std::string("the addon has no entry point ") + name + " (it was built from other sources)";
  return false;
}

}  // namespace

bool FindMainEntries(const std::string& path, MainEntries* entries, std::string* problem) {
  // RTLD_NOLOAD: a handle to the copy the process already has, whose per-thread state the JS layer uses. The
  // handle is kept: the addon is never unloaded while this one may call it.
  void* addon = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (addon == nullptr) {
    *problem = "the addon " + path + " is not loaded in this process";
    return false;
  }
  bool found = Find(addon, "rseq_fast_v2_cell_view_layout", &entries->cell_view_layout, problem) &&
               Find(addon, "rseq_fast_v2_cell", &entries->cell, problem) &&
               Find(addon, "rseq_fast_v2_count_abort", &entries->count_abort, problem) &&
               Find(addon, "rseq_fast_v2_counter_add", &entries->counter_add, problem) &&
               Find(addon, "rseq_fast_v2_histogram_observe", &entries->histogram_observe, problem) &&
               Find(addon, "rseq_fast_v2_gauge_add", &entries->gauge_add, problem) &&
               Find(addon, "rseq_fast_v2_gauge_set", &entries->gauge_set, problem) &&
               Find(addon, "rseq_fast_v2_array_add", &entries->array_add, problem) &&
               Find(addon, "rseq_fast_v2_array_max", &entries->array_max, problem) &&
               Find(addon, "rseq_fast_v2_array_compare_exchange", &entries->array_compare_exchange, problem);
  if (!found) return false;
  if (entries->cell_view_layout() != rseq_native::kFastCellViewLayout) {
    *problem = "the addon " + path +
               " lays out its fast cells otherwise than this fast-calls build reads them (built from other sources)";
    return false;
  }
  return true;
}

}  // namespace rseq_fast_calls
