// The one integer codec of the on-disk format (as LevelDB's util/coding.h): every fixed-width
// integer in a key or a stored value is 8 bytes, big-endian, so that keys sort by number. Both
// the node that writes a store and the tools that read a copy of it use these, and nothing else.
#ifndef NEXUS_COMMON_STORAGE_CODING_H_
#define NEXUS_COMMON_STORAGE_CODING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace nexus::coding {

inline constexpr size_t kFixed64Bytes = 8;

// Appends `value` as 8 big-endian bytes.
inline void PutFixed64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

inline std::string EncodeFixed64(uint64_t value) {
  std::string out;
  out.reserve(kFixed64Bytes);
  PutFixed64(out, value);
  return out;
}

// The integer `bytes` encodes, if it is exactly 8 bytes long. A damaged key or value (cut short
// or extended) has no integer: callers report it rather than read a number it does not hold.
inline std::optional<uint64_t> DecodeFixed64(absl::string_view bytes) {
  if (bytes.size() != kFixed64Bytes) return std::nullopt;
  uint64_t value = 0;
  for (char byte : bytes) value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
}

// The integer in the 8 bytes of `bytes` at `offset`, if `bytes` holds them (for keys that embed
// one after a prefix and may continue after it).
inline std::optional<uint64_t> DecodeFixed64At(absl::string_view bytes, size_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < kFixed64Bytes) return std::nullopt;
  return DecodeFixed64(bytes.substr(offset, kFixed64Bytes));
}

}  // namespace nexus::coding

#endif  // NEXUS_COMMON_STORAGE_CODING_H_
