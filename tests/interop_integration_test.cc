// nexusctl import stix|misp and export stix against a real node: exit codes, idempotence, the
// round trip through STIX, network ranges found by address, and bad files that write nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/interop_data.h"
#include "tests/nexusctl_fixture.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using InteropTest = NexusctlTest;

constexpr char kImportFlags[] = " --tlp green --nexus-type alliance ";

std::string RangeBundle() {
  return R"({"type":"bundle","id":"bundle--2a4c8bd2-2c4d-4b9b-8d3e-0f5f5a1b2c3d","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--0e8f1a8a-7d2a-4b1c-9c3e-1f2a3b4c5d6e",
 "created":"2025-01-02T03:04:05.000Z","modified":"2025-01-02T03:04:05.000Z","valid_from":"2025-01-02T03:04:05Z",
 "name":"Transit network of the Sahel route","pattern_type":"stix",
 "pattern":"[ipv4-addr:value = '223.166.0.0/15'] OR [ipv6-addr:value ISSUBSET '2001:db8::/32']",
 "object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
 "x_nexus_nexus_type":"hybrid","x_nexus_source_reliability":"B","x_nexus_watch_points":["corruption"]}]})";
}

TEST_F(InteropTest, OasisBundleImportsOnceAndReimportStoresNothingNew) {
  const std::string data = testing::InteropDataDir();
  if (data.empty()) GTEST_SKIP() << testing::kNoInteropData;
  const std::string bundle = data + "/stix/indicators-for-C2-with-COA.json";
  std::string out;
  // The course of action cannot be represented: named, the rest imported, exit 1.
  EXPECT_EQ(Run(absl::StrCat("import stix ", bundle, kImportFlags), &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "course-of-action--8e2e2d2b")) << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 2, unchanged 0, rejected 0")) << out;
  // Accepted partial, and idempotent: the same file again stores nothing.
  EXPECT_EQ(Run(absl::StrCat("import stix ", bundle, kImportFlags, "--allow-partial"), &out), 0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 0, unchanged 2, rejected 0")) << out;
  ASSERT_EQ(Run("search 10.0.0.0", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 records")) << out;
  EXPECT_TRUE(absl::StrContains(out, "malware:Poison Ivy")) << out;
}

TEST_F(InteropTest, ANetworkRangeIsFoundByAnAddressInside) {
  const std::string file = dir_.File("ranges.json");
  std::ofstream(file) << RangeBundle();
  std::string out;
  ASSERT_EQ(Run("import stix " + file, &out), 0) << out;
  ASSERT_EQ(Run("search 223.167.10.20", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "match: ipv4 223.166.0.0/15")) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 records")) << out;
  ASSERT_EQ(Run("search 2001:db8:1::5", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "match: ipv6 2001:db8::/32")) << out;
  ASSERT_EQ(Run("search 223.167.0.0/16", &out), 0) << out;  // a narrower range: verified too
  EXPECT_TRUE(absl::StrContains(out, "match: ipv4 223.166.0.0/15")) << out;
  ASSERT_EQ(Run("search 223.168.0.1", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 records")) << out;
}

TEST_F(InteropTest, ExportIsValidStixAndImportingItBackChangesNothing) {
  std::string out;
  ASSERT_EQ(Run("push --tlp amber+strict --scope named-agencies --agency agency-b "
                "--nexus-type black-hole --reliability B --credibility 2 --watch-point corruption "
                "--handling 'no further dissemination' --case FR-2026-7 --tag zeta --tag mule "
                "--tag alpha "
                "--related ffffffff-0000-4000-8000-000000000000 "
                "--related 00000000-0000-4000-8000-000000000000 "
                "--summary 'Mule accounts' --indicator 'iban=DE89 3704 0044 0532 0130 00' "
                "--indicator 'person=Jean Broker' --indicator 'phone=+33 6 12 34 56 78'",
                &out),
            0)
      << out;
  const std::string ranges = dir_.File("ranges.json");
  std::ofstream(ranges) << RangeBundle();
  ASSERT_EQ(Run("import stix " + ranges, &out), 0) << out;

  const std::string exported = dir_.File("export.json");
  ASSERT_EQ(Run("export stix > " + exported, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "exported 2 record versions")) << out;
  const std::string schemas = testing::StixSchemaDir();
  if (!schemas.empty()) {
    EXPECT_EQ(
        testing::RunCommand(absl::StrCat("/usr/bin/python3 ", NEXUS_SOURCE_DIR,
                                         "/tests/stix_schema_check.py ", schemas, " ", exported),
                            &out),
        0)
        << out;
  }
  // Without --own-export no record id is taken from a file: a crafted bundle cannot overwrite.
  EXPECT_EQ(Run("import stix " + exported, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "give --own-export")) << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 0, unchanged 0, rejected 0")) << out;
  // The origin restoring its own export: every record is the one it holds, content and all.
  ASSERT_EQ(Run("import stix --own-export " + exported, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 0, unchanged 2, rejected 0")) << out;
  // Another agency may not republish it as its own.
  EXPECT_EQ(Run("import stix " + exported + kImportFlags, &out, "agency-b"), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "only its origin may publish it")) << out;
}

TEST_F(InteropTest, ABadFileWritesNothingAndExitsTwo) {
  // Valid objects first, then a duplicate id: the whole file is refused before any is written.
  std::string bundle = RangeBundle();
  std::string object = bundle.substr(bundle.find("{\"type\":\"indicator\""));
  object = object.substr(0, object.size() - 2);  // without "]}"
  const std::string file = dir_.File("dup.json");
  std::ofstream(file) << bundle.substr(0, bundle.size() - 2) << "," << object << "]}";
  std::string out;
  EXPECT_EQ(Run("import stix " + file, &out), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "duplicate id")) << out;
  EXPECT_TRUE(absl::StrContains(out, "nothing was imported")) << out;
  ASSERT_EQ(Run("pull --since 0", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 records")) << out;

  std::ofstream(dir_.File("junk.json")) << "\x89PNG\r\n";
  EXPECT_EQ(Run("import misp " + dir_.File("junk.json"), &out), 2) << out;
  EXPECT_EQ(Run("import stix /dev/stdin < " + file, &out), 2) << out;
  EXPECT_EQ(Run("import stix " + file + " --max-bytes 100", &out), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "the limit is 100")) << out;
  EXPECT_EQ(Run("import stix " + RangeBundle().substr(0, 0) + dir_.File("missing.json"), &out), 2)
      << out;
}

TEST_F(InteropTest, DryRunAndMispImport) {
  const std::string data = testing::InteropDataDir();
  if (data.empty()) GTEST_SKIP() << testing::kNoInteropData;
  const std::string event = data + "/misp/pymisp-57c4445b-ransomware.json";
  std::string out;
  EXPECT_EQ(Run("import misp " + event + " --nexus-type alliance --dry-run --allow-partial", &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "dry run")) << out;
  ASSERT_EQ(Run("pull --since 0", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "0 records")) << out;

  EXPECT_EQ(Run("import misp " + event + " --nexus-type alliance", &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "'regkey|value' has no nexus indicator type")) << out;
  ASSERT_EQ(Run("search b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68", &out), 0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "1 records")) << out;
  EXPECT_TRUE(absl::StrContains(out, "TLP:CLEAR")) << out;
}

std::string FeedFile(const std::string& name) {
  return absl::StrCat(NEXUS_SOURCE_DIR, "/tests/data/feeds/", name);
}

TEST_F(InteropTest, ReimportingWithAStricterTlpStoresANewVersionAtOnce) {
  const std::string feed = FeedFile("stix-c2-sockets.json");
  std::string out;
  ASSERT_EQ(Run(absl::StrCat("import stix ", feed, kImportFlags), &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 3, unchanged 0, rejected 0")) << out;
  // The source's times have not moved; what we make of it has: tightening is always possible.
  ASSERT_EQ(Run(absl::StrCat("import stix ", feed, " --tlp amber --nexus-type alliance"), &out), 0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 3, unchanged 0, rejected 0")) << out;
  ASSERT_EQ(Run(absl::StrCat("import stix ", feed, " --tlp amber --nexus-type alliance"), &out), 0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "stored 0, unchanged 3, rejected 0")) << out;
  // Found by the address alone, shown with its port, at AMBER in version 2.
  ASSERT_EQ(Run("search 198.51.100.24", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "1 records")) << out;
  EXPECT_TRUE(absl::StrContains(out, "port 8080/tcp")) << out;
  EXPECT_TRUE(absl::StrContains(out, "TLP:AMBER")) << out;
  EXPECT_TRUE(absl::StrContains(out, "  v2  ")) << out;
}

TEST_F(InteropTest, RedIsImportedOnlyForTheRecipientsNamed) {
  const std::string event = FeedFile("misp-references-and-context.json");
  std::string out;
  EXPECT_EQ(Run(absl::StrCat("import misp ", event, " --nexus-type alliance"), &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "give --red-to AGENCY")) << out;
  EXPECT_EQ(
      Run(absl::StrCat("import misp ", event, " --nexus-type alliance --red-to 'Agency B'"), &out),
      2)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "--red-to: 'Agency B' is not an agency id")) << out;
  ASSERT_EQ(Run(absl::StrCat("import misp ", event,
                             " --nexus-type alliance --allow-partial --red-to agency-b"),
                &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "rejected 0")) << out;
  EXPECT_TRUE(absl::StrContains(out, "noted ")) << out;  // the parts not carried, each named
  ASSERT_EQ(Run("search 198.51.100.201", &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "TLP:RED")) << out;
  EXPECT_TRUE(absl::StrContains(out, "agency-b")) << out;
}

}  // namespace
}  // namespace nexus
