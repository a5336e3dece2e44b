// N-API glue: one ThreadRseq per JS thread (napi_env), attached when the JS layer first loads the
// binding in that thread and detached by the env's cleanup hook, which runs on the same thread when a
// worker exits or the main thread tears down.
#include <dlfcn.h>
#include <napi.h>
#include <sched.h>

#include <string>

#include "../arch/arch.h"
#include "calibration.h"
#include "../arch/descriptor_audit.h"
#include "../registration/kernel_features.h"
#include "../registration/own_area.h"
#include "current_thread.h"
#include "ffi_binding.h"
#include "percpu_binding.h"
#include "native_facts.h"
#include "store_binding.h"
#include "../percpu/rseq_fence.h"
#include "../registration/rseq_answers.h"
#include "../registration/rseq_syscall.h"
#include "thread_binding.h"
#include "../registration/thread_rseq.h"
#include "usage_strings.h"

namespace rseq_native {
namespace {

ThreadBinding* BindingOf(Napi::Env env) { return env.GetInstanceData<ThreadBinding>(); }

void DetachOnTeardown(ThreadBinding* binding) {
  // Another binding may have attached on this thread since (the addon loaded again): its pointer stays.
  if (CurrentBinding() == binding) SetCurrentBinding(nullptr);
  ReleaseAllHandles(binding->env, &binding->handles);
  binding->sequences.area = nullptr;
  DetachThisThread(&binding->rseq);
}

// A window onto `length` bytes of the area, for JS to load from. Only ever over the fields the kernel
// writes and nobody else does (cpu_id_start/cpu_id, node_id/mm_cid): rseq_cs is never exposed.
Napi::Value AreaWindow(Napi::Env env, RseqArea* area, size_t offset, size_t length) {
  return Napi::ArrayBuffer::New(env, reinterpret_cast<char*>(area) + offset, length);
}

Napi::Value Describe(Napi::Env env, const ThreadRseq& rseq) {
  Napi::Object info = Napi::Object::New(env);
  info.Set("strategy", StrategyName(rseq.strategy));
  info.Set("registered", rseq.Live());
  info.Set("reason", rseq.reason);
  info.Set("errno", rseq.error != 0 ? Napi::Value(Napi::String::New(env, ErrnoName(rseq.error))) : env.Null());
  info.Set("arch", kArchName);
  info.Set("signature", Napi::Number::New(env, kRseqSignature));
  if (rseq.glibc.exported) {
    Napi::Object glibc = Napi::Object::New(env);
    glibc.Set("offset", Napi::Number::New(env, static_cast<double>(rseq.glibc.offset)));
    glibc.Set("size", Napi::Number::New(env, rseq.glibc.size));
    glibc.Set("flags", Napi::Number::New(env, rseq.glibc.flags));
    info.Set("glibc", glibc);
  } else {
    info.Set("glibc", env.Null());
  }
  info.Set("featureSize", Napi::Number::New(env, rseq.features.feature_size));
  info.Set("mmCid", rseq.Live() && KernelFillsMmCid(rseq.features));
  info.Set("numaNode", rseq.Live() && KernelFillsNodeId(rseq.features));
  const FenceState& fence = ProcessFence();
  info.Set("fence", fence.mode == DrainMode::kFence);
  info.Set("drain", DrainModeName(fence.mode));
  if (rseq.Live()) {
    Napi::Object registration = Napi::Object::New(env);
    registration.Set("length", Napi::Number::New(env, rseq.registration_length));
    registration.Set("mode", rseq.registration_length == kOriginalRseqSize ? "historical" : "extended");
    info.Set("registration", registration);
  } else {
    info.Set("registration", env.Null());
  }
  Napi::Object self_test = Napi::Object::New(env);
  const RestartSelfTest* test = rseq.self_test;
  self_test.Set("verdict", RestartVerdictName(test != nullptr ? test->verdict : RestartVerdict::kNotRun));
  self_test.Set("microseconds", Napi::Number::New(env, test != nullptr ? test->microseconds : 0));
  self_test.Set("attempts", Napi::Number::New(env, test != nullptr ? test->attempts : 0));
  self_test.Set("detail", test != nullptr ? test->detail
                                          : std::string("no thread of this process had rseq when this one attached"));
  info.Set("selfTest", self_test);
  return info;
}

// attach(requested: string) -> { info, cpuWindow, tailWindow }. Idempotent per thread.
Napi::Value Attach(const Napi::CallbackInfo& call) {
  Napi::Env env = call.Env();
  if (call.Length() < 1 || !call[0].IsString()) {
    throw Napi::TypeError::New(env, usage::kAttachUsage);
  }
  ThreadBinding* binding = BindingOf(env);
  if (!binding->attached) {
    std::string text = call[0].As<Napi::String>();
    Requested requested;
    if (!ParseRequested(text, &requested)) {
      // lib/binding/strategy-request.ts checks RSEQ_STRATEGY and words the error users see; only a direct call gets here.
      throw Napi::TypeError::New(env, std::string(usage::kAttachUnknownStrategy) + " '" + text + "'");
    }
    std::string error;
    if (!AttachThisThread(requested, &binding->rseq, &error)) throw Napi::Error::New(env, error);
    binding->attached = true;
    binding->sequences.area = binding->rseq.area;
    binding->sequences.mm_cid_filled = binding->rseq.Live() && KernelFillsMmCid(binding->rseq.features);
    binding->env = env;
    SetCurrentBinding(binding);
    env.AddCleanupHook(DetachOnTeardown, binding);
  }
  const ThreadRseq& rseq = binding->rseq;
  Napi::Object result = Napi::Object::New(env);
  result.Set("info", Describe(env, rseq));
  if (rseq.Live()) {
    result.Set("cpuWindow", AreaWindow(env, rseq.area, offsetof(RseqArea, cpu_id_start), 8));
    result.Set("tailWindow", AreaWindow(env, rseq.area, offsetof(RseqArea, node_id), 8));
  } else {
    result.Set("cpuWindow", env.Null());
    result.Set("tailWindow", env.Null());
  }
  return result;
}

// The fallback's answers: getcpu(2) through the vDSO.
Napi::Value Getcpu(const Napi::CallbackInfo& call) {
  unsigned cpu = 0, node = 0;
  if (getcpu(&cpu, &node) != 0) return Napi::Number::New(call.Env(), -1);
  return Napi::Number::New(call.Env(), cpu);
}

Napi::Value GetNumaNode(const Napi::CallbackInfo& call) {
  unsigned cpu = 0, node = 0;
  if (getcpu(&cpu, &node) != 0) return Napi::Number::New(call.Env(), -1);
  return Napi::Number::New(call.Env(), node);
}

// kernelProbe() -> { syscall: the errno name of the process's zero-length rseq(2) call, available: what
// that answer means (native/registration/rseq_answers.h), featureSize, alignment }
Napi::Value KernelProbe(const Napi::CallbackInfo& call) {
  Napi::Env env = call.Env();
  KernelFeatures features = ReadKernelFeatures();
  Napi::Object result = Napi::Object::New(env);
  int answer = ProcessSyscallAnswer();
  result.Set("syscall", ErrnoName(answer));
  result.Set("available", SyscallAvailable(answer));
  result.Set("featureSize", Napi::Number::New(env, features.feature_size));
  result.Set("alignment", Napi::Number::New(env, features.alignment));
  return result;
}

// auditDescriptors() -> { descriptors, signatureMatches, handlerOutside, wellFormed }
// glibcVersion() -> "2.36", or null under another C library. Asked of the C library itself, looked up
// at run time so that the addon still loads where the symbol does not exist.
Napi::Value GlibcVersion(const Napi::CallbackInfo& call) {
  using VersionFunction = const char* (*)();
  auto version = reinterpret_cast<VersionFunction>(dlsym(RTLD_DEFAULT, "gnu_get_libc_version"));
  if (version == nullptr) return call.Env().Null();
  return Napi::String::New(call.Env(), version());
}

Napi::Value AuditDescriptorsCall(const Napi::CallbackInfo& call) {
  Napi::Env env = call.Env();
  DescriptorAudit audit = AuditDescriptors();
  Napi::Object result = Napi::Object::New(env);
  result.Set("descriptors", Napi::Number::New(env, audit.descriptors));
  result.Set("signatureMatches", Napi::Number::New(env, audit.signature_matches));
  result.Set("handlerOutside", Napi::Number::New(env, audit.handler_outside));
  result.Set("wellFormed", Napi::Number::New(env, audit.well_formed));
  return result;
}

// registrationAnswer(signature) -> the errno name rseq(2) answers when this thread's live area is registered
// again, at its length, with `signature` ('EBUSY': the kernel holds it under that signature; 'EPERM': under
// another), or null in fallback. What the kernel enforces, for the tests; nothing changes either way.
Napi::Value RegistrationAnswer(const Napi::CallbackInfo& call) {
  Napi::Env env = call.Env();
  if (call.Length() < 1 || !call[0].IsNumber()) {
    throw Napi::TypeError::New(env, usage::kRegistrationAnswerUsage);
  }
  const ThreadRseq& rseq = BindingOf(env)->rseq;
  if (!rseq.Live()) return env.Null();
  uint32_t signature = call[0].As<Napi::Number>().Uint32Value();
  uint32_t length;
  int answer = RegisterAgain(rseq.area, &rseq.registration_length, 1, signature, &length);
  return Napi::String::New(env, answer == 0 ? "accepted" : ErrnoName(answer));
}

Napi::Value LiveOwnRegistrationsCall(const Napi::CallbackInfo& call) {
  return Napi::Number::New(call.Env(), LiveOwnRegistrations());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* binding = new ThreadBinding();
  binding->handles.tag = NextHandleTag();
  env.SetInstanceData(binding);
  exports.Set("attach", Napi::Function::New(env, Attach, "attach"));
  exports.Set("getcpu", Napi::Function::New(env, Getcpu, "getcpu"));
  exports.Set("getNumaNode", Napi::Function::New(env, GetNumaNode, "getNumaNode"));
  exports.Set("auditDescriptors", Napi::Function::New(env, AuditDescriptorsCall, "auditDescriptors"));
  exports.Set("kernelProbe", Napi::Function::New(env, KernelProbe, "kernelProbe"));
  exports.Set("glibcVersion", Napi::Function::New(env, GlibcVersion, "glibcVersion"));
  exports.Set("registrationAnswer", Napi::Function::New(env, RegistrationAnswer, "registrationAnswer"));
  exports.Set("liveOwnRegistrations", Napi::Function::New(env, LiveOwnRegistrationsCall, "liveOwnRegistrations"));
  AddCalibration(env, exports);
  AddPerCpuFunctions(env, exports, binding);
  AddStoreFunctions(env, exports, binding);
  AddHandleFunctions(env, exports, binding);
  AddFactFunctions(env, exports);
  return exports;
}

}  // namespace
}  // namespace rseq_native

static Napi::Object InitRseq(Napi::Env env, Napi::Object exports) { return rseq_native::Init(env, exports); }

NODE_API_MODULE(rseq, InitRseq)
