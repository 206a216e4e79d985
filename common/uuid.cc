#include "common/uuid.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "common/crypto.h"

namespace nexus {

namespace {

// Sets the version and the RFC 4122 variant bits of 16 raw bytes and formats them.
std::string FormatUuid(std::string raw, int version) {
  raw[6] = static_cast<char>((raw[6] & 0x0f) | (version << 4));
  raw[8] = static_cast<char>((raw[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(raw);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace

std::string NewUuid() { return FormatUuid(RandomBytes(16), 4); }

std::string NameBasedUuid(absl::string_view namespace_uuid, absl::string_view name) {
  std::string input;
  for (char c : namespace_uuid) {
    if (c != '-') input.push_back(c);
  }
  input = absl::HexStringToBytes(input);
  input.append(name.data(), name.size());
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return FormatUuid(std::string(reinterpret_cast<const char*>(digest), 16), 5);
}

bool IsCanonicalUuid(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace nexus
