// The kernel <-> user-space rseq ABI, defined here rather than taken from <linux/rseq.h>: distribution
// headers lag the kernel (Debian 12's stop before node_id and mm_cid), and the layout is frozen ABI.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rseq_native {

// struct rseq_cs: describes one critical section to the kernel. Lives in a data section that is never freed.
struct alignas(32) RseqCs {
  uint32_t version;
  uint32_t flags;
  uint64_t start_ip;
  uint64_t post_commit_offset;
  uint64_t abort_ip;
};

// struct rseq: the per-thread area the kernel updates on every return to user space after preemption,
// migration or signal delivery.
struct alignas(32) RseqArea {
  uint32_t cpu_id_start;  // always a valid CPU number, even before registration completes
  uint32_t cpu_id;        // current CPU, or one of the CpuIdState values below
  uint64_t rseq_cs;       // pointer to the RseqCs of the running critical section, cleared by the kernel
  uint32_t flags;         // deprecated; must stay 0
  uint32_t node_id;       // NUMA node (kernel >= 6.3, feature size >= 24)
  uint32_t mm_cid;        // per-process concurrency id (kernel >= 6.3, feature size >= 28)
  char end[4];            // padding up to the original 32-byte registration size
};

static_assert(offsetof(RseqArea, cpu_id) == 4, "rseq ABI: cpu_id");
static_assert(offsetof(RseqArea, rseq_cs) == 8, "rseq ABI: rseq_cs");
static_assert(offsetof(RseqArea, flags) == 16, "rseq ABI: flags");
static_assert(offsetof(RseqArea, node_id) == 20, "rseq ABI: node_id");
static_assert(offsetof(RseqArea, mm_cid) == 24, "rseq ABI: mm_cid");
static_assert(sizeof(RseqArea) == 32, "rseq ABI: original registration size");
static_assert(sizeof(RseqCs) == 32, "rseq ABI: rseq_cs size");

// Registration lengths and feature sizes.
constexpr uint32_t kOriginalRseqSize = 32;                               // minimum rseq_len accepted by every kernel
constexpr uint32_t kOriginalFeatureSize = 20;                            // up to and including `flags`
constexpr uint32_t kNodeIdFeatureEnd = offsetof(RseqArea, node_id) + 4;  // 24
constexpr uint32_t kMmCidFeatureEnd = offsetof(RseqArea, mm_cid) + 4;    // 28

// Values of cpu_id that are not CPU numbers.
constexpr int32_t kCpuIdUninitialized = -1;
constexpr int32_t kCpuIdRegistrationFailed = -2;

// The kernel writes cpu_id concurrently with this thread's return to user space; a non-negative value
// means the area is registered for the thread that reads it.
inline int32_t CpuIdOf(const RseqArea* area) {
  return static_cast<int32_t>(__atomic_load_n(&area->cpu_id, __ATOMIC_RELAXED));
}

constexpr int kFlagUnregister = 1;

// Auxiliary vector entries (Linux 6.3+). getauxval() returns 0 where the kernel does not provide them.
constexpr unsigned long kAtRseqFeatureSize = 27;
constexpr unsigned long kAtRseqAlign = 28;

}  // namespace rseq_native
