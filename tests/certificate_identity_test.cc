// Identity from a certificate, with certificates made here by OpenSSL: the agency and role from
// the URI SANs, and the person from the subject's common name, shown as text however the CA was
// made to write it (escape sequences, newlines, bidirectional overrides).
#include "common/certificate_identity.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"

namespace nexus {
namespace {

// A self-signed Ed25519 certificate for agency-a's analyst whose subject's common name is `cn`
// (none if empty), as PEM.
std::string CertificatePem(const std::string& cn) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("agency-a"), -1, -1, 0);
  if (!cn.empty()) {
    EXPECT_EQ(X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(cn.data()),
                                         static_cast<int>(cn.size()), -1, 0),
              1);
  }
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                          "URI:urn:nexus:agency:agency-a,URI:urn:nexus:role:analyst");
  EXPECT_NE(san, nullptr);
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  EXPECT_GT(X509_sign(cert.get(), key.get(), nullptr), 0);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

TEST(CertificateIdentityTest, ThePersonIsTheCommonName) {
  absl::StatusOr<CertificateIdentity> identity =
      IdentityFromCertificatePem(CertificatePem("wa-coord analyst A. Diallo"));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->agency_id, "agency-a");
  EXPECT_EQ(identity->role, "analyst");
  EXPECT_EQ(identity->person, "wa-coord analyst A. Diallo");
  EXPECT_EQ(identity->fingerprint.size(), 64u);
}

TEST(CertificateIdentityTest, WithoutACommonNameThePersonIsEmptyAndTheIdentityHolds) {
  absl::StatusOr<CertificateIdentity> identity = IdentityFromCertificatePem(CertificatePem(""));
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->person, "");
}

TEST(CertificateIdentityTest, AHostileCommonNameIsShownAsText) {
  // Common names are at most 64 characters (RFC 5280's upper bound, which OpenSSL enforces).
  absl::StatusOr<CertificateIdentity> identity = IdentityFromCertificatePem(
      CertificatePem("A. Diallo\x1b[2J\r\nFAKE audit line \xe2\x80\xae"));
  ASSERT_TRUE(identity.ok()) << identity.status();
  for (const char* raw : {"\x1b", "\r", "\n", "\xe2\x80\xae"}) {
    EXPECT_FALSE(absl::StrContains(identity->person, raw)) << identity->person;
  }
  EXPECT_TRUE(absl::StartsWith(identity->person, "A. Diallo\\x1b[2J\\r\\nFAKE"))
      << identity->person;
  EXPECT_TRUE(absl::StrContains(identity->person, "\\u202e")) << identity->person;
}

}  // namespace
}  // namespace nexus
