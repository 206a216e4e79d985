#include "server/audit_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/audit_format.h"
#include "common/checkpoint.h"
#include "server/audit_entry_bounds.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace nexus {
namespace {

using audit_format::ReadU64Key;
using audit_format::TreeKey;
using audit_format::U64Key;

absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(Storage* storage, CommitQueue* queue,
                                                         PrivateKey signing_key, Options options) {
  rocksdb::DB* db = storage->db();
  uint64_t size = 0, checkpoint_size = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), storage->family(Storage::kAuditEntries)));
    it->SeekToLast();
    if (it->Valid()) size = ReadU64Key(View(it->key())) + 1;
    std::unique_ptr<rocksdb::Iterator> cp(
        db->NewIterator(rocksdb::ReadOptions(), storage->family(Storage::kAuditCheckpoints)));
    cp->SeekToLast();
    if (cp->Valid()) checkpoint_size = ReadU64Key(View(cp->key()));
  }
  std::unique_ptr<AuditLog> log(new AuditLog(storage, queue, std::move(signing_key),
                                             std::move(options), merkle::Frontier(),
                                             checkpoint_size));
  absl::StatusOr<merkle::Frontier> frontier = merkle::Frontier::Load(
      size, [&](int level, uint64_t index) { return log->ReadNode(level, index); });
  if (!frontier.ok()) {
    return absl::DataLossError(absl::StrCat(
        "audit log of ", size, " entries cannot be loaded: ", frontier.status().message()));
  }
  log->frontier_ = *std::move(frontier);
  queue->AddParticipant(log.get());
  return log;
}

AuditLog::AuditLog(Storage* storage, CommitQueue* queue, PrivateKey key, Options options,
                   merkle::Frontier frontier, uint64_t checkpoint_size)
    : storage_(storage),
      queue_(queue),
      signing_key_(std::move(key)),
      options_(std::move(options)),
      checkpoint_size_(checkpoint_size),
      frontier_(std::move(frontier)) {}

void AuditLog::BeginBatch() {
  std::lock_guard lock(mu_);
  staged_ = frontier_;
}

void AuditLog::EndBatch(bool durable) {
  if (!durable) return;  // the staged entries never happened
  std::lock_guard lock(mu_);
  frontier_ = staged_;
}

void AuditLog::Stage(v1::AuditEntry& entry, rocksdb::WriteBatch& batch) {
  BoundAuditEntry(entry);  // the one place every entry passes: no caller can exceed the bound
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
  std::lock_guard lock(mu_);
  return frontier_.size();
}

absl::StatusOr<merkle::Hash> AuditLog::ReadNode(int level, uint64_t index) const {
  std::string value;
  rocksdb::Status s = storage_->db()->Get(
      rocksdb::ReadOptions(), storage_->family(Storage::kAuditTree), TreeKey(level, index), &value);
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
  std::lock_guard checkpoint_lock(checkpoint_mu_);
  merkle::Frontier tree;
  {
    std::lock_guard lock(mu_);
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
  v1::Checkpoint checkpoint;
  checkpoint.set_origin(options_.origin);
  checkpoint.set_tree_size(tree.size());
  merkle::Hash root = tree.Root();
  checkpoint.set_root_hash(std::string(reinterpret_cast<const char*>(root.data()), root.size()));
  checkpoint.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  v1::SignedCheckpoint signed_checkpoint =
      SignCheckpoint(checkpoint, signing_key_, options_.key_id);
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
