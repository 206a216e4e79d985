#include "common/interop/stix_common.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {
namespace {

struct StandardMarking {
  const char* id;
  v1::Tlp tlp;
};
// TLP 2.0 (the OASIS TLP 2.0 extension's marking definitions), then TLP 1.0 (STIX 2.1 7.2.1.4).
constexpr StandardMarking kStandardMarkings[] = {
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", v1::TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", v1::TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", v1::TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", v1::TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", v1::TLP_RED},
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", v1::TLP_CLEAR},  // TLP:WHITE
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", v1::TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", v1::TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", v1::TLP_RED},
};

}  // namespace

absl::StatusOr<int64_t> ParseStixTimestamp(absl::string_view text) {
  absl::Time time;
  std::string error;
  // STIX requires UTC written with "Z" (section 3.2); offsets are not timestamps of STIX.
  if (!absl::EndsWith(text, "Z") || text.size() < 20 || text[10] != 'T' ||
      !absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp ", QuoteInput(text, 64),
                     " is not a STIX timestamp (RFC 3339 in UTC, e.g. 2026-01-31T12:00:00.000Z)"));
  }
  if (time < absl::UnixEpoch()) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp ", QuoteInput(text, 64), " is before 1970"));
  }
  return absl::ToUnixMicros(time);
}

std::string FormatStixTimestamp(int64_t unix_micros) {
  absl::Time time = absl::FromUnixMicros(unix_micros);
  const char* format = unix_micros % 1000 == 0 ? "%Y-%m-%dT%H:%M:%E3SZ" : "%Y-%m-%dT%H:%M:%E6SZ";
  return absl::FormatTime(format, time, absl::UTCTimeZone());
}

std::optional<v1::Tlp> TlpOfStandardMarking(absl::string_view marking_id) {
  for (const StandardMarking& m : kStandardMarkings) {
    if (marking_id == m.id) return m.tlp;
  }
  return std::nullopt;
}

std::optional<v1::Tlp> TlpFromName(absl::string_view name) {
  std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  absl::string_view level = absl::StripPrefix(lower, "tlp:");
  if (level == "clear" || level == "white") return v1::TLP_CLEAR;
  if (level == "green") return v1::TLP_GREEN;
  if (level == "amber") return v1::TLP_AMBER;
  if (level == "amber+strict") return v1::TLP_AMBER_STRICT;
  if (level == "red") return v1::TLP_RED;
  return std::nullopt;
}

const char* Tlp2MarkingId(v1::Tlp tlp) {
  for (const StandardMarking& m : kStandardMarkings) {
    if (m.tlp == tlp) return m.id;  // the TLP 2.0 ids come first
  }
  return "";
}

const char* Tlp2MarkingName(v1::Tlp tlp) {
  switch (tlp) {
    case v1::TLP_CLEAR:
      return "TLP:CLEAR";
    case v1::TLP_GREEN:
      return "TLP:GREEN";
    case v1::TLP_AMBER:
      return "TLP:AMBER";
    case v1::TLP_AMBER_STRICT:
      return "TLP:AMBER+STRICT";
    case v1::TLP_RED:
      return "TLP:RED";
    default:
      return "";
  }
}

v1::Tlp StricterTlp(v1::Tlp a, v1::Tlp b) { return a > b ? a : b; }

v1::InformationCredibility CredibilityFromConfidence(int confidence) {
  if (confidence >= 80) return v1::INFORMATION_CREDIBILITY_1;
  if (confidence >= 60) return v1::INFORMATION_CREDIBILITY_2;
  if (confidence >= 40) return v1::INFORMATION_CREDIBILITY_3;
  if (confidence >= 20) return v1::INFORMATION_CREDIBILITY_4;
  return v1::INFORMATION_CREDIBILITY_5;
}

std::optional<int> ConfidenceFromCredibility(v1::InformationCredibility credibility) {
  switch (credibility) {
    case v1::INFORMATION_CREDIBILITY_1:
      return 90;
    case v1::INFORMATION_CREDIBILITY_2:
      return 70;
    case v1::INFORMATION_CREDIBILITY_3:
      return 50;
    case v1::INFORMATION_CREDIBILITY_4:
      return 30;
    case v1::INFORMATION_CREDIBILITY_5:
      return 10;
    default:
      return std::nullopt;
  }
}

std::string StixIdType(absl::string_view id) {
  size_t sep = id.find("--");
  // STIX ids allow upper-case hex (the OASIS examples have one); UUIDs compare without case.
  if (sep == absl::string_view::npos || sep == 0 ||
      !IsCanonicalUuid(absl::AsciiStrToLower(id.substr(sep + 2)))) {
    return "";
  }
  return std::string(id.substr(0, sep));
}

std::string StixIdUuid(absl::string_view id) {
  if (StixIdType(id).empty()) return "";
  return absl::AsciiStrToLower(id.substr(id.find("--") + 2));
}

std::string EnumShortName(const google::protobuf::EnumDescriptor* type, int value,
                          absl::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByNumber(value);
  if (v == nullptr) return "";
  std::string name = absl::AsciiStrToLower(absl::StripPrefix(v->name(), prefix));
  absl::StrReplaceAll({{"_", "-"}}, &name);
  return name;
}

std::optional<int> EnumFromShortName(const google::protobuf::EnumDescriptor* type,
                                     absl::string_view prefix, absl::string_view name) {
  std::string full = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(name));
  absl::StrReplaceAll({{"-", "_"}, {" ", "_"}, {"+", "_"}}, &full);
  if (!absl::StartsWith(full, prefix)) full = absl::StrCat(prefix, full);
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByName(full);
  if (v == nullptr || v->number() == 0) return std::nullopt;
  return v->number();
}

}  // namespace nexus
