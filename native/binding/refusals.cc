#include "refusals.h"

#include "integer_args.h"

namespace rseq_native {

napi_value ThrowNegative(napi_env env, const std::string& name, int64_t value) {
  std::string message =
      name + " must not be negative: a counter only goes up (a gauge goes both ways), got " + std::to_string(value);
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value ThrowAddRefusal(napi_env env, const std::string& name, bool monotonic, double number) {
  napi_value boxed;
  napi_create_double(env, number, &boxed);
  int64_t value;
  if (!ReadInt64Argument(env, boxed, name.c_str(), &value)) return nullptr;
  if (monotonic && value < 0) return ThrowNegative(env, name, value);
  napi_throw_error(env, nullptr, (name + ": refused for no reason the binding knows (a bug)").c_str());
  return nullptr;
}

napi_value ThrowObserveRefusal(napi_env env, const std::string& caller, double value) {
  napi_value boxed;
  napi_create_double(env, value, &boxed);
  std::string message =
      caller + ": `value` must be finite and within 9007199254740991 x resolution, got " + NumberText(env, boxed);
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

}  // namespace rseq_native
