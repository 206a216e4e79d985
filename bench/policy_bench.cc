// Sharing-decision cost: decisions per second, and the latency of one decision per (record,
// recipient) pair, for policies of 10, 100 and 1,000 rules.
//
// Each decision is timed alone with std::chrono::steady_clock; the clock's own cost per reading
// pair is printed too, and included in the latencies (not subtracted).
//
//   policy_bench [--decisions N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy/sharing_policy.h"
#include "tests/policy_fixtures.h"

namespace nexus::policy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kNow = 1'700'000'000'000'000 + int64_t{10} * 86400 * 1000000;
const char* kAgencies[] = {"agency-a", "agency-b", "agency-c", "coord"};
const char* kGroups[] = {"region-west", "region-east", "coordinator"};
const char* kTags[] = {"drugs", "arms", "finance"};

// A realistic mix: most rules name recipients and a couple of record conditions; a quarter of
// them forbid; half of the permits redact.
v1::SharingPolicy RandomPolicy(std::mt19937_64& random, int rules) {
  auto below = [&](int n) { return static_cast<int>(random() % n); };
  v1::SharingPolicy policy;
  for (int i = 0; i < rules; ++i) {
    v1::Rule* rule = policy.add_rules();
    rule->set_id(absl::StrCat("rule-", i));
    bool forbid = below(4) == 0;
    rule->set_effect(forbid ? v1::EFFECT_FORBID : v1::EFFECT_PERMIT);
    if (below(2))
      rule->mutable_recipient()->add_groups(kGroups[below(3)]);
    else
      rule->mutable_recipient()->add_agencies(kAgencies[below(4)]);
    v1::RecordCondition* record = rule->mutable_record();
    if (below(2)) record->add_tlp(static_cast<v1::Tlp>(1 + below(5)));
    if (below(3) == 0) record->add_nexus_types(static_cast<v1::NexusType>(1 + below(6)));
    if (below(3) == 0) record->add_tags(kTags[below(3)]);
    if (below(4) == 0) record->add_indicator_types(v1::INDICATOR_TYPE_PERSON);
    if (!forbid && below(2)) {
      rule->mutable_redact()->set_summary(true);
      rule->mutable_redact()->add_indicator_types(v1::INDICATOR_TYPE_PERSON);
    }
  }
  return policy;
}

int Run(int decisions) {
  Federation federation = testing::PolicyTestFederation();
  std::mt19937_64 random(7);
  // Clock overhead: two readings with nothing between.
  std::vector<double> empty;
  for (int i = 0; i < 100000; ++i) {
    auto start = Clock::now();
    empty.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
  }
  std::sort(empty.begin(), empty.end());
  std::printf("clock overhead per timed decision: median %.0f ns\n", empty[empty.size() / 2]);

  // Records and recipients, their facts extracted once as the node does per record.
  std::vector<RecordFacts> records;
  for (int i = 0; i < 1000; ++i) {
    v1::Record record = testing::PolicyTestRecord();
    record.set_origin_agency(kAgencies[random() % 4]);
    record.set_tlp(static_cast<v1::Tlp>(1 + random() % 3));
    record.mutable_assessment()->set_nexus_type(static_cast<v1::NexusType>(1 + random() % 6));
    record.mutable_tags()->set_values(0, kTags[random() % 3]);
    records.push_back(RecordFacts::From(record, federation));
  }
  for (int rules : {10, 100, 1000}) {
    auto policy = SharingPolicy::Compile(RandomPolicy(random, rules), federation);
    if (!policy.ok()) {
      std::fprintf(stderr, "policy of %d rules does not compile: %s\n", rules,
                   std::string(policy.status().message()).c_str());
      return 1;
    }
    int holder = federation.AgencyIndex("agency-a");
    std::vector<double> latencies;
    latencies.reserve(decisions);
    int permits = 0;
    auto wall = Clock::now();
    for (int i = 0; i < decisions; ++i) {
      const RecordFacts& facts = records[i % records.size()];
      int recipient = 1 + (i / static_cast<int>(records.size())) % 3;
      auto start = Clock::now();
      Decision decision = (*policy)->Decide(facts, recipient, holder, kNow);
      latencies.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
      permits += decision.permit;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - wall).count();
    std::sort(latencies.begin(), latencies.end());
    std::printf(
        "%4d rules: %.2f M decisions/s (timed loop), latency median %.0f ns, p99 %.0f ns "
        "(%d%% permitted)\n",
        rules, decisions / seconds / 1e6, latencies[latencies.size() / 2],
        latencies[latencies.size() * 99 / 100], permits * 100 / decisions);
  }
  return 0;
}

}  // namespace
}  // namespace nexus::policy

int main(int argc, char** argv) {
  int decisions = 1000000;
  if (argc == 3 && std::string(argv[1]) == "--decisions") {
    if (!absl::SimpleAtoi(argv[2], &decisions) || decisions <= 0) return 2;
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: policy_bench [--decisions N]\n");
    return 2;
  }
  return nexus::policy::Run(decisions);
}
