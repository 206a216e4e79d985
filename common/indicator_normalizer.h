// Validation and normalization of indicator values, so that the same phone number, domain or
// IBAN written two ways matches in search. The original value is kept beside the normal form.
#ifndef NEXUS_COMMON_INDICATOR_NORMALIZER_H_
#define NEXUS_COMMON_INDICATOR_NORMALIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// The matching form of `value` as an indicator of `type`, or InvalidArgument saying what is wrong
// with it (e.g. "invalid IPv4 address '300.1.1.1'").
absl::StatusOr<std::string> NormalizeIndicator(v1::IndicatorType type, absl::string_view value);

// A short lower-case name for the type, as used on the command line ("ipv4", "iban", ...);
// "unspecified", or "undefined(N)" for a number the enum does not define.
std::string IndicatorTypeName(v1::IndicatorType type);
// The inverse of IndicatorTypeName; also accepts the enum's full name.
bool ParseIndicatorType(absl::string_view name, v1::IndicatorType* type);

}  // namespace nexus

#endif  // NEXUS_COMMON_INDICATOR_NORMALIZER_H_
