// Baselines for the benchmark, written against the raw N-API C interface so that they cost exactly one
// N-API call and nothing of node-addon-api's wrapping: what "a minimal N-API call" means in the figures.
#include "calibration.h"

#include <sched.h>

namespace rseq_native {

static napi_value EmptyCall(napi_env, napi_callback_info) { return nullptr; }

static napi_value SchedGetcpuCall(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, sched_getcpu(), &result);
  return result;
}

void AddCalibration(napi_env env, napi_value exports) {
  napi_value object, empty, getcpu;
  napi_create_object(env, &object);
  napi_create_function(env, "emptyCall", NAPI_AUTO_LENGTH, EmptyCall, nullptr, &empty);
  napi_create_function(env, "schedGetcpu", NAPI_AUTO_LENGTH, SchedGetcpuCall, nullptr, &getcpu);
  napi_set_named_property(env, object, "emptyCall", empty);
  napi_set_named_property(env, object, "schedGetcpu", getcpu);
  napi_set_named_property(env, exports, "calibration", object);
}

}  // namespace rseq_native
