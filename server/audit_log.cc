#include "server/audit_log.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/audit_verifier.h"
#include "common/checkpoint.h"
#include "common/keyring.h"
#include "common/storage/audit_format.h"
#include "common/storage/coding.h"
#include "common/storage/storage_fault.h"
#include "server/audit_entry_bounds.h"

namespace nexus {
namespace {

using audit_format::CheckpointKey;
using audit_format::EntryKey;
using audit_format::TreeKey;

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(storage::Store* storage,
                                                         CommitQueue* queue, PrivateKey signing_key,
                                                         Options options) {
  std::unique_ptr<AuditLog> log(
      new AuditLog(storage, queue, std::move(signing_key), std::move(options)));
  if (absl::Status s = log->VerifyStoredLog(); !s.ok()) return s;
  {
    absl::MutexLock lock(&log->verify_mu_);
    log->all_verified_ = !log->sealed_.has_value();
    if (log->sealed_.has_value()) log->sealed_size_ = log->sealed_->size;
  }
  queue->AddParticipant(log.get());
  return log;
}

absl::Status AuditLog::CannotRead(absl::string_view what, absl::string_view error) {
  return StorageFault(absl::StrCat(
      "the audit log cannot be read (", what, ": ", error,
      "); this is a storage fault, not a verification failure: check the disk and the data "
      "directory, then start again"));
}

AuditLog::AuditLog(storage::Store* storage, CommitQueue* queue, PrivateKey key, Options options)
    : storage_(storage),
      queue_(queue),
      signing_key_(std::move(key)),
      options_(std::move(options)) {}

absl::Status AuditLog::VerifyStoredLog() {
  if (options_.keys == nullptr) {
    (void)own_key_.Add(options_.origin, options_.key_id, signing_key_.public_key());
  }
  const Keyring& keys = VerifyingKeys();
  const AuditLogReader reader = Reader();
  absl::StatusOr<v1::SignedCheckpoint> head = reader.Head();
  if (absl::IsUnavailable(head.status())) return CannotRead("signed head", head.status().message());
  // A large log with a valid seal: the entries up to the seal are left to the background pass.
  std::optional<SealedTree> sealed;
  std::optional<v1::SignedCheckpoint> beyond;  // a seal of a longer log: proof of a truncation
  if (v1::Checkpoint claimed; head.ok() && claimed.ParseFromString(head->checkpoint())) {
    absl::StatusOr<SealReading> read = ReadSeal(keys, claimed.tree_size());
    if (!read.ok()) return CannotRead("the seal", read.status().message());
    // A seal beyond the head counts whatever the log's size; one that holds only lets a large
    // log be verified after it (and never when the operator accepts a failed log).
    beyond = std::move(read->beyond);
    opening_.set_seal_ignored(read->ignored);
    if (claimed.tree_size() > options_.verify_before_serving_max_entries &&
        !options_.accept_unverified) {
      sealed = std::move(read->sealed);
    }
  }
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> checkpoints =
      reader.Checkpoints(sealed.has_value() ? sealed->size : 0);
  if (absl::IsUnavailable(checkpoints.status())) {
    return CannotRead("checkpoints", checkpoints.status().message());
  }

  std::string problem;  // the first thing found wrong
  if (!checkpoints.ok()) {
    problem = std::string(checkpoints.status().message());
  } else if (!head.ok() && !absl::IsNotFound(head.status())) {
    problem = std::string(head.status().message());
  } else if (!head.ok() && checkpoints->empty()) {
    // Nothing signed: a new log, unless it holds entries (which then no signature covers).
    std::unique_ptr<storage::Cursor> any = storage_->NewCursor(storage::kAuditEntries);
    any->SeekToFirst();
    if (!any->status().ok()) return CannotRead("entries", any->status().message());
    if (!any->Valid()) return absl::OkStatus();
  }
  if (problem.empty()) {
    // The one verifier, as an auditor runs it offline: entries, stored tree, head, checkpoints.
    AuditVerifyOptions verify;
    verify.keys = &keys;
    verify.expected_origin = options_.origin;
    if (head.ok()) verify.head = *head;
    if (sealed.has_value()) {
      verify.prefix = sealed->tree;
      verify.checkpoints.push_back(sealed->seal);  // its root is trusted at its size
    }
    verify.checkpoints.insert(verify.checkpoints.end(), checkpoints->begin(), checkpoints->end());
    if (beyond.has_value()) verify.checkpoints.push_back(*beyond);  // the largest: last
    verify.stored_nodes = reader.StoredNodes();
    AuditVerifyReport report =
        VerifyAuditLog(verify, reader.Entries(sealed.has_value() ? sealed->size : 0));
    if (report.unreadable) return CannotRead("the log", report.problem);
    if (report.ok) {
      opening_.set_verified_entries(report.entries);
      if (sealed.has_value()) {
        opening_.set_sealed_entries(sealed->size);
        sealed_ = std::move(sealed);
      }
      // A log from before signed heads is taken over: from now on every commit signs one, and
      // the log says so in the NODE_START entry that follows.
      opening_.set_upgraded_from_checkpoints_only(report.checkpoints_only);
      {
        absl::MutexLock lock(&checkpoint_mu_);
        for (const v1::SignedCheckpoint& signed_checkpoint : *checkpoints) {
          v1::Checkpoint checkpoint;
          if (checkpoint.ParseFromString(signed_checkpoint.checkpoint())) {
            checkpoint_size_ = std::max(checkpoint_size_, checkpoint.tree_size());
          }
        }
      }
      absl::MutexLock lock(&mu_);
      frontier_ = std::move(report.tree);
      if (head.ok()) head_ = *head;
      return absl::OkStatus();
    }
    problem = std::move(report.problem);
  }
  const std::string refusal = absl::StrCat("the audit log does not verify: ", problem);
  if (!options_.accept_unverified) {
    return absl::DataLossError(absl::StrCat(
        refusal, ". The node will not sign or serve it; to start anyway, with the tree rebuilt ",
        "from the stored entries and the recovery recorded in the log, use ",
        "--accept-unverified-audit-log"));
  }
  return AcceptStoredLog(problem, keys);
}

AuditLogReader AuditLog::Reader() const { return AuditLogReader(storage_); }

void AuditLog::BeginBatch() {
  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  staged_ = frontier_;
  batch_start_ = staged_.size();
  staged_head_.reset();
}

void AuditLog::FinishBatch(storage::Batch& batch) {
  absl::MutexLock lock(&stage_mu_);
  if (staged_.size() == batch_start_) return;  // nothing appended: the head stands
  staged_head_ = SignTreeHead(staged_);
  batch.Put(storage::kAuditHead, audit_format::kHeadKey, staged_head_->SerializeAsString());
}

void AuditLog::EndBatch(bool durable) {
  tally_.EndBatch(durable);
  if (!durable) return;  // the staged entries never happened
  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  frontier_ = staged_;
  if (staged_head_.has_value()) head_ = std::move(staged_head_);
}

v1::SignedCheckpoint AuditLog::SignTreeHead(const merkle::Frontier& tree) const {
  v1::Checkpoint checkpoint;
  checkpoint.set_origin(options_.origin);
  checkpoint.set_tree_size(tree.size());
  merkle::Hash root = tree.Root();
  checkpoint.set_root_hash(std::string(reinterpret_cast<const char*>(root.data()), root.size()));
  checkpoint.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  return SignCheckpoint(checkpoint, signing_key_, options_.key_id);
}

absl::StatusOr<v1::SignedCheckpoint> AuditLog::Head() const {
  absl::MutexLock lock(&mu_);
  if (!head_.has_value()) return absl::NotFoundError("the audit log has no signed head yet");
  return *head_;
}

void AuditLog::Stage(v1::AuditEntry& entry, storage::Batch& batch) {
  tally_.Stage(entry);     // before the bound: every decision counted, also those it cuts
  BoundAuditEntry(entry);  // the one place every entry passes: no caller can exceed the bound
  absl::MutexLock lock(&stage_mu_);
  const uint64_t sequence = staged_.size();
  entry.set_sequence(sequence);
  // Every entry says that its commit signs a head: a verifier never accepts it without one.
  entry.set_log_format(v1::LOG_FORMAT_SIGNED_HEADS);
  if (entry.time_unix_micros() == 0) entry.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  std::string bytes = entry.SerializeAsString();
  std::vector<merkle::Frontier::Node> completed;
  staged_.Append(merkle::LeafHash(bytes), &completed);
  batch.Put(storage::kAuditEntries, EntryKey(sequence), bytes);
  for (const merkle::Frontier::Node& node : completed) {
    batch.Put(storage::kAuditTree, TreeKey(node.level, node.index),
              absl::string_view(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
}

absl::Status AuditLog::Append(std::vector<v1::AuditEntry> entries) {
  if (entries.empty()) return absl::OkStatus();
  return queue_->Commit([&](storage::Batch& batch) {
    for (v1::AuditEntry& entry : entries) Stage(entry, batch);
  });
}

void AuditLog::AppendAsync(std::vector<v1::AuditEntry> entries, CommitQueue::DoneFn done) {
  if (entries.empty()) {
    done(absl::OkStatus());
    return;
  }
  {
    absl::MutexLock lock(&async_mu_);
    ++async_pending_;
  }
  // The entries move into the stage function, which the queue owns until the batch is written.
  queue_->CommitAsync(
      [this, entries = std::move(entries)](storage::Batch& batch) mutable {
        for (v1::AuditEntry& entry : entries) Stage(entry, batch);
      },
      [this, done = std::move(done)](const absl::Status& status) {
        done(status);
        absl::MutexLock lock(&async_mu_);
        if (--async_pending_ == 0) async_done_.SignalAll();
      });
}

absl::Status AuditLog::Append(v1::AuditEntry entry) {
  std::vector<v1::AuditEntry> entries;
  entries.push_back(std::move(entry));
  return Append(std::move(entries));
}

uint64_t AuditLog::size() const {
  absl::MutexLock lock(&mu_);
  return frontier_.size();
}

absl::StatusOr<merkle::Hash> AuditLog::ReadNode(int level, uint64_t index) const {
  absl::StatusOr<std::string> value = storage_->Get(storage::kAuditTree, TreeKey(level, index));
  if (!value.ok() && !absl::IsNotFound(value.status())) {
    return absl::UnavailableError(absl::StrCat("reading audit tree node level ", level, " index ",
                                               index, ": ", value.status().message()));
  }
  if (!value.ok() || value->size() != 32) {
    return absl::DataLossError(
        absl::StrCat("audit tree node level ", level, " index ", index, " is missing"));
  }
  merkle::Hash hash;
  std::copy(value->begin(), value->end(), hash.begin());
  return hash;
}

absl::Status AuditLog::ScanEntries(uint64_t start, uint64_t end, bool newest_first,
                                   const EntryVisitor& visit) const {
  end = std::min(end, size());
  if (start >= end) return absl::OkStatus();
  std::unique_ptr<storage::Cursor> entries = storage_->NewCursor(storage::kAuditEntries);
  // Leaves are level-0 tree nodes: their keys share the entry's order.
  std::unique_ptr<storage::Cursor> leaves = storage_->NewCursor(storage::kAuditTree);
  if (newest_first) {
    entries->SeekForPrev(EntryKey(end - 1));
    leaves->SeekForPrev(TreeKey(0, end - 1));
  } else {
    entries->Seek(EntryKey(start));
    leaves->Seek(TreeKey(0, start));
  }
  merkle::Hash leaf{};
  while (entries->Valid()) {
    std::optional<uint64_t> read = audit_format::ReadNumberKey(entries->key());
    if (!read.has_value()) {
      return absl::DataLossError(absl::StrCat("an audit entry is stored under a ",
                                              entries->key().size(),
                                              "-byte key, not an 8-byte sequence number"));
    }
    const uint64_t index = *read;
    if (index < start || index >= end) break;
    // The leaf is the level-0 node of the same index (compared without building its key).
    if (leaves->Valid() && leaves->key().size() == audit_format::kTreeKeyBytes &&
        leaves->key()[0] == 0 && coding::DecodeFixed64At(leaves->key(), 1) == index &&
        leaves->value().size() == 32) {
      std::copy(leaves->value().data(), leaves->value().data() + 32, leaf.begin());
    } else {
      leaf.fill(0);  // missing: the verifier will say so
    }
    if (!visit(index, std::string(entries->value()), leaf)) break;
    if (newest_first) {
      entries->Prev();
      leaves->Prev();
    } else {
      entries->Next();
      leaves->Next();
    }
  }
  if (!entries->status().ok()) {
    return absl::InternalError(absl::StrCat("audit scan: ", entries->status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<merkle::Hash>> AuditLog::InclusionProof(uint64_t index,
                                                                   uint64_t size) const {
  if (size > this->size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", size, " exceeds the log's ", this->size(), " entries"));
  }
  return merkle::InclusionProof(index, size,
                                [this](int level, uint64_t i) { return ReadNode(level, i); });
}

absl::StatusOr<std::vector<merkle::Hash>> AuditLog::ConsistencyProof(uint64_t first,
                                                                     uint64_t second) const {
  if (second > size()) {
    return absl::OutOfRangeError(
        absl::StrCat("tree size ", second, " exceeds the log's ", size(), " entries"));
  }
  return merkle::ConsistencyProof(first, second,
                                  [this](int level, uint64_t i) { return ReadNode(level, i); });
}

absl::StatusOr<v1::SignedCheckpoint> AuditLog::Checkpoint(absl::Duration min_interval) {
  {
    absl::MutexLock lock(&verify_mu_);
    if (!verify_outcome_.ok()) return verify_outcome_;  // never sign over a log found altered
  }
  absl::MutexLock checkpoint_lock(&checkpoint_mu_);
  merkle::Frontier tree;
  {
    absl::MutexLock lock(&mu_);
    tree = frontier_;
  }
  if (tree.size() == 0) return absl::FailedPreconditionError("the audit log is empty");
  if (tree.size() == checkpoint_size_ ||
      (checkpoint_size_ > 0 && absl::Now() - checkpoint_time_ < min_interval)) {
    absl::StatusOr<std::string> value =
        storage_->Get(storage::kAuditCheckpoints, CheckpointKey(checkpoint_size_));
    v1::SignedCheckpoint latest;
    if (value.ok() && latest.ParseFromString(*value)) return latest;
  }
  v1::SignedCheckpoint signed_checkpoint = SignTreeHead(tree);
  absl::Status s = storage_->Put(storage::kAuditCheckpoints, CheckpointKey(tree.size()),
                                 signed_checkpoint.SerializeAsString(), /*sync=*/true);
  if (!s.ok()) return absl::InternalError(absl::StrCat("checkpoint write: ", s.message()));
  checkpoint_size_ = tree.size();
  checkpoint_time_ = absl::Now();
  return signed_checkpoint;
}

absl::StatusOr<uint64_t> AuditLog::SupersededCheckpoints() const {
  uint64_t count = 0;
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kAuditSuperseded);
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading superseded checkpoints: ", it->status().message()));
  }
  return count;
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> AuditLog::Checkpoints(uint64_t since_size) const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kAuditCheckpoints);
  for (it->Seek(CheckpointKey(since_size)); it->Valid(); it->Next()) {
    v1::SignedCheckpoint checkpoint;
    if (!checkpoint.ParseFromString(std::string(it->value()))) {
      return absl::DataLossError(absl::StrCat("a stored checkpoint (key ",
                                              absl::BytesToHexString(it->key()), ") is malformed"));
    }
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
}

}  // namespace nexus
