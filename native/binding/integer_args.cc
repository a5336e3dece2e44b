#include "integer_args.h"

#include <cmath>
#include <string>

#include "usage_strings.h"

namespace rseq_native {
namespace {

std::string StringOf(napi_env env, napi_value value) {
  napi_value text;
  if (napi_coerce_to_string(env, value, &text) != napi_ok) return "?";
  char buffer[128];
  size_t length = 0;
  napi_get_value_string_utf8(env, text, buffer, sizeof buffer, &length);
  return std::string(buffer, length);
}

// As describe() in lib/binding/integer-args.ts: how the rejected value is shown in the message.
std::string Describe(napi_env env, napi_value value, napi_valuetype type) {
  switch (type) {
    case napi_bigint:
      return StringOf(env, value) + "n";
    case napi_string:
      return "\"" + StringOf(env, value) + "\"";
    case napi_number:
    case napi_boolean:
    case napi_null:
    case napi_undefined:
      return StringOf(env, value);
    case napi_symbol:
      return "a value of type symbol";
    case napi_function:
      return "a value of type function";
    default:
      return "a value of type object";
  }
}

bool Fail(napi_env env, bool range, const std::string& message) {
  if (range)
    napi_throw_range_error(env, nullptr, message.c_str());
  else
    napi_throw_type_error(env, nullptr, message.c_str());
  return false;
}

bool IsIntegral(double number) { return std::isfinite(number) && std::trunc(number) == number; }
// Integral doubles in [-2^63, 2^63) convert exactly; 2^63 itself is the first one that does not fit.
bool FitsInt64(double number) { return number >= -9223372036854775808.0 && number < 9223372036854775808.0; }

}  // namespace

bool ReadLosslessBigInt(napi_env env, napi_value value, int64_t* out) {
  bool lossless = false;
  return napi_get_value_bigint_int64(env, value, out, &lossless) == napi_ok && lossless;
}

std::string NumberText(napi_env env, napi_value value) { return StringOf(env, value); }

bool ReadInt64Argument(napi_env env, napi_value value, const char* name, int64_t* out) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_number) {
    double number;
    napi_get_value_double(env, value, &number);
    if (!IsIntegral(number)) {
      return Fail(env, true, std::string(name) + usage::kNotAnInteger + Describe(env, value, type));
    }
    if (!FitsInt64(number)) {
      return Fail(env, true, std::string(name) + usage::kOutsideInt64 + Describe(env, value, type));
    }
    *out = static_cast<int64_t>(number);
    return true;
  }
  if (type == napi_bigint) {
    bool lossless = false;
    napi_get_value_bigint_int64(env, value, out, &lossless);
    if (!lossless) {
      return Fail(env, true, std::string(name) + usage::kOutsideInt64 + Describe(env, value, type));
    }
    return true;
  }
  return Fail(env, false, std::string(name) + usage::kNotANumberOrBigInt + Describe(env, value, type));
}

}  // namespace rseq_native
