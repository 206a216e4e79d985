#include "common/trusted_certificates.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace nexus {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

Bio MemoryBio(absl::string_view data) {
  return Bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), BIO_free);
}

// Every certificate of a PEM text, in order.
std::vector<Cert> ReadCertificates(absl::string_view pem) {
  std::vector<Cert> certs;
  Bio bio = MemoryBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert, X509_free);
  }
  return certs;
}

// Ed25519 and Ed448 sign the message itself; other keys sign its SHA-256 digest.
const EVP_MD* DigestFor(const EVP_PKEY* key) {
  const int id = EVP_PKEY_get_base_id(key);
  return id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
}

}  // namespace

absl::StatusOr<TrustedCertificates> TrustedCertificates::FromPemFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFileToString(path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<TrustedCertificates> trusted = FromPem(*pem);
  if (!trusted.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", trusted.status().message()));
  }
  return trusted;
}

absl::StatusOr<TrustedCertificates> TrustedCertificates::FromPem(absl::string_view pem) {
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  std::vector<Cert> certs = ReadCertificates(pem);
  if (certs.empty()) return absl::InvalidArgumentError("holds no PEM certificate");
  for (const Cert& cert : certs) {
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) {
      return absl::InvalidArgumentError("a CA certificate cannot be added to the trusted set");
    }
  }
  return TrustedCertificates(std::move(store));
}

absl::StatusOr<CertificateIdentity> TrustedCertificates::Verify(absl::string_view chain_pem,
                                                                absl::Time now,
                                                                std::string* public_key_der) const {
  if (chain_pem.size() > kMaxCertificateChainBytes) {
    return absl::UnauthenticatedError(absl::StrCat("certificate chain of ", chain_pem.size(),
                                                   " bytes is over the limit of ",
                                                   kMaxCertificateChainBytes));
  }
  std::vector<Cert> certs = ReadCertificates(chain_pem);
  if (certs.empty()) return absl::UnauthenticatedError("no PEM certificate was given");
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> intermediates(
      sk_X509_new_null(), [](STACK_OF(X509) * stack) { sk_X509_free(stack); });
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(intermediates.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                          X509_STORE_CTX_free);
  if (!context ||
      X509_STORE_CTX_init(context.get(), store_.get(), certs[0].get(), intermediates.get()) != 1) {
    return absl::InternalError("cannot prepare a certificate check");
  }
  X509_STORE_CTX_set_time(context.get(), 0, absl::ToTimeT(now));
  // The certificate must be one for a TLS client: a person's, not a server's or a CA's.
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(context.get()) != 1) {
    return absl::UnauthenticatedError(
        absl::StrCat("the certificate does not verify against this node's trusted CAs: ",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()))));
  }
  if (X509_check_ca(certs[0].get()) != 0) {
    return absl::UnauthenticatedError("a CA certificate is not a person's or a node's");
  }
  absl::StatusOr<CertificateIdentity> identity = IdentityFromCertificatePem(chain_pem);
  if (!identity.ok() || public_key_der == nullptr) return identity;
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(X509_get0_pubkey(certs[0].get()), &der);
  if (length <= 0) return absl::UnauthenticatedError("the certificate's public key cannot be read");
  public_key_der->assign(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return identity;
}

bool VerifyWithPublicKey(absl::string_view public_key_der, absl::string_view message,
                         absl::string_view signature) {
  const auto* der = reinterpret_cast<const unsigned char*>(public_key_der.data());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      d2i_PUBKEY(nullptr, &der, static_cast<long>(public_key_der.size())), EVP_PKEY_free);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  if (!context ||
      EVP_DigestVerifyInit(context.get(), nullptr, DigestFor(key.get()), nullptr, key.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

absl::StatusOr<std::string> SignWithPrivateKeyPem(absl::string_view key_pem,
                                                  absl::string_view message) {
  Bio bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      // No passphrase callback: an encrypted key fails here rather than prompting on a terminal.
      PEM_read_bio_PrivateKey(
          bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr),
      EVP_PKEY_free);
  if (!key) return absl::InvalidArgumentError("not a PEM private key (or it is encrypted)");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, DigestFor(key.get()), nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, data, message.size()) != 1) {
    return absl::InternalError("this private key cannot sign");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     data, message.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  signature.resize(length);
  return signature;
}

}  // namespace nexus
