// Who a TLS peer is, read from its X.509 certificate.
//
// An agency id is carried as a URI subject alternative name "urn:nexus:agency:<id>" and a role as
// "urn:nexus:role:<role>" (analyst, auditor or node); a certificate must name exactly one of each.
// Nothing else in the certificate, and nothing in a request, decides identity.
#ifndef NEXUS_COMMON_CERTIFICATE_IDENTITY_H_
#define NEXUS_COMMON_CERTIFICATE_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nexus {

inline constexpr absl::string_view kAgencyUriPrefix = "urn:nexus:agency:";
inline constexpr absl::string_view kRoleUriPrefix = "urn:nexus:role:";

struct CertificateIdentity {
  std::string agency_id;
  std::string role;         // "analyst", "auditor" or "node"; others are refused by services
  std::string fingerprint;  // hex SHA-256 of the DER certificate, for logs and audit
  // The subject's common name, the person (or service) the certificate was issued to, for the
  // audit log: escaped as terminal text, its first kMaxPersonBytes shown. It decides nothing.
  std::string person;
};

inline constexpr size_t kMaxPersonBytes = 128;

// Parses a PEM certificate (the first, if a chain). Fails unless it names exactly one agency and
// exactly one role.
absl::StatusOr<CertificateIdentity> IdentityFromCertificatePem(absl::string_view pem);

}  // namespace nexus

#endif  // NEXUS_COMMON_CERTIFICATE_IDENTITY_H_
