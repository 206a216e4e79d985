#include "server/node_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr char kValid[] = R"(agency_id: "agency-a"
listen_address: "127.0.0.1:0"
data_dir: "data"
tls { certificate_file: "node.crt" private_key_file: "node.key" ca_file: "ca.crt" }
signing_key_file: "signing.key"
signing_key_id: "1"
agencies { id: "agency-a" keys { key_id: "1" public_key_file: "keys/a.pub" } }
)";

TEST(NodeConfig, ParseErrorNamesFileLineAndColumn) {
  std::string text = std::string(kValid) + "agencies { id: \"x\" colour: \"red\" }\n";
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(text, "node.textproto");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StartsWith(config.status().message(), "node.textproto:8:")) << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(), "colour")) << config.status();
}

TEST(NodeConfig, BadValueType) {
  absl::StatusOr<v1::NodeConfig> config =
      ParseNodeConfig("agency_id: \"a\"\nlimits { max_message_bytes: -5 }\n", "n.textproto");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StartsWith(config.status().message(), "n.textproto:2:")) << config.status();
}

TEST(NodeConfig, ValidationNamesTheField) {
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(kValid, "n.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateNodeConfig(*config, "n.textproto").ok());

  v1::NodeConfig broken = *config;
  broken.clear_data_dir();
  broken.set_signing_key_id("2");
  broken.add_agencies()->set_id("agency-a");
  absl::Status status = ValidateNodeConfig(broken, "n.textproto");
  ASSERT_FALSE(status.ok());
  std::string message(status.message());
  EXPECT_TRUE(absl::StrContains(message, "n.textproto: data_dir is required")) << message;
  EXPECT_TRUE(absl::StrContains(message, "signing_key_id '2' is not among agencies[0].keys"))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "agencies[1].id 'agency-a' is listed twice")) << message;
  EXPECT_TRUE(absl::StrContains(message, "agencies[1] (agency-a) has no keys")) << message;
}

// An action number the node does not know (text format accepts numbers for enums) is named,
// not silently required of nothing.
TEST(NodeConfig, ARequiredPurposeForAnUnknownActionIsRefused) {
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(
      std::string(kValid) +
          "audit { require_purpose_for: AUDIT_ACTION_GET require_purpose_for: 999 }\n",
      "n.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::Status status = ValidateNodeConfig(*config, "n.textproto");
  EXPECT_TRUE(
      absl::StrContains(status.message(), "audit.require_purpose_for[1] 999 is not an action"))
      << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "require_purpose_for[0]")) << status;
}

TEST(NodeConfig, TaxiiCollectionsAreCheckedOneByOne) {
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(
      std::string(kValid) +
          "taxii { listen_address: \"127.0.0.1:9443\" "
          "collections { id: \"0b7f2c1e-4f6a-4e1b-9a53-7d2c8e9f1a01\" title: \"All\" } "
          "collections { id: \"0b7f2c1e-4f6a-4e1b-9a53-7d2c8e9f1a01\" title: \"Again\" } "
          "collections { id: \"not-a-uuid\" title: \"\" origin_agencies: \"agency-x\" "
          "writable: true nexus_types: 999 } }\n",
      "n.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::Status status = ValidateNodeConfig(*config, "n.textproto");
  EXPECT_TRUE(absl::StrContains(status.message(),
                                "taxii.collections[1] "
                                "'0b7f2c1e-4f6a-4e1b-9a53-7d2c8e9f1a01' is "
                                "listed twice"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "taxii.collections[2] 'not-a-uuid': id must"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "needs a title")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "origin_agencies 'agency-x' is not in agencies"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "nexus_types 999 is not a nexus type")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "leave out this node's agency")) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "taxii.collections[0]")) << status;
  // Collections without an address: the endpoint would silently be off.
  config->mutable_taxii()->clear_listen_address();
  config->mutable_taxii()->mutable_collections()->DeleteSubrange(1, 2);
  EXPECT_TRUE(absl::StrContains(ValidateNodeConfig(*config, "n.textproto").message(),
                                "taxii.listen_address is not"));
}

TEST(NodeConfig, AnOversightBodyOverseesListedAgenciesOnly) {
  const std::string dpa =
      "agencies { id: \"dpa\" keys { key_id: \"1\" public_key_file: \"keys/d.pub\" } "
      "oversees: \"agency-a\" oversees: \"agency-\x1b[2Jz\" oversees: \"dpa\" }\n";
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(std::string(kValid) + dpa, "n.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::Status status = ValidateNodeConfig(*config, "n.textproto");
  EXPECT_TRUE(absl::StrContains(status.message(), "agencies[1].oversees[1]")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "is not in agencies")) << status;
  EXPECT_TRUE(
      absl::StrContains(status.message(), "agencies[1].oversees[2] 'dpa' is the agency itself"))
      << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "oversees[0]")) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "\x1b")) << status;
}

TEST(NodeConfig, OwnAgencyMustBeListed) {
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(kValid, "n.textproto");
  ASSERT_TRUE(config.ok());
  config->set_agency_id("agency-z");
  absl::Status status = ValidateNodeConfig(*config, "n.textproto");
  EXPECT_TRUE(absl::StrContains(status.message(), "agency_id 'agency-z' must also be listed"))
      << status;
}

TEST(NodeConfig, LoadResolvesRelativePathsAndFillsDefaults) {
  testing::TempDir dir;
  std::ofstream(dir.File("node.textproto")) << kValid;
  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig(dir.File("node.textproto"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_dir(), dir.File("data"));
  EXPECT_EQ(config->agencies(0).keys(0).public_key_file(), dir.File("keys/a.pub"));
  EXPECT_EQ(config->limits().max_message_bytes(), 4u * 1024 * 1024);
  EXPECT_EQ(config->limits().max_records_per_publish(), 1000u);
}

TEST(NodeConfig, MissingFileIsNamed) {
  absl::StatusOr<v1::NodeConfig> config = LoadNodeConfig("/nonexistent/node.textproto");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "cannot read /nonexistent/node.textproto");
}

}  // namespace
}  // namespace nexus
