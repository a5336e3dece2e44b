#include "own_area.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "../arch/arch.h"
#include "rseq_syscall.h"

namespace rseq_native {

static std::atomic<int> live_registrations{0};

static uint32_t RoundUp(uint32_t value, uint32_t multiple) { return (value + multiple - 1) / multiple * multiple; }

int RegisterOwnArea(const KernelFeatures& features, OwnArea* out) {
  // The kernel takes 32 bytes aligned on 32, or (6.3+) at least the feature size aligned on its
  // AT_RSEQ_ALIGN; a future larger feature size gets the larger area it asks for.
  uint32_t alignment = features.alignment > alignof(RseqArea) ? features.alignment : alignof(RseqArea);
  uint32_t length =
      features.feature_size > kOriginalRseqSize ? RoundUp(features.feature_size, alignment) : kOriginalRseqSize;
  void* memory = aligned_alloc(alignment, RoundUp(length, alignment));
  if (memory == nullptr) return ENOMEM;
  memset(memory, 0, length);
  auto* area = static_cast<RseqArea*>(memory);
  area->cpu_id = static_cast<uint32_t>(kCpuIdUninitialized);

  int error = RegisterLive(area, length, kRseqSignature);
  if (error != 0) {
    free(memory);
    return error;
  }
  live_registrations.fetch_add(1, std::memory_order_relaxed);
  out->area = area;
  out->length = length;
  return 0;
}

int UnregisterOwnArea(OwnArea* own) {
  if (own->area == nullptr) return 0;
  int error = RseqUnregister(own->area, own->length, kRseqSignature);
  if (error != 0) return error;
  free(own->area);
  own->area = nullptr;
  live_registrations.fetch_sub(1, std::memory_order_relaxed);
  return 0;
}

int LiveOwnRegistrations() { return live_registrations.load(std::memory_order_relaxed); }

}  // namespace rseq_native
