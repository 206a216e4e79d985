// Federation-wide search, both sides. Asking: an analyst of this node's agency searches with
// `federation`; the node asks its search peers (federation.search_peers) one hop, in parallel,
// each with a deadline, and adds each peer's answer (verified against the origins' keys) or why
// there is none. Answering: a peer's node asks on behalf of its own agency; this node answers
// under its own policy for that agency, never asks further, and answers each agency at most
// `search_rate_per_minute` times a minute, so that hit/no-hit answers cannot be turned into
// bulk enumeration. Both sides audit the query (the value's SHA-256 digest unless
// `audit_search_values`) and what was answered.
#ifndef NEXUS_SERVER_FEDERATED_SEARCH_H_
#define NEXUS_SERVER_FEDERATED_SEARCH_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/keyring.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/federation_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/call_context.h"
#include "server/record_search.h"

namespace nexus {

class FederatedSearch {
 public:
  // Every pointer must outlive this. Opens a channel to each search peer (connected when used).
  FederatedSearch(const v1::NodeConfig& config, const RecordSearch* search, const Keyring* keys,
                  AuditLog* audit);
  ~FederatedSearch();

  // Whether `call`'s caller may ask the peers: the node asks on behalf of its own agency only
  // (the one its certificate names), so only that agency's analysts may.
  absl::Status MayAsk(const CallContext& call) const;

  // Asks every search peer `request` for this node's agency and adds their answers to
  // `response.peers`; waits at most the deadline. Audited (FEDERATED_SEARCH): the peers asked,
  // who answered what, the records received. Fails only when the audit log does.
  absl::Status Ask(const CallContext& call, const v1::SearchRequest& request,
                   v1::SearchResponse& response) const;

  // A peer's search for its agency (`call` is the peer node's): rate-limited, searched as that
  // agency may see, audited. RESOURCE_EXHAUSTED over the rate limit.
  absl::StatusOr<v1::SearchResponse> Answer(const CallContext& call,
                                            const v1::FederatedSearchRequest& request);

 private:
  struct Peer;
  // What the audit entry says of the searched value: the value, or its digest.
  std::string Described(const v1::SearchRequest& request) const;
  // Takes one of `agency`'s searches from its window; false over the limit.
  bool TakeRate(const std::string& agency) ABSL_LOCKS_EXCLUDED(rate_mu_);

  std::string agency_id_;
  absl::Duration deadline_;
  uint32_t rate_per_minute_;
  bool audit_values_;
  const RecordSearch* search_;
  const Keyring* keys_;
  AuditLog* audit_;
  std::vector<std::unique_ptr<Peer>> peers_;

  absl::Mutex rate_mu_;
  std::map<std::string, std::deque<absl::Time>> asked_ ABSL_GUARDED_BY(rate_mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_FEDERATED_SEARCH_H_
