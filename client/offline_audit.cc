#include "client/offline_audit.h"

#include "absl/strings/str_cat.h"
#include "common/audit_format.h"
#include "rocksdb/db.h"

namespace nexus {
namespace {
absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }
}  // namespace

absl::StatusOr<std::unique_ptr<OfflineAuditLog>> OfflineAuditLog::Open(
    const std::string& data_dir) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), data_dir, &names);
  if (!s.ok()) {
    return absl::NotFoundError(
        absl::StrCat(data_dir, " is not a nexusd data directory: ", s.ToString()));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::unique_ptr<OfflineAuditLog> log(new OfflineAuditLog());
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), data_dir, families, &log->handles_,
                                   &log->db_);
  if (!s.ok())
    return absl::UnavailableError(absl::StrCat("cannot open ", data_dir, ": ", s.ToString()));
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == audit_format::kEntriesFamily) log->entries_ = log->handles_[i];
    if (names[i] == audit_format::kTreeFamily) log->tree_ = log->handles_[i];
    if (names[i] == audit_format::kCheckpointsFamily) log->checkpoints_ = log->handles_[i];
  }
  if (log->entries_ == nullptr || log->tree_ == nullptr || log->checkpoints_ == nullptr) {
    return absl::NotFoundError(absl::StrCat(data_dir, " holds no audit log"));
  }
  return log;
}

OfflineAuditLog::~OfflineAuditLog() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  delete db_;
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> OfflineAuditLog::Checkpoints() const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!checkpoints.emplace_back().ParseFromString(it->value().ToString())) {
      return absl::DataLossError(absl::StrCat("stored checkpoint at tree size ",
                                              audit_format::ReadU64Key(View(it->key())),
                                              " is malformed"));
    }
  }
  return checkpoints;
}

AuditEntrySource OfflineAuditLog::Entries() const {
  return [this](const auto& visit) -> absl::Status {
    std::unique_ptr<rocksdb::Iterator> entries(db_->NewIterator(rocksdb::ReadOptions(), entries_));
    std::unique_ptr<rocksdb::Iterator> leaves(db_->NewIterator(rocksdb::ReadOptions(), tree_));
    leaves->Seek(audit_format::TreeKey(0, 0));
    for (entries->SeekToFirst(); entries->Valid(); entries->Next()) {
      uint64_t index = audit_format::ReadU64Key(View(entries->key()));
      // Level-0 keys run in index order; skip to this entry's leaf.
      std::string leaf_key = audit_format::TreeKey(0, index);
      while (leaves->Valid() && leaves->key().compare(leaf_key) < 0) leaves->Next();
      absl::string_view leaf;
      if (leaves->Valid() && leaves->key() == leaf_key) leaf = View(leaves->value());
      if (!visit(index, View(entries->value()), leaf)) return absl::OkStatus();
    }
    if (!entries->status().ok()) {
      return absl::DataLossError(absl::StrCat("reading entries: ", entries->status().ToString()));
    }
    return absl::OkStatus();
  };
}

}  // namespace nexus
