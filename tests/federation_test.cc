// Four real nodes replicating under their own policies: two agencies of region-west (A, B), one
// of region-east (C) and the regional coordinator (K). Records of every TLP and distribution are
// published at A, B and C; each node must end up holding exactly the versions, with exactly the
// parts, that the originator's limits and every hop's policy allow: no more, no fewer.
//
//        A ───── B          A, B, K: each pulls from the others it lists.
//         \     /           C cannot be reached: it pulls from K and pushes to K over its own
//          \   /              connection (C lists K PULL_AND_PUSH; K lists C INBOUND).
//            K ─── C
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// A: its own records whole to B, without case reference to K; nothing tagged "embargo".
constexpr char kPolicyA[] = R"pb(
  name: "agency-a"
  rules {
    id: "own-records-to-b"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-b" }
    record { origin_agencies: "agency-a" }
  }
  rules {
    id: "own-records-to-coordinator"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-coord" }
    record { origin_agencies: "agency-a" }
    redact { case_reference: true }
  }
  rules {
    id: "embargo"
    effect: EFFECT_FORBID
    record { tags: "embargo" }
  }
)pb";

// B: its own records whole to A, without person indicators to K.
constexpr char kPolicyB[] = R"pb(
  name: "agency-b"
  rules {
    id: "own-records-to-a"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-a" }
    record { origin_agencies: "agency-b" }
  }
  rules {
    id: "own-records-to-coordinator"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-coord" }
    record { origin_agencies: "agency-b" }
    redact { indicator_types: INDICATOR_TYPE_PERSON }
  }
)pb";

// K: policy/examples/coordinator-green-and-below.textproto (GREEN and CLEAR to region-west), and
// this rule: GREEN and CLEAR to region-east without summaries.
constexpr char kCoordinatorEastRule[] = R"pb(
  rules {
    id: "relay-east-without-summary"
    effect: EFFECT_PERMIT
    recipient { groups: "region-east" }
    record { tlp: TLP_GREEN tlp: TLP_CLEAR }
    redact { summary: true }
  }
)pb";

std::string CoordinatorPolicy() {
  absl::StatusOr<std::string> example = ReadFileToString(
      absl::StrCat(NEXUS_SOURCE_DIR, "/policy/examples/coordinator-green-and-below.textproto"));
  if (!example.ok()) std::abort();
  return *example + kCoordinatorEastRule;
}

// C: its own records whole to K.
constexpr char kPolicyC[] = R"pb(
  name: "agency-c"
  rules {
    id: "own-records-to-coordinator"
    effect: EFFECT_PERMIT
    recipient { agencies: "agency-coord" }
    record { origin_agencies: "agency-c" }
  }
)pb";

// Withheld parts as WithheldParts() names them. Every draft has: case_reference, assessment,
// indicator[0] (a phone), indicator[1] (a person), tags, summary.
constexpr char kWhole[] = "";
constexpr char kNoCase[] = "case_reference";
constexpr char kNoCaseNoSummary[] = "case_reference,summary";
constexpr char kNoPerson[] = "indicator[1]";
constexpr char kNoPersonNoSummary[] = "indicator[1],summary";

// For each node: "label@version" -> withheld parts.
using Table = std::map<std::string, std::map<std::string, std::string>>;

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* agency : {kAgencyA, kAgencyB, kAgencyC, kCoordinator}) {
      nodes_[agency] = std::make_unique<FederationNode>(agency);
    }
    FederationNode &a = Node(kAgencyA), &b = Node(kAgencyB), &c = Node(kAgencyC),
                   &k = Node(kCoordinator);
    a.set_policy(kPolicyA);
    b.set_policy(kPolicyB);
    c.set_policy(kPolicyC);
    k.set_policy(CoordinatorPolicy());
    a.AddPeer(PullPeer(kAgencyB, b.address()));
    a.AddPeer(PullPeer(kCoordinator, k.address()));
    b.AddPeer(PullPeer(kAgencyA, a.address()));
    b.AddPeer(PullPeer(kCoordinator, k.address()));
    k.AddPeer(PullPeer(kAgencyA, a.address()));
    k.AddPeer(PullPeer(kAgencyB, b.address()));
    k.AddPeer(InboundPeer(kAgencyC));
    c.AddPeer(PullAndPushPeer(kCoordinator, k.address()));
    peers_ = {{kAgencyA, {kAgencyB, kCoordinator}},
              {kAgencyB, {kAgencyA, kCoordinator}},
              {kCoordinator, {kAgencyA, kAgencyB, kAgencyC}},
              {kAgencyC, {kCoordinator}}};
    for (auto& [agency, node] : nodes_) ASSERT_EQ(node->Start(), absl::OkStatus()) << agency;
  }

  FederationNode& Node(const std::string& agency) { return *nodes_.at(agency); }

  // Publishes `drafts` at `origin`, naming each by its tag (its label) in the tables.
  void Publish(const std::string& origin, const std::vector<v1::Record>& drafts) {
    absl::StatusOr<std::vector<v1::PublishResult>> results = PublishAll(Node(origin), drafts);
    ASSERT_TRUE(results.ok()) << results.status();
    for (size_t i = 0; i < drafts.size(); ++i) {
      const std::string& label = drafts[i].tags().values(0);
      if ((*results)[i].version() == 1) {
        ids_[label] = (*results)[i].id();
        labels_[(*results)[i].id()] = label;
      }
    }
  }

  // The next version of record `label`: `draft` (its content as first published) under the
  // record's id, with an updated summary.
  v1::Record NextVersion(const std::string& label, v1::Record draft) {
    draft.set_id(ids_.at(label));
    draft.set_summary("Record " + label + ", updated.");
    return draft;
  }

  // Where `label@version` must be, and with what withheld.
  void Expect(const std::string& label, uint64_t version,
              const std::map<std::string, std::string>& at) {
    for (const auto& [agency, withheld] : at) {
      expected_[agency][absl::StrCat(label, "@", version)] = withheld;
    }
  }

  // A CLEAR, federation-wide record at A, B and C, which every policy lets through, on every
  // link; once all of them are everywhere, whatever was held before they were published has
  // travelled every link it may take.
  void PublishSyncMarkers() {
    std::string round = absl::StrCat("sync-", ++sync_rounds_);
    for (const char* origin : {kAgencyA, kAgencyB, kAgencyC}) {
      std::string label = absl::StrCat(round, "-", origin);
      Publish(origin, {FederationDraft(label, v1::TLP_CLEAR, v1::DISTRIBUTION_SCOPE_FEDERATION)});
    }
    Expect(round + "-agency-a", 1,
           {{kAgencyA, kWhole},
            {kAgencyB, kWhole},
            {kCoordinator, kNoCase},
            {kAgencyC, kNoCaseNoSummary}});
    Expect(round + "-agency-b", 1,
           {{kAgencyB, kWhole},
            {kAgencyA, kWhole},
            {kCoordinator, kNoPerson},
            {kAgencyC, kNoPersonNoSummary}});
    Expect(round + "-agency-c", 1,
           {{kAgencyC, kWhole}, {kCoordinator, kWhole}, {kAgencyA, kWhole}, {kAgencyB, kWhole}});
  }

  // What every node holds, as a table; checks on the way that each version verifies against its
  // origin's key, and that received_from names a peer, the origin itself for what may leave only
  // from the origin's node.
  Table Observe(std::vector<std::string>* problems) {
    Table table;
    for (auto& [agency, node] : nodes_) {
      absl::StatusOr<Holdings> holdings = node->ReadHoldings();
      if (!holdings.ok()) {
        problems->push_back(absl::StrCat(agency, ": ", holdings.status().ToString()));
        continue;
      }
      auto& held_here = table[agency];
      for (const VersionKey& duplicate : holdings->duplicates) {
        problems->push_back(
            absl::StrCat(agency, " holds ", duplicate.first, "@", duplicate.second, " twice"));
      }
      for (const auto& [key, held] : holdings->versions) {
        absl::StatusOr<OpenedRecord> opened = VerifyRecord(held.record);
        std::string name = absl::StrCat(
            labels_.count(key.first) ? labels_[key.first] : "<unknown " + key.first + ">", "@",
            key.second);
        if (!opened.ok()) {
          problems->push_back(absl::StrCat(agency, ": ", name, ": ", opened.status().ToString()));
          continue;
        }
        held_here[name] = WithheldParts(held.record);
        const std::string& origin = opened->header.origin_agency();
        if (origin == agency) {
          if (!held.received_from.empty()) {
            problems->push_back(
                absl::StrCat(agency, ": own ", name, " received from ", held.received_from));
          }
          continue;
        }
        const std::set<std::string>& peers = peers_.at(agency);
        if (!peers.count(held.received_from)) {
          problems->push_back(absl::StrCat(agency, ": ", name, " received from '",
                                           held.received_from, "', not a peer"));
        }
        const v1::Tlp tlp = opened->header.tlp();
        if ((tlp == v1::TLP_RED || tlp == v1::TLP_AMBER_STRICT) && held.received_from != origin) {
          problems->push_back(absl::StrCat(agency, ": ", name, " (", v1::Tlp_Name(tlp),
                                           ") came through ", held.received_from,
                                           ", not from its origin's node"));
        }
      }
    }
    return table;
  }

  // Waits until every node holds exactly the expected table, then publishes sync markers and
  // waits for them, and checks again that nothing more arrived.
  void Converge() {
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) PublishSyncMarkers();
      Table table;
      std::vector<std::string> problems;
      bool converged = WaitFor(
          [&] {
            problems.clear();
            table = Observe(&problems);
            return table == expected_;
          },
          absl::Seconds(30));
      EXPECT_TRUE(problems.empty()) << absl::StrJoin(problems, "\n");
      ASSERT_TRUE(converged) << Difference(table);
    }
  }

  std::string Difference(const Table& table) {
    std::vector<std::string> lines;
    for (const char* agency : {kAgencyA, kAgencyB, kAgencyC, kCoordinator}) {
      const auto& want = expected_[agency];
      const auto found =
          table.count(agency) ? table.at(agency) : std::map<std::string, std::string>{};
      for (const auto& [name, withheld] : want) {
        auto it = found.find(name);
        if (it == found.end()) {
          lines.push_back(absl::StrCat(agency, ": missing ", name));
        } else if (it->second != withheld) {
          lines.push_back(absl::StrCat(agency, ": ", name, " withholds [", it->second,
                                       "], expected [", withheld, "]"));
        }
      }
      for (const auto& [name, withheld] : found) {
        if (!want.count(name)) {
          lines.push_back(
              absl::StrCat(agency, ": holds ", name, " [", withheld, "], which it must not"));
        }
      }
    }
    return absl::StrJoin(lines, "\n");
  }

  std::map<std::string, std::unique_ptr<FederationNode>> nodes_;
  std::map<std::string, std::set<std::string>> peers_;
  std::map<std::string, std::string> ids_;     // label -> record id
  std::map<std::string, std::string> labels_;  // record id -> label
  std::map<std::string, std::map<std::string, std::string>> expected_;
  int sync_rounds_ = 0;
};

TEST_F(FederationTest, EveryNodeHoldsExactlyWhatLimitsAndPoliciesAllow) {
  using v1::DISTRIBUTION_SCOPE_FEDERATION, v1::DISTRIBUTION_SCOPE_GROUP,
      v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES, v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY;
  // At A. Its records reach B whole (directly; K's relayed copies lack the case reference and are
  // completed by A's), K without case reference, and C (only through K) without case reference
  // and summary.
  v1::Record nfd = FederationDraft("a-green-nfd", v1::TLP_GREEN, DISTRIBUTION_SCOPE_FEDERATION);
  nfd.add_handling_codes("NFD");
  Publish(
      kAgencyA,
      {
          FederationDraft("a-clear-fed", v1::TLP_CLEAR, DISTRIBUTION_SCOPE_FEDERATION),
          FederationDraft("a-green-fed", v1::TLP_GREEN, DISTRIBUTION_SCOPE_FEDERATION),
          FederationDraft("a-amber-fed", v1::TLP_AMBER, DISTRIBUTION_SCOPE_FEDERATION),
          FederationDraft("a-amber-west", v1::TLP_AMBER, DISTRIBUTION_SCOPE_GROUP, {},
                          {"region-west"}),
          FederationDraft("a-strict-fed", v1::TLP_AMBER_STRICT, DISTRIBUTION_SCOPE_FEDERATION),
          FederationDraft("a-red-b", v1::TLP_RED, DISTRIBUTION_SCOPE_NAMED_AGENCIES, {kAgencyB}),
          FederationDraft("a-red-c", v1::TLP_RED, DISTRIBUTION_SCOPE_NAMED_AGENCIES, {kAgencyC}),
          FederationDraft("a-red-coord-c", v1::TLP_RED, DISTRIBUTION_SCOPE_NAMED_AGENCIES,
                          {kCoordinator, kAgencyC}),
          FederationDraft("a-green-named-coord-c", v1::TLP_GREEN, DISTRIBUTION_SCOPE_NAMED_AGENCIES,
                          {kCoordinator, kAgencyC}),
          FederationDraft("a-origin-only", v1::TLP_GREEN, DISTRIBUTION_SCOPE_ORIGIN_ONLY),
          FederationDraft("a-green-west", v1::TLP_GREEN, DISTRIBUTION_SCOPE_GROUP, {},
                          {"region-west"}),
          FederationDraft("embargo", v1::TLP_GREEN, DISTRIBUTION_SCOPE_FEDERATION),
          nfd,
      });
  // At B: whole to A, without the person to K, without person and summary to C (through K).
  Publish(kAgencyB,
          {
              FederationDraft("b-clear-fed", v1::TLP_CLEAR, DISTRIBUTION_SCOPE_FEDERATION),
              FederationDraft("b-green-fed", v1::TLP_GREEN, DISTRIBUTION_SCOPE_FEDERATION),
              FederationDraft("b-amber-fed", v1::TLP_AMBER, DISTRIBUTION_SCOPE_FEDERATION),
              FederationDraft("b-strict-a", v1::TLP_AMBER_STRICT, DISTRIBUTION_SCOPE_NAMED_AGENCIES,
                              {kAgencyA}),
              FederationDraft("b-red-a-c", v1::TLP_RED, DISTRIBUTION_SCOPE_NAMED_AGENCIES,
                              {kAgencyA, kAgencyC}),
              FederationDraft("b-origin-only", v1::TLP_GREEN, DISTRIBUTION_SCOPE_ORIGIN_ONLY),
              FederationDraft("b-green-east", v1::TLP_GREEN, DISTRIBUTION_SCOPE_GROUP, {},
                              {"region-east"}),
          });
  // At C, which K can only reach through C's own connection: whole to K, and on to A and B.
  Publish(kAgencyC, {FederationDraft("c-green-fed", v1::TLP_GREEN, DISTRIBUTION_SCOPE_FEDERATION)});

  const std::string A = kAgencyA, B = kAgencyB, C = kAgencyC, K = kCoordinator;
  // CLEAR and GREEN to the whole federation: everywhere, K relays to C.
  for (const char* label : {"a-clear-fed", "a-green-fed"}) {
    Expect(label, 1, {{A, kWhole}, {B, kWhole}, {K, kNoCase}, {C, kNoCaseNoSummary}});
  }
  // AMBER (federation-wide: no onward sharing; within a group: K's policy relays GREEN only),
  // AMBER+STRICT (one hop), "no further dissemination" and GREEN within region-west: B and K.
  for (const char* label :
       {"a-amber-fed", "a-amber-west", "a-strict-fed", "a-green-nfd", "a-green-west"}) {
    Expect(label, 1, {{A, kWhole}, {B, kWhole}, {K, kNoCase}});
  }
  // RED: only the named agencies, only from the origin's node. C is named but not A's peer.
  Expect("a-red-b", 1, {{A, kWhole}, {B, kWhole}});
  Expect("a-red-c", 1, {{A, kWhole}});
  Expect("a-red-coord-c", 1, {{A, kWhole}, {K, kNoCase}});
  // GREEN to named agencies: K may relay it to C, and only to C.
  Expect("a-green-named-coord-c", 1, {{A, kWhole}, {K, kNoCase}, {C, kNoCaseNoSummary}});
  // Origin only, and a policy's forbid: nowhere else.
  Expect("a-origin-only", 1, {{A, kWhole}});
  Expect("embargo", 1, {{A, kWhole}});

  for (const char* label : {"b-clear-fed", "b-green-fed"}) {
    Expect(label, 1, {{B, kWhole}, {A, kWhole}, {K, kNoPerson}, {C, kNoPersonNoSummary}});
  }
  Expect("b-amber-fed", 1, {{B, kWhole}, {A, kWhole}, {K, kNoPerson}});
  Expect("b-strict-a", 1, {{B, kWhole}, {A, kWhole}});
  Expect("b-red-a-c", 1, {{B, kWhole}, {A, kWhole}});
  Expect("b-origin-only", 1, {{B, kWhole}});
  Expect("b-green-east", 1, {{B, kWhole}});  // neither A nor K is in region-east

  Expect("c-green-fed", 1, {{C, kWhole}, {K, kWhole}, {A, kWhole}, {B, kWhole}});

  absl::Time published = absl::Now();
  ASSERT_NO_FATAL_FAILURE(Converge());
  std::printf("first round converged in %s (sync markers included)\n",
              absl::FormatDuration(absl::Now() - published).c_str());

  // Updates and revocations are versions: they follow their first version's path, and a holder
  // keeps the versions it had.
  Publish(kAgencyA,
          {NextVersion("a-green-fed", FederationDraft("a-green-fed", v1::TLP_GREEN,
                                                      DISTRIBUTION_SCOPE_FEDERATION)),
           NextVersion("a-strict-fed", FederationDraft("a-strict-fed", v1::TLP_AMBER_STRICT,
                                                       DISTRIBUTION_SCOPE_FEDERATION))});
  Publish(kAgencyB, {NextVersion("b-amber-fed", FederationDraft("b-amber-fed", v1::TLP_AMBER,
                                                                DISTRIBUTION_SCOPE_FEDERATION))});
  for (const auto& [origin, label] : std::vector<std::pair<std::string, std::string>>{
           {A, "a-clear-fed"}, {A, "a-red-b"}, {B, "b-green-fed"}}) {
    absl::StatusOr<v1::PublishResult> revoked = Node(origin).Analyst()->Revoke(ids_[label], "test");
    ASSERT_TRUE(revoked.ok() && revoked->outcome() == v1::PUBLISH_OUTCOME_STORED)
        << label << ": "
        << (revoked.ok() ? revoked->ShortDebugString() : revoked.status().ToString());
  }
  Expect("a-green-fed", 2, {{A, kWhole}, {B, kWhole}, {K, kNoCase}, {C, kNoCaseNoSummary}});
  Expect("a-strict-fed", 2, {{A, kWhole}, {B, kWhole}, {K, kNoCase}});
  Expect("b-amber-fed", 2, {{B, kWhole}, {A, kWhole}, {K, kNoPerson}});
  Expect("a-clear-fed", 2, {{A, kWhole}, {B, kWhole}, {K, kNoCase}, {C, kNoCaseNoSummary}});
  Expect("a-red-b", 2, {{A, kWhole}, {B, kWhole}});
  Expect("b-green-fed", 2, {{B, kWhole}, {A, kWhole}, {K, kNoPerson}, {C, kNoPersonNoSummary}});
  ASSERT_NO_FATAL_FAILURE(Converge());

  // The revocations arrived as revocations, and each node's latest is the revoked version.
  for (const auto& [agency, label] :
       std::vector<std::pair<std::string, std::string>>{{B, "a-clear-fed"},
                                                        {K, "a-clear-fed"},
                                                        {C, "a-clear-fed"},
                                                        {B, "a-red-b"},
                                                        {A, "b-green-fed"},
                                                        {C, "b-green-fed"}}) {
    absl::StatusOr<v1::GetResponse> latest = Node(agency).Get(ids_[label], 0);
    ASSERT_TRUE(latest.ok()) << agency << " " << label << ": " << latest.status();
    absl::StatusOr<OpenedRecord> opened = VerifyRecord(latest->record());
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->header.version(), 2u) << agency << " " << label;
    EXPECT_TRUE(opened->header.revoked()) << agency << " " << label;
    EXPECT_FALSE(latest->received_from().empty()) << agency << " " << label;
    EXPECT_TRUE(latest->equivocations().empty()) << agency << " " << label;
  }
}

}  // namespace
}  // namespace nexus::testing
