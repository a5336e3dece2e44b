#include "cell_handles.h"

#include "bound_layout.h"

namespace rseq_native {

uint32_t AddHandle(HandleTable* table, CellHandle entry, std::string name) {
  if (!table->free.empty()) {
    uint32_t handle = table->free.back();
    table->free.pop_back();
    table->entries[handle] = std::move(entry);
    table->names[handle] = std::move(name);
    return handle;
  }
  table->entries.push_back(std::move(entry));
  table->names.push_back(std::move(name));
  table->size = static_cast<uint32_t>(table->entries.size());
  return table->size - 1;
}

bool ReleaseHandle(napi_env env, HandleTable* table, uint32_t handle) {
  if (handle >= table->entries.size() || table->entries[handle].kind == HandleKind::kFree) return false;
  CellHandle& entry = table->entries[handle];
  ReleaseBoundLayout(env, entry.bound, nullptr);
  entry = CellHandle{};
  table->names[handle].clear();
  table->free.push_back(handle);
  return true;
}

void ReleaseAllHandles(napi_env env, HandleTable* table) {
  for (uint32_t handle = 0; handle < table->entries.size(); handle++) ReleaseHandle(env, table, handle);
  table->entries.clear();
  table->names.clear();
  table->size = 0;
  table->free.clear();
}

}  // namespace rseq_native
