// A gauge series' value as its handle reaches it (cell_handles.h): one float64 in a store's memory, and what
// tells, on every call, that this memory still holds the store it was opened as, as StoreCore.check() tells
// it in JavaScript (lib/store/store-core.ts): the mapping not replaced after a SIGBUS, and the trailer's two
// words (the magic, the header's checksum) as they were at open (gone when another process shrank the file,
// whether or not it grew it back). A call that finds otherwise is refused, and the JS layer throws the
// store's own error.
#pragma once

#include <cstdint>

#include "store_region.h"

namespace rseq_native {

struct StoreGauge {
  uint64_t* word = nullptr;
  const uint32_t* trailer = nullptr;  // the store's two trailer words
  uint32_t magic = 0;
  uint32_t checksum = 0;
  const StoreRegion* region = nullptr;  // whose `lost` the SIGBUS guard sets
};

inline bool StoreGaugeIntact(const StoreGauge& gauge) {
  return gauge.region->lost == 0 && __atomic_load_n(&gauge.trailer[0], __ATOMIC_RELAXED) == gauge.magic &&
         __atomic_load_n(&gauge.trailer[1], __ATOMIC_RELAXED) == gauge.checksum;
}

}  // namespace rseq_native
