// What an analyst is told when publishing, with the real nexusctl against a real node: names that
// are no members or groups are refused; each record says where it goes from the node under its
// policy now, and warns when nobody, or not an agency it names, receives it; the same file pushed
// twice stores nothing twice.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/nexusctl_fixture.h"

namespace nexus {
namespace {

// What every record needs besides its distribution.
const std::string kAssessed =
    " --nexus-type alliance --reliability B --credibility 2 --indicator phone=+33612345678";

TEST_F(NexusctlTest, NamesThatAreNoMembersOrGroupsAreRefused) {
  std::string output;
  EXPECT_EQ(Run("push --tlp red --scope named-agencies --agency nobody" + kAssessed, &output), 1)
      << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "distribution.agencies[0]: 'nobody' is not a member of "
                                "the federation (members: agency-a, agency-b, agency-c)"))
      << output;
  EXPECT_EQ(Run("push --tlp amber --scope group --group region-west-afrika" + kAssessed, &output),
            1)
      << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "'region-west-afrika' is not a group of the federation "
                                "(groups: region-west, region-east)"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "0 of 1 records accepted")) << output;
  // A refused update is audited with the id and version it asked for.
  const std::string id = "3f1c2b9a-0d4e-4c8f-9a6b-1e2d3c4b5a69";
  EXPECT_EQ(
      Run("push --id " + id + " --version 5 --tlp green --scope federation" + kAssessed, &output),
      1)
      << output;
  ASSERT_EQ(Run("--json audit list --action publish --outcome refused", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "\"record_id\":\"" + id + "\",\"version\":\"5\""))
      << output;
}

TEST_F(NexusctlTest, APushSaysWhereTheRecordGoesAndWarnsWhenNobodyGetsIt) {
  // No policy on this node: nothing leaves it, although the analyst named agency-b.
  std::string output;
  ASSERT_EQ(Run("push --tlp red --scope named-agencies --agency agency-b" + kAssessed, &output), 0)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "goes to:     no other agency")) << output;
  EXPECT_TRUE(absl::StrContains(output, "not to:      agency-b (policy:default-deny)")) << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "WARNING: its distribution names agency-b "
                                "(policy:default-deny), but this node's policy does not "
                                "send it there"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "WARNING: no other agency receives it")) << output;
  // get tells the node's own analysts the same.
  std::string id = output.substr(output.find("stored") + 11, 36);
  ASSERT_EQ(Run("get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "not to:      agency-b (policy:default-deny)")) << output;
  ASSERT_EQ(Run("--json get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "\"recipients\":[{\"agency_id\":\"agency-b\"")) << output;
}

TEST_F(NexusctlTest, TheSameFilePushedTwiceStoresNothingTwice) {
  const std::string file = dir_.File("records.jsonl");
  const std::string head =
      R"({"tlp":"green","distribution":{"scope":"federation"},"assessment":{"nexus_type":)"
      R"("alliance","source_reliability":"B","information_credibility":"2"},)";
  std::ofstream(file) << head << R"("indicators":[{"type":"phone","value":"+33 6 12 34 56 78"}]})"
                      << "\n"
                      << head
                      << R"("indicators":[{"type":"iban","value":"FR7630006000011234567890189"}]})"
                      << "\n";
  std::string output;
  ASSERT_EQ(Run("push " + file, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "2 of 2 records accepted")) << output;
  EXPECT_EQ(output.find("unchanged"), std::string::npos) << output;
  ASSERT_EQ(Run("push " + file, &output), 0) << output;
  EXPECT_EQ(output.find("stored     "), std::string::npos) << output;
  EXPECT_TRUE(absl::StrContains(output, "unchanged")) << output;
  EXPECT_TRUE(absl::StrContains(output, "this content is already stored")) << output;
  // Asked for, duplicates are stored.
  ASSERT_EQ(Run("push --store-duplicates " + file, &output), 0) << output;
  EXPECT_EQ(output.find("unchanged"), std::string::npos) << output;
  ASSERT_EQ(Run("pull --since 0", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "4 records; resume")) << output;
}

// A revocation's reason is signed with the revoked version: every reader is shown it.
TEST_F(NexusctlTest, ARevocationsReasonTravelsWithTheRevokedVersion) {
  std::string output;
  ASSERT_EQ(Run("push --tlp green --scope federation" + kAssessed, &output), 0) << output;
  std::string id = output.substr(output.find("stored") + 11, 36);
  ASSERT_EQ(Run("revoke " + id + " --reason 'superseded by CASE-9'", &output), 0) << output;
  ASSERT_EQ(Run("get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "REVOKED")) << output;
  EXPECT_TRUE(absl::StrContains(output, "revoked:     reason: superseded by CASE-9")) << output;
  ASSERT_EQ(Run("--json get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "\"revocation_reason\":\"superseded by CASE-9\""))
      << output;
  // A reason too long for the signed header is refused, not cut.
  ASSERT_EQ(Run("push --tlp green --scope federation" + kAssessed + " --summary other", &output),
            0);
  id = output.substr(output.find("stored") + 11, 36);
  EXPECT_EQ(Run("revoke " + id + " --reason " + std::string(300, 'r'), &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "revocation_reason is longer than 256 bytes")) << output;
}

}  // namespace
}  // namespace nexus

namespace nexus {
namespace {

class NexusctlUpdateTest : public NexusctlTest {
 protected:
  std::string PushSample() {
    std::string output;
    EXPECT_EQ(Run("push --tlp green --scope federation --nexus-type alliance --reliability B "
                  "--credibility 2 --indicator 'phone=+33 6 12 34 56 78' "
                  "--indicator email=broker@example.org --tag drugs --summary 'The broker'",
                  &output),
              0)
        << output;
    return output.substr(output.find("stored") + 11, 36);
  }
};

TEST_F(NexusctlUpdateTest, UpdateChangesWhatIsGivenAndKeepsTheRest) {
  const std::string id = PushSample();
  std::string output;
  ASSERT_EQ(Run("update " + id +
                    " --tlp TLP:AMBER --add-indicator iban=FR7630006000011234567890189 "
                    "--remove-indicator 'phone=0033612345678' --add-tag wallet",
                &output),
            0)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "stored     " + id + " v2")) << output;
  ASSERT_EQ(Run("get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "v2")) << output;
  EXPECT_TRUE(absl::StrContains(output, "TLP:AMBER")) << output;
  EXPECT_TRUE(absl::StrContains(output, "email: broker@example.org")) << output;
  EXPECT_TRUE(absl::StrContains(output, "iban: FR7630006000011234567890189")) << output;
  EXPECT_FALSE(absl::StrContains(output, "phone:")) << output;
  EXPECT_TRUE(absl::StrContains(output, "tags:        drugs, wallet")) << output;
  EXPECT_TRUE(absl::StrContains(output, "summary:     The broker")) << output;
  // Removing what the record does not carry is an error, not a silent no-op.
  EXPECT_EQ(Run("update " + id + " --remove-indicator phone=+221770000000", &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "the record carries no such indicator")) << output;
  EXPECT_EQ(Run("update " + id, &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "update needs a field to change")) << output;
}

TEST_F(NexusctlUpdateTest, GetJsonEditedAndPushedBackIsTheNextVersion) {
  const std::string id = PushSample();
  std::string json;
  ASSERT_EQ(Run("--json get " + id, &json), 0) << json;
  const std::string edited = absl::StrReplaceAll(json, {{"The broker", "The broker, seen again"}});
  ASSERT_NE(edited, json);
  std::ofstream(dir_.File("edited.jsonl")) << edited;
  std::string output;
  ASSERT_EQ(Run("push " + dir_.File("edited.jsonl"), &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "stored     " + id + " v2")) << output;
  ASSERT_EQ(Run("get " + id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "The broker, seen again")) << output;
}

TEST_F(NexusctlUpdateTest, ErrorsAreInTheUsersWords) {
  std::string output;
  const std::string rest =
      " --scope federation --nexus-type alliance --reliability B --credibility 2";
  EXPECT_EQ(Run("push --tlp orange --indicator phone=+33612345678" + rest, &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(
      output, "tlp: 'orange' is not one of clear, green, amber, amber+strict, red"))
      << output;
  EXPECT_FALSE(absl::StrContains(output, "googleapis")) << output;
  EXPECT_FALSE(absl::StrContains(output, "--help")) << output;
  EXPECT_EQ(Run("push --tlp TLP:AMBER --indicator phone=+33612345678" + rest, &output), 0)
      << output;
  EXPECT_EQ(Run("push --tlp green --indicator fone=+33612345678" + rest, &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "unknown indicator type 'fone' (known: phone, email"))
      << output;
  // A date alone is accepted; something else is explained.
  EXPECT_EQ(Run("pull --since 0 --after 2026-11-01", &output), 0) << output;
  EXPECT_EQ(Run("pull --since 0 --after yesterday", &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "is neither a date (2026-11-01")) << output;
  // A JSON error names file, line and column on one line.
  std::ofstream(dir_.File("bad.jsonl")) << "{\"tlp\": \"green\",\n{\"tlp\": green}\n";
  EXPECT_EQ(Run("push " + dir_.File("bad.jsonl"), &output), 2) << output;
  EXPECT_TRUE(absl::StrContains(output, "bad.jsonl:1: not a JSON object: column")) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_FALSE(absl::StrContains(output, "--help")) << output;
}

}  // namespace
}  // namespace nexus

namespace nexus {
namespace {

// Search finds structured values by their parts, each hit verified by nexusctl; a revoked record
// that carries the value is said to.
TEST_F(NexusctlTest, SearchFindsStructuredFormsByTheirPartsAndSaysWhatIsRevoked) {
  std::string output;
  ASSERT_EQ(Run("push --tlp green --scope federation --nexus-type alliance --reliability B "
                "--credibility 2 --indicator 'vehicle=plate AB-123-CD vin 1HGCM82633A004352' "
                "--indicator 'vessel=MV Ocean Star (IMO 9074729)' "
                "--indicator 'organization=Sahel Trading SARL'",
                &output),
            0)
      << output;
  const std::string id = output.substr(output.find("stored") + 11, 36);
  for (const std::string& query :
       {"--type vehicle ab-123-cd", "--type vehicle 1HGCM82633A004352",
        "--type vessel 'IMO 9074729'", "--type vessel 'ocean star'",
        "--type organization 'Sahel Trading'", "--type organization 'sahel trading ltd'"}) {
    EXPECT_EQ(Run("search " + query, &output), 0) << query << "\n" << output;
    EXPECT_TRUE(absl::StrContains(output, "1 records")) << query << "\n" << output;
    EXPECT_TRUE(absl::StrContains(output, id)) << query << "\n" << output;
  }
  ASSERT_EQ(Run("revoke " + id + " --reason test", &output), 0) << output;
  ASSERT_EQ(Run("search --type vessel 'IMO 9074729'", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "0 records")) << output;
  EXPECT_TRUE(absl::StrContains(output, "1 revoked records also carry the value")) << output;
  ASSERT_EQ(Run("search --include-revoked --type vessel 'IMO 9074729'", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "1 records")) << output;
  // The index with its part keys agrees with the store.
  ASSERT_EQ(node_->Stop(), 0);
  const std::string& pki = testing::TestPki();
  EXPECT_EQ(
      testing::RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --keys ", pki, "/keys --witness ",
                                       dir_.File("witness"), " audit verify --offline ",
                                       dir_.path(), "/data --agency agency-a"),
                          &output),
      0)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "record store agrees")) << output;
}

}  // namespace
}  // namespace nexus

namespace nexus {
namespace {

// A RED record named to one agency, with hit notices to the whole federation: another agency's
// search is told that this node holds a match, from whom and whom to ask, and nothing of it.
TEST_F(NexusctlTest, ASearchGetsAHitNoticeWhereTheOriginatorAllowsOne) {
  std::string output;
  ASSERT_EQ(Run("push --tlp red --scope named-agencies --agency agency-b --hit-notices federation "
                "--nexus-type alliance --reliability B --credibility 2 "
                "--indicator 'phone=+223 76 12 34 56' --summary 'Handler in Gao'",
                &output),
            0)
      << output;
  const std::string id = output.substr(output.find("stored") + 11, 36);
  ASSERT_EQ(Run("search '+223 76 12 34 56'", &output, "agency-c"), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "0 records, 1 hit notices")) << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "hit notice: the node of agency-a holds a record of "
                                "agency-a (police) that matches as phone"))
      << output;
  EXPECT_TRUE(absl::StrContains(output, "Ask agency-a liaison desk, quoting HN-")) << output;
  EXPECT_FALSE(absl::StrContains(output, "Gao")) << output;
  EXPECT_FALSE(absl::StrContains(output, id)) << output;
  // The same notice every time: the reference is stable.
  std::string again;
  ASSERT_EQ(Run("--json search '+223 76 12 34 56'", &again, "agency-c"), 0) << again;
  const size_t at = output.find("HN-");
  EXPECT_TRUE(absl::StrContains(again, output.substr(at, 35))) << again;
  // Nothing else about it reaches agency-c.
  ASSERT_EQ(Run("pull --since 0", &output, "agency-c"), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "0 records")) << output;
  EXPECT_EQ(Run("get " + id, &output, "agency-c"), 1) << output;
}

}  // namespace
}  // namespace nexus
