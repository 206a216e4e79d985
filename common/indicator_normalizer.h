// Validation and normalization of indicator values, so that the same phone number, domain or
// IBAN written two ways matches in search. The original value is kept beside the normal form.
#ifndef NEXUS_COMMON_INDICATOR_NORMALIZER_H_
#define NEXUS_COMMON_INDICATOR_NORMALIZER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// The matching form of `value` as an indicator of `type`, or InvalidArgument saying what is wrong
// with it (e.g. "invalid IPv4 address '300.1.1.1'"). An IPv4 or IPv6 indicator is an address or
// a network range in CIDR notation; a range normalizes to its network address and prefix length
// ("10.1.2.3/8" -> "10.0.0.0/8"; a /32 or /128 to the address alone).
absl::StatusOr<std::string> NormalizeIndicator(v1::IndicatorType type, absl::string_view value);

// For the normalized form of one IPv4 or IPv6 address, the normalized form of every network range
// that contains it, from /0 to /31 (IPv4) or /127 (IPv6): what a search for the address looks up
// besides the address itself. For a normalized range ("223.166.0.0/15"), the wider ranges that
// contain it (/0 to /14). Empty for other types and for text that is not an address or range of
// `type`.
std::vector<std::string> ContainingNetworks(v1::IndicatorType type,
                                            absl::string_view normalized_address);

// The further index keys of a normalized indicator, for the structured forms inside it: a
// vehicle's plate and VIN ("PLATE:AB123CD VIN:1HGCM82633A004352" is found by "AB-123-CD" and by
// the VIN), a vessel's IMO number and name ("MV OCEAN STAR IMO 9074729" by "IMO 9074729" and by
// "Ocean Star"), an organization's name without its legal form ("sahel trading sarl" by "Sahel
// Trading"). Empty for other types and forms. A search looks these up for its value too, so that
// the structured form finds the bare one.
std::vector<std::string> IndexAliases(v1::IndicatorType type, absl::string_view normalized);

// Whether the normalized network range `range` contains the normalized address or narrower
// range `inner` (IPv4 or IPv6; false for other types).
bool RangeContains(v1::IndicatorType type, absl::string_view range, absl::string_view inner);

// Whether the indicator `carried` (normalized) matches the index key `key` of its type: its
// normalized form or one of its aliases.
bool MatchesKey(v1::IndicatorType type, absl::string_view carried, absl::string_view key);

// A short lower-case name for the type, as used on the command line ("ipv4", "iban", ...);
// "unspecified", or "undefined(N)" for a number the enum does not define.
std::string IndicatorTypeName(v1::IndicatorType type);
// Every defined type's name, comma-separated, for messages ("phone, email, ...").
std::string KnownIndicatorTypes();
// The inverse of IndicatorTypeName; also accepts the enum's full name.
bool ParseIndicatorType(absl::string_view name, v1::IndicatorType* type);

}  // namespace nexus

#endif  // NEXUS_COMMON_INDICATOR_NORMALIZER_H_
