// Record JSON as nexusctl reads it from a file (RecordFromJson), then the node's validation.
// Invariants: a record that validates validates again unchanged (normalization is idempotent),
// and survives a round trip through its binary form.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/cli/record_text.h"
#include "common/record_validation.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nexus::fuzz::Require;
  absl::StatusOr<nexus::v1::Record> record =
      nexus::RecordFromJson(std::string(reinterpret_cast<const char*>(data), size));
  if (!record.ok()) {
    Require(!record.status().message().empty(), "a refused record says why");
    return 0;
  }
  absl::Status valid = nexus::ValidateAndNormalize(*record);
  if (!valid.ok()) {
    Require(absl::IsInvalidArgument(valid), "validation refuses with InvalidArgument");
    return 0;
  }
  nexus::v1::Record again = *record;
  Require(nexus::ValidateAndNormalize(again).ok(), "a valid record validates again");
  Require(again.SerializeAsString() == record->SerializeAsString(),
          "validating a valid record changes nothing");
  nexus::v1::Record parsed;
  Require(parsed.ParseFromString(record->SerializeAsString()), "a valid record re-parses");
  Require(nexus::ValidateAndNormalize(parsed).ok(), "a valid record validates after a round trip");
  return 0;
}
