#include "client/federated_trail.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "client/audit_trail.h"
#include "common/checkpoint.h"
#include "common/untrusted_text.h"

namespace nexus {

std::vector<TrailHop> WalkTrail(AuditClient& client, const std::string& own_agency,
                                const v1::SignedTrailAsk& ask, const std::string& record_id,
                                const Keyring& keys,
                                const std::optional<v1::SignedCheckpoint>& own_witness,
                                size_t max_nodes) {
  std::vector<TrailHop> hops;
  std::deque<std::vector<std::string>> routes = {{}};
  std::set<std::string> asked = {own_agency};
  while (!routes.empty() && hops.size() < max_nodes) {
    TrailHop& hop = hops.emplace_back();
    hop.route = std::move(routes.front());
    routes.pop_front();
    hop.agency = hop.route.empty() ? own_agency : hop.route.back();
    v1::RecordTrailRequest request;
    *request.mutable_ask() = ask;
    for (const std::string& agency : hop.route) request.add_route(agency);
    std::optional<v1::SignedCheckpoint> witness;
    if (hop.route.empty() && own_witness.has_value()) {
      witness = own_witness;
      absl::StatusOr<v1::Checkpoint> seen = VerifyCheckpoint(*own_witness, keys);
      if (seen.ok()) request.set_witnessed_size(seen->tree_size());
    }
    absl::StatusOr<v1::RecordTrailAnswer> answer = client.RecordTrail(request);
    if (!answer.ok()) {
      hop.no_answer = EscapeMessageForTerminal(answer.status().message(), 600);
      continue;
    }
    hop.answered = true;
    hop.answer = *std::move(answer);
    hop.check = CheckTrailAnswer(hop.answer, hop.agency, record_id, keys, witness);
    AuditTrail trail(record_id);
    for (const v1::TrailEntry& listed : hop.answer.entries()) {
      v1::AuditEntry entry;
      if (entry.ParseFromString(listed.entry())) hop.lines += trail.Add(listed.index(), entry);
    }
    hop.summary = trail.Summary();
    // Where the record went from here, and where it came from: the next nodes to ask, through
    // this one.
    for (const std::set<std::string>* next : {&trail.sent_to(), &trail.received_from()}) {
      for (const std::string& agency : *next) {
        if (!asked.insert(agency).second) continue;
        std::vector<std::string> route = hop.route;
        route.push_back(agency);
        routes.push_back(std::move(route));
      }
    }
  }
  for (std::vector<std::string>& route : routes) {
    TrailHop& hop = hops.emplace_back();
    hop.agency = route.back();
    hop.route = std::move(route);
    hop.no_answer = absl::StrCat("not asked: the walk stops after ", max_nodes, " nodes");
  }
  return hops;
}

}  // namespace nexus
