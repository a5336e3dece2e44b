// The memory of one metric store as the binding holds it (lib/layout/store-layout.ts lays it out): a
// SharedArrayBuffer of an in-process store, kept alive by a reference to a view over it, or the mapping of
// a host-wide store's file, unmapped with the region. JavaScript holds a region through an external (the
// store's handle), through the ArrayBuffer over a mapping, and through every layout bound to its cells;
// it goes with the last of them. All of them belong to one env, so nothing here races but the SIGBUS guard.
#pragma once

#include <node_api.h>
#include <signal.h>

#include <cstddef>

#include "../store/store_file.h"

namespace rseq_native {

struct StoreRegion {
  char* base = nullptr;
  size_t length = 0;
  int owners = 1;
  bool closed = false;             // store.close(): its series throw, a mapping is detached from the file
  napi_ref view = nullptr;         // in-process: keeps the SharedArrayBuffer alive
  FileMapping file;                // host-wide: the mapping itself
  volatile sig_atomic_t lost = 0;  // the SIGBUS guard replaced the mapping: the file shrank under it
  int guard_slot = -1;
};

void RetainRegion(StoreRegion* region);

// Gives back one share; the last one unmaps (or drops the reference) and frees the region.
void ReleaseRegion(napi_env env, StoreRegion* region);

// A napi_finalize giving back one share of the region in `data`.
void ReleaseRegionShare(napi_env env, void* data, void* hint);

}  // namespace rseq_native
