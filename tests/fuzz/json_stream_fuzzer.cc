// Untrusted JSON files through ReadJsonStream, streaming the STIX and MISP paths, with the
// default limits and with tight ones.
// Invariants: an accepted document, with its streamed elements put back in their arrays, is
// exactly what nlohmann's own parser reads from the same bytes; elements of each path arrive
// with indexes 0, 1, 2, ...; a streamed array is left empty; the visitor's error comes back
// unchanged; any other refusal is InvalidArgument with a bounded message that is safe to print.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/interop/json_stream.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;
using nlohmann::json;

const std::vector<nexus::JsonPath>& Streamed() {
  static const auto* paths =
      new std::vector<nexus::JsonPath>{{"objects"}, {"Event", "Attribute"}, {"Event", "Object"}};
  return *paths;
}

// The value at `path` (member names from the root), or null.
json* Find(json& document, const nexus::JsonPath& path) {
  json* node = &document;
  for (const std::string& name : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(name);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void ReadWith(const uint8_t* data, size_t size, const nexus::JsonStreamLimits& limits) {
  std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "r");
  if (file == nullptr) return;  // size 0 on an old C library
  std::vector<std::vector<json>> elements(Streamed().size());
  const absl::Status stop = absl::AbortedError("the visitor stops here");
  absl::StatusOr<json> document = nexus::ReadJsonStream(
      file, Streamed(), limits, [&](size_t path, uint64_t index, json&& element) {
        Require(path < elements.size(), "a streamed path is one of ours");
        Require(index == elements[path].size(), "elements arrive with consecutive indexes");
        if (element == json("stop")) return stop;
        elements[path].push_back(std::move(element));
        return absl::OkStatus();
      });
  std::fclose(file);
  if (!document.ok()) {
    if (document.status() == stop) return;
    Require(absl::IsInvalidArgument(document.status()), "a refusal is InvalidArgument");
    const std::string message(document.status().message());
    Require(!message.empty() && message.size() < 1024, "a refusal says why, briefly");
    Require(nexus::IsValidUtf8(message) && nexus::EscapeMessageForTerminal(message) == message,
            "a refusal is safe to print");
    return;
  }
  for (size_t p = 0; p < Streamed().size(); ++p) {
    json* array = Find(*document, Streamed()[p]);
    if (array == nullptr || !array->is_array()) {
      Require(elements[p].empty(), "elements come from an array at their path");
      continue;
    }
    Require(array->empty(), "a streamed array is left empty");
    *array = json(std::move(elements[p]));
  }
  json whole = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  Require(!whole.is_discarded(), "what the reader accepts, nlohmann accepts");
  Require(whole == *document, "the streamed document is nlohmann's document");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReadWith(data, size, nexus::JsonStreamLimits());
  nexus::JsonStreamLimits tight;
  tight.max_file_bytes = 2048;
  tight.max_depth = 5;
  tight.max_string_bytes = 24;
  tight.max_element_bytes = 96;
  tight.max_members = 6;
  ReadWith(data, size, tight);
  return 0;
}
