#include "common/certificate_identity.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// The subject's first common name as UTF-8, escaped and bounded; empty if there is none.
std::string CommonNameOf(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string name = EscapeForTerminal(
      absl::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length)),
      kMaxPersonBytes);
  OPENSSL_free(utf8);
  return name;
}

}  // namespace

absl::StatusOr<CertificateIdentity> IdentityFromCertificatePem(absl::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return absl::UnauthenticatedError("peer certificate is not a PEM X.509 certificate");

  CertificateIdentity identity;
  unsigned char der_digest[32];
  unsigned int len = sizeof(der_digest);
  X509_digest(cert.get(), EVP_sha256(), der_digest, &len);
  identity.fingerprint = HexEncode(absl::string_view(reinterpret_cast<char*>(der_digest), len));

  identity.person = CommonNameOf(cert.get());

  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  std::unique_ptr<GENERAL_NAMES, void (*)(GENERAL_NAMES*)> owned(
      names, [](GENERAL_NAMES* n) { GENERAL_NAMES_free(n); });
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    absl::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                           ASN1_STRING_length(uri));
    if (absl::StartsWith(text, kAgencyUriPrefix)) {
      if (!identity.agency_id.empty()) {
        return absl::UnauthenticatedError("peer certificate names more than one agency");
      }
      identity.agency_id = std::string(text.substr(kAgencyUriPrefix.size()));
    } else if (absl::StartsWith(text, kRoleUriPrefix)) {
      if (!identity.role.empty()) {
        return absl::UnauthenticatedError("peer certificate names more than one role");
      }
      identity.role = std::string(text.substr(kRoleUriPrefix.size()));
    }
  }
  if (identity.agency_id.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer certificate has no URI SAN ", kAgencyUriPrefix, "<agency id>"));
  }
  if (!IsValidAgencyId(identity.agency_id)) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer certificate names invalid agency id '", identity.agency_id, "'"));
  }
  if (identity.role.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("peer certificate has no URI SAN ", kRoleUriPrefix, "<role>"));
  }
  return identity;
}

}  // namespace nexus
