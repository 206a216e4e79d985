// The media and formats of TAXII 2.1: content negotiation, the error resource and timestamps.
#ifndef NEXUS_SERVER_TAXII_TAXII_MEDIA_H_
#define NEXUS_SERVER_TAXII_TAXII_MEDIA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/taxii/taxii_api.h"

namespace nexus {

// Whether an Accept header admits TAXII 2.1 answers: a range "application/taxii+json" without a
// version or with version=2.1, or a wildcard; an absent header admits anything (RFC 9110).
bool AcceptsTaxii(absl::string_view accept);
// Whether a request body's Content-Type is TAXII 2.1's.
bool IsTaxiiContentType(absl::string_view content_type);

// The spec's error resource with this HTTP status. `title` is short and for people;
// `description` says what was wrong and where.
TaxiiResponse TaxiiError(int http_status, absl::string_view title, absl::string_view description);

// The HTTP status that answers a refusal of `code` (an absl::Status from the node's checks).
int HttpStatusOf(const absl::Status& status);

// A TAXII timestamp with its six fractional digits ("2026-12-06T01:02:03.000004Z"): dates
// added are exact to the microsecond, so that a client's `added_after` of the last one it saw
// resumes after it exactly.
std::string TaxiiTimestamp(int64_t unix_micros);
// A TAXII/STIX timestamp given in a request; the error names `parameter`.
absl::StatusOr<int64_t> ParseTaxiiTimestamp(absl::string_view text, absl::string_view parameter);

}  // namespace nexus

#endif  // NEXUS_SERVER_TAXII_TAXII_MEDIA_H_
