// Long commands show how far they are on a terminal, and only there: `nexusctl audit verify`
// under a pseudo-terminal (util-linux `script`) draws "verifying: N entries read" on standard
// error and clears it before the verdict; through a pipe (a script, a log) nothing but the
// verdict is printed.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/nexus_client.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

TEST(TerminalProgressTest, AuditVerifyDrawsProgressOnATerminalOnly) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  auto analyst = *NexusClient::Create(testing::ClientFor(node.address(), "agency-a"));
  ASSERT_TRUE(analyst->Publish({testing::SampleDraft(), testing::SampleDraft()}).ok());
  const std::string& pki = testing::TestPki();
  const std::string verify = absl::StrCat(
      NEXUS_NEXUSCTL_PATH, " --target ", node.address(), " --ca ", pki, "/ca.crt --cert ", pki,
      "/agency-a/auditor.crt --key ", pki, "/agency-a/auditor.key --keys ", pki, "/keys --witness ",
      dir.File("witness"), " audit verify");
  std::string piped;
  ASSERT_EQ(testing::RunCommand(verify, &piped), 0) << piped;
  EXPECT_FALSE(absl::StrContains(piped, "verifying:")) << piped;
  EXPECT_FALSE(absl::StrContains(piped, "\033[K")) << piped;

  std::string on_terminal;
  ASSERT_EQ(testing::RunCommand(absl::StrCat("script -qec '", verify, "' /dev/null"), &on_terminal),
            0)
      << on_terminal;
  EXPECT_TRUE(absl::StrContains(on_terminal, "\r\033[Kverifying: 1 entries read")) << on_terminal;
  // Cleared before the verdict, which reads as it does through a pipe.
  const size_t cleared = on_terminal.rfind("\r\033[K");
  ASSERT_NE(cleared, std::string::npos);
  EXPECT_TRUE(absl::StartsWith(on_terminal.substr(cleared), "\r\033[KOK: ")) << on_terminal;
  EXPECT_TRUE(absl::StartsWith(piped, "OK: ")) << piped;
}

TEST(TerminalProgressTest, PushCountsAnsweredRecordsOnATerminalOnly) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  const std::string& pki = testing::TestPki();
  const std::string push = absl::StrCat(
      NEXUS_NEXUSCTL_PATH, " --target ", node.address(), " --ca ", pki, "/ca.crt --cert ", pki,
      "/agency-a/analyst.crt --key ", pki, "/agency-a/analyst.key --keys ", pki,
      "/keys push --batch 2 ", NEXUS_SOURCE_DIR, "/deploy/samples/records.jsonl");
  // The samples are written for the quickstart's federation: two of the five name groups and
  // members this one lacks and are refused (exit 1), the others stored.
  std::string on_terminal;
  ASSERT_EQ(testing::RunCommand(absl::StrCat("script -qec '", push, "' /dev/null"), &on_terminal),
            1)
      << on_terminal;
  EXPECT_TRUE(absl::StrContains(on_terminal, "\r\033[Kpushing: 2 of 5 records answered"))
      << on_terminal;
  EXPECT_TRUE(absl::StrContains(on_terminal, "\r\033[Krejected ")) << on_terminal;
  std::string piped;
  ASSERT_EQ(testing::RunCommand(push, &piped), 1) << piped;  // the same records again
  EXPECT_FALSE(absl::StrContains(piped, "pushing:")) << piped;
  EXPECT_FALSE(absl::StrContains(piped, "\033[K")) << piped;
}

}  // namespace
}  // namespace nexus
