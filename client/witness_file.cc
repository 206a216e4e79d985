#include "client/witness_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/checkpoint.h"
#include "common/crypto.h"

namespace nexus {
namespace {

std::string WitnessDirectory() {
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.nexusctl/witness/");
}

absl::Status ReadCheckpoints(const std::string& path,
                             std::vector<v1::SignedCheckpoint>& checkpoints) {
  std::ifstream in(path);
  if (!in) return absl::OkStatus();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::string bytes;
    if (!absl::Base64Unescape(text, &bytes) || !checkpoints.emplace_back().ParseFromString(bytes)) {
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": not a base64-encoded signed checkpoint"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

WitnessFile WitnessFile::Default(const std::string& origin, const std::string& key_id,
                                 const Keyring& keys) {
  const std::string legacy = absl::StrCat(WitnessDirectory(), origin, ".checkpoints");
  const PublicKey* key = keys.Find(origin, key_id);
  if (key == nullptr) return WitnessFile(legacy);
  const std::string fingerprint = HexEncode(DigestBytes(Sha256(key->RawBytes()))).substr(0, 16);
  return WitnessFile(absl::StrCat(WitnessDirectory(), origin, ".", fingerprint, ".checkpoints"),
                     legacy);
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> WitnessFile::Load(const Keyring* keys) const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  if (!legacy_path_.empty() && keys != nullptr) {
    std::vector<v1::SignedCheckpoint> legacy;
    if (absl::Status s = ReadCheckpoints(legacy_path_, legacy); !s.ok()) return s;
    for (v1::SignedCheckpoint& checkpoint : legacy) {
      if (VerifyCheckpoint(checkpoint, *keys).ok()) checkpoints.push_back(std::move(checkpoint));
    }
  }
  if (absl::Status s = ReadCheckpoints(path_, checkpoints); !s.ok()) return s;
  return checkpoints;
}

absl::Status WitnessFile::Add(const v1::SignedCheckpoint& checkpoint) const {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), error);
  std::ofstream out(path_, std::ios::app);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path_));
  out << absl::Base64Escape(checkpoint.SerializeAsString()) << "\n";
  out.flush();
  if (!out) return absl::DataLossError(absl::StrCat("cannot write ", path_));
  return absl::OkStatus();
}

}  // namespace nexus
