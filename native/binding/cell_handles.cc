#include "cell_handles.h"

#include "bound_layout.h"

namespace rseq_native {

uint32_t NextHandleTag() {
  static thread_local uint32_t made = 0;  // the general TLS model: read once per binding, never on a call
  return (1 + made++ % (kHandleTags - 1)) << kHandleIndexBits;
}

bool AddHandle(HandleTable* table, CellHandle entry, std::string name, uint32_t* handle) {
  uint32_t index;
  if (!table->free.empty()) {
    index = table->free.back();
    table->free.pop_back();
    table->entries[index] = std::move(entry);
    table->names[index] = std::move(name);
    table->fast_cells[index].reset();
  } else {
    if (table->entries.size() >= kHandleIndexLimit) return false;
    table->entries.push_back(std::move(entry));
    table->names.push_back(std::move(name));
    table->fast_cells.emplace_back();
    table->size = static_cast<uint32_t>(table->entries.size());
    index = table->size - 1;
  }
  *handle = table->tag | index;
  return true;
}

namespace {

bool ReleaseIndex(napi_env env, HandleTable* table, uint32_t index) {
  if (index >= table->entries.size() || table->entries[index].kind == HandleKind::kFree) return false;
  CellHandle& entry = table->entries[index];
  ReleaseBoundLayout(env, entry.bound, nullptr);
  entry = CellHandle{};
  table->names[index].clear();
  table->fast_cells[index].reset();
  table->free.push_back(index);
  return true;
}

}  // namespace

const FastCell* FastCellOf(HandleTable* table, uint32_t handle, SequenceThread* thread) {
  uint32_t index = handle ^ table->tag;
  if (index >= table->size || table->entries[index].kind == HandleKind::kFree) return nullptr;
  std::unique_ptr<FastCell>& cell = table->fast_cells[index];
  if (cell == nullptr) {
    const CellHandle& entry = table->entries[index];
    cell.reset(new FastCell{FastCellView{entry.kind, entry.monotonic, entry.closed, entry.sequence, thread}, entry});
  }
  return cell.get();
}

bool ReleaseHandle(napi_env env, HandleTable* table, uint32_t handle) {
  return ReleaseIndex(env, table, handle ^ table->tag);
}

void ReleaseAllHandles(napi_env env, HandleTable* table) {
  for (uint32_t index = 0; index < table->entries.size(); index++) ReleaseIndex(env, table, index);
  table->entries.clear();
  table->names.clear();
  table->fast_cells.clear();
  table->size = 0;
  table->free.clear();
}

}  // namespace rseq_native
