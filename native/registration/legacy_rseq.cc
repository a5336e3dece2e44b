#include "legacy_rseq.h"

#include <dlfcn.h>

namespace rseq_native {

LegacyRseq LookupLegacyRseqOfThisThread() {
  return LegacyRseq{static_cast<RseqArea*>(dlsym(RTLD_DEFAULT, "__rseq_abi")),
                    static_cast<volatile uint32_t*>(dlsym(RTLD_DEFAULT, "__rseq_refcount"))};
}

}  // namespace rseq_native
