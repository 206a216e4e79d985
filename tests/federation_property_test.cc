// A randomized federation: four real nodes, random links (pull, push, both), random sharing
// policies and random records at every node. After convergence:
//   - no leak: no node holds a version, or a part of one, that the originator's limits and every
//     hop's policy on some path would not let reach it;
//   - nothing silently missing: every node holds every version its peers' policies let reach it,
//     with at least the parts the least generous of those paths discloses.
// The expectation comes from the policy library (SharingPolicy::Decide), applied along the links.
// Policies only condition on what every holder sees of a record (its origin, TLP, distribution,
// handling codes), so that whether a version reaches a node does not depend on the order in which
// its parts arrived.
//
// The seed is printed; NEXUS_FEDERATION_SEED=<seed> replays a run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "policy/redaction.h"
#include "policy/sharing_policy.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

using PartSet = std::set<uint32_t>;  // disclosed manifest positions

const std::vector<std::string> kGroups = {"region-west", "region-east", "coordinator"};
const std::vector<std::string> kCountries = {"FR", "DE", "BE"};
constexpr char kSyncCode[] = "sync-marker";
constexpr char kHoldCode[] = "hold";

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  bool Chance(double p) { return std::bernoulli_distribution(p)(engine_); }
  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(engine_); }
  template <typename T>
  std::vector<T> Subset(const std::vector<T>& from, double p) {
    std::vector<T> out;
    for (const T& item : from) {
      if (Chance(p)) out.push_back(item);
    }
    return out;
  }
  template <typename T>
  std::vector<T> NonEmptySubset(const std::vector<T>& from, double p) {
    std::vector<T> out = Subset(from, p);
    if (out.empty()) out.push_back(from[Below(from.size())]);
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

// A random rule over header facts only. Forbids never match a CLEAR record, so that the sync
// markers travel every link.
v1::Rule RandomRule(Random& random, int number, const std::vector<std::string>& members) {
  v1::Rule rule;
  rule.set_id(absl::StrCat("r", number));
  const bool forbid = random.Chance(0.15);
  rule.set_effect(forbid ? v1::EFFECT_FORBID : v1::EFFECT_PERMIT);
  v1::RecipientCondition& recipient = *rule.mutable_recipient();
  switch (random.Below(5)) {
    case 0:
    case 4:
      break;
    case 1:
      for (const std::string& id : random.NonEmptySubset(members, 0.4)) recipient.add_agencies(id);
      break;
    case 2:
      for (const std::string& g : random.NonEmptySubset(kGroups, 0.4)) recipient.add_groups(g);
      break;
    default:
      for (const std::string& c : random.NonEmptySubset(kCountries, 0.4)) {
        recipient.add_countries(c);
      }
  }
  v1::RecordCondition& record = *rule.mutable_record();
  if (random.Chance(0.3)) {
    for (const std::string& id : random.NonEmptySubset(members, 0.4))
      record.add_origin_agencies(id);
  }
  const std::vector<v1::Tlp> tlps = {v1::TLP_GREEN, v1::TLP_AMBER, v1::TLP_AMBER_STRICT,
                                     v1::TLP_RED};
  if (forbid || random.Chance(0.4)) {
    std::vector<v1::Tlp> chosen = random.NonEmptySubset(tlps, 0.4);
    if (!forbid && random.Chance(0.5)) chosen.push_back(v1::TLP_CLEAR);
    for (v1::Tlp tlp : chosen) record.add_tlp(tlp);
  }
  if (random.Chance(0.3)) {
    for (v1::DistributionScope scope : random.NonEmptySubset(
             std::vector<v1::DistributionScope>{v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES,
                                                v1::DISTRIBUTION_SCOPE_GROUP,
                                                v1::DISTRIBUTION_SCOPE_FEDERATION},
             0.5)) {
      record.add_scopes(scope);
    }
  }
  if (random.Chance(0.2)) record.add_handling_codes(kHoldCode);
  if (!forbid) {
    v1::Redaction& redact = *rule.mutable_redact();
    redact.set_case_reference(random.Chance(0.25));
    redact.set_assessment(random.Chance(0.15));
    redact.set_summary(random.Chance(0.25));
    redact.set_tags(random.Chance(0.15));
    if (random.Chance(0.25)) redact.add_indicator_types(v1::INDICATOR_TYPE_PERSON);
    if (random.Chance(0.1)) redact.add_indicator_types(v1::INDICATOR_TYPE_PHONE);
    if (random.Chance(0.05)) redact.set_all_indicators(true);
  }
  return rule;
}

// 2 to 5 random rules, and the rule that lets the sync markers through.
v1::SharingPolicy RandomPolicy(Random& random, const std::string& agency,
                               const std::vector<std::string>& members) {
  v1::SharingPolicy policy;
  policy.set_name(absl::StrCat(agency, " (random)"));
  int rules = 2 + random.Below(4);
  for (int i = 0; i < rules; ++i) *policy.add_rules() = RandomRule(random, i, members);
  v1::Rule& sync = *policy.add_rules();
  sync.set_id("sync-markers");
  sync.set_effect(v1::EFFECT_PERMIT);
  sync.mutable_record()->add_handling_codes(kSyncCode);
  return policy;
}

v1::Record RandomDraft(Random& random, const std::string& label,
                       const std::vector<std::string>& members) {
  // Weighted towards what travels: CLEAR/GREEN and federation-wide.
  const std::vector<v1::Tlp> tlps = {v1::TLP_CLEAR, v1::TLP_CLEAR,        v1::TLP_GREEN,
                                     v1::TLP_GREEN, v1::TLP_GREEN,        v1::TLP_AMBER,
                                     v1::TLP_AMBER, v1::TLP_AMBER_STRICT, v1::TLP_RED};
  const std::vector<v1::DistributionScope> scopes = {
      v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY,    v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES,
      v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES, v1::DISTRIBUTION_SCOPE_GROUP,
      v1::DISTRIBUTION_SCOPE_GROUP,          v1::DISTRIBUTION_SCOPE_FEDERATION,
      v1::DISTRIBUTION_SCOPE_FEDERATION,     v1::DISTRIBUTION_SCOPE_FEDERATION,
      v1::DISTRIBUTION_SCOPE_FEDERATION,     v1::DISTRIBUTION_SCOPE_FEDERATION};
  v1::Tlp tlp = tlps[random.Below(tlps.size())];
  v1::DistributionScope scope = scopes[random.Below(scopes.size())];
  std::vector<std::string> named, groups;
  if (scope == v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES || tlp == v1::TLP_RED) {
    named = random.NonEmptySubset(members, 0.6);
  }
  if (scope == v1::DISTRIBUTION_SCOPE_GROUP) groups = random.NonEmptySubset(kGroups, 0.5);
  v1::Record draft = FederationDraft(label, tlp, scope, named, groups);
  if (random.Chance(0.1)) draft.add_handling_codes("NFD");
  if (random.Chance(0.2)) draft.add_handling_codes(kHoldCode);
  return draft;
}

// Which node receives from which: (from, to) pairs, and how each node's configuration says so.
struct Links {
  std::set<std::pair<std::string, std::string>> edges;
  std::vector<std::string> described;
};

Links RandomLinks(Random& random, std::map<std::string, std::unique_ptr<FederationNode>>& nodes,
                  const std::vector<std::string>& members) {
  Links links;
  for (size_t i = 0; i < members.size(); ++i) {
    for (size_t j = i + 1; j < members.size(); ++j) {
      FederationNode& x = *nodes[members[i]];
      FederationNode& y = *nodes[members[j]];
      bool x_from_y = random.Chance(0.7), y_from_x = random.Chance(0.7);
      if (!x_from_y && !y_from_x) continue;
      if (x_from_y) links.edges.insert({y.agency(), x.agency()});
      if (y_from_x) links.edges.insert({x.agency(), y.agency()});
      // Each configuration that can express the flows.
      if (x_from_y && y_from_x) {
        if (random.Chance(0.5)) {
          x.AddPeer(PullPeer(y.agency(), y.address()));
          y.AddPeer(PullPeer(x.agency(), x.address()));
          links.described.push_back(absl::StrCat(x.agency(), " <-pull-> ", y.agency()));
        } else {
          x.AddPeer(PullAndPushPeer(y.agency(), y.address()));
          y.AddPeer(InboundPeer(x.agency()));
          links.described.push_back(
              absl::StrCat(x.agency(), " pulls from and pushes to ", y.agency()));
        }
        continue;
      }
      FederationNode& to = x_from_y ? x : y;
      FederationNode& from = x_from_y ? y : x;
      if (random.Chance(0.5)) {
        to.AddPeer(PullPeer(from.agency(), from.address()));
        from.AddPeer(InboundPeer(to.agency()));
        links.described.push_back(absl::StrCat(to.agency(), " pulls from ", from.agency()));
      } else {
        from.AddPeer(PushPeer(to.agency(), to.address()));
        to.AddPeer(InboundPeer(from.agency()));
        links.described.push_back(absl::StrCat(from.agency(), " pushes to ", to.agency()));
      }
    }
  }
  return links;
}

// The federation as the policy library computes it: where each published version may go.
class Model {
 public:
  Model(const std::map<std::string, std::shared_ptr<const policy::SharingPolicy>>& policies,
        const Links& links)
      : policies_(policies), links_(links) {}

  struct Expected {
    // Whether it reaches the node at all; if so, the parts some path may disclose (upper) and
    // the parts every path discloses (lower).
    PartSet upper, lower;
  };

  // node -> (id, version) -> what it must hold. `records` are the origin's whole versions.
  std::map<std::string, std::map<VersionKey, Expected>> Compute(
      const std::map<VersionKey, v1::SignedRecord>& records) const {
    std::map<std::string, std::map<VersionKey, Expected>> expected;
    const int64_t now = absl::ToUnixMicros(absl::Now());
    for (const auto& entry : records) {
      const VersionKey& key = entry.first;
      const v1::SignedRecord& record = entry.second;
      OpenedRecord opened = *DecodeStoredRecord(record);
      const std::string origin = opened.header.origin_agency();
      const policy::RecordFacts facts =
          policy::RecordFacts::From(opened.record, PolicyFederation());
      // What `holder` passes to `to` of the parts `have`, or nullopt if nothing.
      auto pass = [&](const std::string& holder, const std::string& to,
                      const PartSet& have) -> std::optional<PartSet> {
        if (to == origin || !links_.edges.count({holder, to})) return std::nullopt;
        const policy::Federation& federation = PolicyFederation();
        policy::Decision decision = policies_.at(holder)->Decide(
            facts, federation.AgencyIndex(to), federation.AgencyIndex(holder), now);
        if (!decision.permit) return std::nullopt;
        v1::SignedRecord copy = Restrict(record, have);
        policy::ApplyRedaction(decision.withheld, copy);
        return Disclosed(copy);
      };
      // Upper: the union over every walk (a fixpoint, as copies merge at each node).
      std::map<std::string, PartSet> upper = {{origin, Disclosed(record)}};
      for (bool changed = true; changed;) {
        changed = false;
        for (const auto& [holder, have] : std::map<std::string, PartSet>(upper)) {
          for (const std::string& to : FederationMemberIds()) {
            std::optional<PartSet> passed = pass(holder, to, have);
            if (!passed) continue;
            auto [it, inserted] = upper.emplace(to, *passed);
            size_t before = it->second.size();
            it->second.insert(passed->begin(), passed->end());
            changed |= inserted || it->second.size() != before;
          }
        }
      }
      // Lower: the intersection over simple paths from the origin (a first copy always comes
      // along one, and a holder's copy only grows).
      std::map<std::string, PartSet> lower;
      std::vector<std::string> path = {origin};
      std::function<void(const std::string&, const PartSet&)> walk = [&](const std::string& at,
                                                                         const PartSet& have) {
        for (const std::string& to : FederationMemberIds()) {
          if (std::find(path.begin(), path.end(), to) != path.end()) continue;
          std::optional<PartSet> passed = pass(at, to, have);
          if (!passed) continue;
          auto [it, inserted] = lower.emplace(to, *passed);
          if (!inserted) {
            PartSet both;
            std::set_intersection(it->second.begin(), it->second.end(), passed->begin(),
                                  passed->end(), std::inserter(both, both.end()));
            it->second = std::move(both);
          }
          path.push_back(to);
          walk(to, *passed);
          path.pop_back();
        }
      };
      walk(origin, upper[origin]);
      lower[origin] = upper[origin];
      for (const auto& [node, parts] : upper) {
        expected[node][key] = Expected{parts, lower.at(node)};
      }
    }
    return expected;
  }

  static PartSet Disclosed(const v1::SignedRecord& record) {
    PartSet parts;
    for (const v1::Disclosure& disclosure : record.disclosures()) parts.insert(disclosure.part());
    return parts;
  }

 private:
  static v1::SignedRecord Restrict(const v1::SignedRecord& record, const PartSet& keep) {
    v1::SignedRecord copy = record;
    copy.clear_disclosures();
    for (const v1::Disclosure& disclosure : record.disclosures()) {
      if (keep.count(disclosure.part())) *copy.add_disclosures() = disclosure;
    }
    return copy;
  }

  const std::map<std::string, std::shared_ptr<const policy::SharingPolicy>>& policies_;
  const Links& links_;
};

std::string Parts(const PartSet& parts) { return absl::StrJoin(parts, ","); }

class FederationPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* fixed = std::getenv("NEXUS_FEDERATION_SEED");
    seed_ = fixed != nullptr ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
    std::printf("federation property seed: %llu (NEXUS_FEDERATION_SEED=%llu replays it)\n",
                static_cast<unsigned long long>(seed_), static_cast<unsigned long long>(seed_));
    RecordProperty("seed", std::to_string(seed_));
  }

  // Everything each node holds must be within the model's bounds, and the set of versions exact.
  bool Matches(const std::map<std::string, std::map<VersionKey, Model::Expected>>& expected,
               std::vector<std::string>* problems) {
    problems->clear();
    for (const std::string& agency : FederationMemberIds()) {
      absl::StatusOr<Holdings> holdings = nodes_[agency]->ReadHoldings();
      if (!holdings.ok()) {
        problems->push_back(absl::StrCat(agency, ": ", holdings.status().ToString()));
        continue;
      }
      for (const VersionKey& duplicate : holdings->duplicates) {
        problems->push_back(absl::StrCat(agency, ": ", Name(duplicate), " stored twice"));
      }
      const auto want =
          expected.count(agency) ? expected.at(agency) : std::map<VersionKey, Model::Expected>{};
      for (const auto& [key, held] : holdings->versions) {
        absl::StatusOr<OpenedRecord> opened = VerifyRecord(held.record);
        if (!opened.ok()) {
          problems->push_back(
              absl::StrCat(agency, ": ", Name(key), ": ", opened.status().ToString()));
        }
        auto it = want.find(key);
        if (it == want.end()) {
          problems->push_back(absl::StrCat("LEAK: ", agency, " holds ", Name(key),
                                           " (received from ", held.received_from, ")"));
          continue;
        }
        PartSet disclosed = Model::Disclosed(held.record);
        if (!std::includes(it->second.upper.begin(), it->second.upper.end(), disclosed.begin(),
                           disclosed.end())) {
          problems->push_back(absl::StrCat("LEAK: ", agency, " holds ", Name(key), " with parts {",
                                           Parts(disclosed), "}; no path discloses more than {",
                                           Parts(it->second.upper), "}"));
        }
        if (!std::includes(disclosed.begin(), disclosed.end(), it->second.lower.begin(),
                           it->second.lower.end())) {
          problems->push_back(absl::StrCat(
              "MISSING PARTS: ", agency, " holds ", Name(key), " with parts {", Parts(disclosed),
              "}; every path discloses {", Parts(it->second.lower), "}"));
        }
      }
      for (const auto& [key, bounds] : want) {
        if (!holdings->versions.count(key)) {
          problems->push_back(absl::StrCat("MISSING: ", agency, " lacks ", Name(key)));
        }
      }
    }
    return problems->empty();
  }

  std::string Name(const VersionKey& key) {
    auto it = labels_.find(key.first);
    return absl::StrCat(it == labels_.end() ? key.first : it->second, "@", key.second);
  }

  // Publishes at `origin` and remembers the whole signed versions, as the origin holds them.
  void Publish(const std::string& origin, const std::vector<v1::Record>& drafts) {
    absl::StatusOr<std::vector<v1::PublishResult>> results = PublishAll(*nodes_[origin], drafts);
    ASSERT_TRUE(results.ok()) << results.status();
    for (size_t i = 0; i < drafts.size(); ++i) {
      const v1::PublishResult& result = (*results)[i];
      labels_[result.id()] = drafts[i].tags().values(0);
      absl::StatusOr<v1::GetResponse> got = nodes_[origin]->Get(result.id(), result.version());
      ASSERT_TRUE(got.ok()) << got.status();
      records_[{result.id(), result.version()}] = got->record();
    }
  }

  uint64_t seed_ = 0;
  std::map<std::string, std::unique_ptr<FederationNode>> nodes_;
  std::map<std::string, std::string> labels_;
  std::map<VersionKey, v1::SignedRecord> records_;
};

TEST_F(FederationPropertyTest, NoLeaksAndNothingMissingUnderRandomPolicies) {
  Random random(seed_);
  const std::vector<std::string>& members = FederationMemberIds();
  for (const std::string& agency : members) {
    nodes_[agency] = std::make_unique<FederationNode>(agency);
  }
  Links links = RandomLinks(random, nodes_, members);
  std::map<std::string, std::shared_ptr<const policy::SharingPolicy>> policies;
  std::string described = absl::StrCat("links:\n  ", absl::StrJoin(links.described, "\n  "));
  for (const std::string& agency : members) {
    v1::SharingPolicy policy = RandomPolicy(random, agency, members);
    std::string text;
    google::protobuf::TextFormat::PrintToString(policy, &text);
    auto compiled = policy::SharingPolicy::Parse(text, agency, PolicyFederation());
    ASSERT_TRUE(compiled.ok()) << compiled.status() << "\n" << text;
    policies[agency] = *compiled;
    nodes_[agency]->set_policy(text);
    absl::StrAppend(&described, "\npolicy of ", agency, ":\n", text);
  }
  for (const std::string& agency : members) {
    ASSERT_EQ(nodes_[agency]->Start(), absl::OkStatus()) << agency;
  }

  int label = 0;
  for (const std::string& agency : members) {
    std::vector<v1::Record> drafts;
    for (int i = 0; i < 6; ++i) {
      drafts.push_back(RandomDraft(random, absl::StrCat("r", label++, "-", agency), members));
    }
    ASSERT_NO_FATAL_FAILURE(Publish(agency, drafts));
  }
  for (const auto& [key, record] : records_) {
    OpenedRecord opened = *DecodeStoredRecord(record);
    absl::StrAppend(&described, "\n", Name(key), ": ", v1::Tlp_Name(opened.header.tlp()), " ",
                    opened.header.distribution().ShortDebugString(), " ",
                    absl::StrJoin(opened.header.handling_codes(), ","));
  }

  Model model(policies, links);
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) {
      // Sync markers: CLEAR, federation-wide, let through by every policy. Once they are
      // everywhere, every link has carried what its sender held before they were published, so
      // a late leak would be here by now.
      for (const std::string& agency : members) {
        v1::Record marker = FederationDraft(absl::StrCat("sync-", agency), v1::TLP_CLEAR,
                                            v1::DISTRIBUTION_SCOPE_FEDERATION);
        marker.add_handling_codes(kSyncCode);
        ASSERT_NO_FATAL_FAILURE(Publish(agency, {marker}));
      }
    }
    auto expected = model.Compute(records_);
    std::vector<std::string> problems;
    bool converged = WaitFor([&] { return Matches(expected, &problems); }, absl::Seconds(40));
    ASSERT_TRUE(converged) << "seed " << seed_ << "\n"
                           << absl::StrJoin(problems, "\n") << "\n"
                           << described;
  }
}

}  // namespace
}  // namespace nexus::testing
