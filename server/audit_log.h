// The node's append-only, tamper-evident audit log (format in common/storage/audit_format.h).
//
// Entries are leaves of an RFC 6962 Merkle tree. Each append stores the entry and the hashes of
// the perfect subtrees it completes, so that any inclusion or consistency proof needs O(log n)
// reads. Appends are group-committed through the CommitQueue, and an entry describing a change
// is staged into the very batch that makes the change. Every batch that appends entries also
// carries the signed head of the tree it makes, so no stored entry is ever uncovered by a
// signature; the node also signs checkpoints (periodic, on demand, at shutdown) and keeps all of
// them. At Open the whole log is checked against the head, the checkpoints and the stored tree.
// Nothing here deletes or rewrites an entry.
#ifndef NEXUS_SERVER_AUDIT_LOG_H_
#define NEXUS_SERVER_AUDIT_LOG_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "common/merkle.h"
#include "common/storage/audit_log_reader.h"
#include "common/storage/store.h"
#include "nexus/v1/audit.pb.h"
#include "server/audit_tally.h"
#include "server/commit_queue.h"

namespace nexus {

class AuditLog : public CommitParticipant {
 public:
  struct Options {
    std::string origin;  // this node's agency id, named in every checkpoint
    std::string key_id;
    // Open a log that fails verification anyway (nexusd --accept-unverified-audit-log): the
    // tree is rebuilt from the stored entries and opening() says what failed.
    bool accept_unverified = false;
    // Public keys that may have signed stored checkpoints (older key ids included); when null,
    // only the key of `key_id` derived from the signing key.
    const Keyring* keys = nullptr;
    // A log of at most this many entries is verified in full by Open. A larger one with a valid
    // seal is verified by Open only after the seal, and up to it by VerifySealedInBackground.
    uint64_t verify_before_serving_max_entries = 1000000;
  };
  // Verifies the stored log with the one audit verifier (common/audit_verifier.h: every entry
  // rehashed, every stored tree node compared with the rebuilt tree, the signed head and every
  // checkpoint compared with it, the log's format respected) and loads the tree's right edge. A
  // log that fails is refused with DataLoss naming the first bad entry or node, unless
  // options.accept_unverified; a store that cannot be read is a StorageFault. A log larger than
  // options.verify_before_serving_max_entries is verified only after its seal (see Seal), if the
  // seal is valid: opening().sealed_entries() then says how many entries are left to
  // VerifySealedInBackground. `storage` and `queue` must outlive the log.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(storage::Store* storage, CommitQueue* queue,
                                                        PrivateKey signing_key, Options options);
  // Stops the background verification, if it runs, and waits for every AppendAsync to be told.
  ~AuditLog() override;

  // Verifies the sealed entries that Open left (none unless opening().sealed_entries() > 0) on a
  // thread of its own, with the one verifier, and returns at once. The outcome is an entry in the
  // log (AUDIT_ACTION_LOG_VERIFY). If they fail (or cannot be read), the seal is dropped so that
  // the next start verifies the whole log, every later write fails (CommitQueue::Fail), and no
  // checkpoint or seal is signed again. `on_end` is then called with the outcome (OK, or what
  // failed), unless the pass was stopped.
  void VerifySealedInBackground(std::function<void(const absl::Status&)> on_end)
      ABSL_LOCKS_EXCLUDED(verify_mu_);
  // Blocks until the background verification has ended: OK if it succeeded or none was needed;
  // Cancelled if stopped. For tests and benchmarks.
  absl::Status AwaitBackgroundVerification() ABSL_LOCKS_EXCLUDED(verify_mu_);
  // Ends the background verification early (the node is stopping); the seal stays as it was, so
  // the next start verifies those entries again. Returns true if a pass was cut short.
  bool StopBackgroundVerification() ABSL_LOCKS_EXCLUDED(verify_mu_);
  // Seals the durable head, so that the next start verifies only what comes after it before
  // serving. Does nothing until every entry has been verified (by Open or in the background);
  // after a failed background verification, returns that failure.
  absl::Status Seal() ABSL_LOCKS_EXCLUDED(verify_mu_, mu_);

  // What Open found, for the node's NODE_START entry: the entries verified, an upgrade from a
  // log without signed heads, or the failure the operator accepted and what it superseded.
  const v1::LogOpening& opening() const { return opening_; }
  // What the log holds, counted by action, outcome, refusal code and decision (metrics).
  const AuditTally& tally() const { return tally_; }

  // Appends `entries` durably, in order; sets their sequence numbers and times.
  absl::Status Append(std::vector<v1::AuditEntry> entries);
  absl::Status Append(v1::AuditEntry entry);
  // As Append, but returns at once: `done` is told whether the entries are durable, on the
  // commit queue's writer thread (CommitQueue::DoneFn: it must not block); with no entries, or
  // when the queue is stopping, at once on the caller's thread. For callers that keep
  // many appends in flight without a thread waiting for each.
  void AppendAsync(std::vector<v1::AuditEntry> entries, CommitQueue::DoneFn done)
      ABSL_LOCKS_EXCLUDED(async_mu_);

  // For a CommitQueue stage function only: adds `entry` to `batch` as the next entry. It becomes
  // visible (and counted in size()) when the batch is durable.
  void Stage(v1::AuditEntry& entry, storage::Batch& batch) ABSL_LOCKS_EXCLUDED(stage_mu_);

  // Number of durable entries.
  uint64_t size() const ABSL_LOCKS_EXCLUDED(mu_);
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
      absl::Duration min_interval = absl::ZeroDuration())
      ABSL_LOCKS_EXCLUDED(verify_mu_, checkpoint_mu_, mu_);
  // How many checkpoints accepted recoveries moved to audit_superseded.
  absl::StatusOr<uint64_t> SupersededCheckpoints() const;
  // Every stored checkpoint with tree size >= since_size, oldest first.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Checkpoints(uint64_t since_size) const;
  // The signed head written with the latest commit: it covers every durable entry. NotFound if
  // the log is empty. Served from memory (the head a durable batch wrote, or the one verified at
  // Open), so a store that cannot be read or a batch that failed never yields another head.
  absl::StatusOr<v1::SignedCheckpoint> Head() const;

  void BeginBatch() override ABSL_LOCKS_EXCLUDED(stage_mu_, mu_);
  void FinishBatch(storage::Batch& batch) override ABSL_LOCKS_EXCLUDED(stage_mu_);
  void EndBatch(bool durable) override ABSL_LOCKS_EXCLUDED(stage_mu_, mu_);

 private:
  AuditLog(storage::Store* storage, CommitQueue* queue, PrivateKey key, Options options);
  absl::StatusOr<merkle::Hash> ReadNode(int level, uint64_t index) const;
  // The start-up check of Open; on success (or acceptance) sets the durable tree.
  absl::Status VerifyStoredLog();
  // --accept-unverified-audit-log over a log that failed with `problem` (audit_log_recovery.cc).
  absl::Status AcceptStoredLog(const std::string& problem, const Keyring& keys);
  // The stored seal and the tree it covers, rebuilt from stored nodes and checked against its
  // signed root (audit_log_seal.cc).
  struct SealedTree {
    v1::SignedCheckpoint seal;
    uint64_t size = 0;
    merkle::Frontier tree;
  };
  struct SealReading {
    std::optional<SealedTree> sealed;            // a seal that holds, if any
    std::string ignored;                         // why a stored seal is not used
    std::optional<v1::SignedCheckpoint> beyond;  // the node's own seal, beyond `head_size`
  };
  absl::StatusOr<SealReading> ReadSeal(const Keyring& keys, uint64_t head_size) const;
  // The background pass over the sealed entries, and what follows from its outcome.
  absl::Status VerifySealedEntries() const;
  void RecordBackgroundOutcome(const absl::Status& outcome, absl::Duration took,
                               const std::function<void(const absl::Status&)>& on_end)
      ABSL_LOCKS_EXCLUDED(verify_mu_);
  const Keyring& VerifyingKeys() const {
    return options_.keys != nullptr ? *options_.keys : own_key_;
  }
  AuditLogReader Reader() const;
  // A read of the store that failed (not a read that found something wrong): a StorageFault.
  static absl::Status CannotRead(absl::string_view what, absl::string_view error);
  v1::SignedCheckpoint SignTreeHead(const merkle::Frontier& tree) const;

  storage::Store* storage_;
  CommitQueue* queue_;
  AuditTally tally_;
  PrivateKey signing_key_;
  Options options_;
  Keyring own_key_;                   // options_.keys when none are given
  v1::LogOpening opening_;            // set once by Open
  std::optional<SealedTree> sealed_;  // set by Open when the sealed entries are left to verify

  // The background verification: one thread at most, started once.
  absl::Mutex verify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread verifier_;
  std::atomic<bool> stop_verifying_{false};
  bool all_verified_ ABSL_GUARDED_BY(verify_mu_) =
      false;  // Open or the background pass checked all
  bool verifying_ ABSL_GUARDED_BY(verify_mu_) = false;
  absl::CondVar verified_;  // signalled when verifying_ turns false
  absl::Status verify_outcome_ ABSL_GUARDED_BY(verify_mu_);  // a failure stops every write
  uint64_t sealed_size_ ABSL_GUARDED_BY(verify_mu_) = 0;     // the last seal written or read
  bool pass_cut_short_ ABSL_GUARDED_BY(verify_mu_) = false;  // stopped before its verdict

  // Appends handed to the queue and not yet told: the destructor waits for them, since the
  // queue's writer stages them into this log.
  absl::Mutex async_mu_;
  absl::CondVar async_done_;
  uint64_t async_pending_ ABSL_GUARDED_BY(async_mu_) = 0;

  absl::Mutex checkpoint_mu_;                                     // one checkpoint at a time
  uint64_t checkpoint_size_ ABSL_GUARDED_BY(checkpoint_mu_) = 0;  // latest stored checkpoint
  absl::Time checkpoint_time_ ABSL_GUARDED_BY(checkpoint_mu_) = absl::InfinitePast();

  mutable absl::Mutex mu_;
  merkle::Frontier frontier_ ABSL_GUARDED_BY(mu_);                 // the durable tree
  std::optional<v1::SignedCheckpoint> head_ ABSL_GUARDED_BY(mu_);  // the durable signed head

  // The batch being staged by the commit leader. Only the leader touches it, one batch at a
  // time; the mutex (never contended) lets the compiler check that claim. Taken before mu_.
  absl::Mutex stage_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  merkle::Frontier staged_ ABSL_GUARDED_BY(stage_mu_);
  uint64_t batch_start_ ABSL_GUARDED_BY(stage_mu_) = 0;  // durable size when the batch began
  std::optional<v1::SignedCheckpoint> staged_head_ ABSL_GUARDED_BY(stage_mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_LOG_H_
