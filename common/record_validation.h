// What makes a record well-formed before a node signs it.
#ifndef NEXUS_COMMON_RECORD_VALIDATION_H_
#define NEXUS_COMMON_RECORD_VALIDATION_H_

#include "absl/status/status.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Limits of authored texts, for importers that fit what a source says into a record (and report
// what did not fit) rather than lose the whole object.
inline constexpr size_t kMaxShortTextBytes = 256;  // handling codes, tags, case reference, names
inline constexpr size_t kMaxTermsOfUse = 8;
inline constexpr size_t kMaxTermsOfUseBytes = 4096;
inline constexpr size_t kMaxIndicatorCommentBytes = 1024;
inline constexpr size_t kMaxRecordSummaryBytes = 64 * 1024;

// Checks the authored content of `record` and fills each indicator's `normalized` form.
// Node-assigned fields (origin, version, times) are not checked here. On failure returns
// InvalidArgument listing every problem, each naming its field, e.g.
// "indicator[2]: invalid IPv4 address '300.1.1.1'; tlp is required".
absl::Status ValidateAndNormalize(v1::Record& record);

// Agency ids: 1-64 of [a-z0-9.-], starting with a letter or digit.
bool IsValidAgencyId(absl::string_view id);

// Transactional (alliance, appropriation of tactics) or organizational (the others).
enum class NexusCategory { kUnknown, kTransactional, kOrganizational };
NexusCategory CategoryOf(v1::NexusType type);

}  // namespace nexus

#endif  // NEXUS_COMMON_RECORD_VALIDATION_H_
