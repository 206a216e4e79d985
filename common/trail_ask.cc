#include "common/trail_ask.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/purpose.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {
namespace {

constexpr size_t kMaxAskBytes = 4096;
constexpr size_t kMaxSignatureBytes = 1024;

std::string Signed(absl::string_view ask) { return absl::StrCat(kTrailAskContext, ask); }

}  // namespace

absl::StatusOr<v1::SignedTrailAsk> SignTrailAsk(absl::string_view record_id,
                                                absl::string_view purpose,
                                                const std::vector<std::string>& path,
                                                absl::string_view certificate_pem,
                                                absl::string_view key_pem, absl::Time now) {
  v1::TrailAsk ask;
  ask.set_record_id(std::string(record_id));
  for (const std::string& agency : path) ask.add_path(agency);
  ask.set_issued_unix_micros(absl::ToUnixMicros(now));
  ask.set_purpose(std::string(purpose));
  ask.set_nonce(RandomBytes(16));
  v1::SignedTrailAsk signed_ask;
  signed_ask.set_ask(ask.SerializeAsString());
  absl::StatusOr<std::string> signature = SignWithPrivateKeyPem(key_pem, Signed(signed_ask.ask()));
  if (!signature.ok()) return signature.status();
  signed_ask.set_signature(*std::move(signature));
  signed_ask.set_certificate_pem(std::string(certificate_pem));
  return signed_ask;
}

absl::StatusOr<CheckedTrailAsk> CheckTrailAsk(const v1::SignedTrailAsk& signed_ask,
                                              const TrustedCertificates& trusted, absl::Time now) {
  if (signed_ask.ask().size() > kMaxAskBytes ||
      signed_ask.signature().size() > kMaxSignatureBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the signed question is ", signed_ask.ask().size(),
                     " bytes with a signature of ", signed_ask.signature().size(),
                     " bytes; at most ", kMaxAskBytes, " and ", kMaxSignatureBytes));
  }
  std::string public_key;
  absl::StatusOr<CertificateIdentity> auditor =
      trusted.Verify(signed_ask.certificate_pem(), now, &public_key);
  if (!auditor.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the question's certificate: ", auditor.status().message()));
  }
  if (auditor->role != "auditor") {
    return absl::PermissionDeniedError(
        absl::StrCat("the question is signed with a certificate of role ",
                     QuoteInput(auditor->role), " of agency ", QuoteInput(auditor->agency_id),
                     "; only an auditor certificate may ask for a trail"));
  }
  if (!VerifyWithPublicKey(public_key, Signed(signed_ask.ask()), signed_ask.signature())) {
    return absl::UnauthenticatedError(
        "the question's signature does not verify under its certificate's key");
  }
  CheckedTrailAsk checked{*std::move(auditor), {}};
  if (!checked.ask.ParseFromString(signed_ask.ask())) {
    return absl::InvalidArgumentError("the signed question is not a TrailAsk");
  }
  const v1::TrailAsk& ask = checked.ask;
  if (!IsCanonicalUuid(ask.record_id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the question's record id ", QuoteInput(ask.record_id()), " is not a canonical UUID"));
  }
  if (ask.nonce().size() != 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("the question's nonce is ", ask.nonce().size(), " bytes, not 16"));
  }
  if (ask.path().empty() || ask.path_size() > kMaxTrailPath) {
    return absl::InvalidArgumentError(absl::StrCat("the question's path names ", ask.path_size(),
                                                   " nodes; 1 to ", kMaxTrailPath));
  }
  for (int i = 0; i < ask.path_size(); ++i) {
    if (!IsValidAgencyId(ask.path(i)) || std::find(ask.path().begin(), ask.path().begin() + i,
                                                   ask.path(i)) != ask.path().begin() + i) {
      return absl::InvalidArgumentError(absl::StrCat("the question's path[", i, "] ",
                                                     QuoteInput(ask.path(i)),
                                                     " is not an agency id, or is named twice"));
    }
  }
  const absl::Time issued = absl::FromUnixMicros(ask.issued_unix_micros());
  if (issued < now - kTrailAskMaxAge || issued > now + kTrailAskMaxSkew) {
    return absl::InvalidArgumentError(
        absl::StrCat("the question was signed at ", absl::FormatTime(issued, absl::UTCTimeZone()),
                     ", outside ", absl::FormatDuration(kTrailAskMaxAge), " before to ",
                     absl::FormatDuration(kTrailAskMaxSkew), " after this node's clock (",
                     absl::FormatTime(now, absl::UTCTimeZone()), "): ask again"));
  }
  if (!ask.purpose().empty()) {
    if (absl::Status purpose = CheckPurpose(ask.purpose()); !purpose.ok()) return purpose;
  }
  return checked;
}

}  // namespace nexus
