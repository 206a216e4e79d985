// Vocabulary shared by the STIX 2.1 importer and exporter: timestamps, TLP marking definitions
// (TLP 2.0 and TLP 1.0 ids of the STIX 2.1 specification), the confidence scale, identifiers and
// the names of the `x_nexus_*` custom properties that carry what STIX has no word for.
#ifndef NEXUS_COMMON_INTEROP_STIX_COMMON_H_
#define NEXUS_COMMON_INTEROP_STIX_COMMON_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Namespace of the name-based UUIDs of imported objects and exported identities.
inline constexpr char kNexusInteropNamespace[] = "3b8d6f52-5c1e-4a57-9f0e-6d2a1c7e4b90";

// Custom properties (STIX 2.1 section 11.1: lower case, prefixed x_).
inline constexpr char kXOriginAgency[] = "x_nexus_origin_agency";
inline constexpr char kXVersion[] = "x_nexus_version";
inline constexpr char kXNexusType[] = "x_nexus_nexus_type";
inline constexpr char kXWatchPoints[] = "x_nexus_watch_points";
inline constexpr char kXSourceReliability[] = "x_nexus_source_reliability";
inline constexpr char kXCredibility[] = "x_nexus_information_credibility";
inline constexpr char kXHandlingCodes[] = "x_nexus_handling_codes";
inline constexpr char kXDistribution[] = "x_nexus_distribution";
inline constexpr char kXWithheld[] = "x_nexus_withheld";
inline constexpr char kXReceivedFrom[] = "x_nexus_received_from";
inline constexpr char kXAgencyId[] = "x_nexus_agency_id";
inline constexpr char kXRecordId[] = "x_nexus_record_id";               // on an indicator
inline constexpr char kXTargetRecordId[] = "x_nexus_target_record_id";  // on a relationship
// What the pattern cannot say of each indicator: [{"index": i (in pattern order), "context_only":
// true, "comment": "...", "first_seen": t, "last_seen": t}], only for indicators with any.
inline constexpr char kXIndicatorContext[] = "x_nexus_indicator_context";
// OpenCTI's own indicator property: false for an indicator not meant for detection.
inline constexpr char kXOpenCtiDetection[] = "x_opencti_detection";
// The source_name of the external reference that carries a record's case reference.
inline constexpr char kCaseReferenceSource[] = "nexus-case";
// The tag a record carries when its indicators hold only together (a pattern joined by AND).
inline constexpr char kAllOfTag[] = "indicators:all-of";
// Tags made from STIX indicator_types carry this prefix, so that export can give them back.
inline constexpr char kIndicatorTypeTagPrefix[] = "indicator-type:";

// STIX timestamps: RFC 3339 in UTC with a "Z", any number of fractional digits (kept to the
// microsecond). Errors name the value.
absl::StatusOr<int64_t> ParseStixTimestamp(absl::string_view text);
// Micros since the epoch as a STIX timestamp with millisecond, or microsecond, precision.
std::string FormatStixTimestamp(int64_t unix_micros);

// The TLP of a standard marking-definition id: the five TLP 2.0 ids of the TLP 2.0 extension and
// the four TLP 1.0 ids of the STIX 2.1 specification (WHITE reads as CLEAR).
std::optional<v1::Tlp> TlpOfStandardMarking(absl::string_view marking_id);
// "clear", "TLP:WHITE", "amber+strict", "tlp:amber" ... (case-insensitive) as a TLP.
std::optional<v1::Tlp> TlpFromName(absl::string_view name);
// The TLP 2.0 marking-definition id and name ("TLP:AMBER+STRICT") of a defined TLP.
const char* Tlp2MarkingId(v1::Tlp tlp);
const char* Tlp2MarkingName(v1::Tlp tlp);
// The more restrictive of two TLPs (UNSPECIFIED counts as no marking).
v1::Tlp StricterTlp(v1::Tlp a, v1::Tlp b);

// STIX 2.1 appendix "Confidence scales", Admiralty credibility: 0-19 improbable (5), 20-39
// doubtful (4), 40-59 possibly true (3), 60-79 probably true (2), 80-100 confirmed (1); back as
// 10, 30, 50, 70, 90, and credibility 6 ("cannot be judged") has no confidence value.
v1::InformationCredibility CredibilityFromConfidence(int confidence);
std::optional<int> ConfidenceFromCredibility(v1::InformationCredibility credibility);

// "indicator--<uuid>" -> "indicator"; empty unless TYPE--UUID (hex digits of either case).
// StixIdUuid gives the UUID in lower case.
std::string StixIdType(absl::string_view id);
std::string StixIdUuid(absl::string_view id);

// An enum value's short name: its full name without `prefix`, lower case, '_' as '-'
// (NEXUS_TYPE_BLACK_HOLE -> "black-hole"); and back (case-insensitive, '-', '_' and ' ' alike).
std::string EnumShortName(const google::protobuf::EnumDescriptor* type, int value,
                          absl::string_view prefix);
std::optional<int> EnumFromShortName(const google::protobuf::EnumDescriptor* type,
                                     absl::string_view prefix, absl::string_view name);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_STIX_COMMON_H_
