#include "thread_rseq.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

#include "../arch/arch.h"
#include "rseq_answers.h"
#include "rseq_syscall.h"

namespace rseq_native {

const char* StrategyName(Strategy strategy) {
  switch (strategy) {
    case Strategy::kGlibc:
      return "glibc";
    case Strategy::kOwn:
      return "own";
    case Strategy::kLegacy:
      return "legacy";
    case Strategy::kFallback:
      return "fallback";
  }
  return "fallback";
}

bool ParseRequested(const std::string& text, Requested* out) {
  if (text.empty() || text == "auto")
    *out = Requested::kAuto;
  else if (text == "glibc")
    *out = Requested::kGlibc;
  else if (text == "own")
    *out = Requested::kOwn;
  else if (text == "legacy")
    *out = Requested::kLegacy;
  else if (text == "fallback")
    *out = Requested::kFallback;
  else
    return false;
  return true;
}

namespace {

long CurrentThreadId() { return syscall(SYS_gettid); }

std::string Format(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* format, ...) {
  char buffer[768];
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

// What glibc registers: 32 bytes up to 2.40, and from 2.41 __rseq_size bytes where that exceeds 32 (the
// kernel's feature size: 33 on 7.x kernels). Never a multiple of 32 rounded up: 33 stays 33.
uint32_t GlibcRegistrationLength(uint32_t rseq_size) {
  return rseq_size > kOriginalRseqSize ? rseq_size : kOriginalRseqSize;
}

// `error`: the errno behind the fallback, or 0 (kRegistrationIgnored too: the kernel answered no errno).
void UseFallback(ThreadRseq* state, int error, std::string reason) {
  state->strategy = Strategy::kFallback;
  state->area = nullptr;
  state->registration_length = 0;
  state->error = error > 0 ? error : 0;
  state->reason = std::move(reason);
}

// What a refused registration means and what the person running the program can do about it.
std::string RefusalReason(const char* what, int error) {
  const char* name = ErrnoName(error);
  switch (error) {
    case kRegistrationIgnored:
      return Format(
          "rseq(2) reported registering %s a success, but the kernel never wrote its cpu_id: a filter or an "
          "emulator fakes the call. Counters stay exact over atomics.",
          what);
    case ENOSYS:
      return Format(
          "Registering %s failed with ENOSYS: the kernel predates Linux 4.18 or an emulator or sandbox "
          "(qemu-user, valgrind, gVisor, a seccomp profile) does not implement rseq(2). Counters stay exact over "
          "atomics; run natively on Linux >= 4.18 without that filter to get rseq.",
          what);
    case EPERM:
      return Format(
          "Registering %s failed with EPERM, which is what a seccomp filter (container runtime or sandbox "
          "profile) returns for a forbidden syscall. Counters stay exact over atomics; allow the rseq "
          "syscall in that profile to get rseq.",
          what);
    case EINVAL:
    case EBUSY:
      return Format(
          "Registering %s failed with %s: another library already registered a private rseq area for this "
          "thread and does not export it, so it cannot be shared. Counters stay exact over atomics; let "
          "glibc >= 2.35 own the registration (or have that library export __rseq_abi) to get rseq.",
          what, name);
    default:
      return Format("Registering %s failed with %s. Counters stay exact over atomics.", what, name);
  }
}

// Why a registered area could not be confirmed as ours to share (`answer` is not EBUSY), and what to do.
std::string UnconfirmedReason(const char* owner, int answer, uint32_t length, int32_t cpu_id) {
  switch (answer) {
    case 0:
      return Format(
          "%s looked registered (cpu_id %d) but the kernel accepted a new registration of it, so nothing had "
          "registered it: its cpu_id was stale. Counters stay exact over atomics.",
          owner, cpu_id);
    case EPERM:
      return Format(
          "%s is registered with a signature other than 0x%08x, or a seccomp filter refuses rseq(2) (EPERM): "
          "this package's abort handlers cannot run under that registration. Counters stay exact over atomics.",
          owner, kRseqSignature);
    case EINVAL:
      return Format(
          "Registering %s again at %u bytes answered EINVAL, not EBUSY: it is registered at another length, or "
          "another area is registered for this thread, so its signature cannot be confirmed. Counters stay "
          "exact over atomics.",
          owner, length);
    case ENOSYS:
      return Format(
          "Registering %s again to confirm its signature answered ENOSYS: a seccomp filter or sandbox refuses "
          "rseq(2) on this thread. Counters stay exact over atomics; allow rseq(2) in that profile to get rseq.",
          owner);
    default:
      return Format(
          "Registering %s again to confirm its signature answered %s, where only EBUSY confirms it; the "
          "package runs no sequence on a registration it cannot confirm. Counters stay exact over atomics.",
          owner, ErrnoName(answer));
  }
}

// Shares `area` (registered by its owner) when rseq(2) confirms it, setting the length it is registered
// with; otherwise falls back, saying why.
bool ConfirmRegisteredArea(ThreadRseq* state, RseqArea* area, const uint32_t* lengths, int count, const char* owner) {
  uint32_t length = 0;
  int answer = RegisterAgain(area, lengths, count, kRseqSignature, &length);
  if (ConfirmsRegistration(answer)) {
    state->registration_length = length;
    return true;
  }
  UseFallback(state, answer, UnconfirmedReason(owner, answer, length, CpuIdOf(area)));
  return false;
}

void AttachGlibc(ThreadRseq* state) {
  GlibcThreadArea mine = GlibcAreaOfThisThread(state->glibc);
  if (!mine.Registered()) {
    UseFallback(state, 0,
                Format("glibc reports rseq (__rseq_size %u) but this thread's area holds cpu_id %d: the "
                       "thread was not created through glibc. Counters stay exact over atomics here.",
                       state->glibc.size, mine.cpu_id));
    return;
  }
  RseqArea* area = mine.area;
  const uint32_t lengths[] = {GlibcRegistrationLength(state->glibc.size), kOriginalRseqSize};
  if (!ConfirmRegisteredArea(state, area, lengths, 2, "glibc's rseq area")) return;
  state->strategy = Strategy::kGlibc;
  state->area = area;
  state->reason = Format(
      "glibc registered rseq for this thread (__rseq_size %u, __rseq_offset %td), with the standard "
      "signature; the package reads and runs its critical sections on glibc's area and never registers over it.",
      state->glibc.size, state->glibc.offset);
}

void AttachLegacy(ThreadRseq* state, const LegacyRseq& legacy) {
  RseqArea* area = legacy.area;
  if (CpuIdOf(area) >= 0) {
    const uint32_t lengths[] = {kOriginalRseqSize};
    if (!ConfirmRegisteredArea(state, area, lengths, 1, "the early adopter's __rseq_abi")) return;
    state->reason =
        "An early adopter had registered its exported __rseq_abi for this thread; the package shares "
        "that area under the __rseq_abi protocol and will not unregister it.";
  } else {
    int error = RegisterLive(area, kOriginalRseqSize, kRseqSignature);
    if (error != 0) {
      UseFallback(state, error, RefusalReason("the shared __rseq_abi area", error));
      return;
    }
    state->registered_legacy = true;
    state->registration_length = kOriginalRseqSize;
    state->reason =
        "An early adopter exports __rseq_abi but had not registered this thread, so the package "
        "registered that shared area (never a private one, which would lock the early adopter out).";
  }
  if (legacy.refcount != nullptr) {
    *legacy.refcount = *legacy.refcount + 1;
    state->legacy_refcount = legacy.refcount;
  }
  state->strategy = Strategy::kLegacy;
  state->area = area;
}

void AttachOwn(ThreadRseq* state) {
  int error = RegisterOwnArea(state->features, &state->own);
  if (error != 0) {
    UseFallback(state, error, RefusalReason("an rseq area for this thread", error));
    return;
  }
  state->strategy = Strategy::kOwn;
  state->area = state->own.area;
  state->registration_length = state->own.length;
  state->reason = state->glibc.exported
                      ? "glibc's rseq registration is off (__rseq_size is 0, for example through "
                        "GLIBC_TUNABLES=glibc.pthread.rseq=0) and no early adopter exports __rseq_abi, "
                        "so the package registered its own area for this thread."
                      : "The C library does not register rseq (it predates glibc 2.35) and no early "
                        "adopter exports __rseq_abi, so the package registered its own area for this thread.";
}

void DecideOwner(ThreadRseq* state) {
  if (state->glibc.RegistersThreads()) {
    AttachGlibc(state);
    return;
  }
  LegacyRseq legacy = LookupLegacyRseqOfThisThread();
  if (legacy.area != nullptr) {
    AttachLegacy(state, legacy);
    return;
  }
  AttachOwn(state);
}

const char* RequestedName(Requested requested) {
  switch (requested) {
    case Requested::kGlibc:
      return "glibc";
    case Requested::kOwn:
      return "own";
    case Requested::kLegacy:
      return "legacy";
    case Requested::kFallback:
      return "fallback";
    case Requested::kAuto:
      break;
  }
  return "auto";
}

// Why the process's restart self-test keeps sequences off, and what to do about it.
std::string SelfTestReason(const RestartSelfTest& test, Strategy would_have) {
  if (test.verdict == RestartVerdict::kDoesNotRestart) {
    return Format(
        "This kernel does not restart interrupted critical sections (%s), so a per-CPU update preempted by "
        "another thread on the same CPU would be lost. That is the arm64 rseq regression of Linux 6.19 to "
        "7.0.13, fixed in 7.0.14 and 7.1 (\"arm64/entry: Fix arm64-specific rseq brokenness\"). Counters stay "
        "exact over atomics; boot a kernel with that fix (7.0.14, 7.1 or later) to get rseq.",
        test.detail.c_str());
  }
  return Format(
      "The restart self-test could not prove that this kernel restarts interrupted critical sections (%s), "
      "so the package runs none. Counters stay exact over atomics; where the kernel is known to restart them "
      "(x86_64, or arm64 on 7.0.14, 7.1 or later), start with RSEQ_STRATEGY=%s to use rseq anyway.",
      test.detail.c_str(), StrategyName(would_have));
}

// The owner decides where the area is; the process decides whether sequences may run at all: rseq(2)
// must be available to it (the answer that also fixes the drain mode, native/registration/rseq_answers.h),
// and its restart self-test must prove that the kernel aborts an interrupted sequence. Anything short of
// that proof means fallback; only a forced strategy overrides an inconclusive test, never a failed one.
void Decide(ThreadRseq* state, Requested requested) {
  int syscall = ProcessSyscallAnswer();
  if (!SyscallAvailable(syscall)) {
    UseFallback(state, syscall, RefusalReason("rseq areas in this process", syscall));
    return;
  }
  DecideOwner(state);
  if (!state->Live()) return;
  state->self_test = &ProcessRestartSelfTest();
  const RestartSelfTest& test = *state->self_test;
  switch (test.verdict) {
    case RestartVerdict::kRestarts:
      return;
    case RestartVerdict::kNotRun:
#ifdef RSEQ_TEST_SKIP_SELF_TEST
      return;  // a test build that skips the self-test, to show what it prevents
#else
      break;  // never reached: the self-test always runs in a shipped build; no verdict is no proof
#endif
    case RestartVerdict::kInconclusive:
      if (requested != Requested::kAuto) {
        state->reason += Format(" The restart self-test was inconclusive (%s); RSEQ_STRATEGY=%s overrides it.",
                                test.detail.c_str(), RequestedName(requested));
        return;
      }
      break;
    case RestartVerdict::kDoesNotRestart:
      break;
  }
  Strategy would_have = state->strategy;
  DetachThisThread(state);
  UseFallback(state, test.error, SelfTestReason(test, would_have));
}

bool Satisfies(Requested requested, Strategy strategy) {
  switch (requested) {
    case Requested::kAuto:
      return true;
    case Requested::kGlibc:
      return strategy == Strategy::kGlibc;
    case Requested::kOwn:
      return strategy == Strategy::kOwn;
    case Requested::kLegacy:
      return strategy == Strategy::kLegacy;
    case Requested::kFallback:
      return strategy == Strategy::kFallback;
  }
  return false;
}

}  // namespace

bool AttachThisThread(Requested requested, ThreadRseq* state, std::string* error_message) {
  state->thread_id = CurrentThreadId();
  state->features = ReadKernelFeatures();
  state->glibc = LookupGlibcRseq();

  if (requested == Requested::kFallback) {
    UseFallback(state, 0,
                "RSEQ_STRATEGY=fallback forces the atomics fallback; unset it to use rseq where the "
                "thread allows it.");
    return true;
  }
  if (requested == Requested::kOwn && state->glibc.RegistersThreads()) {
    // Decided before trying anything: a second registration over glibc's is never attempted.
    *error_message = Format(
        "RSEQ_STRATEGY=own cannot be honoured: glibc already registered rseq for this thread "
        "(__rseq_size %u) and a thread holds one registration at most. Unset RSEQ_STRATEGY to share "
        "glibc's, or start node with GLIBC_TUNABLES=glibc.pthread.rseq=0 to turn glibc's off.",
        state->glibc.size);
    return false;
  }

  Decide(state, requested);
  if (Satisfies(requested, state->strategy)) return true;

  *error_message = Format(
      "RSEQ_STRATEGY=%s cannot be honoured on this thread, which would use '%s': %s Unset RSEQ_STRATEGY "
      "to accept '%s'.",
      RequestedName(requested), StrategyName(state->strategy), state->reason.c_str(), StrategyName(state->strategy));
  DetachThisThread(state);
  return false;
}

void DetachThisThread(ThreadRseq* state) {
  // A registration belongs to one thread; from any other the kernel would refuse, and freeing the
  // area could let the kernel write into freed memory. It is left for the thread's exit to drop.
  if (state->thread_id != CurrentThreadId()) return;

  // A descriptor left armed in an area that outlives this thread's use of the package must not point
  // into code that could be unmapped: clear it as the rseq_cs reclaim rule asks. No sequence runs now.
  if (state->area != nullptr) {
    __atomic_store_n(&state->area->rseq_cs, 0, __ATOMIC_RELAXED);
  }

  if (state->strategy == Strategy::kOwn) {
    UnregisterOwnArea(&state->own);
  } else if (state->strategy == Strategy::kLegacy) {
    bool last_user = false;
    if (state->legacy_refcount != nullptr) {
      *state->legacy_refcount = *state->legacy_refcount - 1;
      last_user = *state->legacy_refcount == 0;
      state->legacy_refcount = nullptr;
    }
    // Without __rseq_refcount nobody can tell whether the early adopter started using the area we
    // registered, so it stays registered; it is the early adopter's TLS and lives as long as the thread.
    if (state->registered_legacy && last_user) {
      RseqUnregister(state->area, kOriginalRseqSize, kRseqSignature);
    }
    state->registered_legacy = false;
  }
  state->area = nullptr;
}

}  // namespace rseq_native
