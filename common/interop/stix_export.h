// Records → a STIX 2.1 bundle, written as it goes so that memory does not grow with the export.
//
// Each record version becomes an `indicator` (id indicator--<record id>) with a pattern of its
// disclosed indicators, its TLP as a TLP 2.0 marking, and `x_nexus_*` properties for what STIX has
// no word for; each related record id a `relationship` ("related-to"); each origin agency one
// `identity`; each distinct text of terms of use one statement `marking-definition`. An indicator
// not for detection (context only) is said so with OpenCTI's `x_opencti_detection` (false when
// no indicator of the record is for detection) and, per indicator, `x_nexus_indicator_context`.
// Withheld parts are absent and named in `x_nexus_withheld`.
#ifndef NEXUS_COMMON_INTEROP_STIX_EXPORT_H_
#define NEXUS_COMMON_INTEROP_STIX_EXPORT_H_

#include <functional>
#include <ostream>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "common/record_seal.h"

namespace nexus {

class StixBundleWriter {
 public:
  // Writes the bundle's opening and the five TLP 2.0 marking definitions to `out`.
  explicit StixBundleWriter(std::ostream& out);
  // Hands each object of the records added to `sink`, with no bundle around them and no marking
  // definitions or identities: what a TAXII collection serves of a record version.
  using ObjectSink = std::function<void(std::string object_json)>;
  explicit StixBundleWriter(ObjectSink sink) : sink_(std::move(sink)) {}

  // Adds one verified record version. FailedPrecondition when it cannot be a STIX indicator
  // (every indicator withheld, or a pattern longer than kMaxStixPatternBytes): nothing is written
  // for it then. The indicator's id is indicator--<record id> (a name-based UUID of it for ids
  // that are not RFC 4122 versions 1-5); x_nexus_record_id always gives the record's id.
  absl::Status Add(const OpenedRecord& opened, const std::string& received_from);
  // Closes the bundle. Call once, after the last Add.
  void Finish();

 private:
  void Write(const std::string& object_json);

  std::ostream* out_ = nullptr;  // a bundle is written here, or
  ObjectSink sink_;              // its objects go here
  bool first_ = true;
  std::set<std::string> identities_;  // origin agencies whose identity is written
  std::set<std::string> statements_;  // statement marking definitions written (terms of use)
};

// The STIX id of a record's indicator: indicator--<record id> when the id is a UUID STIX takes
// (RFC 4122 versions 1 to 5, which the OASIS schemas require), else a name-based UUID of it.
std::string StixIndicatorId(const std::string& record_id);

// The STIX id of the identity that stands for a nexus agency in exported bundles.
std::string AgencyIdentityId(const std::string& agency);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_STIX_EXPORT_H_
