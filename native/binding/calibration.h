#pragma once

#include <node_api.h>

namespace rseq_native {

// Adds `calibration.emptyCall()`, `.schedGetcpu()` and `.getcpuSyscall()` to the binding's exports.
void AddCalibration(napi_env env, napi_value exports);

}  // namespace rseq_native
