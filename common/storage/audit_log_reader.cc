#include "common/storage/audit_log_reader.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/audit_format.h"
#include "rocksdb/db.h"

namespace nexus {
namespace {

absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// One forward iterator per tree level: a rebuild asks for the nodes of each level in index
// order, so each answer is usually the iterator's next key.
class StreamingNodes {
 public:
  StreamingNodes(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* tree) : db_(db), tree_(tree) {}

  absl::StatusOr<merkle::Hash> Read(int level, uint64_t index) {
    if (level < 0 || level > 64) return absl::InvalidArgumentError("no such tree level");
    if (levels_.size() <= static_cast<size_t>(level)) levels_.resize(level + 1);
    std::unique_ptr<rocksdb::Iterator>& it = levels_[level];
    const std::string key = audit_format::TreeKey(level, index);
    if (it == nullptr) {
      it.reset(db_->NewIterator(rocksdb::ReadOptions(), tree_));
      it->Seek(key);
    } else if (it->Valid() && it->key().compare(key) < 0) {
      it->Next();
      if (it->Valid() && it->key().compare(key) < 0) it->Seek(key);
    } else if (!it->Valid() || it->key().compare(key) > 0) {
      it->Seek(key);
    }
    if (!it->status().ok()) {
      return absl::UnavailableError(absl::StrCat("reading audit tree node level ", level, " index ",
                                                 index, ": ", it->status().ToString()));
    }
    if (!it->Valid() || it->key() != key || it->value().size() != 32) {
      return absl::NotFoundError(
          absl::StrCat("audit tree node level ", level, " index ", index, " is missing"));
    }
    merkle::Hash hash;
    std::copy(it->value().data(), it->value().data() + 32, hash.begin());
    return hash;
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* tree_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> levels_;
};

}  // namespace

absl::StatusOr<std::vector<v1::SignedCheckpoint>> AuditLogReader::Checkpoints(
    uint64_t since_size) const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), families_.checkpoints));
  for (it->Seek(audit_format::U64Key(since_size)); it->Valid(); it->Next()) {
    if (!checkpoints.emplace_back().ParseFromArray(it->value().data(),
                                                   static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("stored checkpoint at tree size ",
                                              audit_format::ReadU64Key(View(it->key())),
                                              " is malformed"));
    }
  }
  // A read error ends the scan early: the list would look complete but be short.
  if (!it->status().ok()) {
    return absl::UnavailableError(absl::StrCat("reading checkpoints: ", it->status().ToString()));
  }
  return checkpoints;
}

absl::StatusOr<v1::SignedCheckpoint> AuditLogReader::Head() const {
  std::string value;
  rocksdb::Status s = families_.head == nullptr ? rocksdb::Status::NotFound()
                                                : db_->Get(rocksdb::ReadOptions(), families_.head,
                                                           audit_format::kHeadKey, &value);
  if (s.IsNotFound()) return absl::NotFoundError("no signed head is stored");
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("reading the head: ", s.ToString()));
  v1::SignedCheckpoint head;
  if (!head.ParseFromString(value)) return absl::DataLossError("the stored head is malformed");
  return head;
}

AuditEntrySource AuditLogReader::Entries(uint64_t first) const {
  return [db = db_, families = families_, first](const auto& visit) -> absl::Status {
    std::unique_ptr<rocksdb::Iterator> entries(
        db->NewIterator(rocksdb::ReadOptions(), families.entries));
    std::unique_ptr<rocksdb::Iterator> leaves(
        db->NewIterator(rocksdb::ReadOptions(), families.tree));
    leaves->Seek(audit_format::TreeKey(0, first));
    for (entries->Seek(audit_format::U64Key(first)); entries->Valid(); entries->Next()) {
      uint64_t index = audit_format::ReadU64Key(View(entries->key()));
      // Level-0 keys run in index order; skip to this entry's leaf.
      const std::string leaf_key = audit_format::TreeKey(0, index);
      while (leaves->Valid() && leaves->key().compare(leaf_key) < 0) leaves->Next();
      absl::string_view leaf;
      if (leaves->Valid() && leaves->key() == leaf_key) leaf = View(leaves->value());
      if (!visit(index, View(entries->value()), leaf)) return absl::OkStatus();
    }
    if (!entries->status().ok()) {
      return absl::UnavailableError(
          absl::StrCat("reading entries: ", entries->status().ToString()));
    }
    if (!leaves->status().ok()) {
      return absl::UnavailableError(
          absl::StrCat("reading leaf hashes: ", leaves->status().ToString()));
    }
    return absl::OkStatus();
  };
}

merkle::NodeReader AuditLogReader::StoredNodes() const {
  auto nodes = std::make_shared<StreamingNodes>(db_, families_.tree);
  return [nodes](int level, uint64_t index) { return nodes->Read(level, index); };
}

}  // namespace nexus
