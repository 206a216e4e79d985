// Node configuration text (ParseNodeConfig + ValidateNodeConfig), as nexusd reads it at start.
// Invariants: a refusal names the source; a valid configuration printed and parsed again is the
// same and still valid; the federation built from it knows every configured agency.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "policy/federation.h"
#include "server/node_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nexus::fuzz::Require;
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<nexus::v1::NodeConfig> config = nexus::ParseNodeConfig(text, "fuzz.textproto");
  if (!config.ok()) {
    Require(absl::StrContains(config.status().message(), "fuzz.textproto"),
            "a parse error names its source");
    return 0;
  }
  absl::Status valid = nexus::ValidateNodeConfig(*config, "fuzz.textproto");
  if (!valid.ok()) {
    Require(absl::StrContains(valid.message(), "fuzz.textproto"), "a refusal names its source");
    return 0;
  }
  std::string printed;
  Require(google::protobuf::TextFormat::PrintToString(*config, &printed), "prints");
  absl::StatusOr<nexus::v1::NodeConfig> reparsed = nexus::ParseNodeConfig(printed, "printed");
  Require(reparsed.ok() && reparsed->SerializeAsString() == config->SerializeAsString(),
          "a valid configuration survives printing");
  Require(nexus::ValidateNodeConfig(*reparsed, "printed").ok(), "and stays valid");
  nexus::policy::Federation federation(config->agencies());
  for (const nexus::v1::Agency& agency : config->agencies()) {
    Require(federation.Known(agency.id()), "the federation knows every configured agency");
  }
  return 0;
}
