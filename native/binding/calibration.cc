// Baselines for the benchmark, written against the raw N-API C interface so that they cost exactly one
// N-API call and nothing of node-addon-api's wrapping: what "a minimal N-API call" means in the figures.
#include "calibration.h"

#include "call_args.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace rseq_native {

static napi_value EmptyCall(napi_env, napi_callback_info) { return nullptr; }

static napi_value SchedGetcpuCall(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, sched_getcpu(), &result);
  return result;
}

// The getcpu system call itself, past the vDSO: what a CPU number costs without any shortcut.
static napi_value GetcpuSyscallCall(napi_env env, napi_callback_info) {
  unsigned cpu = 0;
  long rc = syscall(SYS_getcpu, &cpu, nullptr, nullptr);
  napi_value result;
  napi_create_int32(env, rc == 0 ? static_cast<int32_t>(cpu) : -1, &result);
  return result;
}

void AddCalibration(napi_env env, napi_value exports) {
  const NamedCallback entries[] = {
      {"emptyCall", EmptyCall},
      {"schedGetcpu", SchedGetcpuCall},
      {"getcpuSyscall", GetcpuSyscallCall},
  };
  napi_value object;
  napi_create_object(env, &object);
  SetFunctions(env, object, nullptr, entries);
  napi_set_named_property(env, exports, "calibration", object);
}

}  // namespace rseq_native
