// The node's append-only, tamper-evident audit log (format in common/audit_format.h).
//
// Entries are leaves of an RFC 6962 Merkle tree. Each append stores the entry and the hashes of
// the perfect subtrees it completes, so that any inclusion or consistency proof needs O(log n)
// reads. Appends are group-committed through the CommitQueue, and an entry describing a change
// is staged into the very batch that makes the change. The node signs checkpoints of the tree and
// keeps all of them. Nothing here deletes or rewrites an entry.
#ifndef NEXUS_SERVER_AUDIT_LOG_H_
#define NEXUS_SERVER_AUDIT_LOG_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "nexus/v1/audit.pb.h"
#include "server/commit_queue.h"
#include "server/storage.h"

namespace nexus {

class AuditLog : public CommitParticipant {
 public:
  struct Options {
    std::string origin;  // this node's agency id, named in every checkpoint
    std::string key_id;
  };
  // Loads the tree's right edge from `storage`. `storage` and `queue` must outlive the log.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(Storage* storage, CommitQueue* queue,
                                                        PrivateKey signing_key, Options options);

  // Appends `entries` durably, in order; sets their sequence numbers and times.
  absl::Status Append(std::vector<v1::AuditEntry> entries);
  absl::Status Append(v1::AuditEntry entry);

  // For a CommitQueue stage function only: adds `entry` to `batch` as the next entry. It becomes
  // visible (and counted in size()) when the batch is durable.
  void Stage(v1::AuditEntry& entry, rocksdb::WriteBatch& batch);

  // Number of durable entries.
  uint64_t size() const;
  // Visits stored entries [start, end) in order while `visit` returns true. `leaf_hash` is the
  // stored hash of the leaf, as the tree was built.
  using EntryVisitor =
      std::function<bool(uint64_t index, const std::string& bytes, const merkle::Hash& leaf_hash)>;
  absl::Status ScanEntries(uint64_t start, uint64_t end, bool newest_first,
                           const EntryVisitor& visit) const;

  absl::StatusOr<std::vector<merkle::Hash>> InclusionProof(uint64_t index, uint64_t size) const;
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(uint64_t first, uint64_t second) const;

  // Signs and stores a checkpoint of the current tree, unless the latest one already covers the
  // current size or was signed less than `min_interval` ago (on-demand requests are rate-limited
  // so that nobody can make the node sign and store without bound); returns the new or latest.
  absl::StatusOr<v1::SignedCheckpoint> Checkpoint(
      absl::Duration min_interval = absl::ZeroDuration());
  // Every stored checkpoint with tree size >= since_size, oldest first.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Checkpoints(uint64_t since_size) const;

  void BeginBatch() override;
  void EndBatch(bool durable) override;

 private:
  AuditLog(Storage* storage, CommitQueue* queue, PrivateKey key, Options options,
           merkle::Frontier frontier, uint64_t checkpoint_size);
  absl::StatusOr<merkle::Hash> ReadNode(int level, uint64_t index) const;

  Storage* storage_;
  CommitQueue* queue_;
  PrivateKey signing_key_;
  Options options_;
  std::mutex checkpoint_mu_;  // one checkpoint at a time
  uint64_t checkpoint_size_;  // tree size of the latest stored checkpoint
  absl::Time checkpoint_time_ = absl::InfinitePast();

  mutable std::mutex mu_;
  merkle::Frontier frontier_;  // durable tree; guarded by mu_
  // The batch being staged by the commit leader; touched only by it.
  merkle::Frontier staged_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_LOG_H_
