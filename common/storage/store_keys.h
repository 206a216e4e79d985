// The RocksDB key layout of the record store, shared by the node that writes it and by offline
// tools that read a copy (nexusctl audit verify --offline). Integers are big-endian so that keys sort by
// number; ids are the 36-character canonical UUID text, so id-prefixed keys group by record.
#ifndef NEXUS_COMMON_STORAGE_STORE_KEYS_H_
#define NEXUS_COMMON_STORAGE_STORE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/storage/coding.h"
#include "nexus/v1/record.pb.h"

namespace nexus::store_keys {

inline constexpr size_t kIdBytes = 36;

// records: id | version
inline std::string RecordKey(absl::string_view id, uint64_t version) {
  std::string key(id);
  coding::PutFixed64(key, version);
  return key;
}

// An id and a version as the records key (and the tail of an indicators key) holds them.
struct IdVersion {
  absl::string_view id;
  uint64_t version = 0;
};
// The id and version of a records key, a feed value or an indicators key's tail: nullopt unless
// `bytes` is exactly 36 id bytes and 8 version bytes.
inline std::optional<IdVersion> ReadIdVersion(absl::string_view bytes) {
  if (bytes.size() != kIdBytes + coding::kFixed64Bytes) return std::nullopt;
  std::optional<uint64_t> version = coding::DecodeFixed64(bytes.substr(kIdBytes));
  if (!version.has_value()) return std::nullopt;
  return IdVersion{bytes.substr(0, kIdBytes), *version};
}

// feed: cursor
inline std::string FeedKey(uint64_t cursor) { return coding::EncodeFixed64(cursor); }

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
  coding::PutFixed64(key, version);
  return key;
}

}  // namespace nexus::store_keys

#endif  // NEXUS_COMMON_STORAGE_STORE_KEYS_H_
