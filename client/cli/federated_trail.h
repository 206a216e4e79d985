// A record's disclosure trail across the federation, as an auditor's client walks it: first the
// node the client is connected to, then, one hop at a time, every node that the verified entries
// already read say the record was sent to or received from, each asked through the nodes before
// it on the path the record took. The question is signed anew for each node (its path in it), so
// that no node can take it elsewhere. Every answer is checked by CheckTrailAnswer; a node that
// does not answer is named with the reason, and the walk goes on; an answer that does not verify
// is not followed.
#ifndef NEXUS_CLIENT_CLI_FEDERATED_TRAIL_H_
#define NEXUS_CLIENT_CLI_FEDERATED_TRAIL_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audit_client.h"
#include "client/cli/trail_answer_check.h"
#include "common/keyring.h"
#include "nexus/v1/audit_service.pb.h"

namespace nexus {

struct TrailHop {
  std::string agency;
  std::vector<std::string> path;  // the client's node first, this node last
  bool answered = false;
  std::string no_answer;  // why not, when not answered
  TrailAnswerCheck check;
  v1::RecordTrailAnswer answer;
  std::string lines;    // one per entry (AuditTrail)
  std::string summary;  // who saw it there, where it went (AuditTrail)
};

// The auditor's question for one path, signed.
using SignTrailQuestion =
    std::function<absl::StatusOr<v1::SignedTrailAsk>(const std::vector<std::string>& path)>;

// Walks the trail of `record_id`, starting at the node of `own_agency` that `client` is
// connected to; `own_witness` is the latest head this client witnessed of that node, if any.
// At most `max_nodes` nodes are asked; the others found are named, not asked.
std::vector<TrailHop> WalkTrail(AuditClient& client, const std::string& own_agency,
                                const std::string& record_id, const SignTrailQuestion& sign,
                                const Keyring& keys,
                                const std::optional<v1::SignedCheckpoint>& own_witness,
                                size_t max_nodes = 64);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_FEDERATED_TRAIL_H_
