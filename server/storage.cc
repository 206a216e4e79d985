#include "server/storage.h"

namespace nexus {

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<storage::RocksDbStore>> store = storage::RocksDbStore::Open(dir);
  if (!store.ok()) return store.status();
  return std::unique_ptr<Storage>(new Storage(*std::move(store)));
}

}  // namespace nexus
