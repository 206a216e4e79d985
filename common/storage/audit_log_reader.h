// Reads an audit log as the store holds it (format: common/storage/audit_format.h), for the one
// verifier: the node at start-up over its own store, and auditors' offline tools over a copy of a
// data directory. Read errors are Unavailable ("cannot read", never a verdict); what is there but
// malformed is DataLoss.
#ifndef NEXUS_COMMON_STORAGE_AUDIT_LOG_READER_H_
#define NEXUS_COMMON_STORAGE_AUDIT_LOG_READER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/audit_verifier.h"
#include "common/merkle.h"
#include "common/storage/store.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

class AuditLogReader {
 public:
  // Reads the audit families of `store` (a directory from before signed heads lacks the head
  // family: it reads as no head). `store` must outlive the reader and what it returns.
  explicit AuditLogReader(const storage::Store* store) : store_(store) {}

  // Every stored checkpoint of at least `since_size` entries, by tree size; DataLoss names the
  // first malformed one, or one not kept under the tree size it claims.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Checkpoints(uint64_t since_size = 0) const;
  // The signed head written with the latest commit; NotFound if none is stored.
  absl::StatusOr<v1::SignedCheckpoint> Head() const;
  // Entries from index `first` on, in index order, with the stored leaf hash of each (one pass
  // over each family). The source reads on a thread of its own, a few chunks of entries ahead of
  // `visit`, and joins it before returning, also when `visit` stops early.
  AuditEntrySource Entries(uint64_t first = 0) const;
  // Stored perfect-subtree nodes. A reader whose first request is node (1, 0) is taken for a
  // rebuild of the tree from its first leaf: it reads the nodes in the order the rebuild
  // completes them (merkle::Frontier::Append) on a thread of its own, a few chunks ahead, until
  // the first node it cannot read. A request in any other order, or past that node, is read
  // directly. One caller at a time; the thread is joined when the last copy of the reader is
  // destroyed, which must be before the database is closed.
  merkle::NodeReader StoredNodes() const;

 private:
  const storage::Store* store_;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_STORAGE_AUDIT_LOG_READER_H_
