// A node's storage stack in a temporary directory, for unit tests: RocksDB, the commit queue,
// the audit log and the record store, wired as nexusd wires them.
#ifndef NEXUS_TESTS_NODE_STORAGE_H_
#define NEXUS_TESTS_NODE_STORAGE_H_

#include <memory>
#include <string>

#include "common/storage/rocksdb_store.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"
#include "server/record_store.h"

namespace nexus::testing {

struct NodeStorage {
  // Opens (or reopens) the stack in `dir`, signing checkpoints as `agency` with `key`.
  static std::unique_ptr<NodeStorage> Open(const std::string& dir, const PrivateKey& key,
                                           const std::string& agency = "agency-a") {
    auto stack = std::make_unique<NodeStorage>();
    auto storage = storage::RocksDbStore::Open(dir);
    if (!storage.ok()) return nullptr;
    stack->storage = *std::move(storage);
    stack->commits = std::make_unique<CommitQueue>(stack->storage.get());
    auto audit = AuditLog::Open(stack->storage.get(), stack->commits.get(), key,
                                AuditLog::Options{agency, "1"});
    if (!audit.ok()) return nullptr;
    stack->audit = *std::move(audit);
    stack->records = std::make_unique<RecordStore>(stack->storage.get(), stack->commits.get(),
                                                   stack->audit.get());
    return stack;
  }

  ~NodeStorage() {
    records.reset();
    audit.reset();
    commits.reset();
    storage.reset();
  }

  // The concrete store: tests that damage it as an outside editor reach RocksDB through it.
  std::unique_ptr<storage::RocksDbStore> storage;
  std::unique_ptr<CommitQueue> commits;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<RecordStore> records;
};

// Entries of `audit` with this action and outcome.
inline uint64_t CountEntries(const AuditLog& audit, v1::AuditAction action,
                             v1::AuditOutcome outcome) {
  uint64_t count = 0;
  absl::Status read = audit.ScanEntries(
      0, audit.size(), false, [&](uint64_t, const std::string& bytes, const merkle::Hash&) {
        v1::AuditEntry entry;
        if (entry.ParseFromString(bytes) && entry.action() == action &&
            entry.outcome() == outcome) {
          ++count;
        }
        return true;
      });
  return read.ok() ? count : UINT64_MAX;
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_NODE_STORAGE_H_
