#include "descriptor_audit.h"

#include <cstring>

#include "arch.h"
#include "../registration/rseq_abi.h"

// The linker brackets every section whose name is a C identifier with these symbols.
extern "C" {
extern const rseq_native::RseqCs __start___rseq_cs[] __attribute__((weak, visibility("hidden")));
extern const rseq_native::RseqCs __stop___rseq_cs[] __attribute__((weak, visibility("hidden")));
}

namespace rseq_native {

DescriptorAudit AuditDescriptors() {
  DescriptorAudit audit{0, 0, 0, 0};
  if (__start___rseq_cs == nullptr || __stop___rseq_cs == nullptr) return audit;
  for (const RseqCs* cs = __start___rseq_cs; cs < __stop___rseq_cs; cs++) {
    audit.descriptors++;
    uint32_t signature;
    memcpy(&signature, reinterpret_cast<const void*>(cs->abort_ip - 4), sizeof signature);
    if (signature == kRseqSignature) audit.signature_matches++;
    if (cs->abort_ip - cs->start_ip >= cs->post_commit_offset) audit.handler_outside++;
    if (cs->version == 0 && cs->flags == 0 && cs->post_commit_offset > 0) audit.well_formed++;
  }
  return audit;
}

}  // namespace rseq_native
