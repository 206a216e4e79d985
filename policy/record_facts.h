// The facts about one record that sharing decisions read, extracted once per record so that
// evaluating many rules and recipients touches no protobuf.
#ifndef NEXUS_POLICY_RECORD_FACTS_H_
#define NEXUS_POLICY_RECORD_FACTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "nexus/v1/record.pb.h"
#include "policy/federation.h"

namespace nexus::policy {

struct RecordFacts {
  int origin = -1;  // federation index of the origin agency, -1 if unknown
  v1::Tlp tlp = v1::TLP_UNSPECIFIED;
  v1::DistributionScope scope = v1::DISTRIBUTION_SCOPE_UNSPECIFIED;
  std::vector<int> named_agencies;          // distribution.agencies, as federation indexes
  uint64_t distribution_groups = 0;         // distribution.groups, as federation group bits
  std::vector<std::string> handling_codes;  // NormalizeLabel'd
  bool no_further_dissemination = false;    // a handling code that forbids onward sharing
  uint32_t nexus_type_bit = 0;
  uint32_t watch_points = 0;      // bit per WatchPoint
  uint32_t indicator_types = 0;   // bit per IndicatorType of a disclosed indicator
  std::vector<std::string> tags;  // NormalizeLabel'd
  int reliability = 0;            // 1 (A) .. 6 (F); 0 unknown
  int credibility = 0;            // 1 .. 6; 0 unknown
  int64_t modified_unix_micros = 0;
  // distribution.hit_notices: who may be told that a node holds the record.
  v1::DistributionScope hit_scope = v1::DISTRIBUTION_SCOPE_UNSPECIFIED;
  std::vector<int> hit_named;
  uint64_t hit_groups = 0;
  // kUndefined* Limit bits: fields holding a value their enum does not define. Their facts above
  // are left unset; any decision on the record is deny.
  uint32_t undefined = 0;

  // From a record's disclosed content (as the holding node has it).
  static RecordFacts From(const v1::Record& record, const Federation& federation);
};

// The kUndefined* Limit bits of `facts`: `undefined` as From set it, with tlp, scope and the
// grades checked again, so that facts built by other means fail closed too.
uint32_t UndefinedValues(const RecordFacts& facts);

// Tags and handling codes compare trimmed and case-folded: "Undercover " is "undercover".
std::string NormalizeLabel(absl::string_view label);

// Whether a handling code restricts onward sharing to the originator's consent.
bool IsNoFurtherDissemination(absl::string_view handling_code);

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_RECORD_FACTS_H_
