// The calling thread's binding, for the functions that find it without N-API: the plain C entry points
// Bun's and Deno's FFI call (ffi_entry.cc). Set when a JS thread attaches, cleared when it detaches.
#pragma once

namespace rseq_native {

struct ThreadBinding;

// One pointer per thread. In a glibc build it is initial-exec TLS: one load from the thread pointer, where
// the general model would call __tls_get_addr on every use; glibc keeps room for this much static TLS in
// objects loaded with dlopen. musl has no such room, and takes the general model.
#if defined(__GLIBC__)
#define RSEQ_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define RSEQ_TLS_MODEL
#endif

extern thread_local ThreadBinding* current_binding RSEQ_TLS_MODEL;

inline ThreadBinding* CurrentBinding() { return current_binding; }

inline void SetCurrentBinding(ThreadBinding* binding) { current_binding = binding; }

}  // namespace rseq_native
