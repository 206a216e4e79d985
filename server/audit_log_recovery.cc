// nexusd --accept-unverified-audit-log: the operator accepts the stored entries as they are. The
// tree is the one they make; stored tree nodes that disagree are replaced so that proofs match
// it; checkpoints that contradict it move to audit_superseded (kept, never deleted), so that the
// next start verifies. What failed is recorded in the signed NODE_START entry (LogOpening), where
// every later verification reports it. A log with a missing entry cannot be rebuilt and is
// refused even then.
#include <map>
#include <optional>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/storage/audit_format.h"
#include "server/audit_log.h"

namespace nexus {
namespace {

using audit_format::CheckpointKey;
using audit_format::TreeKey;

// The superseded checkpoints the NODE_START entry names; the rest are counted (bounded entry).
constexpr int kNamedSuperseded = 20;

struct StoredCheckpoint {
  std::string key, value;
  bool valid = false;  // parsed, signed by a known key, of this node's agency
  uint64_t size = 0;
  merkle::Hash root{};
};

// A signed root that is this node's: parsed, signed by a key of `keys`, of agency `origin`.
bool ReadSignedRoot(absl::string_view bytes, const Keyring& keys, const std::string& origin,
                    uint64_t* size, merkle::Hash* root) {
  v1::SignedCheckpoint signed_checkpoint;
  if (!signed_checkpoint.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, keys);
  if (!checkpoint.ok() || checkpoint->origin() != origin) return false;
  absl::StatusOr<merkle::Hash> hash = RootOf(*checkpoint);
  if (!hash.ok()) return false;
  *size = checkpoint->tree_size();
  *root = *hash;
  return true;
}

}  // namespace

absl::Status AuditLog::AcceptStoredLog(const std::string& problem, const Keyring& keys) {
  std::vector<StoredCheckpoint> checkpoints;
  std::set<uint64_t> signed_sizes;  // where the rebuilt tree's root is needed
  {
    std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kAuditCheckpoints);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      StoredCheckpoint& checkpoint = checkpoints.emplace_back();
      checkpoint.key = std::string(it->key());
      checkpoint.value = std::string(it->value());
      checkpoint.valid = ReadSignedRoot(checkpoint.value, keys, options_.origin, &checkpoint.size,
                                        &checkpoint.root) &&
                         checkpoint.key == CheckpointKey(checkpoint.size);  // not moved
      if (checkpoint.valid) signed_sizes.insert(checkpoint.size);
    }
    if (!it->status().ok()) return CannotRead("checkpoints", it->status().message());
  }
  std::optional<v1::SignedCheckpoint> head;
  uint64_t head_size = 0;
  merkle::Hash head_root{};
  if (absl::StatusOr<v1::SignedCheckpoint> stored = Reader().Head(); stored.ok()) {
    if (ReadSignedRoot(stored->SerializeAsString(), keys, options_.origin, &head_size,
                       &head_root)) {
      head = *stored;
      signed_sizes.insert(head_size);
    }
  } else if (absl::IsUnavailable(stored.status())) {
    return CannotRead("signed head", stored.status().message());
  }

  // Rebuild the tree from the entries; note every stored node that disagrees with it.
  merkle::Frontier tree;
  std::map<uint64_t, merkle::Hash> rebuilt_roots;
  std::vector<merkle::Frontier::Node> completed, repairs;
  merkle::NodeReader stored_nodes = Reader().StoredNodes();
  absl::Status node_read;
  bool gap = false;
  absl::Status read = Reader().Entries()([&](uint64_t index, absl::string_view bytes,
                                             absl::string_view stored_leaf) {
    if (index != tree.size()) {
      gap = true;
      return false;
    }
    completed.clear();
    tree.Append(merkle::LeafHash(bytes), &completed);
    for (const merkle::Frontier::Node& node : completed) {
      if (node.level == 0) {
        if (stored_leaf ==
            absl::string_view(reinterpret_cast<const char*>(node.hash.data()), node.hash.size())) {
          continue;
        }
      } else {
        absl::StatusOr<merkle::Hash> stored = stored_nodes(node.level, node.index);
        if (absl::IsUnavailable(stored.status())) {
          node_read = stored.status();
          return false;
        }
        if (stored.ok() && *stored == node.hash) continue;
      }
      repairs.push_back(node);
    }
    if (signed_sizes.contains(tree.size())) rebuilt_roots[tree.size()] = tree.Root();
    return true;
  });
  if (absl::IsDataLoss(read)) {  // an entry under a malformed key: damage, not the disk
    return absl::DataLossError(absl::StrCat("the audit log does not verify: ", problem, "; ",
                                            read.message(),
                                            ", so the log cannot be accepted either"));
  }
  if (!read.ok()) return CannotRead("entries", read.message());
  if (!node_read.ok()) return CannotRead("tree node", node_read.message());
  if (gap) {
    return absl::DataLossError(absl::StrCat(
        "the audit log does not verify: ", problem,
        "; the tree cannot be rebuilt past a missing entry, so the log cannot be accepted either"));
  }

  std::unique_ptr<storage::Batch> batch = storage_->NewBatch();
  for (const merkle::Frontier::Node& node : repairs) {
    batch->Put(
        storage::kAuditTree, TreeKey(node.level, node.index),
        absl::string_view(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
  uint64_t latest_kept = 0;
  for (const StoredCheckpoint& checkpoint : checkpoints) {
    auto rebuilt = rebuilt_roots.find(checkpoint.size);
    if (checkpoint.valid && rebuilt != rebuilt_roots.end() && rebuilt->second == checkpoint.root) {
      latest_kept = std::max(latest_kept, checkpoint.size);
      continue;
    }
    batch->Delete(storage::kAuditCheckpoints, checkpoint.key);
    batch->Put(storage::kAuditSuperseded, checkpoint.key, checkpoint.value);
    if (std::optional<uint64_t> size = audit_format::ReadNumberKey(checkpoint.key);
        opening_.superseded_checkpoints_size() < kNamedSuperseded && size.has_value()) {
      opening_.add_superseded_checkpoints(*size);
    } else {
      opening_.set_superseded_omitted(opening_.superseded_omitted() + 1);
    }
  }
  // A seal says which entries a start may leave to the background: after a recovery none.
  batch->Delete(storage::kAuditHead, audit_format::kSealKey);
  if (absl::Status s = storage_->Write(*batch, /*sync=*/true); !s.ok()) {
    return absl::InternalError(absl::StrCat("audit tree repair: ", s.message()));
  }
  opening_.set_verified_entries(tree.size());
  opening_.set_accepted_failure(problem);
  {
    absl::MutexLock lock(&checkpoint_mu_);
    checkpoint_size_ = latest_kept;
  }
  absl::MutexLock lock(&mu_);
  // The stored head stands only if it is the accepted tree's; the next commit signs a new one.
  auto rebuilt_head = rebuilt_roots.find(head_size);
  if (head.has_value() && head_size == tree.size() && rebuilt_head != rebuilt_roots.end() &&
      rebuilt_head->second == head_root) {
    head_ = std::move(head);
  }
  frontier_ = std::move(tree);
  return absl::OkStatus();
}

}  // namespace nexus
