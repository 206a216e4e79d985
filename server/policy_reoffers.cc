#include "server/policy_reoffers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace nexus {
namespace {

constexpr char kInForceKey[] = "in_force";

std::string ReofferKey(const std::string& peer) { return absl::StrCat("reoffer/", peer); }

bool SameRules(const v1::PolicyInForce& a, const v1::PolicyInForce& b) {
  return a.SerializeAsString() == b.SerializeAsString();  // deterministic for equal messages
}

}  // namespace

v1::PolicyInForce RulesOf(const std::string& policy_text,
                          const google::protobuf::RepeatedPtrField<v1::Agency>& agencies) {
  v1::PolicyInForce rules;
  rules.set_policy_text(policy_text);
  for (const v1::Agency& agency : agencies) {
    v1::Agency& kept = *rules.add_agencies();
    kept.set_id(agency.id());
    kept.set_country(agency.country());
    *kept.mutable_groups() = agency.groups();
  }
  return rules;
}

PolicyReoffers::PolicyReoffers(Storage* storage, std::vector<std::string> peers)
    : storage_(storage), peers_(std::move(peers)) {}

absl::StatusOr<std::optional<v1::Reoffer>> PolicyReoffers::Read(const std::string& peer) const {
  std::string value;
  rocksdb::Status s = storage_->db()->Get(
      rocksdb::ReadOptions(), storage_->family(Storage::kSharingState), ReofferKey(peer), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok())
    return StorageFault(absl::StrCat("reading the re-offer of '", peer, "': ", s.ToString()));
  v1::Reoffer reoffer;
  if (!reoffer.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("the stored re-offer of '", peer, "' is malformed"));
  }
  return reoffer;
}

absl::StatusOr<std::optional<v1::Reoffer>> PolicyReoffers::Pending(const std::string& peer) const {
  return Read(peer);
}

absl::StatusOr<int> PolicyReoffers::RulesInForce(const v1::PolicyInForce& in_force,
                                                 uint64_t feed_end) {
  absl::MutexLock lock(&mu_);
  rocksdb::DB* db = storage_->db();
  rocksdb::ColumnFamilyHandle* family = storage_->family(Storage::kSharingState);
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), family, kInForceKey, &value);
  if (!s.ok() && !s.IsNotFound()) {
    return StorageFault(absl::StrCat("reading the rules in force: ", s.ToString()));
  }
  std::optional<v1::PolicyInForce> previous;
  if (s.ok()) {
    previous.emplace();
    if (!previous->ParseFromString(value)) previous.reset();  // unknown, as if never kept
  }
  if (previous.has_value() && SameRules(*previous, in_force)) return 0;
  rocksdb::WriteBatch batch;
  batch.Put(family, kInForceKey, in_force.SerializeAsString());
  // Unique across restarts too: a stream finishing an older re-offer never ends a newer one.
  const uint64_t generation =
      std::max<uint64_t>(generation_.load() + 1, absl::ToUnixMicros(absl::Now()));
  int reoffered = 0;
  // A node with an empty feed, or one that never kept its rules and has held nothing back from
  // anyone yet, has nothing to offer again.
  if (feed_end > 0) {
    for (const std::string& peer : peers_) {
      absl::StatusOr<std::optional<v1::Reoffer>> pending = Read(peer);
      if (!pending.ok()) return pending.status();
      v1::Reoffer reoffer;
      reoffer.set_generation(generation);
      reoffer.set_through(feed_end);
      reoffer.set_changed_unix_micros(absl::ToUnixMicros(absl::Now()));
      // With a re-offer still pending, what the peer was sent under which rules is no longer one
      // policy's answer: everything permitted now is offered again (the receiver keeps one copy).
      if (previous.has_value() && !pending->has_value()) {
        *reoffer.mutable_previous() = *previous;
      } else {
        reoffer.set_previous_unknown(true);
      }
      batch.Put(family, ReofferKey(peer), reoffer.SerializeAsString());
      ++reoffered;
    }
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (rocksdb::Status written = db->Write(sync, &batch); !written.ok()) {
    return StorageFault(absl::StrCat("recording the rules in force: ", written.ToString()));
  }
  generation_ = generation;
  return reoffered;
}

absl::Status PolicyReoffers::Advance(const std::string& peer, uint64_t generation, uint64_t next) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::optional<v1::Reoffer>> pending = Read(peer);
  if (!pending.ok()) return pending.status();
  if (!pending->has_value() || (*pending)->generation() != generation) return absl::OkStatus();
  (*pending)->set_next(next);
  rocksdb::Status s =
      storage_->db()->Put(rocksdb::WriteOptions(), storage_->family(Storage::kSharingState),
                          ReofferKey(peer), (*pending)->SerializeAsString());
  if (!s.ok()) return StorageFault(absl::StrCat("recording a re-offer's progress: ", s.ToString()));
  return absl::OkStatus();
}

absl::Status PolicyReoffers::Finish(const std::string& peer, uint64_t generation) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::optional<v1::Reoffer>> pending = Read(peer);
  if (!pending.ok()) return pending.status();
  // A newer change replaced it meanwhile: that one is still due.
  if (!pending->has_value() || (*pending)->generation() != generation) return absl::OkStatus();
  rocksdb::Status s = storage_->db()->Delete(
      rocksdb::WriteOptions(), storage_->family(Storage::kSharingState), ReofferKey(peer));
  if (!s.ok()) return StorageFault(absl::StrCat("ending a re-offer: ", s.ToString()));
  return absl::OkStatus();
}

std::shared_ptr<const policy::SharingPolicy> PolicyReoffers::PreviousPolicy(
    const v1::Reoffer& reoffer) {
  if (reoffer.previous_unknown()) return nullptr;
  policy::Federation federation(reoffer.previous().agencies());
  if (reoffer.previous().policy_text().empty()) return policy::SharingPolicy::DenyAll(federation);
  absl::StatusOr<std::shared_ptr<const policy::SharingPolicy>> previous =
      policy::SharingPolicy::Parse(reoffer.previous().policy_text(), "the previous policy",
                                   federation);
  return previous.ok() ? *previous : nullptr;
}

}  // namespace nexus
