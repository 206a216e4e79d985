#include "policy/rule_compiler.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "common/enum_values.h"
#include "policy/record_facts.h"

namespace nexus::policy {
namespace {

uint32_t MaskOf(const google::protobuf::RepeatedField<int>& values) {
  uint32_t mask = 0;
  for (int value : values) {
    if (value > 0 && value < 32) mask |= 1u << value;
  }
  return mask;
}

}  // namespace

// Checks one rule and compiles it. Appends to `errors` and `warnings`.
CompiledRule CompileRule(const v1::Rule& rule, int index, const Locator& at,
                         const Federation& federation, std::vector<std::string>& errors,
                         std::vector<std::string>& warnings) {
  CompiledRule compiled;
  compiled.id = rule.id();
  const std::string name = rule.id().empty() ? absl::StrCat("rules[", index, "]")
                                             : absl::StrCat("rule ", QuoteInput(rule.id()));
  auto error = [&](std::vector<std::string> path, const std::string& message, int i = -1) {
    errors.push_back(absl::StrCat(at.At(index, std::move(path), i), ": ", name, ": ", message));
  };
  auto warning = [&](std::vector<std::string> path, const std::string& message, int i = -1) {
    warnings.push_back(
        absl::StrCat(at.At(index, std::move(path), i), ": warning: ", name, ": ", message));
  };

  if (rule.id().empty()) error({}, "id is required");
  switch (rule.effect()) {
    case v1::EFFECT_PERMIT:
      break;
    case v1::EFFECT_FORBID:
      compiled.forbid = true;
      if (rule.has_redact()) {
        error({"redact"}, "a forbid rule cannot redact: it shares nothing");
      }
      break;
    case v1::EFFECT_HIT_ONLY:
      compiled.hit_only = true;
      if (rule.has_redact()) {
        error({"redact"}, "a hit-only rule cannot redact: it shares no part of the record");
      }
      break;
    case v1::EFFECT_UNSPECIFIED:
      error({"effect"}, "effect is required (EFFECT_PERMIT, EFFECT_FORBID or EFFECT_HIT_ONLY)");
      break;
    default:
      error({"effect"}, absl::StrCat("unknown effect value ", rule.effect()));
  }

  // Enum values given as numbers that the schema does not define.
  auto check_enums = [&](std::vector<std::string> path,
                         const google::protobuf::RepeatedField<int>& values,
                         const google::protobuf::EnumDescriptor* type) {
    for (int i = 0; i < values.size(); ++i) {
      if (type->FindValueByNumber(values[i]) == nullptr || values[i] == 0) {
        error(path, absl::StrCat("unknown or unspecified ", type->name(), " value ", values[i]), i);
      }
    }
  };
  const v1::RecordCondition& record = rule.record();
  check_enums({"record", "tlp"}, record.tlp(), v1::Tlp_descriptor());
  check_enums({"record", "scopes"}, record.scopes(), v1::DistributionScope_descriptor());
  check_enums({"record", "nexus_types"}, record.nexus_types(), v1::NexusType_descriptor());
  check_enums({"record", "watch_points"}, record.watch_points(), v1::WatchPoint_descriptor());
  check_enums({"record", "indicator_types"}, record.indicator_types(),
              v1::IndicatorType_descriptor());
  check_enums({"redact", "indicator_types"}, rule.redact().indicator_types(),
              v1::IndicatorType_descriptor());
  // Grades are compared as numbers: one outside A-F or 1-6 must never be compiled.
  auto check_grade = [&](const char* field, int value,
                         const google::protobuf::EnumDescriptor* type) {
    if (type->FindValueByNumber(value) == nullptr) {
      error({"record", field}, UndefinedValueProblem(absl::StrCat("record.", field), value, *type));
    }
  };
  check_grade("reliability_at_least", record.reliability_at_least(),
              v1::SourceReliability_descriptor());
  check_grade("credibility_at_least", record.credibility_at_least(),
              v1::InformationCredibility_descriptor());
  check_grade("reliability_worse_than", record.reliability_worse_than(),
              v1::SourceReliability_descriptor());
  check_grade("credibility_worse_than", record.credibility_worse_than(),
              v1::InformationCredibility_descriptor());

  // Recipient conditions, against what the federation knows.
  const v1::RecipientCondition& recipient = rule.recipient();
  compiled.has_agencies = !recipient.agencies().empty();
  for (int i = 0; i < recipient.agencies_size(); ++i) {
    int agency = federation.AgencyIndex(recipient.agencies(i));
    if (agency < 0) {
      warning(
          {"recipient", "agencies"},
          absl::StrCat("agency ", QuoteInput(recipient.agencies(i)), " is not a federation member"),
          i);
    } else {
      compiled.agencies.push_back(agency);
    }
  }
  if (compiled.has_agencies && compiled.agencies.empty()) {
    error({"recipient", "agencies"},
          "can never match: none of its recipient agencies is a federation member");
  }
  std::sort(compiled.agencies.begin(), compiled.agencies.end());
  compiled.has_countries = !recipient.countries().empty();
  for (int i = 0; i < recipient.countries_size(); ++i) {
    int country = federation.CountryIndex(recipient.countries(i));
    if (country < 0) {
      warning(
          {"recipient", "countries"},
          absl::StrCat("no federation member is in country ", QuoteInput(recipient.countries(i))),
          i);
    } else if (country >= 64) {
      error({"recipient", "countries"},
            "this engine distinguishes at most 64 countries in a federation", i);
    } else {
      compiled.countries |= uint64_t{1} << country;
    }
  }
  compiled.has_groups = !recipient.groups().empty();
  for (int i = 0; i < recipient.groups_size(); ++i) {
    int group = federation.GroupIndex(recipient.groups(i));
    if (group < 0) {
      warning({"recipient", "groups"},
              absl::StrCat("no known agency is in group ", QuoteInput(recipient.groups(i))), i);
    } else if (group >= 64) {
      error({"recipient", "groups"}, "this engine distinguishes at most 64 groups in a federation",
            i);
    } else {
      compiled.groups |= uint64_t{1} << group;
    }
  }
  // Conditions that exclude each other: named agencies none of which is in the countries or
  // groups also required.
  if (!compiled.agencies.empty() && (compiled.has_countries || compiled.has_groups)) {
    bool any = std::any_of(compiled.agencies.begin(), compiled.agencies.end(), [&](int agency) {
      bool country_ok =
          !compiled.has_countries || (federation.country_of(agency) < 64 &&
                                      (compiled.countries >> federation.country_of(agency)) & 1);
      bool group_ok = !compiled.has_groups || (federation.groups_of(agency) & compiled.groups);
      return country_ok && group_ok;
    });
    if (!any) {
      error({"recipient"},
            "conflicting conditions: none of recipient.agencies is in recipient.countries and "
            "recipient.groups");
    }
  }

  compiled.has_origins = !record.origin_agencies().empty();
  for (int i = 0; i < record.origin_agencies_size(); ++i) {
    int agency = federation.AgencyIndex(record.origin_agencies(i));
    if (agency < 0) {
      warning({"record", "origin_agencies"},
              absl::StrCat("agency ", QuoteInput(record.origin_agencies(i)),
                           " is not a federation member"),
              i);
    } else {
      compiled.origins.push_back(agency);
    }
  }
  if (compiled.has_origins && compiled.origins.empty()) {
    error({"record", "origin_agencies"},
          "can never match: none of its origin agencies is a federation member");
  }
  std::sort(compiled.origins.begin(), compiled.origins.end());
  if (record.min_age_days() != 0 && record.max_age_days() != 0 &&
      record.min_age_days() > record.max_age_days()) {
    error({"record", "min_age_days"},
          absl::StrCat("conflicting conditions: min_age_days ", record.min_age_days(),
                       " is more than max_age_days ", record.max_age_days()));
  }
  compiled.tlp = MaskOf(record.tlp());
  compiled.scopes = MaskOf(record.scopes());
  compiled.nexus_types = MaskOf(record.nexus_types());
  compiled.watch_points = MaskOf(record.watch_points());
  compiled.indicator_types = MaskOf(record.indicator_types());
  for (const std::string& code : record.handling_codes()) {
    compiled.handling_codes.push_back(NormalizeLabel(code));
  }
  for (const std::string& tag : record.tags()) compiled.tags.push_back(NormalizeLabel(tag));
  compiled.reliability_at_least = record.reliability_at_least();
  compiled.credibility_at_least = record.credibility_at_least();
  compiled.reliability_worse_than = record.reliability_worse_than();
  compiled.credibility_worse_than = record.credibility_worse_than();
  if (compiled.reliability_at_least && compiled.reliability_worse_than &&
      compiled.reliability_at_least <= compiled.reliability_worse_than) {
    error({"record", "reliability_worse_than"},
          "conflicting conditions: no grade is both at least reliability_at_least and worse "
          "than reliability_worse_than");
  }
  if (compiled.credibility_at_least && compiled.credibility_worse_than &&
      compiled.credibility_at_least <= compiled.credibility_worse_than) {
    error({"record", "credibility_worse_than"},
          "conflicting conditions: no grade is both at least credibility_at_least and worse "
          "than credibility_worse_than");
  }
  compiled.min_age = record.min_age_days() * kMicrosPerDay;
  compiled.max_age = record.max_age_days() * kMicrosPerDay;
  compiled.redaction = Withheld::From(rule.redact());
  return compiled;
}

}  // namespace nexus::policy
