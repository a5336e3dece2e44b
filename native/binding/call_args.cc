#include "call_args.h"

namespace rseq_native {

bool ReadCall(napi_env env, napi_callback_info info, Call* call) {
  call->env = env;
  call->count = kMaxArgs;
  void* data;
  if (napi_get_cb_info(env, info, &call->count, call->args, nullptr, &data) != napi_ok) return false;
  call->binding = static_cast<ThreadBinding*>(data);
  return true;
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

bool NameArg(const Call& call, size_t at, std::string* out) {
  size_t length;
  if (at >= call.count || napi_get_value_string_utf8(call.env, call.args[at], nullptr, 0, &length) != napi_ok ||
      length > kMaxNameBytes) {
    return false;
  }
  out->resize(length);
  napi_get_value_string_utf8(call.env, call.args[at], &(*out)[0], length + 1, &length);
  return true;
}

bool DoubleArg(const Call& call, size_t at, double* out) {
  return at < call.count && napi_get_value_double(call.env, call.args[at], out) == napi_ok;
}

bool WordOffsetArg(const Call& call, size_t at, size_t length, size_t size, size_t* offset) {
  double number;
  if (!DoubleArg(call, at, &number) || !(number >= 0) || number + size > static_cast<double>(length)) return false;
  *offset = static_cast<size_t>(number);
  return static_cast<double>(*offset) == number && *offset % size == 0;
}

bool IndexArg(const Call& call, size_t at, uint64_t limit, uint32_t* index) {
  double number;
  if (at >= call.count || napi_get_value_double(call.env, call.args[at], &number) != napi_ok) return false;
  if (!(number >= 0 && number < static_cast<double>(limit)) ||
      number != static_cast<double>(static_cast<uint32_t>(number))) {
    return false;
  }
  *index = static_cast<uint32_t>(number);
  return true;
}

napi_value Int32(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

void SetFunctions(napi_env env, napi_value target, void* data, const NamedCallback* callbacks, size_t count) {
  for (size_t at = 0; at < count; at++) {
    napi_value function;
    napi_create_function(env, callbacks[at].name, NAPI_AUTO_LENGTH, callbacks[at].callback, data, &function);
    napi_set_named_property(env, target, callbacks[at].name, function);
  }
}

}  // namespace rseq_native
