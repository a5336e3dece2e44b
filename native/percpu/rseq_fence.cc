#include "rseq_fence.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "../registration/rseq_answers.h"

namespace rseq_native {
namespace {

// From <linux/membarrier.h>, spelled out because older distribution headers lack the rseq commands.
constexpr int kMembarrierQuery = 0;
constexpr int kMembarrierPrivateExpeditedRseq = 1 << 7;
constexpr int kMembarrierRegisterPrivateExpeditedRseq = 1 << 8;

int Membarrier(int command) {
  long result = syscall(SYS_membarrier, command, 0, 0);
  if (result < 0) return -errno;
  return static_cast<int>(result);
}

FenceState Decide() {
  int supported = Membarrier(kMembarrierQuery);
  int error = 0;
  if (supported < 0) {
    error = -supported;
  } else if ((supported & kMembarrierRegisterPrivateExpeditedRseq) == 0) {
    error = EINVAL;  // a kernel before 5.10: membarrier without the rseq commands
  } else {
    int registered = Membarrier(kMembarrierRegisterPrivateExpeditedRseq);
    if (registered == 0) return FenceState{DrainMode::kFence, 0};
    error = -registered;
  }
  // Without the fence, sequences cannot be stopped from writing a cell a drain resets. When rseq(2) is not
  // available to the process, no thread runs a sequence (the same answer decides that, in
  // native/registration/thread_rseq.cc), every writer uses atomics and an exchange is exact.
  bool rseq_possible = SyscallAvailable(ProcessSyscallAnswer());
  return FenceState{rseq_possible ? DrainMode::kSnapshot : DrainMode::kExchange, error};
}

}  // namespace

const FenceState& ProcessFence() {
  static const FenceState state = Decide();  // thread-safe static initialisation: decided once
  return state;
}

const char* DrainModeName(DrainMode mode) {
  switch (mode) {
    case DrainMode::kFence:
      return "fence";
    case DrainMode::kExchange:
      return "exchange";
    case DrainMode::kSnapshot:
      return "snapshot";
  }
  return "snapshot";
}

int RseqFence() {
#ifdef RSEQ_TEST_SKIP_FENCE
  // Test builds only: shows that drains lose adds without the fence, i.e. that the fence is what keeps them exact.
  return 0;
#endif
  int result = Membarrier(kMembarrierPrivateExpeditedRseq);
  return result < 0 ? -result : 0;
}

}  // namespace rseq_native
