#include "client/witness_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace nexus {

std::string WitnessFile::DefaultPath(const std::string& origin) {
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.nexusctl/witness/", origin, ".checkpoints");
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> WitnessFile::Load() const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::ifstream in(path_);
  if (!in) return checkpoints;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::string bytes;
    if (!absl::Base64Unescape(text, &bytes) || !checkpoints.emplace_back().ParseFromString(bytes)) {
      return absl::DataLossError(
          absl::StrCat(path_, ":", number, ": not a base64-encoded signed checkpoint"));
    }
  }
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
