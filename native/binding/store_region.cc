#include "store_region.h"

#include "../store/sigbus_guard.h"

namespace rseq_native {

void RetainRegion(StoreRegion* region) { region->owners++; }

void ReleaseRegion(napi_env env, StoreRegion* region) {
  if (--region->owners > 0) return;
  if (region->guard_slot >= 0) UnguardRange(region->guard_slot);
  ReleaseMapping(&region->file);
  if (region->view != nullptr) napi_delete_reference(env, region->view);
  delete region;
}

void ReleaseRegionShare(napi_env env, void* data, void*) { ReleaseRegion(env, static_cast<StoreRegion*>(data)); }

}  // namespace rseq_native
