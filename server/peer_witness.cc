#include "server/peer_witness.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/merkle.h"
#include "common/storage/coding.h"
#include "server/log.h"

namespace nexus {
namespace {

std::string HeadKey(const std::string& peer, uint64_t size) {
  std::string key = peer;
  key.push_back('\0');
  coding::PutFixed64(key, size);
  return key;
}

std::string StateKey(const std::string& peer) { return peer + '\x01'; }

absl::StatusOr<merkle::Hash> HashOf(absl::string_view bytes) {
  if (bytes.size() != 32) return absl::InvalidArgumentError("a hash is not 32 bytes");
  merkle::Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

std::string Describe(uint64_t size, absl::string_view root) {
  return absl::StrCat("size ", size, " root ", HexEncode(root).substr(0, 16));
}

}  // namespace

PeerWitness::PeerWitness(storage::Store* storage, const Keyring* keys, AuditLog* audit)
    : storage_(storage), keys_(keys), audit_(audit) {}

v1::PeerWitness PeerWitness::State(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  v1::PeerWitness state = Stored(peer);
  if (auto it = last_checked_.find(peer); it != last_checked_.end()) {
    state.set_checked_unix_micros(std::max(state.checked_unix_micros(), it->second));
  }
  return state;
}

v1::PeerWitness PeerWitness::Stored(const std::string& peer) const {
  v1::PeerWitness state;
  if (absl::StatusOr<std::string> value = storage_->Get(storage::kPeerHeads, StateKey(peer));
      value.ok()) {
    state.ParseFromString(*value);
  }
  return state;
}

absl::Status PeerWitness::Store(const std::string& peer, const v1::PeerWitness& state,
                                const v1::SignedCheckpoint* head) {
  const std::unique_ptr<storage::Batch> batch = storage_->NewBatch();
  batch->Put(storage::kPeerHeads, StateKey(peer), state.SerializeAsString());
  if (head != nullptr) {
    batch->Put(storage::kPeerHeads, HeadKey(peer, state.tree_size()), head->SerializeAsString());
  }
  absl::Status s = storage_->Write(*batch, /*sync=*/true);
  if (!s.ok()) return absl::InternalError(absl::StrCat("peer head store: ", s.message()));
  return absl::OkStatus();
}

absl::Status PeerWitness::Alarm(const std::string& peer, v1::PeerWitness& state,
                                const std::string& alarm) {
  LogError(absl::StrCat("WITNESS ALARM for the audit log of peer '", peer, "': ", alarm));
  state.set_alarm(alarm);
  state.set_checked_unix_micros(absl::ToUnixMicros(absl::Now()));
  v1::AuditEntry entry;
  entry.mutable_actor()->set_node(true);
  entry.set_action(v1::AUDIT_ACTION_WITNESS);
  entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
  entry.set_code(static_cast<int>(absl::StatusCode::kDataLoss));
  entry.set_error(alarm);
  entry.set_detail(absl::StrCat("peer '", peer, "'"));
  absl::Status audited = audit_->Append(std::move(entry));
  absl::Status stored = Store(peer, state, nullptr);
  return audited.ok() ? stored : audited;
}

absl::StatusOr<v1::PeerWitness> PeerWitness::Check(const std::string& peer,
                                                   const v1::SignedCheckpoint& head,
                                                   const std::vector<std::string>& proof) {
  absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(head, *keys_);
  if (checkpoint.ok() && checkpoint->origin() != peer) {
    checkpoint = absl::PermissionDeniedError(
        absl::StrCat("the head is signed for '", checkpoint->origin(), "', not '", peer, "'"));
  }
  absl::StatusOr<merkle::Hash> root =
      checkpoint.ok() ? RootOf(*checkpoint) : absl::StatusOr<merkle::Hash>(checkpoint.status());
  if (!root.ok()) {
    return absl::Status(root.status().code(),
                        absl::StrCat("the audit head of peer '", peer,
                                     "' does not verify: ", root.status().message()));
  }
  absl::MutexLock lock(&mu_);
  v1::PeerWitness state = Stored(peer);
  if (!state.alarm().empty()) return state;  // sticky: an operator must look
  const uint64_t size = checkpoint->tree_size();
  const std::string root_bytes = DigestBytes(*root);
  if (state.tree_size() > 0) {
    const std::string before = Describe(state.tree_size(), state.root_hash());
    if (size < state.tree_size()) {
      absl::Status s = Alarm(peer, state,
                             absl::StrCat("rollback: the peer signed a head of ",
                                          Describe(size, root_bytes), " after one of ", before));
      if (!s.ok()) return s;
      return state;
    }
    absl::StatusOr<merkle::Hash> last = HashOf(state.root_hash());
    std::vector<merkle::Hash> path;
    bool malformed = !last.ok();
    for (const std::string& node : proof) {
      absl::StatusOr<merkle::Hash> hash = HashOf(node);
      if (!hash.ok()) malformed = true;
      if (hash.ok()) path.push_back(*hash);
    }
    absl::Status consistent =
        malformed ? absl::InvalidArgumentError("a proof node is not 32 bytes")
        : size == state.tree_size()
            ? (root_bytes == state.root_hash()
                   ? absl::OkStatus()
                   : absl::DataLossError("two different roots for the same size"))
            : merkle::VerifyConsistency(state.tree_size(), size, *last, *root, path);
    if (!consistent.ok()) {
      absl::Status s =
          Alarm(peer, state,
                absl::StrCat("fork: the peer signed a head of ", Describe(size, root_bytes),
                             " that is not an extension of the witnessed ", before, " (",
                             consistent.message(), ")"));
      if (!s.ok()) return s;
      return state;
    }
    if (size == state.tree_size()) {
      // Nothing new: not stored again, but the check is shown.
      state.set_checked_unix_micros(absl::ToUnixMicros(absl::Now()));
      last_checked_[peer] = state.checked_unix_micros();
      return state;
    }
  }
  state.set_tree_size(size);
  state.set_root_hash(root_bytes);
  state.set_head_time_unix_micros(checkpoint->time_unix_micros());
  state.set_checked_unix_micros(absl::ToUnixMicros(absl::Now()));
  if (absl::Status s = Store(peer, state, &head); !s.ok()) return s;
  return state;
}

std::vector<v1::SignedCheckpoint> PeerWitness::Heads(const std::string& peer, size_t limit) const {
  std::vector<v1::SignedCheckpoint> heads;
  std::string prefix = peer;
  prefix.push_back('\0');
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kPeerHeads);
  it->SeekForPrev(HeadKey(peer, UINT64_MAX));
  for (; it->Valid() && absl::StartsWith(it->key(), prefix) && heads.size() < limit; it->Prev()) {
    if (!heads.emplace_back().ParseFromArray(it->value().data(),
                                             static_cast<int>(it->value().size()))) {
      heads.pop_back();
    }
  }
  std::reverse(heads.begin(), heads.end());
  return heads;
}

absl::StatusOr<v1::AuditHeadResponse> HeadForWitness(const AuditLog& audit, uint64_t since_size) {
  absl::StatusOr<v1::SignedCheckpoint> head = audit.Head();
  if (!head.ok()) return head.status();
  v1::Checkpoint checkpoint;
  if (!checkpoint.ParseFromString(head->checkpoint())) {
    return absl::InternalError("the node's own head does not parse");
  }
  v1::AuditHeadResponse response;
  *response.mutable_head() = *head;
  if (since_size > 0 && since_size < checkpoint.tree_size()) {
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        audit.ConsistencyProof(since_size, checkpoint.tree_size());
    if (!proof.ok()) return proof.status();
    for (const merkle::Hash& hash : *proof) {
      response.add_consistency_proof(std::string(hash.begin(), hash.end()));
    }
  }
  return response;
}

}  // namespace nexus
