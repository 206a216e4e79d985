// Certificates checked against the federation's trusted CAs outside a TLS handshake: a question
// signed by a person and passed from node to node (SignedTrailAsk) is checked by every node with
// the same CAs its TLS server trusts, so identity still comes from a certificate, never from the
// nodes that relay.
#ifndef NEXUS_COMMON_TRUSTED_CERTIFICATES_H_
#define NEXUS_COMMON_TRUSTED_CERTIFICATES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/certificate_identity.h"

typedef struct x509_store_st X509_STORE;

namespace nexus {

// Longest certificate chain (PEM) accepted: a client certificate and a few intermediates.
inline constexpr size_t kMaxCertificateChainBytes = 16 * 1024;

class TrustedCertificates {
 public:
  // The CA certificates of a PEM file (a node's `ca_file`).
  static absl::StatusOr<TrustedCertificates> FromPemFile(const std::string& path);
  static absl::StatusOr<TrustedCertificates> FromPem(absl::string_view pem);

  // The identity of the first certificate of `chain_pem` (the others are intermediates) if the
  // chain leads to a trusted CA and every certificate is valid at `now`; otherwise why not.
  // When `public_key_der` is given it receives the leaf's public key (SubjectPublicKeyInfo, DER).
  absl::StatusOr<CertificateIdentity> Verify(absl::string_view chain_pem, absl::Time now,
                                             std::string* public_key_der = nullptr) const;

 private:
  explicit TrustedCertificates(std::shared_ptr<X509_STORE> store) : store_(std::move(store)) {}
  std::shared_ptr<X509_STORE> store_;
};

// Verifies `signature` of `message` under a DER SubjectPublicKeyInfo: Ed25519 and Ed448 keys as
// they sign, other keys (ECDSA, RSA PKCS#1 v1.5) over SHA-256.
bool VerifyWithPublicKey(absl::string_view public_key_der, absl::string_view message,
                         absl::string_view signature);

// Signs `message` with a PEM private key the same way (the client's TLS key).
absl::StatusOr<std::string> SignWithPrivateKeyPem(absl::string_view key_pem,
                                                  absl::string_view message);

}  // namespace nexus

#endif  // NEXUS_COMMON_TRUSTED_CERTIFICATES_H_
