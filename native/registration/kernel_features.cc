#include "kernel_features.h"

#include <sys/auxv.h>

#include "rseq_abi.h"

namespace rseq_native {

KernelFeatures ReadKernelFeatures() {
  return KernelFeatures{static_cast<uint32_t>(getauxval(kAtRseqFeatureSize)),
                        static_cast<uint32_t>(getauxval(kAtRseqAlign))};
}

bool KernelFillsNodeId(const KernelFeatures& features) { return features.feature_size >= kNodeIdFeatureEnd; }

bool KernelFillsMmCid(const KernelFeatures& features) { return features.feature_size >= kMmCidFeatureEnd; }

}  // namespace rseq_native
