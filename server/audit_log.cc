#include "server/audit_log.h"

#include <map>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/audit_format.h"
#include "common/checkpoint.h"
#include "common/keyring.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "server/audit_entry_bounds.h"

namespace nexus {
namespace {

using audit_format::ReadU64Key;
using audit_format::TreeKey;
using audit_format::U64Key;

absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

constexpr absl::string_view kCannotReadPayload = "type.nexus/audit-log-cannot-read";

// A read of the store that failed (not a read that found something wrong): Unavailable, marked
// for AuditLog::IsCannotRead.
absl::Status CannotRead(absl::string_view what, absl::string_view error) {
  absl::Status status = absl::UnavailableError(absl::StrCat(
      "the audit log cannot be read (", what, ": ", error,
      "); this is a storage fault, not a verification failure: check the disk and the data "
      "directory, then start again"));
  status.SetPayload(kCannotReadPayload, absl::Cord("1"));
  return status;
}

// The stored leaf hash of entry `index`, moving `leaves` (over audit_tree, never behind it) to it.
absl::StatusOr<merkle::Hash> StoredLeaf(rocksdb::Iterator& leaves, uint64_t index) {
  const std::string key = TreeKey(0, index);
  while (leaves.Valid() && leaves.key().compare(key) < 0) leaves.Next();
  if (!leaves.Valid() || leaves.key() != key || leaves.value().size() != 32) {
    return absl::NotFoundError("missing");
  }
  merkle::Hash hash;
  std::copy(leaves.value().data(), leaves.value().data() + 32, hash.begin());
  return hash;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Storage* storage, CommitQueue* queue,
                                                         PrivateKey signing_key, Options options) {
  std::unique_ptr<AuditLog> log(
      new AuditLog(storage, queue, std::move(signing_key), std::move(options)));
  if (absl::Status s = log->VerifyStoredLog(); !s.ok()) return s;
  queue->AddParticipant(log.get());
  return log;
}

bool AuditLog::IsCannotRead(const absl::Status& status) {
  return status.GetPayload(kCannotReadPayload).has_value();
}

AuditLog::AuditLog(Storage* storage, CommitQueue* queue, PrivateKey key, Options options)
    : storage_(storage),
      queue_(queue),
      signing_key_(std::move(key)),
      options_(std::move(options)) {}

absl::Status AuditLog::VerifyStoredLog() {
  rocksdb::DB* db = storage_->db();
  Keyring own_key;
  if (options_.keys == nullptr) {
    (void)own_key.Add(options_.origin, options_.key_id, signing_key_.public_key());
  }
  const Keyring& keys = options_.keys != nullptr ? *options_.keys : own_key;

  // Every signed root the node holds, by tree size: the checkpoints and the signed head.
  struct SignedRoot {
    merkle::Hash root;
    std::string what;
  };
  std::map<uint64_t, std::vector<SignedRoot>> signed_roots;
  // Each stored checkpoint, for a recovery to tell those that contradict the accepted tree.
  struct StoredCheckpoint {
    std::string key, value;
    bool valid = false;  // parsed, signed by a known key, of this node's agency
    uint64_t size = 0;
    merkle::Hash root{};
  };
  std::vector<StoredCheckpoint> stored_checkpoints;
  std::string problem;  // the first thing found wrong
  std::optional<v1::SignedCheckpoint> stored_head;
  auto admit = [&](const std::string& bytes, const std::string& what) {
    v1::SignedCheckpoint signed_checkpoint;
    if (!signed_checkpoint.ParseFromString(bytes)) {
      if (problem.empty()) problem = absl::StrCat("the stored ", what, " is malformed");
      return;
    }
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, keys);
    absl::StatusOr<merkle::Hash> root =
        checkpoint.ok() ? RootOf(*checkpoint) : absl::StatusOr<merkle::Hash>(checkpoint.status());
    if (checkpoint.ok() && checkpoint->origin() != options_.origin) {
      root = absl::DataLossError(absl::StrCat("it is of agency '", checkpoint->origin(),
                                              "', not of this node's '", options_.origin, "'"));
    }
    if (!root.ok()) {
      if (problem.empty())
        problem = absl::StrCat("the stored ", what, ": ", root.status().message());
      return;
    }
    signed_roots[checkpoint->tree_size()].push_back(
        {*root, absl::StrCat(what, " at tree size ", checkpoint->tree_size())});
    if (what == "checkpoint") {
      stored_checkpoints.back().valid = true;
      stored_checkpoints.back().size = checkpoint->tree_size();
      stored_checkpoints.back().root = *root;
    }
  };
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kAuditCheckpoints)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::MutexLock lock(&checkpoint_mu_);
      checkpoint_size_ = ReadU64Key(View(it->key()));
      stored_checkpoints.push_back({it->key().ToString(), it->value().ToString()});
      admit(stored_checkpoints.back().value, "checkpoint");
    }
    if (!it->status().ok()) return CannotRead("checkpoints", it->status().ToString());
    std::string head;
    rocksdb::Status head_read =
        db->Get(rocksdb::ReadOptions(), storage_->family(Storage::kAuditHead),
                audit_format::kHeadKey, &head);
    if (!head_read.ok() && !head_read.IsNotFound())
      return CannotRead("signed head", head_read.ToString());
    if (head_read.ok()) {
      admit(head, "signed head");
      if (v1::SignedCheckpoint parsed; parsed.ParseFromString(head)) stored_head = parsed;
    }
  }

  // Rehash every entry, rebuild the tree, and compare each node it completes with the stored
  // one and each signed root with the rebuilt tree at its size.
  merkle::Frontier tree;
  std::map<uint64_t, merkle::Hash> rebuilt_roots;  // at each size something signed a root for
  std::vector<merkle::Frontier::Node> completed, repairs;
  bool gap = false;
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kAuditEntries)));
  // Leaves are level-0 tree nodes: their keys share the entries' order.
  std::unique_ptr<rocksdb::Iterator> leaves(
      db->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kAuditTree)));
  leaves->Seek(TreeKey(0, 0));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t index = tree.size();
    if (it->key().size() != 8 || ReadU64Key(View(it->key())) != index) {
      problem = absl::StrCat("entry ", index, " is missing (the next stored entry is ",
                             ReadU64Key(View(it->key())), ")");
      gap = true;
      break;
    }
    uint64_t sequence = 0;
    if (problem.empty() &&
        (!audit_format::ReadEntrySequence(View(it->value()), &sequence) || sequence != index)) {
      problem = absl::StrCat("entry ", index, " does not hold sequence ", index,
                             " (altered, moved or swapped)");
    }
    completed.clear();
    tree.Append(merkle::LeafHash(View(it->value())), &completed);
    for (const merkle::Frontier::Node& node : completed) {
      absl::StatusOr<merkle::Hash> stored =
          node.level == 0 ? StoredLeaf(*leaves, index) : ReadNode(node.level, node.index);
      if (stored.ok() && *stored == node.hash) continue;
      if (absl::IsUnavailable(stored.status())) {
        return CannotRead("tree node", stored.status().message());
      }
      repairs.push_back(node);
      if (!problem.empty()) continue;
      problem = node.level == 0
                    ? absl::StrCat("entry ", index,
                                   " does not match the leaf hash stored for it (the entry or "
                                   "the tree was altered)")
                    : absl::StrCat("stored audit tree node level ", node.level, " index ",
                                   node.index, " (entries ", node.index << node.level, " to ",
                                   ((node.index + 1) << node.level) - 1,
                                   ") differs from the tree rebuilt from the entries");
    }
    auto signed_here = signed_roots.find(tree.size());
    if (signed_here == signed_roots.end()) continue;
    merkle::Hash root = tree.Root();
    rebuilt_roots[tree.size()] = root;
    if (!problem.empty()) continue;
    for (const SignedRoot& signed_root : signed_here->second) {
      if (signed_root.root != root && problem.empty()) {
        problem = absl::StrCat("entries 0 to ", index, " do not rebuild the root of the ",
                               signed_root.what, " (entries and tree altered together)");
      }
    }
  }
  if (!it->status().ok()) return CannotRead("entries", it->status().ToString());
  if (!leaves->status().ok()) return CannotRead("leaf hashes", leaves->status().ToString());
  const uint64_t size = tree.size();
  if (problem.empty() && !signed_roots.empty() && signed_roots.rbegin()->first > size) {
    const auto& [signed_size, roots] = *signed_roots.rbegin();
    problem = absl::StrCat("the log has ", size, " entries but the ", roots[0].what, " covers ",
                           signed_size, ": entries ", size, " to ", signed_size - 1,
                           " are missing (truncated)");
  }
  uint64_t covered = signed_roots.empty() ? 0 : signed_roots.rbegin()->first;
  if (problem.empty() && covered < size) {
    problem = absl::StrCat("entries ", covered, " to ", size - 1,
                           " are covered by no signed head or checkpoint (entry ", covered,
                           " was added or altered outside the node)");
  }
  if (problem.empty()) {
    absl::MutexLock lock(&mu_);
    frontier_ = std::move(tree);
    head_ = std::move(stored_head);
    return absl::OkStatus();
  }
  const std::string refusal = absl::StrCat("the audit log does not verify: ", problem);
  if (gap) {
    return absl::DataLossError(
        absl::StrCat(refusal, "; the tree cannot be rebuilt past a missing entry, so the log ",
                     "cannot be accepted either"));
  }
  if (!options_.accept_unverified) {
    return absl::DataLossError(absl::StrCat(
        refusal, ". The node will not sign or serve it; to start anyway, with the tree rebuilt ",
        "from the stored entries and the recovery recorded in the log, use ",
        "--accept-unverified-audit-log"));
  }
  // The operator accepts the stored entries as they are: the tree is the one they make, and
  // stored nodes that disagree are replaced so that proofs match it.
  rocksdb::WriteBatch batch;
  for (const merkle::Frontier::Node& node : repairs) {
    batch.Put(storage_->family(Storage::kAuditTree), TreeKey(node.level, node.index),
              rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
  // Checkpoints that contradict the accepted tree would refuse every later start: they move to
  // audit_superseded (kept, and named in the recovery's entry), so the next start verifies.
  std::vector<std::string> superseded;
  uint64_t latest_kept = 0;
  for (const StoredCheckpoint& checkpoint : stored_checkpoints) {
    auto rebuilt = rebuilt_roots.find(checkpoint.size);
    if (checkpoint.valid && checkpoint.size <= size && rebuilt != rebuilt_roots.end() &&
        rebuilt->second == checkpoint.root) {
      latest_kept = std::max(latest_kept, checkpoint.size);
      continue;
    }
    batch.Delete(storage_->family(Storage::kAuditCheckpoints), checkpoint.key);
    batch.Put(storage_->family(Storage::kAuditSuperseded), checkpoint.key, checkpoint.value);
    superseded.push_back(checkpoint.key.size() == 8
                             ? absl::StrCat(ReadU64Key(checkpoint.key))
                             : absl::StrCat("'", absl::CHexEscape(checkpoint.key), "'"));
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (rocksdb::Status s = db->Write(sync, &batch); !s.ok()) {
    return absl::InternalError(absl::StrCat("audit tree repair: ", s.ToString()));
  }
  {
    absl::MutexLock lock(&checkpoint_mu_);
    checkpoint_size_ = latest_kept;
  }
  if (!superseded.empty()) {
    constexpr size_t kNamed = 20;  // the entry stays bounded; the rest are counted
    const size_t named = std::min(superseded.size(), kNamed);
    problem = absl::StrCat(problem, "; ", superseded.size(),
                           " checkpoints that contradict the accepted tree were moved to "
                           "audit_superseded (tree sizes ",
                           absl::StrJoin(superseded.begin(), superseded.begin() + named, ", "),
                           superseded.size() > named ? ", ..." : "", ")");
  }
  unverified_reason_ = problem;
  absl::MutexLock lock(&mu_);
  frontier_ = std::move(tree);
  head_ = std::move(stored_head);
  return absl::OkStatus();
}

void AuditLog::BeginBatch() {
  absl::MutexLock stage_lock(&stage_mu_);
  absl::MutexLock lock(&mu_);
  staged_ = frontier_;
  batch_start_ = staged_.size();
  staged_head_.reset();
}

void AuditLog::FinishBatch(rocksdb::WriteBatch& batch) {
  absl::MutexLock lock(&stage_mu_);
  if (staged_.size() == batch_start_) return;  // nothing appended: the head stands
  staged_head_ = SignTreeHead(staged_);
  batch.Put(storage_->family(Storage::kAuditHead), audit_format::kHeadKey,
            staged_head_->SerializeAsString());
}

void AuditLog::EndBatch(bool durable) {
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

void AuditLog::Stage(v1::AuditEntry& entry, rocksdb::WriteBatch& batch) {
  BoundAuditEntry(entry);  // the one place every entry passes: no caller can exceed the bound
  absl::MutexLock lock(&stage_mu_);
  const uint64_t sequence = staged_.size();
  entry.set_sequence(sequence);
  if (entry.time_unix_micros() == 0) entry.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  std::string bytes = entry.SerializeAsString();
  std::vector<merkle::Frontier::Node> completed;
  staged_.Append(merkle::LeafHash(bytes), &completed);
  batch.Put(storage_->family(Storage::kAuditEntries), U64Key(sequence), bytes);
  for (const merkle::Frontier::Node& node : completed) {
    batch.Put(storage_->family(Storage::kAuditTree), TreeKey(node.level, node.index),
              rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
}

absl::Status AuditLog::Append(std::vector<v1::AuditEntry> entries) {
  if (entries.empty()) return absl::OkStatus();
  return queue_->Commit([&](rocksdb::WriteBatch& batch) {
    for (v1::AuditEntry& entry : entries) Stage(entry, batch);
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
  std::string value;
  rocksdb::Status s = storage_->db()->Get(
      rocksdb::ReadOptions(), storage_->family(Storage::kAuditTree), TreeKey(level, index), &value);
  if (!s.ok() && !s.IsNotFound()) {
    return absl::UnavailableError(absl::StrCat("reading audit tree node level ", level, " index ",
                                               index, ": ", s.ToString()));
  }
  if (!s.ok() || value.size() != 32) {
    return absl::DataLossError(
        absl::StrCat("audit tree node level ", level, " index ", index, " is missing"));
  }
  merkle::Hash hash;
  std::copy(value.begin(), value.end(), hash.begin());
  return hash;
}

absl::Status AuditLog::ScanEntries(uint64_t start, uint64_t end, bool newest_first,
                                   const EntryVisitor& visit) const {
  end = std::min(end, size());
  if (start >= end) return absl::OkStatus();
  rocksdb::DB* db = storage_->db();
  std::unique_ptr<rocksdb::Iterator> entries(
      db->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kAuditEntries)));
  // Leaves are level-0 tree nodes: their keys share the entry's order.
  std::unique_ptr<rocksdb::Iterator> leaves(
      db->NewIterator(rocksdb::ReadOptions(), storage_->family(Storage::kAuditTree)));
  if (newest_first) {
    entries->SeekForPrev(U64Key(end - 1));
    leaves->SeekForPrev(TreeKey(0, end - 1));
  } else {
    entries->Seek(U64Key(start));
    leaves->Seek(TreeKey(0, start));
  }
  merkle::Hash leaf{};
  while (entries->Valid()) {
    uint64_t index = ReadU64Key(View(entries->key()));
    if (index < start || index >= end) break;
    if (leaves->Valid() && leaves->key().size() == 9 && leaves->key()[0] == 0 &&
        ReadU64Key(View(leaves->key()).substr(1)) == index && leaves->value().size() == 32) {
      std::copy(leaves->value().data(), leaves->value().data() + 32, leaf.begin());
    } else {
      leaf.fill(0);  // missing: the verifier will say so
    }
    if (!visit(index, entries->value().ToString(), leaf)) break;
    if (newest_first) {
      entries->Prev();
      leaves->Prev();
    } else {
      entries->Next();
      leaves->Next();
    }
  }
  if (!entries->status().ok()) {
    return absl::InternalError(absl::StrCat("audit scan: ", entries->status().ToString()));
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
  absl::MutexLock checkpoint_lock(&checkpoint_mu_);
  merkle::Frontier tree;
  {
    absl::MutexLock lock(&mu_);
    tree = frontier_;
  }
  if (tree.size() == 0) return absl::FailedPreconditionError("the audit log is empty");
  if (tree.size() == checkpoint_size_ ||
      (checkpoint_size_ > 0 && absl::Now() - checkpoint_time_ < min_interval)) {
    std::string value;
    rocksdb::Status s =
        storage_->db()->Get(rocksdb::ReadOptions(), storage_->family(Storage::kAuditCheckpoints),
                            U64Key(checkpoint_size_), &value);
    v1::SignedCheckpoint latest;
    if (s.ok() && latest.ParseFromString(value)) return latest;
  }
  v1::SignedCheckpoint signed_checkpoint = SignTreeHead(tree);
  rocksdb::WriteOptions options;
  options.sync = true;
  rocksdb::Status s =
      storage_->db()->Put(options, storage_->family(Storage::kAuditCheckpoints),
                          U64Key(tree.size()), signed_checkpoint.SerializeAsString());
  if (!s.ok()) return absl::InternalError(absl::StrCat("checkpoint write: ", s.ToString()));
  checkpoint_size_ = tree.size();
  checkpoint_time_ = absl::Now();
  return signed_checkpoint;
}

absl::StatusOr<uint64_t> AuditLog::SupersededCheckpoints() const {
  uint64_t count = 0;
  std::unique_ptr<rocksdb::Iterator> it(storage_->db()->NewIterator(
      rocksdb::ReadOptions(), storage_->family(Storage::kAuditSuperseded)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  if (!it->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading superseded checkpoints: ", it->status().ToString()));
  }
  return count;
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> AuditLog::Checkpoints(uint64_t since_size) const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::unique_ptr<rocksdb::Iterator> it(storage_->db()->NewIterator(
      rocksdb::ReadOptions(), storage_->family(Storage::kAuditCheckpoints)));
  for (it->Seek(U64Key(since_size)); it->Valid(); it->Next()) {
    v1::SignedCheckpoint checkpoint;
    if (!checkpoint.ParseFromString(it->value().ToString())) {
      return absl::DataLossError(
          absl::StrCat("stored checkpoint at size ", ReadU64Key(View(it->key())), " is malformed"));
    }
    checkpoints.push_back(std::move(checkpoint));
  }
  return checkpoints;
}

}  // namespace nexus
