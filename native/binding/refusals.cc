#include "refusals.h"

#include "integer_args.h"
#include "usage_strings.h"

namespace rseq_native {

napi_value ThrowNegative(napi_env env, const std::string& name, int64_t value) {
  std::string message = name + usage::kNegativeCount + std::to_string(value);
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

napi_value ThrowAddRefusal(napi_env env, const std::string& name, bool monotonic, double number) {
  napi_value boxed;
  napi_create_double(env, number, &boxed);
  int64_t value;
  if (!ReadInt64Argument(env, boxed, name.c_str(), &value)) return nullptr;
  if (monotonic && value < 0) return ThrowNegative(env, name, value);
  napi_throw_error(env, nullptr, (name + usage::kRefusedUnknowingly).c_str());
  return nullptr;
}

napi_value ThrowObserveRefusal(napi_env env, const std::string& caller, double value) {
  napi_value boxed;
  napi_create_double(env, value, &boxed);
  std::string message = caller + usage::kObserveOutOfRange + NumberText(env, boxed);
  napi_throw_range_error(env, nullptr, message.c_str());
  return nullptr;
}

}  // namespace rseq_native
