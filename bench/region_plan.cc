#include "bench/region_plan.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nexus::bench {
namespace {

// Members' countries and sectors, in turn: enough variety that membership, policy and audit
// carry what a real region's would, without any of it changing who receives what.
constexpr std::array<const char*, 15> kCountries = {"SN", "ML", "NE", "BF", "CI", "GH", "TG", "BJ",
                                                    "NG", "GN", "SL", "LR", "GM", "MR", "TD"};
constexpr std::array<const char*, 5> kSectors = {"police", "counter-terrorism",
                                                 "financial-intelligence", "customs", "border"};

}  // namespace

int DefaultCoordinators(int nodes) { return nodes <= 10 ? 1 : 3; }

RegionPlan PlanRegion(int nodes, int coordinators) {
  if (coordinators < 1 || coordinators >= nodes) std::abort();
  RegionPlan plan;
  plan.coordinators = coordinators;
  for (int c = 0; c < coordinators; ++c) {
    RegionNode node;
    node.agency = absl::StrCat("coord-", c + 1);
    node.coordinator = true;
    node.membership_entry = absl::StrCat(node.agency, ":NG:", kRegionGroup,
                                         ",coordinator:regional-body:regional centre ", c + 1);
    plan.nodes.push_back(std::move(node));
  }
  const int members = nodes - coordinators;
  for (int m = 0; m < members; ++m) {
    RegionNode node;
    node.agency = absl::StrFormat("agency-%03d", m + 1);
    // Contiguous blocks: neighbours in the ring mostly share a coordinator, as neighbouring
    // countries do; the blocks' edges give bilateral links across coordinators too.
    node.coordinator_of = static_cast<int>(static_cast<int64_t>(m) * coordinators / members);
    for (int step : {-1, 1}) {
      const int peer = coordinators + (m + step + members) % members;
      if (peer != coordinators + m &&
          std::find(node.bilateral.begin(), node.bilateral.end(), peer) == node.bilateral.end()) {
        node.bilateral.push_back(peer);
      }
    }
    node.membership_entry =
        absl::StrCat(node.agency, ":", kCountries[m % kCountries.size()], ":", kRegionGroup, ":",
                     kSectors[m % kSectors.size()], ":liaison desk of ", node.agency);
    plan.nodes[node.coordinator_of].members.push_back(coordinators + m);
    plan.nodes.push_back(std::move(node));
  }
  return plan;
}

std::string PolicyText(const RegionPlan& plan, int index) {
  const RegionNode& node = plan.nodes[index];
  if (node.coordinator) {
    return absl::StrCat(
        "name: \"", node.agency, ": relay CLEAR and GREEN to the region\"\n",
        "rules { id: \"relay-green-and-clear\" effect: EFFECT_PERMIT\n",
        "  description: \"Members and coordinators receive CLEAR and GREEN records of the last "
        "year\"\n",
        "  recipient { groups: \"", kRegionGroup, "\" }\n",
        "  record { tlp: TLP_CLEAR tlp: TLP_GREEN max_age_days: 365 } }\n");
  }
  std::string bilateral;
  for (int peer : node.bilateral) {
    absl::StrAppend(&bilateral, " agencies: \"", plan.nodes[peer].agency, "\"");
  }
  std::string policy = absl::StrCat(
      "name: \"", node.agency, ": CLEAR and GREEN to the region, AMBER to bilateral partners\"\n",
      "rules { id: \"region\" effect: EFFECT_PERMIT\n", "  recipient { groups: \"", kRegionGroup,
      "\" }\n", "  record { origin_agencies: \"", node.agency,
      "\" tlp: TLP_CLEAR tlp: TLP_GREEN }\n", "  redact { case_reference: true } }\n");
  if (!bilateral.empty()) {
    absl::StrAppend(&policy, "rules { id: \"bilateral-amber\" effect: EFFECT_PERMIT\n",
                    "  recipient {", bilateral, " }\n", "  record { origin_agencies: \"",
                    node.agency, "\" tlp: TLP_AMBER }\n", "  redact { case_reference: true } }\n");
  }
  absl::StrAppend(&policy,
                  "rules { id: \"no-undercover\" effect: EFFECT_FORBID\n"
                  "  record { tags: \"undercover\" } }\n");
  return policy;
}

std::vector<std::string> PeerSpecs(const RegionPlan& plan, int index,
                                   const std::vector<std::string>& addresses) {
  const RegionNode& node = plan.nodes[index];
  std::vector<std::string> specs;
  if (node.coordinator) {
    for (int c = 0; c < plan.coordinators; ++c) {
      if (c != index)
        specs.push_back(absl::StrCat(plan.nodes[c].agency, "=", addresses[c], "/pull"));
    }
    for (int member : node.members) specs.push_back(plan.nodes[member].agency + "/inbound");
    return specs;
  }
  specs.push_back(absl::StrCat(plan.nodes[node.coordinator_of].agency, "=",
                               addresses[node.coordinator_of], "/pull-and-push"));
  for (int peer : node.bilateral) {
    specs.push_back(absl::StrCat(plan.nodes[peer].agency, "=", addresses[peer], "/pull"));
  }
  return specs;
}

RecordKind KindOfRecord(int n) {
  if (n % 100 == 99) return RecordKind::kUndercover;
  switch (n % 10) {
    case 0:
      return RecordKind::kClear;
    case 1:
    case 2:
      return RecordKind::kAmber;
    default:
      return RecordKind::kGreen;
  }
}

int RecordsOfMember(int records, int members, int member) {
  return records / members + (member < records % members ? 1 : 0);
}

std::vector<std::map<std::string, uint64_t>> ExpectedHoldings(const RegionPlan& plan, int records) {
  std::vector<std::map<std::string, uint64_t>> expected(plan.nodes.size());
  for (int m = 0; m < plan.members(); ++m) {
    const int origin = plan.coordinators + m;
    const RegionNode& node = plan.nodes[origin];
    uint64_t to_everyone = 0, to_bilateral = 0;
    const int count = RecordsOfMember(records, plan.members(), m);
    for (int n = 0; n < count; ++n) {
      const RecordKind kind = KindOfRecord(n);
      if (kind == RecordKind::kClear || kind == RecordKind::kGreen) ++to_everyone;
      if (kind == RecordKind::kAmber) ++to_bilateral;
    }
    if (count > 0) expected[origin][node.agency] = count;
    for (size_t holder = 0; holder < plan.nodes.size(); ++holder) {
      if (static_cast<int>(holder) == origin) continue;
      const bool bilateral = std::find(node.bilateral.begin(), node.bilateral.end(),
                                       static_cast<int>(holder)) != node.bilateral.end();
      const uint64_t held = to_everyone + (bilateral ? to_bilateral : 0);
      if (held > 0) expected[holder][node.agency] = held;
    }
  }
  return expected;
}

}  // namespace nexus::bench
