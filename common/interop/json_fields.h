// Typed access to members of untrusted JSON objects: a member of the wrong type is an error
// naming the member, never an exception or a silent default.
#ifndef NEXUS_COMMON_INTEROP_JSON_FIELDS_H_
#define NEXUS_COMMON_INTEROP_JSON_FIELDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace nexus {

// The string member `key`: nullopt when absent (or null); an error when of another type.
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                          const char* key);
// The array of strings `key`: empty when absent; an error when not an array of strings.
absl::StatusOr<std::vector<std::string>> StringList(const nlohmann::json& object, const char* key);
// The whole number `key` (also when written as a string of digits, as MISP does).
absl::StatusOr<std::optional<int64_t>> OptionalInteger(const nlohmann::json& object,
                                                       const char* key);
// The boolean `key` (MISP writes them as true/false, 0/1 or "0"/"1").
absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& object, const char* key);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_JSON_FIELDS_H_
