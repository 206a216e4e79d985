// Reading a copy of a node's data directory, read-only, for offline audit verification: the
// audit log (entries, stored tree, checkpoints, signed head) and the record store beside it.
#ifndef NEXUS_CLIENT_OFFLINE_AUDIT_H_
#define NEXUS_CLIENT_OFFLINE_AUDIT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audit_verifier.h"
#include "common/merkle.h"
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
  // The signed head written with the node's latest commit; NotFound if there is none.
  absl::StatusOr<v1::SignedCheckpoint> Head() const;
  // Entries with the stored leaf hash of each, for VerifyAuditLog.
  AuditEntrySource Entries() const;
  // The stored perfect-subtree nodes, for VerifyAuditLog.
  merkle::NodeReader StoredNodes() const;
  // Checkpoints an accepted recovery (nexusd --accept-unverified-audit-log) moved aside because
  // they contradict the accepted tree, and the entry that records the latest such recovery (-1
  // if none names it). They are not verified: a witness file that holds one shows the rewrite.
  struct Superseded {
    uint64_t checkpoints = 0;
    int64_t recovery_entry = -1;
  };
  absl::StatusOr<Superseded> SupersededCheckpoints() const;

  // The record store's column families ("records", "feed", "indicators"); null if absent.
  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* family(const std::string& name) const;

 private:
  OfflineAuditLog() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* entries_ = nullptr;
  rocksdb::ColumnFamilyHandle* tree_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  rocksdb::ColumnFamilyHandle* head_ = nullptr;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_OFFLINE_AUDIT_H_
