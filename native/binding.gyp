# The addon: every native/ source but the tests' and fast_calls/'s, which make the second target. Built through ../binding.gyp in a checkout, and on its
# own by `npx rseq build` in an installed package (lib/cli/build-from-source.ts), which then needs no file outside native/.
{
  "targets": [
    {
      "target_name": "rseq",
      "sources": [
        "arch/descriptor_audit.cc",
        "binding/addon.cc",
        "binding/bound_layout.cc",
        "binding/calibration.cc",
        "binding/call_args.cc",
        "binding/cell_handles.cc",
        "binding/ffi_binding.cc",
        "binding/fast_entry.cc",
        "binding/ffi_entry.cc",
        "binding/integer_args.cc",
        "binding/native_facts.cc",
        "binding/percpu_binding.cc",
        "binding/refusals.cc",
        "binding/store_binding.cc",
        "binding/store_region.cc",
        "percpu/percpu_drain.cc",
        "percpu/percpu_layout.cc",
        "percpu/percpu_ops.cc",
        "percpu/rseq_fence.cc",
        "registration/glibc_rseq.cc",
        "registration/kernel_features.cc",
        "registration/legacy_rseq.cc",
        "registration/own_area.cc",
        "registration/restart_self_test.cc",
        "registration/rseq_answers.cc",
        "registration/rseq_syscall.cc",
        "registration/thread_rseq.cc",
        "store/sigbus_guard.cc",
        "store/store_file.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GNU_SOURCE"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-fno-omit-frame-pointer",
        "-fvisibility=hidden",
        "-ffunction-sections",
        "-fdata-sections",
        "-Wall",
        "-Wextra"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "ldflags": [
        "-ldl",
        "-Wl,--gc-sections"
      ],
      "conditions": [
        [
          "OS!='linux'",
          {
            "type": "none"
          }
        ]
      ]
    },
    {
      # The fast-calls addon of the Node whose headers it is built against (fast_calls/README.md): V8's own API,
      # so one build per Node ABI. Every symbol it takes from Node is bound at load (-z now): a Node without
      # one refuses to load it instead of failing at a first call.
      "target_name": "rseq_fast_calls",
      # In fast-calls/, beside the per-ABI builds: node-gyp-build takes the first .node file of build/Release
      # for the main addon, and in some runtimes (Bun) directories list in no sorted order.
      "product_dir": "<(PRODUCT_DIR)/fast-calls",
      "sources": [
        "fast_calls/fast_calls_addon.cc",
        "fast_calls/main_entries.cc"
      ],
      "defines": [
        "_GNU_SOURCE"
      ],
      # Built for size (eight of them ship): what its fast callbacks run on a counter's add is inlined all the
      # same (RSEQ_ALWAYS_INLINE): add() measured within the noise of an -O2 build (5.1-5.4 against 5.0-5.7 ns
      # on Node 20, 6.1-6.2 against 6.0 on Node 26, alternating runs).
      "cflags_cc": [
        "-Os",
        "-fvisibility=hidden",
        "-Wall",
        "-Wextra"
      ],
      "ldflags": [
        "-ldl",
        "-Wl,-z,now"
      ],
      "conditions": [
        [
          "OS!='linux'",
          {
            "type": "none"
          }
        ]
      ]
    }
  ]
}
