// The bare per-CPU add critical section against `lock xadd` on one shared counter, with no JavaScript
// in the way: uncontended (one thread) and contended (one thread per core). Prints one JSON line.
//   sequence_bench [iterations per thread] [threads for the contended runs]
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../../native/arch/arch.h"
#include "../../native/percpu/percpu_layout.h"
#include "../../native/percpu/percpu_ops.h"
#include "../../native/registration/thread_rseq.h"

using namespace rseq_native;

namespace {

struct alignas(128) SharedCounter {
  std::atomic<int64_t> value{0};
};

// One slot per possible CPU, 128 bytes apart, in two sets with an active-set word, as a drainable
// per-CPU buffer lays them out (the sequence loads the word like it does in the package).
struct Slots {
  std::vector<char> memory;
  uint32_t active_set = 0;
  PerCpuLayout layout{};

  explicit Slots(uint32_t count) : memory((2 * count + 1) * 128ull) {
    char* base = memory.data();
    base += (128 - reinterpret_cast<uintptr_t>(base) % 128) % 128;
    layout.rseq_cells = layout.fallback_cells = base;
    layout.active_set = &active_set;
    layout.set_bytes = count * 128ull;
    layout.slots = layout.fallback_slots = count;
    layout.width = 1;
    layout.rseq_sets = 2;
    layout.stride = 128;
    layout.index = IndexKind::kCpu;
  }

  int64_t Sum() const {
    int64_t total = 0;
    for (uint32_t slot = 0; slot < layout.slots; slot++)
      total += *reinterpret_cast<int64_t*>(layout.rseq_cells + slot * 128);
    return total;
  }
};

enum class Method { kRseqAdd, kLockXadd };

struct Run {
  double ns_per_op;
  uint64_t aborts;
  bool exact;
};

Run Measure(Method method, int threads, uint64_t iterations) {
  Slots slots(PossibleCpus());
  SharedCounter shared;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<uint64_t> aborts{0};
  std::vector<std::thread> pool;
  std::atomic<bool> registered{true};
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&] {
      ThreadRseq rseq;
      std::string error;
      AttachThisThread(Requested::kAuto, &rseq, &error);
      if (!rseq.Live()) registered = false;
      ready++;
      while (!go.load(std::memory_order_acquire)) {
      }
      uint64_t local_aborts = 0;
      if (method == Method::kRseqAdd && rseq.Live()) {
        for (uint64_t i = 0; i < iterations; i++) {
          while (SeqAdd(rseq.area, offsetof(RseqArea, cpu_id), slots.layout.slots, slots.layout.rseq_cells,
                        slots.layout.stride, 1, slots.layout.active_set, slots.layout.set_bytes) == kSeqAborted) {
            local_aborts++;
          }
        }
      } else {
        for (uint64_t i = 0; i < iterations; i++) shared.value.fetch_add(1, std::memory_order_relaxed);
      }
      aborts += local_aborts;
      DetachThisThread(&rseq);
    });
  }
  while (ready.load() != threads) {
  }
  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& thread : pool) thread.join();
  double elapsed = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  int64_t expected = static_cast<int64_t>(iterations) * threads;
  int64_t observed = method == Method::kRseqAdd ? slots.Sum() : shared.value.load();
  if (method == Method::kRseqAdd && !registered) return Run{-1, 0, false};
  // Each thread runs its own iterations in parallel: the cost of one operation as its thread sees it.
  return Run{elapsed / static_cast<double>(iterations), aborts.load(), observed == expected};
}

Run Median(Method method, int threads, uint64_t iterations, int rounds) {
  std::vector<Run> runs;
  for (int i = 0; i < rounds; i++) runs.push_back(Measure(method, threads, iterations));
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.ns_per_op < b.ns_per_op; });
  Run middle = runs[runs.size() / 2];
  for (const Run& run : runs) middle.exact = middle.exact && run.exact;
  return middle;
}

void Print(const char* name, const Run& run, bool last) {
  printf("\"%s\":{\"nsPerOp\":%.3f,\"aborts\":%llu,\"exact\":%s}%s", name, run.ns_per_op,
         static_cast<unsigned long long>(run.aborts), run.exact ? "true" : "false", last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t iterations = argc > 1 ? strtoull(argv[1], nullptr, 10) : 20'000'000;
  int threads = argc > 2 ? atoi(argv[2]) : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  const int rounds = 5;
  Run rseq_alone = Median(Method::kRseqAdd, 1, iterations, rounds);
  Run xadd_alone = Median(Method::kLockXadd, 1, iterations, rounds);
  Run rseq_all = Median(Method::kRseqAdd, threads, iterations, rounds);
  Run xadd_all = Median(Method::kLockXadd, threads, iterations, rounds);
  printf("{\"iterations\":%llu,\"threads\":%d,", static_cast<unsigned long long>(iterations), threads);
  Print("rseqAddUncontended", rseq_alone, false);
  Print("lockXaddUncontended", xadd_alone, false);
  Print("rseqAddAllCores", rseq_all, false);
  Print("lockXaddContended", xadd_all, true);
  printf("}\n");
  return 0;
}
