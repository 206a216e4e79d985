#include "common/interop/stix_export.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/interop/stix_common.h"
#include "common/interop/stix_pattern.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

// Members in the order written (type and id first), for people reading a bundle.
using json = nlohmann::ordered_json;

constexpr char kTlp2Extension[] = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
// Identities of agencies have no history of their own: one fixed time keeps exports identical.
constexpr char kIdentityTime[] = "2020-01-01T00:00:00.000Z";

std::string Dump(const json& object) {
  // Records hold valid UTF-8 (protobuf checks it); `replace` only guards against a surprise.
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

json Tlp2Marking(v1::Tlp tlp) {
  std::string level = Tlp2MarkingName(tlp) + 4;  // "TLP:AMBER+STRICT" -> "AMBER+STRICT"
  for (char& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {{"type", "marking-definition"},
          {"spec_version", "2.1"},
          {"id", Tlp2MarkingId(tlp)},
          {"created", "2022-10-01T00:00:00.000Z"},
          {"name", Tlp2MarkingName(tlp)},
          {"extensions",
           {{kTlp2Extension, {{"extension_type", "property-extension"}, {"tlp_2_0", level}}}}}};
}

std::string ShortName(const google::protobuf::EnumDescriptor* type, int value,
                      absl::string_view prefix) {
  return EnumShortName(type, value, prefix);
}

}  // namespace

std::string StixIndicatorId(const std::string& record_id) {
  const bool rfc = record_id.size() == 36 && record_id[14] >= '1' && record_id[14] <= '5' &&
                   absl::StrContains("89ab", record_id[19]);
  return absl::StrCat(
      "indicator--",
      rfc ? record_id : NameBasedUuid(kNexusInteropNamespace, "record\n" + record_id));
}

std::string AgencyIdentityId(const std::string& agency) {
  return absl::StrCat("identity--", NameBasedUuid(kNexusInteropNamespace, "agency\n" + agency));
}

StixBundleWriter::StixBundleWriter(std::ostream& out) : out_(&out) {
  *out_ << "{\"type\":\"bundle\",\"id\":\"bundle--" << NewUuid() << "\",\"objects\":[\n";
  for (v1::Tlp tlp :
       {v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER, v1::TLP_AMBER_STRICT, v1::TLP_RED}) {
    Write(Dump(Tlp2Marking(tlp)));
  }
}

void StixBundleWriter::Write(const std::string& object_json) {
  if (sink_) {
    sink_(object_json);
    return;
  }
  if (!first_) *out_ << ",\n";
  first_ = false;
  *out_ << object_json;
}

void StixBundleWriter::Finish() {
  if (out_ != nullptr) *out_ << "\n]}\n";
}

absl::Status StixBundleWriter::Add(const OpenedRecord& opened, const std::string& received_from) {
  const v1::Record& r = opened.record;
  if (r.indicators().empty()) {
    return absl::FailedPreconditionError(
        "every indicator of the record is withheld from this reader: a STIX indicator needs a "
        "pattern");
  }
  const std::string origin_identity = AgencyIdentityId(r.origin_agency());
  if (out_ != nullptr && identities_.insert(r.origin_agency()).second) {
    Write(Dump({{"type", "identity"},
                {"spec_version", "2.1"},
                {"id", origin_identity},
                {"created", kIdentityTime},
                {"modified", kIdentityTime},
                {"name", r.origin_agency()},
                {"identity_class", "organization"},
                {kXAgencyId, r.origin_agency()}}));
  }
  const std::string created = FormatStixTimestamp(r.created_unix_micros());
  const std::string modified = FormatStixTimestamp(r.modified_unix_micros());
  const std::string id = StixIndicatorId(r.id());
  const std::string marking = Tlp2MarkingId(r.tlp());
  json markings = json::array({marking});
  // Terms of use go back out as the statement markings they came in as, one definition per
  // text (its id a name-based UUID of the text, so the same statement has one id everywhere).
  for (const std::string& terms : r.terms_of_use()) {
    const std::string statement_id = absl::StrCat(
        "marking-definition--", NameBasedUuid(kNexusInteropNamespace, "statement\n" + terms));
    if (statements_.insert(statement_id).second) {
      Write(Dump({{"type", "marking-definition"},
                  {"spec_version", "2.1"},
                  {"id", statement_id},
                  {"created", kIdentityTime},
                  {"definition_type", "statement"},
                  {"definition", {{"statement", terms}}}}));
    }
    markings.push_back(statement_id);
  }

  json indicator = {{"type", "indicator"},
                    {"spec_version", "2.1"},
                    {"id", id},
                    {"created_by_ref", origin_identity},
                    {"created", created},
                    {"modified", modified},
                    {"valid_from", created},
                    {"pattern_type", "stix"},
                    {"pattern_version", "2.1"},
                    {"object_marking_refs", markings},
                    {kXOriginAgency, r.origin_agency()},
                    {kXRecordId, r.id()},
                    {kXVersion, r.version()}};
  // The summary splits back at its first blank line: name, then description.
  if (!r.summary().empty()) {
    size_t split = r.summary().find("\n\n");
    if (split == std::string::npos) {
      indicator["name"] = r.summary();
    } else if (split == 0) {
      indicator["description"] = r.summary();
    } else {
      indicator["name"] = r.summary().substr(0, split);
      indicator["description"] = r.summary().substr(split + 2);
    }
  }
  // Labels are the tags, in order (an import gives them back as they were); tags that came from
  // STIX indicator types are also given back as indicator_types, for other readers.
  bool all_of = false;
  json labels = json::array(), indicator_types = json::array();
  for (const std::string& tag : r.tags().values()) {
    if (tag == kAllOfTag) all_of = true;
    if (absl::StartsWith(tag, kIndicatorTypeTagPrefix)) {
      indicator_types.push_back(tag.substr(strlen(kIndicatorTypeTagPrefix)));
    }
    labels.push_back(tag);
  }
  if (!labels.empty()) indicator["labels"] = labels;
  if (!indicator_types.empty()) indicator["indicator_types"] = indicator_types;
  std::string pattern = StixPatternFromIndicators(
      std::vector<v1::Indicator>(r.indicators().begin(), r.indicators().end()), all_of);
  if (pattern.size() > kMaxStixPatternBytes) {
    return absl::FailedPreconditionError(absl::StrCat("its pattern would be ", pattern.size(),
                                                      " bytes, over the ", kMaxStixPatternBytes,
                                                      " that STIX readers here take"));
  }
  indicator["pattern"] = std::move(pattern);
  // Detection or context (MISP to_ids): OpenCTI reads x_opencti_detection; what the pattern
  // cannot carry of each indicator travels in x_nexus_indicator_context.
  json context = json::array();
  bool any_detection = false;
  for (int i = 0; i < r.indicators_size(); ++i) {
    const v1::Indicator& ind = r.indicators(i);
    any_detection = any_detection || !ind.context_only();
    json entry = {{"index", i}};
    if (ind.context_only()) entry["context_only"] = true;
    if (!ind.comment().empty()) entry["comment"] = ind.comment();
    if (ind.first_seen_unix_micros() != 0) {
      entry["first_seen"] = FormatStixTimestamp(ind.first_seen_unix_micros());
    }
    if (ind.last_seen_unix_micros() != 0) {
      entry["last_seen"] = FormatStixTimestamp(ind.last_seen_unix_micros());
    }
    if (entry.size() > 1) context.push_back(std::move(entry));
  }
  indicator[kXOpenCtiDetection] = any_detection;
  if (!context.empty()) indicator[kXIndicatorContext] = std::move(context);
  if (!r.case_reference().empty()) {
    indicator["external_references"] = {
        {{"source_name", kCaseReferenceSource}, {"external_id", r.case_reference()}}};
  }
  if (r.revoked()) indicator["revoked"] = true;
  if (r.has_assessment()) {
    const v1::Assessment& a = r.assessment();
    if (std::optional<int> confidence = ConfidenceFromCredibility(a.information_credibility())) {
      indicator["confidence"] = *confidence;
    }
    indicator[kXCredibility] = static_cast<int>(a.information_credibility());
    indicator[kXNexusType] = ShortName(v1::NexusType_descriptor(), a.nexus_type(), "NEXUS_TYPE_");
    indicator[kXSourceReliability] =
        v1::SourceReliability_Name(a.source_reliability()).substr(strlen("SOURCE_RELIABILITY_"));
    json points = json::array();
    for (int p : a.watch_points()) {
      points.push_back(ShortName(v1::WatchPoint_descriptor(), p, "WATCH_POINT_"));
    }
    if (!points.empty()) indicator[kXWatchPoints] = points;
  }
  if (!r.handling_codes().empty()) {
    indicator[kXHandlingCodes] =
        json(std::vector<std::string>(r.handling_codes().begin(), r.handling_codes().end()));
  }
  json distribution = {{"scope", ShortName(v1::DistributionScope_descriptor(),
                                           r.distribution().scope(), "DISTRIBUTION_SCOPE_")}};
  if (!r.distribution().agencies().empty()) {
    distribution["agencies"] = std::vector<std::string>(r.distribution().agencies().begin(),
                                                        r.distribution().agencies().end());
  }
  if (!r.distribution().groups().empty()) {
    distribution["groups"] = std::vector<std::string>(r.distribution().groups().begin(),
                                                      r.distribution().groups().end());
  }
  indicator[kXDistribution] = distribution;
  if (!opened.withheld.empty()) {
    json withheld = json::array();
    for (const WithheldPart& part : opened.withheld) {
      withheld.push_back(ShortName(v1::PartKind_descriptor(), part.kind, "PART_KIND_"));
    }
    indicator[kXWithheld] = withheld;
  }
  if (!received_from.empty()) indicator[kXReceivedFrom] = received_from;
  Write(Dump(indicator));

  for (const std::string& related : r.related().ids()) {
    Write(Dump({{"type", "relationship"},
                {"spec_version", "2.1"},
                {"id", absl::StrCat("relationship--", NameBasedUuid(kNexusInteropNamespace,
                                                                    r.id() + "\n" + related))},
                {"created_by_ref", origin_identity},
                {"created", created},
                {"modified", modified},
                {"relationship_type", "related-to"},
                {"source_ref", id},
                {"target_ref", StixIndicatorId(related)},
                {"object_marking_refs", {marking}},
                {kXTargetRecordId, related}}));
  }
  return absl::OkStatus();
}

}  // namespace nexus
