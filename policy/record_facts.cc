#include "policy/record_facts.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/dissemination_codes.h"
#include "policy/decision.h"

namespace nexus::policy {

std::string NormalizeLabel(absl::string_view label) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(label));
}

bool IsNoFurtherDissemination(absl::string_view handling_code) {
  return IsNoFurtherDisseminationCode(handling_code);
}

RecordFacts RecordFacts::From(const v1::Record& record, const Federation& federation) {
  RecordFacts facts;
  facts.origin = federation.AgencyIndex(record.origin_agency());
  if (v1::Tlp_IsValid(record.tlp())) {
    facts.tlp = record.tlp();
  } else {
    facts.undefined |= kUndefinedTlp;
  }
  if (v1::DistributionScope_IsValid(record.distribution().scope())) {
    facts.scope = record.distribution().scope();
  } else {
    facts.undefined |= kUndefinedScope;
  }
  for (const std::string& agency : record.distribution().agencies()) {
    facts.named_agencies.push_back(federation.AgencyIndex(agency));
  }
  for (const std::string& group : record.distribution().groups()) {
    int index = federation.GroupIndex(group);
    if (index >= 0 && index < 64) facts.distribution_groups |= uint64_t{1} << index;
  }
  const v1::HitNoticeAudience& hits = record.distribution().hit_notices();
  if (v1::DistributionScope_IsValid(hits.scope())) {
    facts.hit_scope = hits.scope();
  } else {
    facts.undefined |= kUndefinedScope;
  }
  for (const std::string& agency : hits.agencies()) {
    facts.hit_named.push_back(federation.AgencyIndex(agency));
  }
  for (const std::string& group : hits.groups()) {
    int index = federation.GroupIndex(group);
    if (index >= 0 && index < 64) facts.hit_groups |= uint64_t{1} << index;
  }
  for (const std::string& code : record.handling_codes()) {
    facts.handling_codes.push_back(NormalizeLabel(code));
    facts.no_further_dissemination |= IsNoFurtherDissemination(code);
  }
  if (record.has_assessment()) {
    const v1::Assessment& a = record.assessment();
    if (!v1::NexusType_IsValid(a.nexus_type())) {
      facts.undefined |= kUndefinedNexusType;
    } else if (a.nexus_type() != v1::NEXUS_TYPE_UNSPECIFIED) {
      facts.nexus_type_bit = 1u << a.nexus_type();
    }
    for (int point : a.watch_points()) {
      if (!v1::WatchPoint_IsValid(point)) {
        facts.undefined |= kUndefinedWatchPoint;
      } else if (point != v1::WATCH_POINT_UNSPECIFIED) {
        facts.watch_points |= 1u << point;
      }
    }
    if (v1::SourceReliability_IsValid(a.source_reliability())) {
      facts.reliability = a.source_reliability();
    } else {
      facts.undefined |= kUndefinedReliability;
    }
    if (v1::InformationCredibility_IsValid(a.information_credibility())) {
      facts.credibility = a.information_credibility();
    } else {
      facts.undefined |= kUndefinedCredibility;
    }
  }
  for (const v1::Indicator& indicator : record.indicators()) {
    if (!v1::IndicatorType_IsValid(indicator.type())) {
      facts.undefined |= kUndefinedIndicatorType;
    } else if (indicator.type() != v1::INDICATOR_TYPE_UNSPECIFIED) {
      facts.indicator_types |= 1u << indicator.type();
    }
  }
  for (const std::string& tag : record.tags().values()) facts.tags.push_back(NormalizeLabel(tag));
  facts.modified_unix_micros = record.modified_unix_micros();
  return facts;
}

uint32_t UndefinedValues(const RecordFacts& facts) {
  uint32_t undefined = facts.undefined;
  if (!v1::Tlp_IsValid(facts.tlp)) undefined |= kUndefinedTlp;
  if (!v1::DistributionScope_IsValid(facts.scope)) undefined |= kUndefinedScope;
  if (!v1::SourceReliability_IsValid(facts.reliability)) undefined |= kUndefinedReliability;
  if (!v1::InformationCredibility_IsValid(facts.credibility)) undefined |= kUndefinedCredibility;
  return undefined;
}

}  // namespace nexus::policy
