// nexusctl as a script would use it: real binary, real node, exit codes and output.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/nexusctl_fixture.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr char kRecordFlags[] =
    "--tlp amber --scope federation --nexus-type black-hole --reliability B --credibility 2 "
    "--watch-point corruption --tag demo --summary 'Flag record' ";

TEST_F(NexusctlTest, PushGetSearchPullRevoke) {
  std::string out;
  ASSERT_EQ(
      Run(absl::StrCat("push ", kRecordFlags, "--indicator 'iban=DE89 3704 0044 0532 0130 00'"),
          &out),
      0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "1 of 1 records accepted")) << out;
  std::string id = out.substr(out.find("stored") + 11, 36);

  ASSERT_EQ(Run("get " + id, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "signature:   verified (agency-a key 1)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "black hole (organizational)")) << out;

  ASSERT_EQ(Run("search de89370400440532013000", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "match: iban DE89370400440532013000")) << out;

  ASSERT_EQ(Run("--json pull --since 0", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"verified\":true")) << out;

  ASSERT_EQ(Run("revoke " + id, &out), 0) << out;
  ASSERT_EQ(Run("get " + id, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "REVOKED")) << out;
}

TEST_F(NexusctlTest, PushFileReportsEachRejectedLineAndExitsOne) {
  std::string file = dir_.File("records.jsonl");
  std::ofstream(file)
      << R"({"tlp":"green","distribution":{"scope":"federation"},"assessment":{"nexus_type":"hybrid","source_reliability":"A","information_credibility":"1"},"indicators":[{"type":"domain","value":"Example.ORG"}]})"
      << "\n\n"
      << R"({"distribution":{"scope":"federation"},"assessment":{"nexus_type":"hybrid","source_reliability":"A","information_credibility":"1"},"indicators":[{"type":"ipv4","value":"300.1.1.1"}]})"
      << "\n";
  std::string out;
  EXPECT_EQ(Run("push " + file, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 of 2 records accepted")) << out;
  EXPECT_TRUE(absl::StrContains(out,
                                "record 2: tlp is required; indicator[0]: invalid IPv4 "
                                "address '300.1.1.1'"))
      << out;
}

TEST_F(NexusctlTest, MalformedJsonNamesFileAndLine) {
  std::string file = dir_.File("bad.jsonl");
  std::ofstream(file) << "{\"tlp\":\"green\"}\n{\"tlp\": \"purple\"}\n";
  std::string out;
  EXPECT_EQ(Run("push " + file, &out), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, file + ":2:")) << out;
}

TEST_F(NexusctlTest, UsageErrorsAndRefusalsHaveDistinctExitCodes) {
  std::string out;
  EXPECT_EQ(Run("frobnicate", &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "unknown command 'frobnicate'")) << out;
  EXPECT_EQ(Run("get 00000000-0000-4000-8000-000000000000", &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "not found")) << out;
  EXPECT_EQ(Run("push --indicator ipv4=1.2.3.4", &out, "agency-b"), 1);
  EXPECT_TRUE(absl::StrContains(out, "cannot publish on the node")) << out;
  EXPECT_EQ(testing::RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --help"), &out), 0);
  EXPECT_TRUE(absl::StrContains(out, "exit codes")) << out;
  node_->Stop();
  EXPECT_EQ(Run("--timeout 2 get 00000000-0000-4000-8000-000000000000", &out), 3) << out;
}

// What other agencies wrote reaches an auditor's or analyst's terminal escaped: a line break
// cannot forge an output line, and no escape sequence or C1 control reaches the terminal.
TEST_F(NexusctlTest, HumanOutputEscapesWhatOthersWrote) {
  std::string file = dir_.File("forged.jsonl");
  std::ofstream(file)
      << R"json({"tlp":"green","distribution":{"scope":"federation"},"assessment":{"nexus_type":"hybrid","source_reliability":"A","information_credibility":"1"},"indicators":[{"type":"person","value":"Jean\u007fDupont"}],"tags":{"values":["x\u009b31mRED"]},"summary":"fine\nsignature:   verified (agency-b key 1)"})json"
      << "\n";
  std::string out;
  ASSERT_EQ(Run("push " + file, &out), 0) << out;
  std::string id = out.substr(out.find("stored") + 11, 36);

  auto no_raw_controls = [](const std::string& text) {
    return !absl::StrContains(text, "\x1b") && !absl::StrContains(text, "\x7f") &&
           !absl::StrContains(text, "\xc2\x9b");
  };
  ASSERT_EQ(Run("get " + id, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "fine\\nsignature:   verified (agency-b key 1)")) << out;
  EXPECT_FALSE(absl::StrContains(out, "\nsignature:   verified (agency-b")) << out;
  EXPECT_TRUE(absl::StrContains(out, "x\\u009b31mRED")) << out;
  EXPECT_TRUE(absl::StrContains(out, "Jean\\x7fDupont")) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;

  ASSERT_EQ(Run("--json get " + id, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "\\u009b31mRED")) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;

  // A search value is kept in the audit log as the caller wrote it; refused here (a control
  // character: bad input, exit 2), it is still an entry other people list.
  EXPECT_EQ(Run("search \"$(printf 'x\\nFORGED\\033[31m')\"", &out), 2) << out;
  ASSERT_EQ(Run("audit list --action search", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "x\\nFORGED\\x1b[31m")) << out;
  EXPECT_FALSE(absl::StrContains(out, "\nFORGED")) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;
  ASSERT_EQ(Run("audit tail", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "x\\nFORGED\\x1b[31m")) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;
  ASSERT_EQ(Run("--json audit list --action search", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "x\\nFORGED\\u001b[31m")) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;

  // The node's error messages are escaped too, and bounded.
  EXPECT_EQ(Run("get \"$(printf '\\033[2J')$(head -c 9000 /dev/zero | tr '\\0' i)\"", &out), 2)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "'\\x1b[2Jiii")) << out;
  EXPECT_TRUE(absl::StrContains(out, "more bytes)")) << out;
  EXPECT_LT(out.size(), 2048u) << out;
  EXPECT_TRUE(no_raw_controls(out)) << out;
}

// A regression case whose record holds a grade no enum defines tests nothing the node would
// accept: refused with the case and field named, not decided as if -1 were a grade.
TEST_F(NexusctlTest, PolicyTestRefusesCasesWithUndefinedValues) {
  std::string policy = dir_.File("policy.textproto");
  std::ofstream(policy) << R"(name: "p"
rules { id: "all" effect: EFFECT_PERMIT recipient { agencies: "b" } })";
  std::string cases = dir_.File("cases.textproto");
  const std::string federation = R"(holder: "a"
federation { id: "a" country: "FR" }
federation { id: "b" country: "FR" }
)";
  std::string record =
      "origin_agency: \"a\" tlp: TLP_GREEN distribution { scope: DISTRIBUTION_SCOPE_FEDERATION }";
  std::ofstream(cases) << federation << "cases { name: \"ok\" record { " << record
                       << " } recipient: \"b\" expect: EFFECT_PERMIT }\n";
  std::string out;
  ASSERT_EQ(Run(absl::StrCat("policy test ", policy, " ", cases), &out), 0) << out;
  std::ofstream(cases) << federation << "cases { name: \"ok\" record { " << record
                       << " assessment { source_reliability: -1 } } recipient: \"b\" expect: "
                          "EFFECT_PERMIT }\n";
  EXPECT_EQ(Run(absl::StrCat("policy test ", policy, " ", cases), &out), 2) << out;
  EXPECT_TRUE(absl::StrContains(
      out, "cases[0].record.assessment.source_reliability: -1 is not a defined value (A-F = 1-6)"))
      << out;
}

}  // namespace
}  // namespace nexus
