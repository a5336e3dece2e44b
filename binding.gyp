{
  "targets": [
    {
      "target_name": "rseq",
      "sources": [
        "native/arch/descriptor_audit.cc",
        "native/binding/addon.cc",
        "native/binding/calibration.cc",
        "native/binding/integer_args.cc",
        "native/binding/percpu_binding.cc",
        "native/percpu/percpu_drain.cc",
        "native/percpu/percpu_layout.cc",
        "native/percpu/percpu_ops.cc",
        "native/percpu/rseq_fence.cc",
        "native/registration/glibc_rseq.cc",
        "native/registration/kernel_features.cc",
        "native/registration/legacy_rseq.cc",
        "native/registration/own_area.cc",
        "native/registration/restart_self_test.cc",
        "native/registration/rseq_answers.cc",
        "native/registration/rseq_syscall.cc",
        "native/registration/thread_rseq.cc"
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
