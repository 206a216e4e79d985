#include "client/cli/offline_audit.h"

#include "absl/strings/str_cat.h"
#include "common/storage/audit_format.h"
#include "rocksdb/db.h"

namespace nexus {

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
  rocksdb::DBOptions options;
  // Table files are read through a memory map: a full verification reads every block once, and
  // a map spares a read call and a copy per block (checksums are verified all the same).
  options.allow_mmap_reads = true;
  s = rocksdb::DB::OpenForReadOnly(options, data_dir, families, &log->handles_, &log->db_);
  if (!s.ok())
    return absl::UnavailableError(absl::StrCat("cannot open ", data_dir, ": ", s.ToString()));
  log->names_ = names;
  AuditLogReader::Families audit{
      log->family(audit_format::kEntriesFamily), log->family(audit_format::kTreeFamily),
      log->family(audit_format::kCheckpointsFamily), log->family(audit_format::kHeadFamily)};
  if (audit.entries == nullptr || audit.tree == nullptr || audit.checkpoints == nullptr) {
    return absl::NotFoundError(absl::StrCat(data_dir, " holds no audit log"));
  }
  log->reader_ = std::make_unique<AuditLogReader>(log->db_, audit);
  return log;
}

OfflineAuditLog::~OfflineAuditLog() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  delete db_;
}

absl::StatusOr<uint64_t> OfflineAuditLog::SupersededCheckpoints() const {
  rocksdb::ColumnFamilyHandle* moved = family(audit_format::kSupersededFamily);
  if (moved == nullptr) return 0;  // a directory from before recoveries kept them
  uint64_t count = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), moved));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading superseded checkpoints: ", it->status().ToString()));
  }
  return count;
}

rocksdb::ColumnFamilyHandle* OfflineAuditLog::family(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return handles_[i];
  }
  return nullptr;
}

}  // namespace nexus
