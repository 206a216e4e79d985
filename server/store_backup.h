// Online backups of a node's whole store (AdminService.Backup): a RocksDB checkpoint of every
// family at one moment (records, audit log with its signed head, peer cursors, witness state,
// links), written under the configured backup directory in a directory of the caller's name.
// The copy is a data directory: `nexusctl audit verify --offline` checks it, and a node started
// on it serves what the node held then (README, "Backups and restore").
#ifndef NEXUS_SERVER_STORE_BACKUP_H_
#define NEXUS_SERVER_STORE_BACKUP_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nexus/v1/admin_service.pb.h"

namespace nexus {

class AuditLog;
class RecordStore;
namespace storage {
class Store;
}

class StoreBackup {
 public:
  // `directory` empty: backups are off. Every pointer must outlive this.
  StoreBackup(std::string directory, std::string data_dir, storage::Store* storage,
              const RecordStore* store, const AuditLog* audit);

  // Copies the store to directory/name. InvalidArgument for a name that is not 1 to 64 of
  // [A-Za-z0-9._-] (or starts with '.'), FailedPrecondition when backups are off or the
  // directory is inside the data directory, AlreadyExists for a name taken; one backup at a time.
  absl::StatusOr<v1::BackupResponse> Take(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const std::string directory_;
  const std::string data_dir_;
  storage::Store* const storage_;
  const RecordStore* const store_;
  const AuditLog* const audit_;
  absl::Mutex mu_;  // one checkpoint at a time: each reads the whole store's files
};

}  // namespace nexus

#endif  // NEXUS_SERVER_STORE_BACKUP_H_
