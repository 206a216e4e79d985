// Reading a copy of a node's data directory, read-only, for offline audit verification: the
// audit log (entries, stored tree, checkpoints, signed head) and the record store beside it.
#ifndef NEXUS_CLIENT_CLI_OFFLINE_AUDIT_H_
#define NEXUS_CLIENT_CLI_OFFLINE_AUDIT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/audit_verifier.h"
#include "common/merkle.h"
#include "common/storage/audit_log_reader.h"
#include "common/storage/store.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

class OfflineAuditLog {
 public:
  // Opens `data_dir` read-only; nothing in it is changed. NotFound if it holds no audit log.
  static absl::StatusOr<std::unique_ptr<OfflineAuditLog>> Open(const std::string& data_dir);

  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Checkpoints() const {
    return reader_->Checkpoints();
  }
  // The signed head written with the node's latest commit; NotFound if there is none.
  absl::StatusOr<v1::SignedCheckpoint> Head() const { return reader_->Head(); }
  // Entries with the stored leaf hash of each, for VerifyAuditLog.
  AuditEntrySource Entries() const { return reader_->Entries(); }
  // The stored perfect-subtree nodes, for VerifyAuditLog.
  merkle::NodeReader StoredNodes() const { return reader_->StoredNodes(); }
  // How many checkpoints accepted recoveries (nexusd --accept-unverified-audit-log) moved aside
  // because they contradict the accepted tree. They are not verified: a witness file that holds
  // one shows the rewrite. The recoveries themselves are in the log (VerifyAuditLog reports them).
  absl::StatusOr<uint64_t> SupersededCheckpoints() const;

  // The whole data directory, read-only: the record store beside the log (a family absent from
  // an older directory reads as empty; Store::HasFamily tells).
  const storage::Store& store() const { return *store_; }

 private:
  explicit OfflineAuditLog(std::unique_ptr<storage::Store> store);
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<AuditLogReader> reader_;  // over store_
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_OFFLINE_AUDIT_H_
