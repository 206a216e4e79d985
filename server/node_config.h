// Loading and checking a node's configuration (NodeConfig in protobuf text format).
#ifndef NEXUS_SERVER_NODE_CONFIG_H_
#define NEXUS_SERVER_NODE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "nexus/v1/node_config.pb.h"

namespace nexus {

// A parsed and validated configuration. Relative paths in it have been made absolute against the
// configuration file's directory, and defaults filled in for unset limits.
absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path);

// Parses text-format configuration; errors read "<source>:<line>:<column>: <problem>".
absl::StatusOr<v1::NodeConfig> ParseNodeConfig(const std::string& text, const std::string& source);

// Checks a parsed configuration; errors name the file and the field.
absl::Status ValidateNodeConfig(const v1::NodeConfig& config, const std::string& source);

}  // namespace nexus

#endif  // NEXUS_SERVER_NODE_CONFIG_H_
