// Record identifiers: random (version 4) UUIDs, and name-based (version 5, RFC 9562) UUIDs for ids
// that must come out the same each time (imported objects), in canonical lower-case text form.
#ifndef NEXUS_COMMON_UUID_H_
#define NEXUS_COMMON_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nexus {

std::string NewUuid();
// The version 5 UUID of `name` under `namespace_uuid` (canonical form): SHA-1 of the namespace's
// 16 bytes and the name. The same inputs always give the same UUID.
std::string NameBasedUuid(absl::string_view namespace_uuid, absl::string_view name);
// True for the canonical 8-4-4-4-12 lower-case hexadecimal form.
bool IsCanonicalUuid(absl::string_view text);

}  // namespace nexus

#endif  // NEXUS_COMMON_UUID_H_
