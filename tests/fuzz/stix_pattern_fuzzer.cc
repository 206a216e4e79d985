// STIX patterns through IndicatorsFromStixPattern, and what it reads back out through
// StixPatternFromIndicators.
// Invariants: a refusal is InvalidArgument with a bounded message that is safe to print; an
// accepted pattern names at least one indicator of a defined type, at least two when they must
// hold together; its export reads back to the same types, values and join.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/interop/stix_pattern.h"
#include "common/untrusted_text.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nexus::fuzz::Require;
  const std::string pattern(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nexus::PatternIndicators> found = nexus::IndicatorsFromStixPattern(pattern);
  if (!found.ok()) {
    Require(absl::IsInvalidArgument(found.status()), "a refusal is InvalidArgument");
    const std::string message(found.status().message());
    Require(!message.empty() && message.size() < 512, "a refusal says why, briefly");
    Require(nexus::IsValidUtf8(message) && nexus::EscapeMessageForTerminal(message) == message,
            "a refusal is safe to print");
    return 0;
  }
  Require(!found->indicators.empty(), "an accepted pattern names an indicator");
  Require(!found->all_of || found->indicators.size() >= 2, "AND joins at least two");
  for (const nexus::v1::Indicator& indicator : found->indicators) {
    Require(nexus::v1::IndicatorType_IsValid(indicator.type()) &&
                indicator.type() != nexus::v1::INDICATOR_TYPE_UNSPECIFIED,
            "indicator types are defined");
    Require(indicator.normalized().empty(), "values are left unnormalized");
  }
  const std::string exported = nexus::StixPatternFromIndicators(found->indicators, found->all_of);
  if (exported.size() > nexus::kMaxStixPatternBytes) return 0;
  absl::StatusOr<nexus::PatternIndicators> back = nexus::IndicatorsFromStixPattern(exported);
  Require(back.ok(), "an export reads back");
  Require(back->all_of == found->all_of, "an export keeps its join");
  Require(back->indicators.size() == found->indicators.size(), "an export keeps every indicator");
  for (size_t i = 0; i < back->indicators.size(); ++i) {
    Require(back->indicators[i].type() == found->indicators[i].type() &&
                back->indicators[i].value() == found->indicators[i].value(),
            "an export keeps types and values");
  }
  return 0;
}
