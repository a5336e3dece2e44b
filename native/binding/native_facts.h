// The facts the TypeScript side needs where no addon loads, exported by the addon that states them:
// layoutFacts() (native/percpu/percpu_layout.h) and usageStrings() (usage_strings.h).
// scripts/generate-native-facts.mjs writes them to lib/layout/percpu-layout-facts.ts and
// lib/binding/usage-strings.ts, and test/native-facts.test.ts fails while those copies differ from these.
#pragma once

#include <node_api.h>

namespace rseq_native {

void AddFactFunctions(napi_env env, napi_value exports);

}  // namespace rseq_native
