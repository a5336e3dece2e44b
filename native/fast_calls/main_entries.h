// The entry points of the main addon (native/binding/fast_entry.h) this addon's callbacks call, found by name
// in the addon already loaded from a given file: the per-thread state they reach lives there. A cell is
// opaque here: only the main addon reads it.
#pragma once

#include <cstdint>
#include <string>

namespace rseq_fast_calls {

struct MainEntries {
  uint64_t (*cell_view_layout)();
  const void* (*cell)(uint32_t handle);
  void (*count_abort)(const void* cell);
  int32_t (*counter_add)(const void* cell, double value);
  int32_t (*histogram_observe)(const void* cell, double value);
  int32_t (*gauge_add)(const void* cell, double value);
  int32_t (*gauge_set)(const void* cell, double value);
  int32_t (*array_add)(const void* cell, uint32_t index, double value);
  int32_t (*array_max)(const void* cell, uint32_t index, double value);
  int32_t (*array_compare_exchange)(const void* cell, uint32_t index, double expected, double desired);
};

// The entry points of the addon loaded from `path`, which must already be loaded (this never loads one); false
// with `problem` saying why otherwise (not loaded, or of another contract: a name is missing, or its cells' head
// is not laid out as this build reads it).
bool FindMainEntries(const std::string& path, MainEntries* entries, std::string* problem);

}  // namespace rseq_fast_calls
