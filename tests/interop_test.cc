// STIX 2.1 and MISP import and STIX export, without a node: real bundles and events that nobody
// here wrote (../shared/interop-data), hostile files, and the round trip record → STIX → record
// with the exported bundle checked against the OASIS STIX 2.1 schemas.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/indicator_normalizer.h"
#include "common/interop/bundle_import.h"
#include "common/interop/stix_common.h"
#include "common/interop/stix_export.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "tests/interop_data.h"
#include "tests/interop_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr char kId1[] = "indicator--0e8f1a8a-7d2a-4b1c-9c3e-1f2a3b4c5d6e";
constexpr char kId2[] = "indicator--1e8f1a8a-7d2a-4b1c-9c3e-1f2a3b4c5d6e";

TEST(NameBasedUuidTest, MatchesTheRfcVersion5Construction) {
  // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") in Python's standard library.
  EXPECT_EQ(NameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_NE(ImportedRecordId("agency-a", kId1), ImportedRecordId("agency-b", kId1));
  EXPECT_EQ(ImportedRecordId("agency-a", kId1), ImportedRecordId("agency-a", kId1));
}

TEST(StixTimestampTest, ParsesUtcTimestampsAndRefusesOthers) {
  EXPECT_EQ(*ParseStixTimestamp("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(*ParseStixTimestamp("2016-04-06T20:03:48.000Z"), 1459973028000000);
  EXPECT_EQ(FormatStixTimestamp(1459973028000000), "2016-04-06T20:03:48.000Z");
  EXPECT_EQ(FormatStixTimestamp(1459973028000001), "2016-04-06T20:03:48.000001Z");
  for (const char* bad :
       {"2016-04-06", "2016-04-06T20:03:48+02:00", "yesterday", "1969-12-31T23:59:59Z", ""}) {
    EXPECT_FALSE(ParseStixTimestamp(bad).ok()) << bad;
  }
}

TEST(StixImportTest, OasisExampleIndicatorForC2Address) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported got = Import(true, dir + "/stix/indicator-for-c2-ip-address.json");
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_TRUE(got.emit.ok()) << got.emit;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  const v1::Record& r = got.records[0].record;
  EXPECT_EQ(r.id(),
            ImportedRecordId("agency-a", "indicator--33fe3b22-0201-47cf-85d0-97c02164528d"));
  ASSERT_EQ(r.indicators_size(), 1);
  EXPECT_EQ(r.indicators(0).type(), v1::INDICATOR_TYPE_IPV4);
  EXPECT_EQ(r.indicators(0).value(), "10.0.0.0");
  EXPECT_EQ(r.summary(), "IP Address for known C2 channel\n\nTest description C2 channel.");
  EXPECT_TRUE(HasTag(r, "indicator-type:malicious-activity"));
  EXPECT_EQ(r.created_unix_micros(), *ParseStixTimestamp("2014-05-08T09:00:00.000Z"));
  EXPECT_EQ(r.tlp(), v1::TLP_GREEN);  // --tlp: the file has no marking
  EXPECT_EQ(r.assessment().information_credibility(), v1::INFORMATION_CREDIBILITY_6);
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
}

TEST(StixImportTest, OasisExampleCampaignBecomesATag) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported got = Import(true, dir + "/stix/indicator-to-campaign-relationship.json");
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  EXPECT_TRUE(HasTag(got.records[0].record, "campaign:Operation Omega"));
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();  // the campaign and relationship are used
}

TEST(StixImportTest, OasisExampleC2WithCourseOfAction) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported got = Import(true, dir + "/stix/indicators-for-C2-with-COA.json");
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 2u) << got.Reasons();
  const v1::Record* ip = got.Find(v1::INDICATOR_TYPE_IPV4, "10.0.0.0");
  const v1::Record* hash =
      got.Find(v1::INDICATOR_TYPE_FILE_HASH,
               "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c");
  ASSERT_NE(ip, nullptr);
  ASSERT_NE(hash, nullptr);
  for (const v1::Record* r : {ip, hash}) {
    EXPECT_TRUE(HasTag(*r, "malware:Poison Ivy"));
    EXPECT_TRUE(HasTag(*r, "source:The MITRE Corporation - DHS Support Team"));
  }
  // The course of action and its "mitigates" relationship have no nexus form: named, not dropped.
  EXPECT_EQ(got.report.skipped(), 2u) << got.Reasons();
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "course-of-action--8e2e2d2b"));
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "relationship--44298a74"));
}

TEST(StixImportTest, OasisExamplesWithNothingRepresentableAreReportedObjectByObject) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported infra = Import(true, dir + "/stix/infrastructure.json");
  ASSERT_TRUE(infra.scan.ok()) << infra.scan;  // an upper-case hex id is still an id
  EXPECT_TRUE(infra.records.empty());
  EXPECT_EQ(infra.report.skipped(), 10u) << infra.Reasons();
  EXPECT_EQ(infra.report.objects_read(), 10u);

  Imported email = Import(true, dir + "/stix/malicious-email-indicator-with-attachment.json");
  ASSERT_TRUE(email.scan.ok()) << email.scan;
  EXPECT_TRUE(email.records.empty());
  EXPECT_TRUE(absl::StrContains(email.Reasons(), "indicator--8cf9236f")) << email.Reasons();
  EXPECT_TRUE(absl::StrContains(email.Reasons(), "'email-message:subject' has no nexus indicator"))
      << email.Reasons();
}

TEST(StixImportTest, MarkingsGiveTheStricterTlpAndStatementsBecomeTermsOfUse) {
  const std::string statement =
      R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--7a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)"
      R"("created":"2024-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"no further dissemination"}})";
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;
  Imported got = ImportText(
      true,
      Bundle(
          {statement,
           Indicator(
               kId1, "[domain-name:value = 'example.org']",
               R"(,"object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",)"
               R"("marking-definition--7a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"],)"
               R"("granular_markings":[{"marking_ref":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","selectors":["pattern"]}],)"
               R"("x_nexus_distribution":{"scope":"named-agencies","agencies":["agency-b"]})"),
           Indicator(kId2, "[domain-name:value = 'example.net']")}),
      defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  const v1::Record& r = got.records[0].record;
  EXPECT_EQ(r.tlp(), v1::TLP_RED);  // TLP 1.0 AMBER on the object, TLP 2.0 RED on its pattern
  // A statement is terms of use; one that stops onward sharing is also the handling code the
  // originator limits read.
  ASSERT_EQ(r.handling_codes_size(), 1);
  EXPECT_EQ(r.handling_codes(0), "no further dissemination");
  ASSERT_EQ(r.terms_of_use_size(), 1);
  EXPECT_EQ(r.terms_of_use(0), "no further dissemination");
  // No marking and no --tlp: a TLP is never guessed.
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "no TLP marking")) << got.Reasons();
}

TEST(StixImportTest, UnknownMarkingCannotBeHonouredSoTheObjectIsSkipped) {
  Imported got = ImportText(
      true,
      Bundle({Indicator(
          kId1, "[domain-name:value = 'example.org']",
          R"(,"object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000000"])")}));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  EXPECT_TRUE(got.records.empty());
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "cannot be honoured")) << got.Reasons();
}

TEST(StixImportTest, RangesRelationshipsEntitiesAndConjunctions) {
  const std::string actor =
      R"({"type":"threat-actor","spec_version":"2.1","id":"threat-actor--5a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Jean Broker","resource_level":"individual"})";
  const std::string group =
      R"({"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)"
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Sahel Logistics Network"})";
  auto relation = [](const std::string& id, const std::string& from, const std::string& to) {
    return absl::StrCat(
        R"({"type":"relationship","spec_version":"2.1","id":"relationship--)", id,
        R"(","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",)"
        R"("relationship_type":"indicates","source_ref":")",
        from, R"(","target_ref":")", to, "\"}");
  };
  Imported got = ImportText(
      true,
      Bundle(
          {actor, group,
           Indicator(kId1,
                     "[ipv4-addr:value = '223.166.0.0/15'] AND [iban:value = 'DE89 3704 0044 0532 "
                     "0130 00']"),
           Indicator(
               kId2,
               "[ipv6-addr:value ISSUBSET '2001:db8::/32'] OR [domain-name:value = 'example.org']"),
           relation("7a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", kId1, kId2),
           relation("8a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", kId1,
                    "threat-actor--5a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
           relation("9a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    "intrusion-set--6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", kId2)}));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 2u) << got.Reasons();
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
  const v1::Record* first = got.Find(v1::INDICATOR_TYPE_IPV4, "223.166.0.0/15");
  const v1::Record* second = got.Find(v1::INDICATOR_TYPE_IPV6, "2001:db8::/32");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(HasTag(*first, kAllOfTag));
  EXPECT_FALSE(HasTag(*second, kAllOfTag));
  EXPECT_NE(got.Find(v1::INDICATOR_TYPE_PERSON, "Jean Broker"), nullptr);
  EXPECT_EQ(got.Find(v1::INDICATOR_TYPE_ORGANIZATION, "Sahel Logistics Network"), second);
  ASSERT_EQ(first->related().ids_size(), 1);
  EXPECT_EQ(first->related().ids(0), second->id());
}

// Found by an outside review: names taken from stricter objects must not travel under the
// indicator's own, wider TLP.
TEST(StixImportTest, ARecordTakesTheMarkingsOfEveryObjectWhoseContentItCarries) {
  const std::string red =
      R"("object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"])";
  const std::string actor = absl::StrCat(
      R"({"type":"threat-actor","spec_version":"2.1","id":"threat-actor--5a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)",
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Covert source",)",
      R"("resource_level":"individual",)", red, "}");
  const std::string author = absl::StrCat(
      R"({"type":"identity","spec_version":"2.1","id":"identity--6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)",
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Secret Unit 7",)",
      red, "}");
  const std::string amber_link = absl::StrCat(
      R"({"type":"relationship","spec_version":"2.1","id":"relationship--7a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)",
      R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"related-to",)",
      R"("source_ref":")", kId1, R"(","target_ref":")", kId2,
      R"(","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]})");
  const std::string green =
      R"(,"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])";
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;
  defaults.distribution.emplace();  // RED needs its recipients named
  defaults.distribution->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
  defaults.distribution->add_agencies("agency-b");
  auto relation = [](const std::string& from, const std::string& to) {
    return absl::StrCat(
        R"({"type":"relationship","spec_version":"2.1","id":"relationship--8a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",)",
        R"("created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"indicates",)",
        R"("source_ref":")", from, R"(","target_ref":")", to, "\"}");
  };
  Imported got = ImportText(
      true,
      Bundle({actor, author, amber_link,
              relation(kId1, "threat-actor--5a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
              Indicator(kId1, "[domain-name:value = 'one.example.org']", green),
              Indicator(
                  kId2, "[domain-name:value = 'two.example.org']",
                  absl::StrCat(
                      green,
                      R"(,"created_by_ref":"identity--6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")"))}),
      defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  const v1::Record* one = got.Find(v1::INDICATOR_TYPE_DOMAIN, "one.example.org");
  const v1::Record* two = got.Find(v1::INDICATOR_TYPE_DOMAIN, "two.example.org");
  ASSERT_NE(one, nullptr) << got.Reasons();
  ASSERT_NE(two, nullptr) << got.Reasons();
  EXPECT_EQ(one->tlp(), v1::TLP_RED);  // carries the RED threat actor's name
  EXPECT_NE(got.Find(v1::INDICATOR_TYPE_PERSON, "Covert source"), nullptr);
  EXPECT_EQ(two->tlp(), v1::TLP_RED);  // carries the RED author's name as a tag
  EXPECT_TRUE(HasTag(*two, "source:Secret Unit 7"));
}

TEST(StixImportTest, AFileThatChangedAfterItWasCheckedStopsTheImport) {
  ImportDefaults defaults = Defaults();
  std::unique_ptr<BundleImport> import = NewStixImport(defaults);
  testing::TempDir dir;
  std::ofstream(dir.File("a.json")) << Bundle({Indicator(kId1, "[domain-name:value = 'a.org']")});
  std::ofstream(dir.File("b.json")) << Bundle({Indicator(kId2, "[domain-name:value = 'b.org']")});
  std::FILE* a = std::fopen(dir.File("a.json").c_str(), "rb");
  std::FILE* b = std::fopen(dir.File("b.json").c_str(), "rb");
  ASSERT_TRUE(import->Scan(a).ok());
  ImportReport report;
  absl::Status emitted = import->Emit(
      b, [](ImportedRecord&&) { return absl::InternalError("nothing may be sent"); }, report);
  std::fclose(a);
  std::fclose(b);
  EXPECT_TRUE(absl::StrContains(emitted.message(), "the file changed")) << emitted;
}

TEST(StixImportTest, TheLatestVersionOfAnObjectIsImported) {
  std::string older = Indicator(kId1, "[domain-name:value = 'old.example.org']");
  std::string newer = absl::StrReplaceAll(
      Indicator(kId1, "[domain-name:value = 'new.example.org']"),
      {{R"("modified":"2024-01-02T03:04:05.000Z")", R"("modified":"2024-02-02T03:04:05.000Z")"}});
  Imported got = ImportText(true, Bundle({newer, older}));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].record.indicators(0).value(), "new.example.org");
  EXPECT_EQ(got.report.superseded(), 1u);
}

TEST(StixImportTest, AnotherAgencysExportedRecordIsNotOursToPublish) {
  Imported got = ImportText(true, Bundle({Indicator(kId1, "[domain-name:value = 'example.org']",
                                                    R"(,"x_nexus_origin_agency":"agency-b")")}));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  EXPECT_TRUE(got.records.empty());
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "only its origin may publish it")) << got.Reasons();
}

// Files that are not what they claim: a fatal error naming the object and the reason, before
// anything is mapped.
TEST(StixImportTest, BadFilesAreRefusedWholeWithTheObjectAndTheReason) {
  struct Case {
    const char* name;
    std::string text;
    const char* expected;
  };
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::vector<Case> cases = {
      {"not JSON", "this is not json", "byte"},
      {"empty", "", "empty"},
      {"truncated", Bundle({Indicator(kId1, "[url:value = 'http://x.org/']")}).substr(0, 120),
       "byte"},
      {"STIX 2.0 bundle",
       R"({"type":"bundle","id":"bundle--2a4c8bd2-2c4d-4b9b-8d3e-0f5f5a1b2c3d","spec_version":"2.0","objects":[]})",
       "not a STIX 2.1 bundle"},
      {"object of STIX 2.0",
       Bundle({absl::StrReplaceAll(Indicator(kId1, "[url:value = 'http://x.org/']"),
                                   {{R"("spec_version":"2.1")", R"("spec_version":"2.0")"}})}),
       "objects[0]"},
      {"duplicate id",
       Bundle({Indicator(kId1, "[url:value = 'http://x.org/']"),
               Indicator(kId1, "[url:value = 'http://y.org/']")}),
       "duplicate id"},
      {"duplicate member",
       Bundle({absl::StrCat(
           Indicator(kId1, "[url:value = 'http://x.org/']")
               .substr(0, Indicator(kId1, "[url:value = 'http://x.org/']").size() - 1),
           R"(,"pattern":"[url:value = 'http://evil.org/']"})")}),
       "duplicate"},
      {"deep nesting", absl::StrCat(R"({"type":"bundle","objects":[)", deep, "]}"), "nest"},
      {"100k-character pattern",
       Bundle({Indicator(
           kId1, absl::StrCat("[url:value = 'http://x.org/", std::string(100000, 'a'), "']"))}),
       "objects[0]"},
      {"invalid UTF-8", Bundle({Indicator(kId1, "[domain-name:value = 'ex\xff\xfe.org']")}),
       "UTF-8"},
      {"not a bundle", R"({"type":"report","objects":[]})", "not a STIX bundle"},
      {"objects not a list",
       R"({"type":"bundle","id":"bundle--2a4c8bd2-2c4d-4b9b-8d3e-0f5f5a1b2c3d","objects":{}})",
       "objects"},
      {"object not an object", Bundle({"42"}), "objects[0]"},
  };
  for (const Case& c : cases) {
    Imported got = ImportText(true, c.text);
    EXPECT_FALSE(got.scan.ok()) << c.name;
    EXPECT_TRUE(absl::StrContains(got.scan.message(), c.expected))
        << c.name << ": " << got.scan.message();
    EXPECT_TRUE(got.records.empty()) << c.name;
  }
}

TEST(StixImportTest, AFileOverTheLimitIsRefused) {
  ImportDefaults defaults = Defaults();
  defaults.limits.max_file_bytes = 1000;
  std::vector<std::string> objects;
  for (int i = 0; i < 20; ++i) {
    objects.push_back(
        Indicator(absl::StrCat("indicator--", NewUuid()), "[url:value = 'http://x.org/']"));
  }
  Imported got = ImportText(true, Bundle(objects), defaults);
  EXPECT_FALSE(got.scan.ok());
  EXPECT_TRUE(absl::StrContains(got.scan.message(), "1000")) << got.scan.message();
}

TEST(MispImportTest, PyMispRansomwareEvent) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;  // the event's own tlp:white tag decides
  Imported got = Import(false, dir + "/misp/pymisp-57c4445b-ransomware.json", defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_TRUE(got.emit.ok()) << got.emit;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  const v1::Record& r = got.records[0].record;
  EXPECT_EQ(r.tlp(), v1::TLP_CLEAR);
  EXPECT_EQ(r.indicators_size(), 3);  // md5, sha1, sha256
  for (const v1::Indicator& i : r.indicators()) EXPECT_EQ(i.type(), v1::INDICATOR_TYPE_FILE_HASH);
  EXPECT_TRUE(absl::StartsWith(r.summary(), "Ransomware - Xorist"));
  EXPECT_TRUE(absl::StrContains(r.summary(), "link: https://www.virustotal.com/"));
  EXPECT_TRUE(HasTag(r, "ms-caro-malware:malware-type=\"Ransom\""));
  EXPECT_EQ(r.case_reference(), "MISP event 57c4445b-c548-4654-af0b-4be3950d210f");
  EXPECT_EQ(r.created_unix_micros(), *ParseStixTimestamp("2016-08-29T00:00:00Z"));
  EXPECT_EQ(r.modified_unix_micros(), int64_t{1472541011} * 1000000);
  // filename and regkey|value have no nexus indicator type: named with the reason.
  EXPECT_EQ(got.report.skipped(), 2u) << got.Reasons();
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "'regkey|value'")) << got.Reasons();
}

TEST(MispImportTest, EsetOceanLotusEventWithDomainIpPairsAndAGalaxy) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported got = Import(false, dir + "/misp/eset-oceanlotus-wateringhole-2018.json");
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  const v1::Record& r = got.records[0].record;
  std::map<v1::IndicatorType, int> by_type;
  for (const v1::Indicator& i : r.indicators()) ++by_type[i.type()];
  EXPECT_EQ(by_type[v1::INDICATOR_TYPE_DOMAIN], 21 + 49);
  EXPECT_EQ(by_type[v1::INDICATOR_TYPE_IPV4] + by_type[v1::INDICATOR_TYPE_IPV6], 49);
  EXPECT_EQ(by_type[v1::INDICATOR_TYPE_URL], 1);
  EXPECT_EQ(by_type[v1::INDICATOR_TYPE_FILE_HASH], 2);
  EXPECT_NE(got.Find(v1::INDICATOR_TYPE_ORGANIZATION, "APT32"), nullptr);
  EXPECT_EQ(r.tlp(), v1::TLP_GREEN);                                       // no tlp: tag: --tlp
  EXPECT_EQ(r.distribution().scope(), v1::DISTRIBUTION_SCOPE_FEDERATION);  // 3: all communities
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
}

TEST(MispImportTest, AttributesSharedOnlyWithinTheOrganisationStayThere) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  Imported got = Import(false, dir + "/misp/eset-turla-wateringhole-armenia.json");
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  // Four attributes of the event are "your organisation only" (distribution 0).
  int origin_only = 0, federation = 0;
  for (const ImportedRecord& r : got.records) {
    if (r.record.distribution().scope() == v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY) ++origin_only;
    if (r.record.distribution().scope() == v1::DISTRIBUTION_SCOPE_FEDERATION) ++federation;
  }
  EXPECT_EQ(federation, 1) << got.Reasons();
  EXPECT_LE(origin_only, 1);
  EXPECT_NE(got.Find(v1::INDICATOR_TYPE_ORGANIZATION, "Turla Group"), nullptr);
}

TEST(MispImportTest, NoTlpTagAndNoFlagSkipsTheEvent) {
  const std::string dir = testing::InteropDataDir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoInteropData;
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;
  Imported got = Import(false, dir + "/misp/eset-turla-wateringhole-armenia.json", defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  EXPECT_TRUE(got.records.empty());
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "--tlp")) << got.Reasons();
}

TEST(MispImportTest, ObjectsBecomeRecordsAndDuplicateUuidsAreRefused) {
  const std::string event =
      R"({"Event":{"uuid":"5bf300da-6438-4372-a069-0b7b0a016219","info":"Mule accounts",
    "date":"2024-03-01","timestamp":"1709300000","distribution":"1","Tag":[{"name":"tlp:amber"}],
    "Attribute":[{"uuid":"5bf300da-6438-4372-a069-0b7b0a016220","type":"iban","value":"DE89370400440532013000","to_ids":false},
                 {"uuid":"5bf300da-6438-4372-a069-0b7b0a016221","type":"btc","value":"1BoatSLRHtKNngkdXEeobR76b53LETtpyT","to_ids":true,"distribution":"0"}],
    "Object":[{"uuid":"5bf300da-6438-4372-a069-0b7b0a016222","name":"person","distribution":"5","Attribute":[
       {"uuid":"5bf300da-6438-4372-a069-0b7b0a016223","type":"full-name","object_relation":"full-name","value":"Jean Broker"},
       {"uuid":"5bf300da-6438-4372-a069-0b7b0a016224","type":"passport-number","object_relation":"passport-number","value":"12AB34567"},
       {"uuid":"5bf300da-6438-4372-a069-0b7b0a016225","type":"phone-number","object_relation":"phone","value":"+33 6 12 34 56 78","distribution":"0"}]}]}})";
  Imported got = ImportText(false, event);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_TRUE(got.emit.ok()) << got.emit;
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
  ASSERT_EQ(got.records.size(), 3u);
  const v1::Record* iban = got.Find(v1::INDICATOR_TYPE_IBAN, "DE89370400440532013000");
  const v1::Record* wallet =
      got.Find(v1::INDICATOR_TYPE_CRYPTO_WALLET, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT");
  const v1::Record* person = got.Find(v1::INDICATOR_TYPE_PERSON, "Jean Broker");
  ASSERT_NE(iban, nullptr);
  ASSERT_NE(wallet, nullptr);
  ASSERT_NE(person, nullptr);
  EXPECT_NE(iban, wallet);
  EXPECT_EQ(iban->tlp(), v1::TLP_AMBER);
  EXPECT_EQ(iban->distribution().scope(), v1::DISTRIBUTION_SCOPE_FEDERATION);
  EXPECT_EQ(wallet->distribution().scope(), v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);
  // The object holds an organisation-only phone number: the whole object stays in the agency.
  EXPECT_EQ(person->distribution().scope(), v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);
  EXPECT_EQ(person->indicators_size(), 3);
  EXPECT_TRUE(HasTag(*person, "misp-object:person"));

  ImportDefaults ids_only = Defaults();
  ids_only.ids_only = true;
  Imported strict = ImportText(false, event, ids_only);
  EXPECT_EQ(strict.Find(v1::INDICATOR_TYPE_IBAN, "DE89370400440532013000"), nullptr);
  EXPECT_TRUE(absl::StrContains(strict.Reasons(), "to_ids")) << strict.Reasons();

  std::string duplicated = absl::StrReplaceAll(event, {{"016221", "016220"}});
  Imported dup = ImportText(false, duplicated);
  EXPECT_FALSE(dup.scan.ok());
  EXPECT_TRUE(absl::StrContains(dup.scan.message(), "duplicate uuid")) << dup.scan.message();
}

TEST(MispImportTest, SharingIsNeverWidenedByContextFlagsOrObjects) {
  const std::string event =
      R"({"Event":{"uuid":"6bf300da-6438-4372-a069-0b7b0a016219","info":"Rv event",
    "date":"2024-03-01","timestamp":"1709300000","distribution":"1","Tag":[{"name":"tlp:green"}],
    "Attribute":[{"uuid":"6bf300da-6438-4372-a069-0b7b0a016220","type":"domain","value":"shared.example.org"},
      {"uuid":"6bf300da-6438-4372-a069-0b7b0a016221","type":"comment","value":"SECRET informant Jane Doe",
       "distribution":"0","Tag":[{"name":"tlp:red"}]}],
    "Object":[{"uuid":"6bf300da-6438-4372-a069-0b7b0a016222","name":"file","Attribute":[
       {"uuid":"6bf300da-6438-4372-a069-0b7b0a016223","type":"md5","value":"0123456789abcdef0123456789abcdef"},
       {"uuid":"6bf300da-6438-4372-a069-0b7b0a016224","type":"sha1","value":"0123456789abcdef0123456789abcdef01234567","deleted":true}]}]}})";
  Imported got = ImportText(false, event);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  for (const ImportedRecord& r : got.records) {
    if (r.record.tlp() != v1::TLP_RED) {
      EXPECT_FALSE(absl::StrContains(r.record.summary(), "SECRET")) << r.record.summary();
    }
    for (const v1::Indicator& i : r.record.indicators()) {
      EXPECT_NE(i.value(), "0123456789abcdef0123456789abcdef01234567") << "a deleted attribute";
    }
  }
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "deleted in MISP")) << got.Reasons();
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "shared more narrowly")) << got.Reasons();

  // --scope stands in for a sharing group and fills a gap; it never widens "organisation only".
  const std::string own = R"({"Event":{"uuid":"7bf300da-6438-4372-a069-0b7b0a016219","info":"Own",
    "date":"2024-03-01","distribution":"0","Tag":[{"name":"tlp:green"}],
    "Attribute":[{"uuid":"7bf300da-6438-4372-a069-0b7b0a016220","type":"domain","value":"own.example.org"}]}})";
  ImportDefaults wide = Defaults();
  wide.distribution.emplace();
  wide.distribution->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  Imported scoped = ImportText(false, own, wide);
  ASSERT_EQ(scoped.records.size(), 1u) << scoped.Reasons();
  EXPECT_EQ(scoped.records[0].record.distribution().scope(), v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);

  std::string overflow =
      absl::StrReplaceAll(own, {{R"("distribution":"0")", R"("timestamp":"9223372036854775")"}});
  Imported bad_time = ImportText(false, overflow);
  EXPECT_TRUE(bad_time.records.empty());
  EXPECT_TRUE(absl::StrContains(bad_time.Reasons(), "timestamp")) << bad_time.Reasons();
}

TEST(MispImportTest, ALargeEventIsSplitIntoRecordsWhosePatternsReadBack) {
  std::string attributes;
  for (int i = 0; i < 1200; ++i) {
    absl::StrAppend(&attributes, i ? "," : "", R"({"uuid":")",
                    absl::StrFormat("8bf300da-6438-4372-a069-%012d", i),
                    R"(","type":"url","value":"https://cdn.example.org/)", std::string(60, 'p'), i,
                    "\"}");
  }
  const std::string event = absl::StrCat(
      R"({"Event":{"uuid":"8bf300da-6438-4372-a069-0b7b0a016219","info":"Big","date":"2024-03-01",)",
      R"("Tag":[{"name":"tlp:green"}],"Attribute":[)", attributes, "]}}");
  Imported got = ImportText(false, event);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_GE(got.records.size(), 3u);
  size_t indicators = 0;
  for (const ImportedRecord& r : got.records) {
    indicators += r.record.indicators_size();
    OpenedRecord opened;
    opened.record = r.record;
    opened.record.set_origin_agency("agency-a");
    std::ostringstream out;
    StixBundleWriter writer(out);
    EXPECT_TRUE(writer.Add(opened, "").ok()) << "a record of " << r.record.indicators_size();
  }
  EXPECT_EQ(indicators, 1200u);
}

// Record → STIX → record: every field comes back, and the bundle is valid STIX 2.1.
using StixRoundTripTest = SealingTest;

TEST_F(StixRoundTripTest, EveryFieldComesBackAndTheBundleValidates) {
  v1::Record full = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"},
                                          {v1::INDICATOR_TYPE_IBAN, "DE89 3704 0044 0532 0130 00"},
                                          {v1::INDICATOR_TYPE_IPV4, "223.166.0.0/15"},
                                          {v1::INDICATOR_TYPE_FILE_HASH, std::string(64, 'a')},
                                          {v1::INDICATOR_TYPE_VESSEL, "IMO 9074729"},
                                          {v1::INDICATOR_TYPE_PERSON, "Jean 'Le Fixeur' D\\upont"},
                                          {v1::INDICATOR_TYPE_URL, "https://x.org/a?b=c"}});
  full.set_id(NewUuid());
  full.set_tlp(v1::TLP_AMBER_STRICT);
  full.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
  full.mutable_distribution()->add_agencies("agency-b");
  full.add_handling_codes("no further dissemination without originator consent");
  full.set_case_reference("FR-2026-0042");
  full.set_summary("Mule network\n\nAccounts opened with forged passports.\n\nSecond paragraph.");
  // Order is content: tags and related ids come back in the order they were, not sorted.
  full.mutable_tags()->add_values("zeta");
  full.mutable_tags()->add_values(kAllOfTag);
  full.mutable_tags()->add_values("indicator-type:attribution");
  full.mutable_tags()->add_values("alpha");
  full.mutable_related()->add_ids("ffffffff-0000-4000-8000-000000000000");
  full.mutable_related()->add_ids("00000000-0000-4000-8000-000000000000");
  full.mutable_related()->add_ids("88888888-0000-4000-8000-000000000000");
  v1::Assessment& a = *full.mutable_assessment();
  a.set_nexus_type(v1::NEXUS_TYPE_BLACK_HOLE);
  a.clear_watch_points();
  a.add_watch_points(v1::WATCH_POINT_CORRUPTION);
  a.add_watch_points(v1::WATCH_POINT_EXTERNAL_SUPPORT);
  a.set_source_reliability(v1::SOURCE_RELIABILITY_B);
  a.set_information_credibility(v1::INFORMATION_CREDIBILITY_6);
  full.set_created_unix_micros(1700000000123456);
  full.set_modified_unix_micros(1700000100000000);

  v1::Record plain = testing::SampleDraft({{v1::INDICATOR_TYPE_DOMAIN, "example.org"}});
  plain.set_id("01890a5d-ac96-774b-bcce-b302099a8057");  // version 7: STIX ids take 1 to 5 only
  plain.set_created_unix_micros(1600000000000000);
  plain.set_modified_unix_micros(1600000000000000);
  plain.mutable_assessment()->set_information_credibility(v1::INFORMATION_CREDIBILITY_2);

  testing::TempDir dir;
  {
    std::ofstream out(dir.File("bundle.json"));
    StixBundleWriter writer(out);
    ASSERT_TRUE(writer.Add(Sealed(full, 3), "").ok());
    ASSERT_TRUE(writer.Add(Sealed(plain, 1), "agency-c").ok());
    writer.Finish();
  }
  const std::string schemas = testing::StixSchemaDir();
  if (!schemas.empty()) {
    std::string output;
    int rc = testing::RunCommand(
        absl::StrCat("/usr/bin/python3 ", NEXUS_SOURCE_DIR, "/tests/stix_schema_check.py ", schemas,
                     " ", dir.File("bundle.json")),
        &output);
    EXPECT_EQ(rc, 0) << output;
  }

  ImportDefaults defaults;
  defaults.agency = "agency-a";  // the origin imports its own export
  Imported refused = Import(true, dir.File("bundle.json"), defaults);
  ASSERT_TRUE(refused.scan.ok()) << refused.scan;
  EXPECT_TRUE(refused.records.empty()) << "without --own-export no record id is taken from a file";
  EXPECT_TRUE(absl::StrContains(refused.Reasons(), "--own-export")) << refused.Reasons();

  defaults.own_export = true;
  Imported got = Import(true, dir.File("bundle.json"), defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 2u) << got.Reasons();
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
  for (const v1::Record* original : {&full, &plain}) {
    v1::Record expected = *original;
    ASSERT_TRUE(ValidateAndNormalize(expected).ok());
    const ImportedRecord* back = nullptr;
    for (const ImportedRecord& r : got.records) {
      if (r.record.id() == expected.id()) back = &r;
    }
    ASSERT_NE(back, nullptr) << expected.id();
    v1::Record actual = back->record;
    EXPECT_EQ(actual.DebugString(), expected.DebugString());
  }
}

TEST_F(StixRoundTripTest, WithheldPartsAreNamedAndARecordWithNoIndicatorLeftIsRefused) {
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_DOMAIN, "example.org"}});
  record.set_id(NewUuid());
  record.set_summary("secret");
  OpenedRecord opened = Sealed(record, 1);
  opened.record.clear_summary();
  opened.withheld.push_back({4, v1::PART_KIND_SUMMARY});
  std::ostringstream out;
  StixBundleWriter writer(out);
  ASSERT_TRUE(writer.Add(opened, "").ok());
  opened.record.clear_indicators();
  EXPECT_FALSE(writer.Add(opened, "").ok());
  writer.Finish();
  EXPECT_TRUE(absl::StrContains(out.str(), R"("x_nexus_withheld":["summary"])")) << out.str();
  EXPECT_FALSE(absl::StrContains(out.str(), "secret"));
}

}  // namespace
}  // namespace nexus
