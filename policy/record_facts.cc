#include "policy/record_facts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace nexus::policy {

std::string NormalizeLabel(absl::string_view label) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(label));
}

bool IsNoFurtherDissemination(absl::string_view handling_code) {
  std::string code = NormalizeLabel(handling_code);
  return absl::StartsWith(code, "no further dissemination") || code == "nfd" || code == "orcon" ||
         absl::StartsWith(code, "originator consent required");
}

RecordFacts RecordFacts::From(const v1::Record& record, const Federation& federation) {
  RecordFacts facts;
  facts.origin = federation.AgencyIndex(record.origin_agency());
  facts.tlp = record.tlp();
  facts.scope = record.distribution().scope();
  for (const std::string& agency : record.distribution().agencies()) {
    facts.named_agencies.push_back(federation.AgencyIndex(agency));
  }
  for (const std::string& group : record.distribution().groups()) {
    int index = federation.GroupIndex(group);
    if (index >= 0 && index < 64) facts.distribution_groups |= uint64_t{1} << index;
  }
  for (const std::string& code : record.handling_codes()) {
    facts.handling_codes.push_back(NormalizeLabel(code));
    facts.no_further_dissemination |= IsNoFurtherDissemination(code);
  }
  if (record.has_assessment()) {
    const v1::Assessment& a = record.assessment();
    facts.nexus_type_bit = a.nexus_type() > 0 ? 1u << a.nexus_type() : 0;
    for (int point : a.watch_points()) {
      if (point > 0 && point < 32) facts.watch_points |= 1u << point;
    }
    facts.reliability = a.source_reliability();
    facts.credibility = a.information_credibility();
  }
  for (const v1::Indicator& indicator : record.indicators()) {
    if (indicator.type() > 0 && indicator.type() < 32)
      facts.indicator_types |= 1u << indicator.type();
  }
  for (const std::string& tag : record.tags().values()) facts.tags.push_back(NormalizeLabel(tag));
  facts.modified_unix_micros = record.modified_unix_micros();
  return facts;
}

}  // namespace nexus::policy
