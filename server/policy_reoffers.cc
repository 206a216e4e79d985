#include "server/policy_reoffers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/storage/storage_fault.h"

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

PolicyReoffers::PolicyReoffers(storage::Store* storage, std::vector<std::string> peers)
    : storage_(storage), peers_(std::move(peers)) {}

absl::StatusOr<std::optional<v1::Reoffer>> PolicyReoffers::Read(const std::string& peer) const {
  absl::StatusOr<std::string> value = storage_->Get(storage::kSharingState, ReofferKey(peer));
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) {
    return StorageFault(
        absl::StrCat("reading the re-offer of '", peer, "': ", value.status().message()));
  }
  v1::Reoffer reoffer;
  if (!reoffer.ParseFromString(*value)) {
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
  constexpr storage::Family family = storage::kSharingState;
  absl::StatusOr<std::string> value = storage_->Get(family, kInForceKey);
  if (!value.ok() && !absl::IsNotFound(value.status())) {
    return StorageFault(absl::StrCat("reading the rules in force: ", value.status().message()));
  }
  std::optional<v1::PolicyInForce> previous;
  if (value.ok()) {
    previous.emplace();
    if (!previous->ParseFromString(*value)) previous.reset();  // unknown, as if never kept
  }
  if (previous.has_value() && SameRules(*previous, in_force)) return 0;
  const std::unique_ptr<storage::Batch> batch = storage_->NewBatch();
  batch->Put(family, kInForceKey, in_force.SerializeAsString());
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
      batch->Put(family, ReofferKey(peer), reoffer.SerializeAsString());
      ++reoffered;
    }
  }
  if (absl::Status written = storage_->Write(*batch, /*sync=*/true); !written.ok()) {
    return StorageFault(absl::StrCat("recording the rules in force: ", written.message()));
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
  absl::Status s = storage_->Put(storage::kSharingState, ReofferKey(peer),
                                 (*pending)->SerializeAsString(), /*sync=*/false);
  if (!s.ok()) return StorageFault(absl::StrCat("recording a re-offer's progress: ", s.message()));
  return absl::OkStatus();
}

absl::Status PolicyReoffers::Finish(const std::string& peer, uint64_t generation) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::optional<v1::Reoffer>> pending = Read(peer);
  if (!pending.ok()) return pending.status();
  // A newer change replaced it meanwhile: that one is still due.
  if (!pending->has_value() || (*pending)->generation() != generation) return absl::OkStatus();
  absl::Status s = storage_->Delete(storage::kSharingState, ReofferKey(peer), /*sync=*/false);
  if (!s.ok()) return StorageFault(absl::StrCat("ending a re-offer: ", s.message()));
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
