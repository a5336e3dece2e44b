// What the running kernel says about its rseq ABI through the auxiliary vector.
#pragma once

#include <cstdint>

namespace rseq_native {

struct KernelFeatures {
  uint32_t feature_size;  // AT_RSEQ_FEATURE_SIZE, 0 where the kernel predates 6.3 and does not say
  uint32_t alignment;     // AT_RSEQ_ALIGN, 0 likewise
};

KernelFeatures ReadKernelFeatures();

// The kernel writes node_id and mm_cid into every registration of at least 32 bytes once its feature
// size covers them; every registration this package relies on (glibc >= 2.35, __rseq_abi, its own) is
// at least 32 bytes, so the feature size alone decides.
bool KernelFillsNodeId(const KernelFeatures& features);
bool KernelFillsMmCid(const KernelFeatures& features);

}  // namespace rseq_native
