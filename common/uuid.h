// Record identifiers: random (version 4) UUIDs in their canonical lower-case text form.
#ifndef NEXUS_COMMON_UUID_H_
#define NEXUS_COMMON_UUID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace nexus {

std::string NewUuid();
// True for the canonical 8-4-4-4-12 lower-case hexadecimal form.
bool IsCanonicalUuid(absl::string_view text);

}  // namespace nexus

#endif  // NEXUS_COMMON_UUID_H_
