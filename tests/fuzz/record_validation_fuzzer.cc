// Record validation and indicator normalization over any binary v1::Record, as a node receives
// it in a Publish call (enum fields may hold undefined numbers, strings any bytes).
// Invariants: validation is idempotent; every normal form is a fixed point of the normalizer;
// a refusal names what is wrong.
#include <cstddef>
#include <cstdint>

#include "common/indicator_normalizer.h"
#include "common/record_validation.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nexus::fuzz::Require;
  nexus::v1::Record record;
  if (!record.ParseFromArray(data, static_cast<int>(size))) return 0;
  nexus::v1::Record original = record;
  absl::Status valid = nexus::ValidateAndNormalize(record);
  if (!valid.ok()) {
    Require(absl::IsInvalidArgument(valid), "validation refuses with InvalidArgument");
    Require(!valid.message().empty(), "a refusal says why");
    return 0;
  }
  nexus::v1::Record again = record;
  Require(nexus::ValidateAndNormalize(again).ok(), "a valid record validates again");
  Require(again.SerializeAsString() == record.SerializeAsString(),
          "validating a valid record changes nothing");
  Require(record.indicators_size() == original.indicators_size(), "no indicator is dropped");
  for (const nexus::v1::Indicator& indicator : record.indicators()) {
    Require(nexus::v1::IndicatorType_IsValid(indicator.type()),
            "a valid record has only defined indicator types");
    Require(indicator.value().empty() || !indicator.normalized().empty(),
            "every valid indicator has a normal form");
    absl::StatusOr<std::string> renormalized =
        nexus::NormalizeIndicator(indicator.type(), indicator.normalized());
    Require(renormalized.ok() && *renormalized == indicator.normalized(),
            "a normal form is its own normal form");
  }
  return 0;
}
