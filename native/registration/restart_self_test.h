// Proof, once per process and before any per-CPU sequence runs, that this kernel restarts a critical
// section whose thread was scheduled out on the same CPU. arm64 kernels 6.19.x and 7.0.0-7.0.13 do not
// (their entry code skipped the rseq work on return from an interrupt), and a per-CPU add preempted by
// another thread adding to the same cell then loses an update silently. Distribution kernels carry
// their own patches, so this is measured, never read from a version string.
#pragma once

#include <string>

namespace rseq_native {

enum class RestartVerdict {
  kNotRun,          // no thread of this process has rseq (fallback everywhere), or a test build skipped it
  kRestarts,        // the probe was aborted while pinned with signals blocked: sequences are safe
  kDoesNotRestart,  // the probe was scheduled out and resumed inside its sequence: never run sequences
  kInconclusive,    // no proof: the threads could not be started, pinned or registered, or the probe was
                    // never scheduled out within its budget in any attempt. Sequences stay off.
};

// Attempts before the verdict is inconclusive: another when one was never scheduled out (a loaded host).
// A conclusive attempt costs well under a millisecond natively; one that times out, its spin budget
// (about a third of a second), so a host where none concludes pays about a second once per process.
constexpr int kSelfTestAttempts = 3;

struct RestartSelfTest {
  RestartVerdict verdict = RestartVerdict::kNotRun;
  double microseconds = 0;  // what the test cost this process (thread creation included)
  int attempts = 0;         // probe runs, up to kSelfTestAttempts
  int error = 0;            // errno when a thread of the test could not be started, else 0
  std::string detail;       // what was observed, for the reason and rseq doctor
};

// Runs the self-test the first time it is called (from any thread; later callers wait for it and get
// the same result). It runs on threads of its own, pinned to one CPU, so the caller's affinity and
// signal mask are untouched. It cannot hang: whatever instruction the probe is preempted at, each attempt
// ends when its sequence is aborted or its budget runs out, and the helper thread stops with it.
const RestartSelfTest& ProcessRestartSelfTest();

const char* RestartVerdictName(RestartVerdict verdict);

}  // namespace rseq_native
