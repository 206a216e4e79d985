#include "client/cli/federated_trail.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "client/cli/audit_trail.h"
#include "common/checkpoint.h"
#include "common/trail_ask.h"
#include "common/untrusted_text.h"

namespace nexus {

std::vector<TrailHop> WalkTrail(AuditClient& client, const std::string& own_agency,
                                const std::string& record_id, const SignTrailQuestion& sign,
                                const Keyring& keys,
                                const std::optional<v1::SignedCheckpoint>& own_witness,
                                size_t max_nodes) {
  std::vector<TrailHop> hops;
  std::deque<std::vector<std::string>> paths = {{own_agency}};
  std::set<std::string> found = {own_agency};
  while (!paths.empty() && hops.size() < max_nodes) {
    TrailHop& hop = hops.emplace_back();
    hop.path = std::move(paths.front());
    paths.pop_front();
    hop.agency = hop.path.back();
    const bool first = hop.path.size() == 1;
    v1::RecordTrailRequest request;
    absl::StatusOr<v1::SignedTrailAsk> ask = sign(hop.path);
    if (!ask.ok()) {
      hop.no_answer = absl::StrCat("not asked: ", ask.status().message());
      continue;
    }
    *request.mutable_ask() = *std::move(ask);
    if (first && own_witness.has_value()) {
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
    const std::string relay = first ? "" : hop.path[hop.path.size() - 2];
    hop.check = CheckTrailAnswer(hop.answer, hop.agency, record_id, keys, relay,
                                 first ? own_witness : std::nullopt);
    AuditTrail trail(record_id);
    for (const v1::TrailEntry& listed : hop.answer.entries()) {
      v1::AuditEntry entry;
      if (entry.ParseFromString(listed.entry())) hop.lines += trail.Add(listed.index(), entry);
    }
    hop.summary = trail.Summary();
    // An answer that does not verify says nothing trustworthy about where the record went.
    if (!hop.check.verified || hop.path.size() >= static_cast<size_t>(kMaxTrailPath)) continue;
    // Where the record went from here, and where it came from: the next nodes to ask, through
    // this one.
    for (const std::set<std::string>* next : {&trail.sent_to(), &trail.received_from()}) {
      for (const std::string& agency : *next) {
        if (!found.insert(agency).second) continue;
        std::vector<std::string> path = hop.path;
        path.push_back(agency);
        paths.push_back(std::move(path));
      }
    }
  }
  for (std::vector<std::string>& path : paths) {
    TrailHop& hop = hops.emplace_back();
    hop.agency = path.back();
    hop.path = std::move(path);
    hop.no_answer = absl::StrCat("not asked: the walk stops after ", max_nodes, " nodes");
  }
  return hops;
}

}  // namespace nexus
