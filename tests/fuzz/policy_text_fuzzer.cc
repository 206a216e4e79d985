// Sharing-policy text (SharingPolicy::Parse) against the examples' federation
// (policy/examples/federation-node.textproto), then decisions.
// Invariants: a refusal names its source; a policy that loads decides every (record, recipient)
// pair the same way with and without an explanation, never sends to an unknown recipient, and
// never sends another agency's "no further dissemination" record to a third agency.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "policy/sharing_policy.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;
using nexus::policy::Decision;
using nexus::policy::Federation;
using nexus::policy::RecordFacts;

const Federation& ExampleFederation() {
  static const Federation* federation = [] {
    nexus::v1::NodeConfig config;
    auto add = [&](const char* id, const char* country, std::vector<const char*> groups) {
      nexus::v1::Agency* agency = config.add_agencies();
      agency->set_id(id);
      agency->set_country(country);
      for (const char* group : groups) agency->add_groups(group);
    };
    add("fr-police", "FR", {"police", "region-west"});
    add("fr-fiu", "FR", {"fiu"});
    add("sn-police", "SN", {"police", "region-west"});
    add("ml-customs", "ML", {"customs", "region-west"});
    add("de-bka", "DE", {"police", "counter-terrorism"});
    add("wa-coord", "BE", {"coordinator", "region-west"});
    return new Federation(config.agencies());
  }();
  return *federation;
}

// A few records that exercise the rule conditions, derived from the input's last bytes.
std::vector<RecordFacts> SampleRecords(const uint8_t* data, size_t size) {
  std::vector<RecordFacts> records;
  for (int i = 0; i < 4; ++i) {
    uint8_t b = size > static_cast<size_t>(i) ? data[size - 1 - i] : static_cast<uint8_t>(i * 37);
    RecordFacts facts;
    facts.origin = b % 6;
    facts.tlp = static_cast<nexus::v1::Tlp>(1 + b % 4);
    facts.scope = static_cast<nexus::v1::DistributionScope>(1 + (b >> 2) % 4);
    facts.nexus_type_bit = 1u << (b % 7);
    facts.watch_points = b;
    facts.indicator_types = b * 7u;
    facts.reliability = 1 + (b >> 3) % 6;
    facts.credibility = 1 + (b >> 5) % 6;
    facts.distribution_groups = b & 3;
    facts.named_agencies = {(b >> 4) % 6};
    facts.no_further_dissemination = (b & 0x40) != 0;
    if (facts.no_further_dissemination) facts.handling_codes = {"nofurther"};
    facts.tags = {"weapons", "undercover"};
    facts.modified_unix_micros = 1'700'000'000'000'000 + b;
    records.push_back(facts);
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  auto policy =
      nexus::policy::SharingPolicy::Parse(text, "fuzz.textproto", ExampleFederation(), &warnings);
  if (!policy.ok()) {
    Require(absl::StrContains(policy.status().message(), "fuzz.textproto"),
            "a refused policy names its source");
    return 0;
  }
  const int agencies = static_cast<int>(ExampleFederation().agencies());
  for (const RecordFacts& facts : SampleRecords(data, size)) {
    for (int recipient = -1; recipient < agencies; ++recipient) {
      const int holder = 0;
      const int64_t now = 1'700'000'100'000'000;
      Decision decided = (*policy)->Decide(facts, recipient, holder, now);
      std::vector<std::string> lines;
      Decision explained = (*policy)->Explain(facts, recipient, holder, now, &lines);
      Require(decided.permit == explained.permit && decided.withheld == explained.withheld &&
                  decided.limits == explained.limits && decided.rules == explained.rules,
              "Explain decides as Decide does");
      if (recipient < 0) Require(!decided.permit, "an unknown recipient receives nothing");
      if (facts.no_further_dissemination && facts.origin != holder && recipient != holder &&
          recipient != facts.origin) {
        Require(!decided.permit, "no further dissemination is never overridden by a rule");
      }
      (void)(*policy)->Reasons(decided);
    }
  }
  return 0;
}
