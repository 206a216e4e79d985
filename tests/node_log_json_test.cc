// A real nexusd with --log-format json: every line of its log is one JSON object, from start to
// stop, and a refused call's line carries the call's fields (request id, peer, agency, role,
// action, outcome, reason), never the record's content.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/nexus_client.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace nexus {
namespace {

TEST(NodeLogJsonTest, EveryLineIsJsonAndARefusalCarriesTheCallsFields) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"),
                              {"--log-format", "json"});
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  v1::Record draft = testing::SampleDraft();
  draft.set_summary("a summary that must never reach the node log");
  {
    auto other = *NexusClient::Create(testing::ClientFor(node.address(), "agency-b"));
    absl::StatusOr<std::vector<v1::PublishResult>> refused = other->Publish({draft});
    ASSERT_TRUE(!refused.ok() || (*refused)[0].outcome() == v1::PUBLISH_OUTCOME_REJECTED);
  }
  EXPECT_EQ(node.Stop(), 0);

  const std::string log = node.ReadLog();
  EXPECT_FALSE(absl::StrContains(log, draft.summary())) << log;
  int lines = 0;
  bool refusal_seen = false;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    ++lines;
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    nlohmann::json parsed = nlohmann::json::parse(line);
    ASSERT_TRUE(parsed.contains("time") && parsed.contains("level") && parsed.contains("msg"))
        << line;
    if (parsed.value("outcome", "") == "refused") {
      refusal_seen = true;
      EXPECT_EQ(parsed.value("level", ""), "warn") << line;
      EXPECT_FALSE(parsed.value("request_id", "").empty()) << line;
      EXPECT_TRUE(absl::StartsWith(parsed.value("peer", ""), "ipv")) << line;
      EXPECT_EQ(parsed.value("agency", ""), "agency-b") << line;
      EXPECT_EQ(parsed.value("role", ""), "analyst") << line;
      EXPECT_EQ(parsed.value("action", ""), "publish") << line;
      EXPECT_EQ(parsed.value("reason", ""), "permission_denied") << line;
    }
  }
  EXPECT_GE(lines, 3) << log;  // at least: serving, the refusal, the stop
  EXPECT_TRUE(refusal_seen) << log;
}

TEST(NodeLogJsonTest, AnUnknownLogFormatIsAUsageError) {
  std::string out;
  EXPECT_EQ(
      testing::RunCommand(absl::StrCat(NEXUS_NEXUSD_PATH, " --log-format xml --config x"), &out), 2)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "--log-format is text or json, not 'xml'")) << out;
}

}  // namespace
}  // namespace nexus
