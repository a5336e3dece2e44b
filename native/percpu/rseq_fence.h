// The kernel's rseq fence: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ) returns only once every
// other thread of the process that was inside an rseq critical section has been restarted (or had
// committed), with a full memory barrier on each of their CPUs. Linux >= 5.10; the process registers
// for it once. It decides how per-CPU buffers are drained, which is fixed for the process's life:
//   kFence      two rseq sets per buffer: flip the active set, fence, take the retired set
//   kExchange   rseq(2) is unavailable, so no thread can run a sequence: atomic exchange of each cell
//   kSnapshot   rseq works but the fence does not: keep drained totals and take the difference
#pragma once

namespace rseq_native {

enum class DrainMode { kFence, kExchange, kSnapshot };

struct FenceState {
  DrainMode mode;
  int error;  // errno of the failed query or registration, 0 when the fence is registered
};

// Decided on the first call, once per process.
const FenceState& ProcessFence();

const char* DrainModeName(DrainMode mode);

// Runs the fence; 0 or an errno. Only meaningful in kFence.
int RseqFence();

}  // namespace rseq_native
