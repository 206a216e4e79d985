// A real nexusd that verifies only the entries after its seal before serving
// (audit.verify_before_serving_max_entries set low): the sealed entries are verified in the
// background, the outcome is in the log, and an entry altered before the seal stops the node's
// writes, turns its health to NOT_SERVING, and makes the next start refuse the log.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/audit_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::AuditIntegrationTest;
using testing::DataDirEditor;
using testing::SampleDraft;
using testing::StartNexusd;

class SealedStartTest : public AuditIntegrationTest {
 protected:
  void SetUp() override {
    config_ = testing::WriteNodeConfig(
        dir_.path(), "agency-a",
        "audit { oversight_agencies: \"agency-c\" verify_before_serving_max_entries: 1 }\n");
    StartNode();
    auto client = Client();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->Publish({SampleDraft()}).ok());
    client.reset();
    ASSERT_EQ(node_->Stop(), 0);  // the shutdown seals the log: every entry was verified
    node_.reset();
  }
  uint64_t LogVerifyEntries(v1::AuditOutcome outcome) {
    uint64_t count = 0;
    for (const v1::AuditEntry& entry : AllEntries()) {
      if (entry.action() == v1::AUDIT_ACTION_LOG_VERIFY && entry.outcome() == outcome) ++count;
    }
    return count;
  }
};

TEST_F(SealedStartTest, TheSealedEntriesAreVerifiedWhileTheNodeServes) {
  StartNode();
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "verified in the background while the node"))
      << node_->ReadLog();
  ASSERT_TRUE(testing::WaitFor([&] { return LogVerifyEntries(v1::AUDIT_OUTCOME_OK) == 1; }))
      << node_->ReadLog();
  EXPECT_TRUE(Client()->Publish({SampleDraft()}).ok());
  std::string output;
  EXPECT_EQ(Verify("", &output), 0) << output;
}

TEST_F(SealedStartTest, AnEntryAlteredBeforeTheSealStopsTheNodeAndTheNextStartRefusesTheLog) {
  {
    DataDirEditor editor(DataDir());
    v1::AuditEntry entry;
    ASSERT_TRUE(entry.ParseFromString(editor.Get(2)));
    entry.set_detail("rewritten by an administrator");
    editor.Put(2, entry.SerializeAsString());
  }
  StartNode();  // entry 2 is sealed: the node serves before it is checked
  ASSERT_TRUE(testing::WaitFor([&] {
    return absl::StrContains(node_->ReadLog(), "failed its background verification");
  })) << node_->ReadLog();
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "entry 2")) << node_->ReadLog();
  // Nothing more is written: a publish is refused, with the reason.
  auto published = Client()->Publish({SampleDraft()});
  ASSERT_TRUE(!published.ok() || published->size() == 1);
  EXPECT_TRUE(!published.ok() || !(*published)[0].error().empty());
  if (published.ok()) {
    EXPECT_TRUE(absl::StrContains((*published)[0].error(), "background verification"))
        << (*published)[0].error();
  }
  node_->Stop();
  node_.reset();
  std::string output;
  EXPECT_EQ(StartNexusd(config_, &output), 3) << output;
  EXPECT_TRUE(absl::StrContains(output, "entry 2")) << output;
}

}  // namespace
}  // namespace nexus
