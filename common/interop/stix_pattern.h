// The part of the STIX 2.1 patterning language that sharing communities use for indicators, in
// both directions: a pattern to the nexus indicators it names, and indicators to a pattern.
//
// Representable: comparisons `OBJECT:PATH = 'v'` (and `IN ('a', 'b')`, and `ISSUBSET 'cidr'` for
// addresses) joined by OR (several indicators) or by AND (indicators that hold together), inside
// one observation `[...]` or across observations `[...] OR [...]`, with parentheses. Anything else
// (other operators, NOT, FOLLOWEDBY, qualifiers such as WITHIN or REPEATS, object paths with no
// nexus indicator type, AND mixed with OR) is an error saying what could not be represented.
// Inside an observation, `network-traffic:dst_port`, `network-traffic:protocols[*]` and
// `file:name` joined by AND to an address or to file hashes are context of those indicators
// (their port, protocol, file name), not indicators: "[ipv4-addr:value = 'a' AND
// network-traffic:dst_port = 443]" is one address with its port.
#ifndef NEXUS_COMMON_INTEROP_STIX_PATTERN_H_
#define NEXUS_COMMON_INTEROP_STIX_PATTERN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// As long as the longest JSON string an import reads (JsonStreamLimits::max_string_bytes), so
// that a record of a few hundred indicators exports to a pattern that reads back.
constexpr size_t kMaxStixPatternBytes = 64 * 1024;

struct PatternIndicators {
  // Values as written in the pattern (unescaped); `normalized` is left empty.
  std::vector<v1::Indicator> indicators;
  // True when the pattern joins its comparisons with AND: they match only together.
  bool all_of = false;
};

// The indicators a pattern names, or InvalidArgument naming what cannot be represented, e.g.
// "comparison 2: 'file:name' has no nexus indicator type", "qualifier WITHIN is not supported",
// "pattern is 100000 bytes; the limit is 65536".
absl::StatusOr<PatternIndicators> IndicatorsFromStixPattern(absl::string_view pattern);

// A STIX 2.1 pattern that IndicatorsFromStixPattern reads back to the same types and values:
// one observation per indicator, joined by OR, or by AND when `all_of`. `indicators` not empty.
// Types must be defined and not UNSPECIFIED (as in a validated record), and the pattern reads
// back only while it is within kMaxStixPatternBytes. A single indicator reads back with all_of
// false. Export forms: ipv4-addr, ipv6-addr, domain-name, url and email-addr :value;
// file:hashes.'MD5' / 'SHA-1' / 'SHA-256' / 'SHA-512' by the number of hex digits; the customary
// objects of MISP and OpenCTI cryptocurrency-wallet:value, phone-number:value,
// bank-account:iban and bank-account:account_number; every other type (and a file hash of
// another length) as x-nexus-<IndicatorTypeName>:value. An indicator's port, protocol and file
// name join its observation by AND (network-traffic:dst_port, network-traffic:protocols[*],
// file:name).
std::string StixPatternFromIndicators(const std::vector<v1::Indicator>& indicators, bool all_of);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_STIX_PATTERN_H_
