// An auditor's question for a record's disclosure trail, signed with the key of the auditor's
// client certificate. The question travels node to node; each answering node checks the
// certificate against its own trusted CAs and the signature, so no node can ask in an auditor's
// name or change the question it passes on.
#ifndef NEXUS_COMMON_TRAIL_ASK_H_
#define NEXUS_COMMON_TRAIL_ASK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/certificate_identity.h"
#include "common/trusted_certificates.h"
#include "nexus/v1/audit_service.pb.h"

namespace nexus {

// What the signature covers before the serialized TrailAsk: a signature made for anything else
// (a TLS handshake, a record) is never taken for a question.
inline constexpr absl::string_view kTrailAskContext = "nexus.v1.trail-ask";
// How far from a node's clock a question's time may be: long enough for a slow path through a
// region and skewed clocks, short enough that a question cannot be kept and asked again later.
inline constexpr absl::Duration kTrailAskWindow = absl::Minutes(10);

// The question for `record_id`, signed with the PEM private key of `certificate_pem`.
absl::StatusOr<v1::SignedTrailAsk> SignTrailAsk(absl::string_view record_id,
                                                absl::string_view purpose,
                                                absl::string_view certificate_pem,
                                                absl::string_view key_pem, absl::Time now);

struct CheckedTrailAsk {
  CertificateIdentity auditor;  // from the certificate: an auditor of its agency
  v1::TrailAsk ask;
};

// The question and who asked it, if the certificate verifies against `trusted` at `now`, names
// the auditor role and signed the question, and the question is well formed and within
// kTrailAskWindow of `now`. Otherwise what is wrong.
absl::StatusOr<CheckedTrailAsk> CheckTrailAsk(const v1::SignedTrailAsk& signed_ask,
                                              const TrustedCertificates& trusted, absl::Time now);

}  // namespace nexus

#endif  // NEXUS_COMMON_TRAIL_ASK_H_
