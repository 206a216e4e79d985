#include "common/keyring.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace nexus {

absl::Status Keyring::Add(std::string agency, std::string key_id, PublicKey key) {
  auto [it, inserted] = keys_.try_emplace({agency, key_id}, key);
  if (!inserted && it->second.RawBytes() != key.RawBytes()) {
    return absl::AlreadyExistsError(
        absl::StrCat("two different keys for agency '", agency, "' key id '", key_id, "'"));
  }
  return absl::OkStatus();
}

absl::Status Keyring::AddDirectory(const std::string& dir) {
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error) return absl::NotFoundError(absl::StrCat("cannot list ", dir, ": ", error.message()));
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, ".pub")) continue;
    std::string stem = name.substr(0, name.size() - 4);
    std::string agency = stem;
    std::string key_id = "1";
    if (size_t at = stem.find('@'); at != std::string::npos) {
      agency = stem.substr(0, at);
      key_id = stem.substr(at + 1);
    }
    absl::StatusOr<PublicKey> key = PublicKey::FromPemFile(entry.path().string());
    if (!key.ok()) return key.status();
    if (absl::Status s = Add(agency, key_id, *key); !s.ok()) return s;
  }
  return absl::OkStatus();
}

const PublicKey* Keyring::Find(absl::string_view agency, absl::string_view key_id) const {
  auto it = keys_.find(std::make_pair(std::string(agency), std::string(key_id)));
  return it == keys_.end() ? nullptr : &it->second;
}

bool Keyring::HasAgency(absl::string_view agency) const {
  auto it = keys_.lower_bound(std::make_pair(std::string(agency), std::string()));
  return it != keys_.end() && it->first.first == agency;
}

}  // namespace nexus
