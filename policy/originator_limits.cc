#include "policy/originator_limits.h"

#include <algorithm>

#include "policy/decision.h"

namespace nexus::policy {

uint32_t OriginatorLimits(const RecordFacts& record, int recipient, int holder,
                          const Federation& federation) {
  if (recipient < 0) return kUnknownRecipient;
  const bool onward = holder != record.origin;  // the holder is not the originator
  const bool named = std::find(record.named_agencies.begin(), record.named_agencies.end(),
                               recipient) != record.named_agencies.end();
  const bool in_group = (federation.groups_of(recipient) & record.distribution_groups) != 0;
  uint32_t limits = 0;
  switch (record.scope) {
    case v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY:
      limits |= kScopeOriginOnly;
      break;
    case v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES:
      if (!named) limits |= kScopeNotNamed;
      break;
    case v1::DISTRIBUTION_SCOPE_GROUP:
      if (!in_group) limits |= kScopeNotInGroup;
      break;
    case v1::DISTRIBUTION_SCOPE_FEDERATION:
      break;
    default:
      limits |= kScopeUnspecified;
  }
  switch (record.tlp) {
    case v1::TLP_RED:
      if (!named || onward) limits |= kTlpRed;
      break;
    case v1::TLP_AMBER_STRICT:
      if (onward) limits |= kTlpAmberStrict;
      break;
    case v1::TLP_AMBER:
      if (onward && record.scope == v1::DISTRIBUTION_SCOPE_FEDERATION) limits |= kTlpAmber;
      break;
    case v1::TLP_GREEN:
    case v1::TLP_CLEAR:
      break;
    default:
      limits |= kTlpUnspecified;
  }
  if (record.no_further_dissemination && onward) limits |= kNoFurtherDissemination;
  return limits;
}

bool HitNoticeAllowed(const RecordFacts& record, int recipient, const Federation& federation) {
  if (recipient < 0) return false;
  switch (record.hit_scope) {
    case v1::DISTRIBUTION_SCOPE_FEDERATION:
      return true;
    case v1::DISTRIBUTION_SCOPE_GROUP:
      return (federation.groups_of(recipient) & record.hit_groups) != 0;
    case v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES:
      return std::find(record.hit_named.begin(), record.hit_named.end(), recipient) !=
             record.hit_named.end();
    default:
      return false;
  }
}

}  // namespace nexus::policy
