#include "common/interop/bundle_import.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/interop/record_fit.h"
#include "common/interop/stix_common.h"
#include "common/record_validation.h"
#include "common/uuid.h"

namespace nexus {

std::string ImportedRecordId(absl::string_view agency, absl::string_view object_id) {
  return NameBasedUuid(kNexusInteropNamespace, absl::StrCat(agency, "\n", object_id));
}

absl::uint128 ObjectIdKey(absl::string_view id) {
  Sha256Digest digest = Sha256(id);
  uint64_t high = 0, low = 0;
  for (int i = 0; i < 8; ++i) high = high << 8 | digest[i];
  for (int i = 8; i < 16; ++i) low = low << 8 | digest[i];
  return absl::MakeUint128(high, low);
}

absl::Status CompleteImportedRecord(const ImportDefaults& defaults, v1::Record& record,
                                    std::vector<std::string>* notes) {
  if (!record.has_distribution() && defaults.distribution) {
    *record.mutable_distribution() = *defaults.distribution;
  }
  if (!record.has_distribution()) {
    record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  }
  if (record.tlp() == v1::TLP_RED && record.distribution().agencies().empty()) {
    if (defaults.red_recipients.empty()) {
      return absl::InvalidArgumentError(
          "TLP:RED is for named recipients only, and the file names none: give --red-to "
          "AGENCY[,AGENCY...] to import it for them");
    }
    // RED narrows to its recipients: the federation becomes them; a group scope keeps its
    // groups (a recipient must be in one and named); origin-only stays.
    v1::Distribution& d = *record.mutable_distribution();
    if (d.scope() == v1::DISTRIBUTION_SCOPE_FEDERATION) {
      d.set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
    }
    for (const std::string& agency : defaults.red_recipients) d.add_agencies(agency);
  }
  std::vector<std::string> fitted = FitImportedRecord(record);
  if (notes != nullptr) notes->insert(notes->end(), fitted.begin(), fitted.end());
  v1::Assessment& assessment = *record.mutable_assessment();
  if (assessment.nexus_type() == v1::NEXUS_TYPE_UNSPECIFIED) {
    if (defaults.nexus_type == v1::NEXUS_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError("no nexus type (give --nexus-type)");
    }
    assessment.set_nexus_type(defaults.nexus_type);
  }
  // Other formats grade neither the source nor, always, the information: say so rather than
  // invent a grade ("F: reliability cannot be judged", "6: truth cannot be judged").
  if (assessment.source_reliability() == v1::SOURCE_RELIABILITY_UNSPECIFIED) {
    assessment.set_source_reliability(v1::SOURCE_RELIABILITY_F);
  }
  if (assessment.information_credibility() == v1::INFORMATION_CREDIBILITY_UNSPECIFIED) {
    assessment.set_information_credibility(v1::INFORMATION_CREDIBILITY_6);
  }
  return ValidateAndNormalize(record);
}

}  // namespace nexus
