#include "native_facts.h"

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "call_args.h"
#include "../percpu/percpu_layout.h"
#include "usage_strings.h"

namespace rseq_native {
namespace {

// The header's fields by the names JavaScript gives them (HeaderField in lib/layout/percpu-layout.ts); a
// field's index is its offset in LayoutHeader, so the struct alone states their order.
struct NamedField {
  const char* name;
  size_t offset;
};

constexpr NamedField kHeaderFields[] = {
    {"Magic", offsetof(LayoutHeader, magic)},
    {"Version", offsetof(LayoutHeader, version)},
    {"Slots", offsetof(LayoutHeader, slots)},
    {"Width", offsetof(LayoutHeader, width)},
    {"Stride", offsetof(LayoutHeader, stride)},
    {"Index", offsetof(LayoutHeader, index_kind)},
    {"FallbackSlots", offsetof(LayoutHeader, fallback_slots)},
    {"Kind", offsetof(LayoutHeader, buffer_kind)},
    {"ActiveSet", offsetof(LayoutHeader, active_set)},
    {"RseqSets", offsetof(LayoutHeader, rseq_sets)},
    {"Baseline", offsetof(LayoutHeader, baseline)},
    {"TailBytes", offsetof(LayoutHeader, tail_bytes)},
};
static_assert(std::size(kHeaderFields) * sizeof(uint32_t) == sizeof(LayoutHeader),
              "every u32 field of LayoutHeader has a name here, and no other field is named");

void Set(napi_env env, napi_value object, const char* name, napi_value value) {
  napi_set_named_property(env, object, name, value);
}

napi_value Number(napi_env env, double number) {
  napi_value value;
  napi_create_double(env, number, &value);
  return value;
}

napi_value String(napi_env env, const char* text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return value;
}

napi_value Object(napi_env env) {
  napi_value object;
  napi_create_object(env, &object);
  return object;
}

// layoutFacts() -> { magic, version, headerBytes, slotAlignment, headerFields: { Magic: 0, ... },
// headerFieldCount, indexKinds: { cpu, mmcid }, problems: { TooShort: '...', ... } }
napi_value LayoutFacts(napi_env env, napi_callback_info) {
  napi_value facts = Object(env);
  Set(env, facts, "magic", Number(env, kLayoutMagic));
  Set(env, facts, "version", Number(env, kLayoutVersion));
  Set(env, facts, "headerBytes", Number(env, kLayoutHeaderBytes));
  Set(env, facts, "slotAlignment", Number(env, kSlotAlignment));
  napi_value fields = Object(env);
  for (const NamedField& field : kHeaderFields)
    Set(env, fields, field.name, Number(env, field.offset / sizeof(uint32_t)));
  Set(env, facts, "headerFields", fields);
  Set(env, facts, "headerFieldCount", Number(env, sizeof(LayoutHeader) / sizeof(uint32_t)));
  static_assert(kIndexKinds == 2, "each IndexKind has its name below");
  napi_value index_kinds = Object(env);
  Set(env, index_kinds, "cpu", Number(env, static_cast<uint32_t>(IndexKind::kCpu)));
  Set(env, index_kinds, "mmcid", Number(env, static_cast<uint32_t>(IndexKind::kMmCid)));
  Set(env, facts, "indexKinds", index_kinds);
  napi_value problems = Object(env);
#define RSEQ_SET_PROBLEM(name, text) Set(env, problems, #name, String(env, layout_problem::k##name));
  RSEQ_LAYOUT_PROBLEMS(RSEQ_SET_PROBLEM)
#undef RSEQ_SET_PROBLEM
  Set(env, facts, "problems", problems);
  return facts;
}

// usageStrings() -> { BindViewRequired: 'bind(view): ...', ... }: usage_strings.h's table
napi_value UsageStrings(napi_env env, napi_callback_info) {
  napi_value strings = Object(env);
#define RSEQ_SET_USAGE(name, text) Set(env, strings, #name, String(env, usage::k##name));
  RSEQ_USAGE_STRINGS(RSEQ_SET_USAGE)
#undef RSEQ_SET_USAGE
  return strings;
}

}  // namespace

void AddFactFunctions(napi_env env, napi_value exports) {
  const NamedCallback entries[] = {
      {"layoutFacts", LayoutFacts},
      {"usageStrings", UsageStrings},
  };
  SetFunctions(env, exports, nullptr, entries);
}

}  // namespace rseq_native
