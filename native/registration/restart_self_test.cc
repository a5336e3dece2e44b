#include "restart_self_test.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "../arch/arch.h"
#include "glibc_rseq.h"
#include "kernel_features.h"
#include "own_area.h"
#include "rseq_syscall.h"

namespace rseq_native {

const char* RestartVerdictName(RestartVerdict verdict) {
  switch (verdict) {
    case RestartVerdict::kNotRun:
      return "not-run";
    case RestartVerdict::kRestarts:
      return "restarts";
    case RestartVerdict::kDoesNotRestart:
      return "does-not-restart";
    case RestartVerdict::kInconclusive:
      return "inconclusive";
  }
  return "not-run";
}

namespace {

// Iterations of the probe's spin loop in one attempt, about a third of a second natively: far more than
// one scheduler slice, so that the other thread runs unless something is badly wrong (then the attempt is
// inconclusive, not a guess). Test builds may shorten it to make every attempt time out.
#ifdef RSEQ_TEST_SELF_TEST_SPIN
constexpr uint64_t kSpinBudget = RSEQ_TEST_SELF_TEST_SPIN;
#else
constexpr uint64_t kSpinBudget = 1ull << 30;
#endif

struct Probe {
  volatile uint32_t entered = 0;   // stored by the probe's sequence, once inside it
  volatile uint32_t ran = 0;       // stored by the other thread, after it saw `entered`
  volatile uint32_t finished = 0;  // stored by the probe's thread once its sequence returned, however
  volatile uint32_t started = 0;   // stored by the other thread when it first runs, before its first sleep
};

// How many times the probe yields its CPU for the other thread's first run before it enters its sequence
// anyway (the attempt then takes longer, or times out and is made again; it is never wrong).
constexpr int kYieldsForTheOtherThread = 100000;

// The area the probe arms: glibc's for this new thread, or one registered here for the test's duration.
struct ProbeArea {
  RseqArea* area = nullptr;
  OwnArea own;

  bool Acquire() {
    GlibcRseq glibc = LookupGlibcRseq();
    if (glibc.RegistersThreads()) {
      GlibcThreadArea mine = GlibcAreaOfThisThread(glibc);
      if (mine.Registered()) {
        area = mine.area;
        return true;
      }
    }
    if (RegisterOwnArea(ReadKernelFeatures(), &own) != 0) return false;
    area = own.area;
    return true;
  }

  ~ProbeArea() {
    // The descriptor is never freed, but an area that outlives the test must not keep pointing at it.
    if (area != nullptr) __atomic_store_n(&area->rseq_cs, 0, __ATOMIC_RELAXED);
    UnregisterOwnArea(&own);
  }
};

// Asks the scheduler (Linux 6.12+, EEVDF's per-task slice; ignored before) to give this thread 100 us
// slices instead of the default few milliseconds, so that the probe is scheduled out, and the other
// thread runs, that much sooner. Best effort: where it is refused the test only takes longer.
void RequestShortSlice() {
  struct {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
  } attr = {};
  attr.size = sizeof attr;
  attr.policy = SCHED_OTHER;
  attr.runtime = 100 * 1000;
  syscall(SYS_sched_setattr, 0, &attr, 0);
}

std::string KernelRelease() {
  struct utsname name;
  return uname(&name) == 0 ? name.release : "unknown";
}

// The other thread: pinned to the probe's CPU (inherited), it waits in short sleeps, each wake-up a
// chance to preempt the probe, and so that it never holds the CPU the probe needs. It sets `ran` once
// the probe is inside its sequence, and stops when the probe's sequence has returned for any reason
// (an abort before `entered` was stored included), so that it can never wait forever.
void* RunOther(void* argument) {
  auto* probe = static_cast<Probe*>(argument);
  RequestShortSlice();
  __atomic_store_n(&probe->started, 1, __ATOMIC_SEQ_CST);
  struct timespec pause = {0, 50 * 1000};
  auto finished = [probe] { return __atomic_load_n(&probe->finished, __ATOMIC_SEQ_CST) != 0; };
  while (probe->entered == 0 && !finished()) nanosleep(&pause, nullptr);
  if (!finished()) probe->ran = 1;
  return nullptr;
}

// One attempt: the probe's sequence against the other thread. Returns the sequence's status, or sets
// `*error` to pthread_create's errno (EAGAIN under a thread limit or a seccomp filter) when the other
// thread could not be started: threads are started with pthread_create, so no exception can escape.
int32_t Attempt(RseqArea* armed, int* error) {
  Probe probe;
  pthread_t other;
  // Created after pinning, so that it inherits the one-CPU affinity.
  *error = pthread_create(&other, nullptr, RunOther, &probe);
  if (*error != 0) return kProbeTimedOut;
  RequestShortSlice();
  // The other thread's first run, now, while the probe is outside its sequence: it then sleeps its short sleeps,
  // and a wake-up can preempt the probe. Left to the scheduler it would wait for the probe's time slice to end
  // (up to several milliseconds measured on Linux 6.18), and the process's load with it.
  for (int yields = 0; yields < kYieldsForTheOtherThread && __atomic_load_n(&probe.started, __ATOMIC_SEQ_CST) == 0;
       yields++)
    if (sched_yield() != 0) break;  // refused (by a seccomp filter): the end of the probe's slice will do
  int32_t status = SeqRestartProbe(armed, &probe.entered, &probe.ran, kSpinBudget);
  __atomic_store_n(&probe.finished, 1, __ATOMIC_SEQ_CST);
  pthread_join(other, nullptr);
  return status;
}

// The probe thread: pinned to the CPU it starts on with every signal blocked, so that nothing but being
// scheduled out on that CPU can interrupt its sequence. A second thread, pinned to the same CPU, sets
// `ran` once the probe is inside its sequence; it can only run while the probe is off the CPU, which
// happens when the probe's time slice ends or the other thread's wake-up preempts it. An abort proves
// the kernel restarts sequences (nothing else can interrupt this one); `ran` seen inside the sequence
// proves it does not; a budget run out proves nothing, and the attempt is made again.
void* RunProbe(void* argument) {
  auto* result = static_cast<RestartSelfTest*>(argument);
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  int cpu = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  if (cpu >= 0) CPU_SET(cpu, &one);
  if (cpu < 0 || sched_setaffinity(0, sizeof one, &one) != 0) {
    result->verdict = RestartVerdict::kInconclusive;
    result->detail = "the self-test could not pin its threads to one CPU";
    return nullptr;
  }
  ProbeArea probe_area;
  if (!probe_area.Acquire()) {
    result->verdict = RestartVerdict::kInconclusive;
    result->detail = "the self-test's thread had no rseq registration";
    return nullptr;
  }
  RseqArea* armed = probe_area.area;
#ifdef RSEQ_TEST_UNARMED_SELF_TEST
  // Test builds only: arm a private copy the kernel never reads, which behaves like a kernel that does
  // not restart sequences, so that the tests can show what the package does on one.
  RseqArea decoy{};
  armed = &decoy;
#endif

  int32_t status = kProbeTimedOut;
  while (status == kProbeTimedOut && result->attempts < kSelfTestAttempts) {
    result->attempts++;
    status = Attempt(armed, &result->error);
    if (result->error != 0) break;
  }

  char text[256];
  if (result->error != 0) {
    result->verdict = RestartVerdict::kInconclusive;
    snprintf(text, sizeof text, "the self-test could not start its second thread (%s)", ErrnoName(result->error));
  } else if (status == kSeqAborted) {
    result->verdict = RestartVerdict::kRestarts;
    snprintf(text, sizeof text, "Linux %s restarted a sequence scheduled out on CPU %d", KernelRelease().c_str(), cpu);
  } else if (status == kProbeSurvived) {
    result->verdict = RestartVerdict::kDoesNotRestart;
    snprintf(text, sizeof text,
             "Linux %s resumed a critical section that was scheduled out on CPU %d without aborting it",
             KernelRelease().c_str(), cpu);
  } else {
    result->verdict = RestartVerdict::kInconclusive;
    snprintf(text, sizeof text, "the self-test's sequence was never scheduled out on CPU %d in %d attempts", cpu,
             result->attempts);
  }
  result->detail = text;
  return nullptr;
}

// Starts `run` on a thread allowed only the calling thread's CPU, which the caller leaves at once to wait for it:
// the thread runs there without waiting for a CPU that the runtime's other threads keep busy at load (up to a
// few milliseconds measured). Where that affinity is refused, anywhere; and anywhere with a C library that cannot
// set it at creation (musl has no pthread_attr_setaffinity_np).
int StartOnThisCpu(pthread_t* thread, void* (*run)(void*), void* argument) {
#ifdef __GLIBC__
  int cpu = sched_getcpu();
  pthread_attr_t attributes;
  if (cpu >= 0 && pthread_attr_init(&attributes) == 0) {
    cpu_set_t here;
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    int error = pthread_attr_setaffinity_np(&attributes, sizeof here, &here);
    if (error == 0) error = pthread_create(thread, &attributes, run, argument);
    pthread_attr_destroy(&attributes);
    if (error == 0) return 0;
  }
#endif
  return pthread_create(thread, nullptr, run, argument);
}

RestartSelfTest RunSelfTest() {
  RestartSelfTest result;
#ifdef RSEQ_TEST_SKIP_SELF_TEST
  result.detail = "skipped by a test build (RSEQ_TEST_SKIP_SELF_TEST)";
  return result;
#endif
  auto start = std::chrono::steady_clock::now();
  pthread_t probe;
  result.error = StartOnThisCpu(&probe, RunProbe, &result);
  if (result.error != 0) {
    result.verdict = RestartVerdict::kInconclusive;
    result.detail = std::string("the self-test could not start its thread (") + ErrnoName(result.error) + ")";
  } else {
    pthread_join(probe, nullptr);
  }
  result.microseconds = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

const RestartSelfTest& ProcessRestartSelfTest() {
  static std::once_flag once;
  static RestartSelfTest result;
  std::call_once(once, [] { result = RunSelfTest(); });
  return result;
}

}  // namespace rseq_native
