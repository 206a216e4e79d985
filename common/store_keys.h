// The RocksDB key layout of the record store, shared by the node that writes it and by offline
// tools that read a copy (nexusctl audit verify --offline). Integers are big-endian so that keys sort by
// number; ids are the 36-character canonical UUID text, so id-prefixed keys group by record.
#ifndef NEXUS_COMMON_STORE_KEYS_H_
#define NEXUS_COMMON_STORE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus::store_keys {

inline constexpr size_t kIdBytes = 36;

inline void AppendBigEndian64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// Reads the first 8 bytes; a shorter input (a damaged key) reads as if zero-padded, never past
// its end. Callers that must tell a damaged key check its length themselves.
inline uint64_t ReadBigEndian64(absl::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    value = (value << 8) | (i < bytes.size() ? static_cast<uint8_t>(bytes[i]) : 0);
  }
  return value;
}

// records: id | version
inline std::string RecordKey(absl::string_view id, uint64_t version) {
  std::string key(id);
  AppendBigEndian64(key, version);
  return key;
}

// feed: cursor
inline std::string FeedKey(uint64_t cursor) {
  std::string key;
  AppendBigEndian64(key, cursor);
  return key;
}

// indicators: type | normalized | 0x00 | id | version. Normalized values never contain 0x00.
inline std::string IndicatorPrefix(v1::IndicatorType type, absl::string_view normalized) {
  std::string key(1, static_cast<char>(type));
  key.append(normalized.data(), normalized.size());
  key.push_back('\0');
  return key;
}

inline std::string IndicatorKey(v1::IndicatorType type, absl::string_view normalized,
                                absl::string_view id, uint64_t version) {
  std::string key = IndicatorPrefix(type, normalized);
  key.append(id.data(), id.size());
  AppendBigEndian64(key, version);
  return key;
}

}  // namespace nexus::store_keys

#endif  // NEXUS_COMMON_STORE_KEYS_H_
