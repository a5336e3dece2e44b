// Who owns the calling thread's rseq area, decided once per JS thread (main thread and each worker)
// in the order of the design contract: forced strategy, glibc, early adopter (__rseq_abi), own, fallback.
#pragma once

#include <cstdint>
#include <string>

#include "glibc_rseq.h"
#include "kernel_features.h"
#include "legacy_rseq.h"
#include "own_area.h"
#include "restart_self_test.h"
#include "rseq_abi.h"

namespace rseq_native {

enum class Strategy { kGlibc, kOwn, kLegacy, kFallback };
enum class Requested { kAuto, kGlibc, kOwn, kLegacy, kFallback };

const char* StrategyName(Strategy strategy);

// Parses RSEQ_STRATEGY ("" and "auto" mean no preference). False for anything else.
bool ParseRequested(const std::string& text, Requested* out);

struct ThreadRseq {
  Strategy strategy = Strategy::kFallback;
  RseqArea* area = nullptr;  // the live area, null in fallback
  int error = 0;             // errno of the registration attempt or probe, 0 when none failed
  std::string reason;        // one sentence a person can act on
  GlibcRseq glibc{};
  KernelFeatures features{};
  OwnArea own;                                   // set when strategy is kOwn
  bool registered_legacy = false;                // we registered the shared __rseq_abi ourselves
  volatile uint32_t* legacy_refcount = nullptr;  // the __rseq_refcount we incremented, if any
  long thread_id = 0;                            // the OS thread that attached; detaching elsewhere is refused
  uint32_t registration_length = 0;              // the rseq_len the live area is registered with, 0 in fallback
  const RestartSelfTest* self_test = nullptr;    // the process's self-test, once a thread had rseq

  bool Live() const { return area != nullptr; }
};

// Decides and, where the strategy says so, registers. Returns false with `*error_message` set when
// `requested` cannot be honoured on this thread; nothing stays registered in that case.
bool AttachThisThread(Requested requested, ThreadRseq* state, std::string* error_message);

// Undoes what AttachThisThread did on this thread: unregisters only what this package registered and
// releases its share of __rseq_refcount. Safe to call more than once.
void DetachThisThread(ThreadRseq* state);

}  // namespace rseq_native
