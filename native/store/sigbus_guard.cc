#include "sigbus_guard.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace rseq_native {
namespace {

// Ranges are claimed and released by JS threads and read by the handler on any thread: a slot's fields
// change only while its generation is odd, and the handler uses what it read only if the generation was
// the same even number before and after (a seqlock: the handler never waits, it skips a changing slot).
struct GuardedRange {
  std::atomic<uint64_t> generation{0};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<volatile sig_atomic_t*> lost{nullptr};
};

constexpr int kMaxGuarded = 256;
GuardedRange guarded[kMaxGuarded];

std::mutex install_lock;  // serializes installing the handler and claiming slots (never taken in the handler)
bool installed = false;
struct sigaction previous;
const char* problem = "";

void Forward(int signal, siginfo_t* info, void* context) {
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction != nullptr) previous.sa_sigaction(signal, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal);
    return;
  }
  // The default action: with the default disposition back, a faulting access runs again and the kernel
  // ends the process with SIGBUS as it would have without the guard; a SIGBUS another process sent is sent
  // again, to be delivered once this handler returns. (Ignoring a fault's SIGBUS would only retry it for ever.)
  struct sigaction fallback = {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(SIGBUS, &fallback, nullptr);
  if (info->si_code <= 0) raise(SIGBUS);
}

void OnSigbus(int signal, siginfo_t* info, void* context) {
  // Only a fault (si_code > 0: the kernel's BUS_ADRERR and kin) has an address; kill(2) and sigqueue(3)
  // (si_code <= 0) go on to what would have handled them without the guard.
  if (info->si_code <= 0) return Forward(signal, info, context);
  uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (GuardedRange& range : guarded) {
    uint64_t before = range.generation.load(std::memory_order_acquire);
    if (before % 2 != 0) continue;
    uintptr_t begin = range.begin.load(std::memory_order_relaxed);
    uintptr_t end = range.end.load(std::memory_order_relaxed);
    volatile sig_atomic_t* lost = range.lost.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (range.generation.load(std::memory_order_relaxed) != before) continue;
    if (end == 0 || address < begin || address >= end) continue;
    // mmap is a plain system call here, safe in a signal handler.
    void* replaced = mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ | PROT_WRITE,
                          MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (replaced == MAP_FAILED) break;
    if (lost != nullptr) *lost = 1;
    return;
  }
  Forward(signal, info, context);
}

bool Install() {
  if (installed) return true;
  struct sigaction action = {};
  action.sa_sigaction = OnSigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGBUS, &action, &previous) != 0) {
    problem = "the SIGBUS handler could not be installed";
    return false;
  }
  installed = true;
  return true;
}

}  // namespace

// Sets a slot's fields under its generation: odd while they change.
static void Write(GuardedRange* range, uintptr_t begin, uintptr_t end, volatile sig_atomic_t* lost) {
  range->generation.fetch_add(1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  range->begin.store(begin, std::memory_order_relaxed);
  range->end.store(end, std::memory_order_relaxed);
  range->lost.store(lost, std::memory_order_relaxed);
  range->generation.fetch_add(1, std::memory_order_release);
}

int GuardRange(char* base, size_t length, volatile sig_atomic_t* lost) {
  std::lock_guard<std::mutex> hold(install_lock);
  if (!Install()) return -1;
  for (int slot = 0; slot < kMaxGuarded; slot++) {
    if (guarded[slot].end.load(std::memory_order_relaxed) != 0) continue;
    Write(&guarded[slot], reinterpret_cast<uintptr_t>(base), reinterpret_cast<uintptr_t>(base) + length, lost);
    return slot;
  }
  problem = "more than 256 host-wide stores are mapped in this process";
  return -1;
}

void UnguardRange(int slot) {
  if (slot < 0 || slot >= kMaxGuarded) return;
  std::lock_guard<std::mutex> hold(install_lock);
  Write(&guarded[slot], 0, 0, nullptr);
}

const char* GuardProblem() { return problem; }

}  // namespace rseq_native
