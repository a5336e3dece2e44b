#include "glibc_rseq.h"

#include <dlfcn.h>

#include "../arch/arch.h"

namespace rseq_native {

GlibcRseq LookupGlibcRseq() {
  // RTLD_DEFAULT, not RTLD_NEXT: libc was loaded before this object, so it is not "next" after it.
  auto* offset = static_cast<const ptrdiff_t*>(dlsym(RTLD_DEFAULT, "__rseq_offset"));
  auto* size = static_cast<const unsigned int*>(dlsym(RTLD_DEFAULT, "__rseq_size"));
  auto* flags = static_cast<const unsigned int*>(dlsym(RTLD_DEFAULT, "__rseq_flags"));
  if (offset == nullptr || size == nullptr) return GlibcRseq{false, 0, 0, 0};
  return GlibcRseq{true, *offset, *size, flags != nullptr ? *flags : 0};
}

GlibcThreadArea GlibcAreaOfThisThread(const GlibcRseq& glibc) {
  auto* area = reinterpret_cast<RseqArea*>(static_cast<char*>(ThreadPointer()) + glibc.offset);
  return GlibcThreadArea{area, CpuIdOf(area)};
}

}  // namespace rseq_native
