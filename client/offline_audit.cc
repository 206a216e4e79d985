#include "client/offline_audit.h"

#include "absl/strings/match.h"
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
    return absl::UnavailableError(
        absl::StrCat("cannot read ", data_dir, " as a nexusd data directory: ", s.ToString()));
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
    if (names[i] == audit_format::kHeadFamily) log->head_ = log->handles_[i];
  }
  log->names_ = names;
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
  // A read error ends the scan early: the list would look complete but be short.
  if (!it->status().ok()) {
    return absl::UnavailableError(absl::StrCat("reading checkpoints: ", it->status().ToString()));
  }
  return checkpoints;
}

absl::StatusOr<OfflineAuditLog::Superseded> OfflineAuditLog::SupersededCheckpoints() const {
  Superseded superseded;
  rocksdb::ColumnFamilyHandle* moved = family(audit_format::kSupersededFamily);
  if (moved == nullptr) return superseded;  // a directory from before recoveries kept them
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), moved));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++superseded.checkpoints;
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading superseded checkpoints: ", it->status().ToString()));
  }
  if (superseded.checkpoints == 0) return superseded;
  absl::Status read = Entries()([&](uint64_t index, absl::string_view bytes, absl::string_view) {
    v1::AuditEntry entry;
    if (entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
        entry.action() == v1::AUDIT_ACTION_NODE_START &&
        absl::StrContains(entry.detail(), "accepted by --accept-unverified-audit-log")) {
      superseded.recovery_entry = static_cast<int64_t>(index);
    }
    return true;
  });
  if (!read.ok()) return read;
  return superseded;
}

rocksdb::ColumnFamilyHandle* OfflineAuditLog::family(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return handles_[i];
  }
  return nullptr;
}

absl::StatusOr<v1::SignedCheckpoint> OfflineAuditLog::Head() const {
  std::string value;
  rocksdb::Status s = head_ == nullptr
                          ? rocksdb::Status::NotFound()
                          : db_->Get(rocksdb::ReadOptions(), head_, audit_format::kHeadKey, &value);
  if (s.IsNotFound()) return absl::NotFoundError("no signed head is stored");
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("reading the head: ", s.ToString()));
  v1::SignedCheckpoint head;
  if (!head.ParseFromString(value)) return absl::DataLossError("the stored head is malformed");
  return head;
}

merkle::NodeReader OfflineAuditLog::StoredNodes() const {
  return [this](int level, uint64_t index) -> absl::StatusOr<merkle::Hash> {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), tree_, audit_format::TreeKey(level, index), &value);
    if (!s.ok() && !s.IsNotFound()) {
      return absl::UnavailableError(absl::StrCat("reading audit tree node level ", level, " index ",
                                                 index, ": ", s.ToString()));
    }
    if (!s.ok() || value.size() != 32) {
      return absl::NotFoundError(
          absl::StrCat("audit tree node level ", level, " index ", index, " is missing"));
    }
    merkle::Hash hash;
    std::copy(value.begin(), value.end(), hash.begin());
    return hash;
  };
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
      return absl::UnavailableError(
          absl::StrCat("reading entries: ", entries->status().ToString()));
    }
    if (!leaves->status().ok()) {
      return absl::UnavailableError(
          absl::StrCat("reading leaf hashes: ", leaves->status().ToString()));
    }
    return absl::OkStatus();
  };
}

}  // namespace nexus
