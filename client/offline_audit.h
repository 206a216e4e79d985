// Reading a copy of a node's data directory, read-only, for offline audit verification.
#ifndef NEXUS_CLIENT_OFFLINE_AUDIT_H_
#define NEXUS_CLIENT_OFFLINE_AUDIT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audit_verifier.h"
#include "nexus/v1/audit.pb.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace nexus {

class OfflineAuditLog {
 public:
  // Opens `data_dir` read-only; nothing in it is changed.
  static absl::StatusOr<std::unique_ptr<OfflineAuditLog>> Open(const std::string& data_dir);
  ~OfflineAuditLog();

  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Checkpoints() const;
  // Entries with the stored leaf hash of each, for VerifyAuditLog.
  AuditEntrySource Entries() const;

 private:
  OfflineAuditLog() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* entries_ = nullptr;
  rocksdb::ColumnFamilyHandle* tree_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_OFFLINE_AUDIT_H_
