// A sharing decision for one (record, recipient) pair: a value, cheap to compute and to log.
#ifndef NEXUS_POLICY_DECISION_H_
#define NEXUS_POLICY_DECISION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "nexus/v1/policy.pb.h"
#include "nexus/v1/record.pb.h"

namespace nexus::policy {

// Parts to withhold: one bit per PartKind, and for indicators one bit per IndicatorType.
struct Withheld {
  uint32_t kinds = 0;
  uint32_t indicator_types = 0;  // all bits set: every indicator

  static Withheld From(const v1::Redaction& redaction);
  v1::Redaction ToRedaction() const;
  bool empty() const { return kinds == 0 && indicator_types == 0; }
  Withheld& operator|=(const Withheld& other) {
    kinds |= other.kinds;
    indicator_types |= other.indicator_types;
    return *this;
  }
  bool operator==(const Withheld& other) const {
    return kinds == other.kinds && indicator_types == other.indicator_types;
  }
  // Whether `other` withholds at least everything this does.
  bool SubsetOf(const Withheld& other) const {
    return (kinds & ~other.kinds) == 0 && (indicator_types & ~other.indicator_types) == 0;
  }
};

inline constexpr uint32_t kAllIndicatorTypes = 0xffffffffu;

// Why a decision came out as it did, beyond the policy's own rules. Bits of Decision::limits.
enum Limit : uint32_t {
  kOwnRecord = 1u << 0,                // origin:own-record — the recipient is the record's origin
  kHolderAgency = 1u << 1,             // holder:own-agency — the recipient is this node's agency
  kUnknownRecipient = 1u << 2,         // federation:unknown-recipient
  kScopeOriginOnly = 1u << 3,          // originator:scope-origin-only
  kScopeNotNamed = 1u << 4,            // originator:scope-named-agencies
  kScopeNotInGroup = 1u << 5,          // originator:scope-group
  kScopeUnspecified = 1u << 6,         // originator:scope-unspecified
  kTlpRed = 1u << 7,                   // originator:tlp-red
  kTlpAmberStrict = 1u << 8,           // originator:tlp-amber-strict
  kTlpAmber = 1u << 9,                 // originator:tlp-amber
  kTlpUnspecified = 1u << 10,          // originator:tlp-unspecified
  kNoFurtherDissemination = 1u << 11,  // originator:no-further-dissemination
  kDefaultDeny = 1u << 12,             // policy:default-deny
  // The record holds a value its enum does not define (undefined-value:<field>): deny, whoever
  // asks. proto3 enums are open; the engine never compares or masks such a value.
  kUndefinedTlp = 1u << 13,            // undefined-value:tlp
  kUndefinedScope = 1u << 14,          // undefined-value:distribution.scope
  kUndefinedNexusType = 1u << 15,      // undefined-value:assessment.nexus_type
  kUndefinedWatchPoint = 1u << 16,     // undefined-value:assessment.watch_points
  kUndefinedReliability = 1u << 17,    // undefined-value:assessment.source_reliability
  kUndefinedCredibility = 1u << 18,    // undefined-value:assessment.information_credibility
  kUndefinedIndicatorType = 1u << 19,  // undefined-value:indicators.type
  // With a hit notice: the originator lets this recipient be told of the record.
  kHitNoticeAudience = 1u << 20,  // originator:hit-notice-audience
};

struct Decision {
  bool permit = false;
  // Without `permit`: the recipient may be told that this node holds the record (a hit notice),
  // not given any of it. The originator's hit-notice audience, or a hit-only rule, allows it.
  bool hit_notice = false;
  Withheld withheld;
  uint32_t limits = 0;          // Limit bits
  std::vector<uint16_t> rules;  // indexes of the deciding rules: the matching forbids, or permits

  // "permit", "permit-with-redaction", "hit-only" or "deny".
  std::string EffectName() const;
};

// The names of the Limit bits in `limits`, e.g. "originator:tlp-red".
std::vector<std::string> LimitNames(uint32_t limits);

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_DECISION_H_
