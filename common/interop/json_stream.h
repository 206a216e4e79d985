// A bounded, streaming reader of untrusted JSON files (STIX bundles, MISP event exports).
//
// Large files are never held whole: the elements of the arrays named by `streamed` are handed to
// the caller one at a time as soon as each is complete, and only the rest of the document is
// built. Everything is bounded (bytes, depth, string length, members), duplicate member names
// are refused (two readers could otherwise disagree on which one counts), and strings must be
// valid UTF-8. Errors name the byte offset and, where known, the element ("objects[17]").
#ifndef NEXUS_COMMON_INTEROP_JSON_STREAM_H_
#define NEXUS_COMMON_INTEROP_JSON_STREAM_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"

namespace nexus {

struct JsonStreamLimits {
  uint64_t max_file_bytes = 256ull << 20;  // the whole input
  // Nesting of arrays and objects, the document's own: how many are open at once, the root
  // included (in {"objects": [{"id": "x"}]} the element's object is the third).
  uint32_t max_depth = 32;
  uint64_t max_string_bytes = 64 << 10;  // one string or member name, decoded
                                         // (a number is at most 1024 bytes, always)
  uint64_t max_element_bytes = 1 << 20;  // one streamed element, as it appears in the file
  uint64_t max_members = 10000;          // members of one object or entries of one array
                                         // (streamed arrays excepted)
};

// A path of member names from the document's root, e.g. {"objects"} or {"Event", "Attribute"}.
using JsonPath = std::vector<std::string>;

// Called for each element of a streamed array, in file order: which path (index into
// `streamed`), the element's index in its array, and the element. An error stops the read and is
// returned as is.
using JsonElementVisitor =
    std::function<absl::Status(size_t path, uint64_t index, nlohmann::json&& element)>;

// Reads one JSON document from `in` (to its end; anything but white space after the document is
// an error). Returns the document with every streamed array present but empty. InvalidArgument
// for malformed or over-limit input, e.g. "byte 1042 in objects[3]: invalid UTF-8 in a string",
// "byte 88: duplicate member \"pattern\"", "objects[7]: element is over 1048576 bytes";
// DataLoss when the file cannot be read. "byte N" counts from 1: the byte at which the problem
// was found.
absl::StatusOr<nlohmann::json> ReadJsonStream(std::FILE* in, const std::vector<JsonPath>& streamed,
                                              const JsonStreamLimits& limits,
                                              const JsonElementVisitor& on_element);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_JSON_STREAM_H_
