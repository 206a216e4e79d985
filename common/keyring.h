// The federation's signing keys: agency id and key id to Ed25519 public key.
#ifndef NEXUS_COMMON_KEYRING_H_
#define NEXUS_COMMON_KEYRING_H_

#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/crypto.h"

namespace nexus {

class Keyring {
 public:
  // Fails if (agency, key_id) is already present with a different key.
  absl::Status Add(std::string agency, std::string key_id, PublicKey key);
  // Loads every "<agency>.pub" (key id "1") and "<agency>@<key_id>.pub" file in `dir`.
  absl::Status AddDirectory(const std::string& dir);

  // The key, or nullptr if this keyring does not know it.
  const PublicKey* Find(absl::string_view agency, absl::string_view key_id) const;
  bool HasAgency(absl::string_view agency) const;
  size_t size() const { return keys_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, PublicKey, std::less<>> keys_;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_KEYRING_H_
