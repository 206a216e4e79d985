// When this node's sharing rules change (a policy reload, a restart with another policy or
// membership), versions its replication streams held back from a peer under the old rules may now
// be due to it: a stream's cursor has already moved past them. PolicyReoffers keeps the rules last
// in force (v1::PolicyInForce) and, per peer, what its stream must consider again (v1::Reoffer),
// both in the store's sharing_state family, so that a change is told from a plain restart and a
// re-offer survives one. The stream (ReplicationSource) offers those versions before and between
// its live passes; the receiver stores nothing twice. A narrower policy recalls nothing: what a
// peer received stays with it.
#ifndef NEXUS_SERVER_POLICY_REOFFERS_H_
#define NEXUS_SERVER_POLICY_REOFFERS_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/store.h"
#include "nexus/v1/federation.pb.h"
#include "policy/sharing_policy.h"

namespace nexus {

class PolicyReoffers {
 public:
  // `peers`: every configured peer's agency. `storage` must outlive this.
  PolicyReoffers(storage::Store* storage, std::vector<std::string> peers);

  // The rules now in force are `in_force`, and the feed ends at `feed_end`. If they differ from
  // the rules last kept, every peer gets a re-offer of the positions up to `feed_end` (merged with
  // one still pending). Returns how many peers got one (0: no change).
  absl::StatusOr<int> RulesInForce(const v1::PolicyInForce& in_force, uint64_t feed_end)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Moves whenever a re-offer is recorded: a stream compares it to know when to look again.
  uint64_t generation() const { return generation_.load(); }
  // The peer's pending re-offer, if any.
  absl::StatusOr<std::optional<v1::Reoffer>> Pending(const std::string& peer) const;
  // The stream offered everything up to `next` (exclusive of what follows) of re-offer
  // `generation`; or all of it.
  absl::Status Advance(const std::string& peer, uint64_t generation, uint64_t next)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Finish(const std::string& peer, uint64_t generation) ABSL_LOCKS_EXCLUDED(mu_);

  // The previous rules of `reoffer`, compiled; null if unknown or no longer loadable (then
  // everything permitted now is offered again).
  static std::shared_ptr<const policy::SharingPolicy> PreviousPolicy(const v1::Reoffer& reoffer);

 private:
  absl::StatusOr<std::optional<v1::Reoffer>> Read(const std::string& peer) const;

  storage::Store* storage_;
  std::vector<std::string> peers_;
  absl::Mutex mu_;  // one writer of the markers at a time
  std::atomic<uint64_t> generation_{0};
};

// What PolicyInForce keeps of a membership: ids, countries and groups (not the keys).
v1::PolicyInForce RulesOf(const std::string& policy_text,
                          const google::protobuf::RepeatedPtrField<v1::Agency>& agencies);

}  // namespace nexus

#endif  // NEXUS_SERVER_POLICY_REOFFERS_H_
