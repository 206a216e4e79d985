// Federation-wide search over three peers on loopback: four real nexusd (agency-a asks agency-b,
// agency-c and agency-coord, each holding `--records` records it shares with agency-a). Times
// `--queries` searches from agency-a's analyst, half for values one peer holds and half for
// values nobody holds, with `federation` (every peer asked, answers verified at agency-a's node)
// and without (agency-a's node alone), and prints p50/p99 of both.
//
//   federated_search_bench [--records N] [--queries Q]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "tests/federation_harness.h"

namespace nexus {
namespace {

std::string Phone(int peer, int i) { return absl::StrCat("+44 2", peer, " ", 10000000 + i); }

int Run(int records, int queries) {
  using testing::FederationNode;
  FederationNode a(testing::kAgencyA), b(testing::kAgencyB), c(testing::kAgencyC),
      coord(testing::kCoordinator);
  std::vector<FederationNode*> peers = {&b, &c, &coord};
  for (FederationNode* peer : peers) {
    a.AddPeer(testing::PushPeer(peer->agency(), peer->address()));
    peer->AddPeer(testing::InboundPeer(testing::kAgencyA));
    peer->set_policy(R"pb(
      name: "to a"
      rules {
        id: "a"
        effect: EFFECT_PERMIT
        recipient { agencies: "agency-a" }
      }
    )pb");
    // Each answering node allows the benchmark's rate.
    peer->set_extra_config("federation { search_rate_per_minute: 1000000 }");
  }
  a.set_extra_config(
      "federation { search_peers: [ \"agency-b\", \"agency-c\", \"agency-coord\" ] }");
  for (FederationNode* node : {&a, &b, &c, &coord}) {
    if (absl::Status s = node->Start(); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("publishing %d records at each of the 3 peers, not timed...\n", records);
  for (size_t p = 0; p < peers.size(); ++p) {
    auto client = peers[p]->Analyst();
    std::vector<v1::Record> batch;
    for (int i = 0; i < records; ++i) {
      v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, Phone(p, i)}});
      record.set_tlp(v1::TLP_GREEN);
      record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
      batch.push_back(std::move(record));
      if (batch.size() == 500 || i + 1 == records) {
        if (!client->Publish(batch).ok()) return 1;
        batch.clear();
      }
    }
  }
  auto analyst = a.Analyst();
  for (bool federation : {false, true}) {
    std::vector<double> latencies;
    int answered_hits = 0, all_answered = 0;
    for (int q = 0; q < queries; ++q) {
      v1::SearchRequest request;
      // Even queries: a value peer (q/2 % 3) holds; odd: a value nobody holds.
      request.set_value(q % 2 == 0 ? Phone((q / 2) % 3, (q * 7919) % records) : Phone(9, q));
      request.set_federation(federation);
      const absl::Time start = absl::Now();
      absl::StatusOr<v1::SearchResponse> response = analyst->Search(request);
      latencies.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (!response.ok()) {
        std::fprintf(stderr, "search failed: %s\n", response.status().ToString().c_str());
        return 1;
      }
      bool every_peer = response->peers_size() == 3;
      for (const v1::PeerSearchAnswer& peer : response->peers()) {
        every_peer = every_peer && peer.answered();
        answered_hits += peer.hits_size();
      }
      all_answered += every_peer;
    }
    std::printf("%s: %d searches, p50 %.1f ms, p99 %.1f ms",
                federation ? "federation-wide (3 peers asked)" : "this node only                ",
                queries, bench::Percentile(latencies, 0.5), bench::Percentile(latencies, 0.99));
    if (federation) {
      std::printf("; every peer answered %d of %d; %d records found at peers (expected %d)",
                  all_answered, queries, answered_hits, (queries + 1) / 2);
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  int records = 10000, queries = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int* target = flag == "--records" ? &records : flag == "--queries" ? &queries : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      std::fprintf(stderr, "usage: federated_search_bench [--records N] [--queries Q]\n");
      return 2;
    }
  }
  return nexus::Run(records, queries);
}
