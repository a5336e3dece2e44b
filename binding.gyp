{
  "targets": [
    {
      "target_name": "rseq",
      "sources": [
        "native/addon.cc",
        "native/calibration.cc",
        "native/descriptor_audit.cc",
        "native/integer_args.cc",
        "native/glibc_rseq.cc",
        "native/kernel_features.cc",
        "native/legacy_rseq.cc",
        "native/own_area.cc",
        "native/percpu_binding.cc",
        "native/percpu_drain.cc",
        "native/percpu_layout.cc",
        "native/percpu_ops.cc",
        "native/restart_self_test.cc",
        "native/rseq_fence.cc",
        "native/rseq_syscall.cc",
        "native/thread_rseq.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-omit-frame-pointer", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "ldflags": ["-ldl"],
      "conditions": [
        ["OS!='linux'", { "type": "none" }]
      ]
    }
  ]
}
