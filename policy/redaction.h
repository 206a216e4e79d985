// Applying a decision's redaction to a signed record: the withheld parts' disclosures are
// dropped, their signed digests stay, so the record still verifies and shows what is missing.
#ifndef NEXUS_POLICY_REDACTION_H_
#define NEXUS_POLICY_REDACTION_H_

#include "nexus/v1/record.pb.h"
#include "policy/decision.h"

namespace nexus::policy {

// Withholds from `record` every disclosed part that `withheld` names. Returns how many.
int ApplyRedaction(const Withheld& withheld, v1::SignedRecord& record);

// Whether an indicator of `type` would be withheld.
inline bool WithholdsIndicator(const Withheld& withheld, v1::IndicatorType type) {
  return type > 0 && type < 32 && (withheld.indicator_types & (1u << type));
}

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_REDACTION_H_
