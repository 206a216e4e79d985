#include "client/cli/offline_audit.h"

#include "absl/strings/str_cat.h"
#include "common/storage/rocksdb_store.h"

namespace nexus {

absl::StatusOr<std::unique_ptr<OfflineAuditLog>> OfflineAuditLog::Open(
    const std::string& data_dir) {
  // Read-only, in total order (without the node's prefix extractor), every family the
  // directory has.
  absl::StatusOr<std::unique_ptr<storage::RocksDbStore>> store =
      storage::RocksDbStore::OpenReadOnly(data_dir);
  if (!store.ok()) return store.status();
  // A directory from before signed heads lacks the head family only: the reader takes it as
  // no head.
  for (storage::Family family :
       {storage::kAuditEntries, storage::kAuditTree, storage::kAuditCheckpoints}) {
    if (!(*store)->HasFamily(family)) {
      return absl::NotFoundError(absl::StrCat(data_dir, " holds no audit log"));
    }
  }
  return std::unique_ptr<OfflineAuditLog>(new OfflineAuditLog(*std::move(store)));
}

OfflineAuditLog::OfflineAuditLog(std::unique_ptr<storage::Store> store)
    : store_(std::move(store)), reader_(std::make_unique<AuditLogReader>(store_.get())) {}

absl::StatusOr<uint64_t> OfflineAuditLog::SupersededCheckpoints() const {
  // A directory from before recoveries kept them has no such family: it reads as empty.
  uint64_t count = 0;
  std::unique_ptr<storage::Cursor> it = store_->NewCursor(storage::kAuditSuperseded);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading superseded checkpoints: ", it->status().message()));
  }
  return count;
}

}  // namespace nexus
