#include "server/cursor_cipher.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace nexus {
namespace {
constexpr char kKeyName[] = "cursor-cipher-key";
constexpr int kRounds = 6;
}  // namespace

absl::StatusOr<CursorCipher> CursorCipher::Open(storage::Store* storage) {
  // The key is a node setting: it lives in the default family.
  absl::StatusOr<std::string> key = storage->Get(storage::kDefault, kKeyName);
  absl::Status s = key.status();
  if (absl::IsNotFound(s)) {
    key = RandomBytes(32);
    s = storage->Put(storage::kDefault, kKeyName, *key, /*sync=*/true);
  }
  if (!s.ok() || key->size() != 32) {
    return absl::InternalError(absl::StrCat("cursor key: ", s.ToString()));
  }
  return CursorCipher(*std::move(key));
}

uint32_t CursorCipher::Round(int round, uint32_t half) const {
  char input[5] = {static_cast<char>(round), static_cast<char>(half >> 24),
                   static_cast<char>(half >> 16), static_cast<char>(half >> 8),
                   static_cast<char>(half)};
  Sha256Digest digest = Sha256Of({key_, absl::string_view(input, sizeof(input))});
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) |
         digest[3];
}

// A balanced Feistel network: a permutation of the 64-bit values whatever the round function.
uint64_t CursorCipher::Encode(uint64_t position) const {
  if (position == 0) return 0;
  uint32_t left = static_cast<uint32_t>(position >> 32), right = static_cast<uint32_t>(position);
  for (int round = 0; round < kRounds; ++round) {
    uint32_t next = left ^ Round(round, right);
    left = right;
    right = next;
  }
  return (uint64_t{left} << 32) | right;
}

uint64_t CursorCipher::Decode(uint64_t token) const {
  if (token == 0) return 0;
  uint32_t left = static_cast<uint32_t>(token >> 32), right = static_cast<uint32_t>(token);
  for (int round = kRounds - 1; round >= 0; --round) {
    uint32_t previous = right ^ Round(round, left);
    right = left;
    left = previous;
  }
  return (uint64_t{left} << 32) | right;
}

std::string CursorCipher::Reference(absl::string_view purpose, absl::string_view value) const {
  // Length-prefixed purpose, so that ("hi", "tx") and ("hit", "x") differ.
  const std::string prefix = absl::StrCat(purpose.size(), ":", purpose);
  return HexEncode(DigestBytes(Sha256Of({key_, prefix, value})).substr(0, 16));
}

}  // namespace nexus
