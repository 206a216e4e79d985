#include "policy/decision.h"

namespace nexus::policy {

Withheld Withheld::From(const v1::Redaction& redaction) {
  Withheld withheld;
  auto set = [&](bool on, v1::PartKind kind) {
    if (on) withheld.kinds |= 1u << kind;
  };
  set(redaction.case_reference(), v1::PART_KIND_CASE_REFERENCE);
  set(redaction.assessment(), v1::PART_KIND_ASSESSMENT);
  set(redaction.summary(), v1::PART_KIND_SUMMARY);
  set(redaction.tags(), v1::PART_KIND_TAGS);
  set(redaction.related(), v1::PART_KIND_RELATED);
  if (redaction.all_indicators()) withheld.indicator_types = kAllIndicatorTypes;
  for (int type : redaction.indicator_types()) {
    if (type > 0 && type < 32) withheld.indicator_types |= 1u << type;
  }
  return withheld;
}

v1::Redaction Withheld::ToRedaction() const {
  v1::Redaction redaction;
  redaction.set_case_reference(kinds & (1u << v1::PART_KIND_CASE_REFERENCE));
  redaction.set_assessment(kinds & (1u << v1::PART_KIND_ASSESSMENT));
  redaction.set_summary(kinds & (1u << v1::PART_KIND_SUMMARY));
  redaction.set_tags(kinds & (1u << v1::PART_KIND_TAGS));
  redaction.set_related(kinds & (1u << v1::PART_KIND_RELATED));
  if (indicator_types == kAllIndicatorTypes) {
    redaction.set_all_indicators(true);
  } else {
    for (int type = 1; type < 32; ++type) {
      if (indicator_types & (1u << type)) {
        redaction.add_indicator_types(static_cast<v1::IndicatorType>(type));
      }
    }
  }
  return redaction;
}

std::string Decision::EffectName() const {
  if (!permit) return hit_notice ? "hit-only" : "deny";
  return withheld.empty() ? "permit" : "permit-with-redaction";
}

std::vector<std::string> LimitNames(uint32_t limits) {
  static const char* kNames[] = {
      "origin:own-record",
      "holder:own-agency",
      "federation:unknown-recipient",
      "originator:scope-origin-only",
      "originator:scope-named-agencies",
      "originator:scope-group",
      "originator:scope-unspecified",
      "originator:tlp-red",
      "originator:tlp-amber-strict",
      "originator:tlp-amber",
      "originator:tlp-unspecified",
      "originator:no-further-dissemination",
      "policy:default-deny",
      "undefined-value:tlp",
      "undefined-value:distribution.scope",
      "undefined-value:assessment.nexus_type",
      "undefined-value:assessment.watch_points",
      "undefined-value:assessment.source_reliability",
      "undefined-value:assessment.information_credibility",
      "undefined-value:indicators.type",
      "originator:hit-notice-audience",
  };
  std::vector<std::string> names;
  for (int bit = 0; bit < static_cast<int>(std::size(kNames)); ++bit) {
    if (limits & (1u << bit)) names.push_back(kNames[bit]);
  }
  return names;
}

}  // namespace nexus::policy
