// A check of every struct rseq_cs this object carries, as the kernel would see them: for tests that
// prove no sequence can abort into a handler the kernel would refuse.
#pragma once

#include <cstdint>

namespace rseq_native {

struct DescriptorAudit {
  int descriptors;        // entries in the __rseq_cs section
  int signature_matches;  // whose 4 bytes before abort_ip equal kRseqSignature
  int handler_outside;    // whose abort_ip lies outside [start_ip, start_ip + post_commit_offset)
  int well_formed;        // version 0, no flags, non-empty sequence
};

DescriptorAudit AuditDescriptors();

}  // namespace rseq_native
