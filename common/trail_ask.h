// An auditor's question for a record's disclosure trail, signed with the key of the auditor's
// client certificate. The question travels node to node; each answering node checks the
// certificate against its own trusted CAs and the signature, so no node can ask in an auditor's
// name or change the question it passes on.
#ifndef NEXUS_COMMON_TRAIL_ASK_H_
#define NEXUS_COMMON_TRAIL_ASK_H_

#include <string>
#include <vector>

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
// How old a question may be at a node (a slow path through a region), and how far ahead of the
// node's clock (skew): a node remembers each question it took for this long (its nonce), so that
// no question is taken twice.
inline constexpr absl::Duration kTrailAskMaxAge = absl::Minutes(5);
inline constexpr absl::Duration kTrailAskMaxSkew = absl::Minutes(1);
// The longest path: the node asked and up to eight more.
inline constexpr int kMaxTrailPath = 9;

// The question for `record_id` along `path` (the node asked first, the answering node last),
// signed with the PEM private key of `certificate_pem`.
absl::StatusOr<v1::SignedTrailAsk> SignTrailAsk(absl::string_view record_id,
                                                absl::string_view purpose,
                                                const std::vector<std::string>& path,
                                                absl::string_view certificate_pem,
                                                absl::string_view key_pem, absl::Time now);

struct CheckedTrailAsk {
  CertificateIdentity auditor;  // from the certificate: an auditor of its agency
  v1::TrailAsk ask;
};

// The question and who asked it, if the certificate verifies against `trusted` at `now` (a client
// certificate, not a CA's), names the auditor role and signed the question, and the question is
// well formed (a record id, a 16-byte nonce, a path of distinct agency ids) and was signed at most
// kTrailAskMaxAge before and kTrailAskMaxSkew after `now`. Otherwise what is wrong.
absl::StatusOr<CheckedTrailAsk> CheckTrailAsk(const v1::SignedTrailAsk& signed_ask,
                                              const TrustedCertificates& trusted, absl::Time now);

}  // namespace nexus

#endif  // NEXUS_COMMON_TRAIL_ASK_H_
