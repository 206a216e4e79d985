// Which index keys a search looks up: the value normalized as each type it is asked as, and for
// a single IPv4 or IPv6 address also every network range that contains it, so that a record
// carrying "223.166.0.0/15" is found by a search for 223.167.1.1.
#ifndef NEXUS_SERVER_SEARCH_KEYS_H_
#define NEXUS_SERVER_SEARCH_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// One key of the indicator index: a type and a normalized value. A hit reports the key that
// matched it (a range, when it was found through one).
struct SearchKey {
  v1::IndicatorType type;
  std::string normalized;
};

// The keys a search for `value` as `type` looks up, in order: per type (every defined type for
// UNSPECIFIED, in enum order) the value's normal form, then, for an address, the ranges that
// contain it from the most specific (/31, /127) to /0, so that under a hit limit the closest
// matches are kept. A range value is an exact key: it finds records carrying that very range,
// not narrower or wider ones. Returns the first type's InvalidArgument when the value is valid
// as none of the types. `type` must be UNSPECIFIED or a defined type (see CheckRequest).
absl::StatusOr<std::vector<SearchKey>> SearchKeys(v1::IndicatorType type, absl::string_view value);

}  // namespace nexus

#endif  // NEXUS_SERVER_SEARCH_KEYS_H_
