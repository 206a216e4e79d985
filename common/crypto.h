// Hashing, randomness and Ed25519 keys, through OpenSSL 3's EVP API.
#ifndef NEXUS_COMMON_CRYPTO_H_
#define NEXUS_COMMON_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace nexus {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(absl::string_view data);
// SHA-256 over the concatenation of `parts`, without copying them together.
Sha256Digest Sha256Of(std::initializer_list<absl::string_view> parts);
std::string DigestBytes(const Sha256Digest& digest);

// Cryptographically secure random bytes (OpenSSL's RAND_bytes). Aborts if the RNG fails:
// continuing without randomness would silently weaken every salt.
std::string RandomBytes(size_t n);

std::string HexEncode(absl::string_view bytes);

// An Ed25519 public key. Cheap to copy (shared, immutable).
class PublicKey {
 public:
  static absl::StatusOr<PublicKey> FromPem(absl::string_view pem);
  static absl::StatusOr<PublicKey> FromPemFile(const std::string& path);

  // True iff `signature` is a valid Ed25519 signature of `message` under this key.
  bool Verify(absl::string_view message, absl::string_view signature) const;
  // The 32 raw key bytes.
  std::string RawBytes() const;

 private:
  friend class PrivateKey;
  explicit PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// An Ed25519 private key. Thread-safe: Sign() may be called concurrently.
class PrivateKey {
 public:
  static absl::StatusOr<PrivateKey> FromPem(absl::string_view pem);
  static absl::StatusOr<PrivateKey> FromPemFile(const std::string& path);
  static PrivateKey Generate();

  // The 64-byte Ed25519 signature of `message`.
  std::string Sign(absl::string_view message) const;
  PublicKey public_key() const;
  std::string PublicKeyPem() const;

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// Reads a whole file; the error names the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace nexus

#endif  // NEXUS_COMMON_CRYPTO_H_
