// Pull cursors as other agencies see them: the feed position under a keyed permutation of the
// 64-bit space, so that the gaps left by records a recipient may not see reveal nothing. The
// node's own agency sees plain positions. The key is made once and kept in the store, so
// cursors stay valid across restarts.
#ifndef NEXUS_SERVER_CURSOR_CIPHER_H_
#define NEXUS_SERVER_CURSOR_CIPHER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/store.h"

namespace nexus {

class CursorCipher {
 public:
  static absl::StatusOr<CursorCipher> Open(storage::Store* storage);

  // 0 (the start of the feed) maps to itself; every other position to an opaque token.
  uint64_t Encode(uint64_t position) const;
  uint64_t Decode(uint64_t token) const;
  // A stable, opaque reference to `value` for `purpose` ("hit", "link"): the same on every call
  // at this node, telling nothing of the value to whoever does not hold the key. 32 hex digits.
  std::string Reference(absl::string_view purpose, absl::string_view value) const;

 private:
  explicit CursorCipher(std::string key) : key_(std::move(key)) {}
  uint32_t Round(int round, uint32_t half) const;
  std::string key_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_CURSOR_CIPHER_H_
