#include "percpu_layout.h"

#include <sys/sysinfo.h>

#include <cstdio>
#include <cstdlib>

namespace rseq_native {

// /sys/devices/system/cpu/possible reads like "0-3" or "0,2-5": the last number is the highest id.
static uint32_t ReadPossibleCpus() {
  FILE* file = fopen("/sys/devices/system/cpu/possible", "r");
  if (file != nullptr) {
    char text[256];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    long highest = -1;
    for (char* cursor = text; *cursor != '\0';) {
      if (*cursor < '0' || *cursor > '9') {  // '-' and ',' separate numbers; none is negative
        cursor++;
        continue;
      }
      char* end;
      long value = strtol(cursor, &end, 10);
      if (value > highest) highest = value;
      cursor = end;
    }
    if (highest >= 0) return static_cast<uint32_t>(highest + 1);
  }
  int configured = get_nprocs_conf();
  return configured > 0 ? static_cast<uint32_t>(configured) : 1;
}

uint32_t PossibleCpus() {
  static const uint32_t possible = ReadPossibleCpus();
  return possible;
}

const char* ReadLayout(void* memory, size_t byte_length, PerCpuLayout* layout) {
  if (byte_length < kLayoutHeaderBytes) return layout_problem::kTooShort;
  const auto* header = static_cast<const LayoutHeader*>(memory);
  if (header->magic != kLayoutMagic) return layout_problem::kBadMagic;
  if (header->version != kLayoutVersion) return layout_problem::kUnsupportedVersion;
  if (header->width == 0 || header->stride % kSlotAlignment != 0 ||
      header->stride < static_cast<uint64_t>(header->width) * 8) {
    return layout_problem::kWidthAndStride;
  }
  if (header->index_kind >= kIndexKinds) return layout_problem::kUnknownIndexKind;
  if (header->slots < PossibleCpus() || header->fallback_slots != header->slots) {
    return layout_problem::kTooFewSlots;
  }
  if (header->rseq_sets < 1 || header->rseq_sets > 2 || header->baseline > 1 ||
      (header->rseq_sets == 2 && header->baseline == 1)) {
    return layout_problem::kUnknownDrainLayout;
  }
  uint64_t slot_count = static_cast<uint64_t>(header->slots) * (header->rseq_sets + 1 + header->baseline);
  uint64_t expected = kLayoutHeaderBytes + slot_count * header->stride + header->tail_bytes;
  if (expected != byte_length) return layout_problem::kLengthMismatch;
  char* base = static_cast<char*>(memory);
  uint64_t set_bytes = static_cast<uint64_t>(header->slots) * header->stride;
  layout->rseq_cells = base + kLayoutHeaderBytes;
  layout->fallback_cells = layout->rseq_cells + header->rseq_sets * set_bytes;
  layout->baseline_cells = header->baseline == 1 ? layout->fallback_cells + set_bytes : nullptr;
  layout->active_set = reinterpret_cast<uint32_t*>(base + offsetof(LayoutHeader, active_set));
  layout->set_bytes = header->rseq_sets == 2 ? set_bytes : 0;
  layout->slots = header->slots;
  layout->fallback_slots = header->fallback_slots;
  layout->width = header->width;
  layout->rseq_sets = header->rseq_sets;
  layout->stride = header->stride;
  layout->index = static_cast<IndexKind>(header->index_kind);
  return nullptr;
}

}  // namespace rseq_native
