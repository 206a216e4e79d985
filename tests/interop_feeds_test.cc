// Real feeds arrive whole: the shapes of public STIX and MISP files that once lost indicators or
// context (a long statement marking, C2 addresses with their ports, file hashes with the file's
// name, a marked marking, MISP object references, to_ids, comments, times, URLs without a
// scheme, part-of-file hashes, TLP:RED), each in a small file written for these tests
// (tests/data/feeds/), modelled on the public ones, and each exported back and read again.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/interop/bundle_import.h"
#include "common/interop/stix_common.h"
#include "common/interop/stix_export.h"
#include "common/interop/stix_pattern.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "tests/interop_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

std::string FeedFile(const std::string& name) {
  return absl::StrCat(NEXUS_SOURCE_DIR, "/tests/data/feeds/", name);
}

const v1::Indicator* FindIndicator(const Imported& got, v1::IndicatorType type,
                                   const std::string& value) {
  for (const ImportedRecord& r : got.records) {
    for (const v1::Indicator& i : r.record.indicators()) {
      if (i.type() == type && i.value() == value) return &i;
    }
  }
  return nullptr;
}

std::string Notes(const Imported& got) {
  std::string out;
  for (const ImportIssue& issue : got.report.issues()) {
    if (issue.noted) absl::StrAppend(&out, issue.object, ": ", issue.reason, "\n");
  }
  return out;
}

// Exports `records` as agency-a's, checks the bundle against the OASIS schemas and imports it
// back as agency-a's own export.
class FeedRoundTripTest : public SealingTest {
 protected:
  Imported RoundTrip(const std::vector<v1::Record>& records, std::string* bundle = nullptr) {
    const std::string path = dir_.File(absl::StrCat("bundle", ++files_, ".json"));
    {
      std::ofstream out(path);
      StixBundleWriter writer(out);
      for (const v1::Record& record : records) {
        EXPECT_TRUE(writer.Add(Sealed(record, 1), "").ok());
      }
      writer.Finish();
    }
    EXPECT_EQ(StixSchemaProblems(path), "");
    if (bundle != nullptr) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      *bundle = text.str();
    }
    ImportDefaults defaults;
    defaults.agency = "agency-a";
    defaults.own_export = true;
    return Import(true, path, defaults);
  }
  // Each record as it was validated, compared with what came back under its id.
  void ExpectSame(const std::vector<v1::Record>& records, const Imported& got) {
    ASSERT_EQ(got.records.size(), records.size()) << got.Reasons();
    EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
    for (v1::Record expected : records) {
      ASSERT_TRUE(ValidateAndNormalize(expected).ok());
      bool found = false;
      for (const ImportedRecord& r : got.records) {
        if (r.record.id() != expected.id()) continue;
        found = true;
        EXPECT_EQ(r.record.DebugString(), expected.DebugString());
      }
      EXPECT_TRUE(found) << expected.id();
    }
  }
  v1::Record Draft(std::vector<v1::Indicator> indicators) {
    v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_DOMAIN, "example.org"}});
    record.clear_indicators();
    for (v1::Indicator& i : indicators) *record.add_indicators() = std::move(i);
    record.set_id(NewUuid());
    record.set_created_unix_micros(1741944413000000);
    record.set_modified_unix_micros(1741944413000000);
    return record;
  }
  static v1::Indicator Make(v1::IndicatorType type, const std::string& value) {
    v1::Indicator i;
    i.set_type(type);
    i.set_value(value);
    return i;
  }
  testing::TempDir dir_;
  int files_ = 0;
};

// ---- STIX in ----

TEST(FeedImportTest, AStatementMarkingIsTermsOfUseAndEveryIndicatorArrives) {
  Imported got = Import(true, FeedFile("stix-statement-marking.json"));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 3u) << got.Reasons();
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
  for (const ImportedRecord& r : got.records) {
    EXPECT_EQ(r.record.tlp(), v1::TLP_GREEN);  // CLEAR in the file, GREEN the floor
    EXPECT_EQ(r.record.handling_codes_size(), 0);
    ASSERT_EQ(r.record.terms_of_use_size(), 1);
    EXPECT_GT(r.record.terms_of_use(0).size(), 760u);
    EXPECT_TRUE(absl::StartsWith(r.record.terms_of_use(0), "This product is provided"));
  }
  // The label far over a tag's limit is left out and said; its indicator is kept.
  const v1::Record* labelled = got.Find(v1::INDICATOR_TYPE_IPV4, "203.0.113.77");
  ASSERT_NE(labelled, nullptr);
  EXPECT_FALSE(HasTag(*labelled, "campaign-notes: " + std::string(300, 'x')));
  EXPECT_EQ(got.report.noted(), 1u) << got.Reasons();
  EXPECT_TRUE(absl::StrContains(Notes(got), "tag 'campaign-notes: ")) << Notes(got);
  EXPECT_TRUE(absl::StrContains(Notes(got), "(limit 256): not carried")) << Notes(got);
}

TEST(FeedImportTest, AStatementOverTheLimitIsShortenedAndSaidNotLost) {
  const std::string marking =
      R"({"type":"marking-definition","spec_version":"2.1","id":"marking-definition--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",)"
      R"("created":"2025-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":")" +
      std::string(5000, 's') + R"("}})";
  Imported got = ImportText(
      true,
      Bundle(
          {marking,
           Indicator(
               "indicator--0e8f1a8a-7d2a-4b1c-9c3e-1f2a3b4c5d6e",
               "[domain-name:value = 'example.org']",
               R"(,"object_marking_refs":["marking-definition--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"])")}));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  ASSERT_EQ(got.records[0].record.terms_of_use_size(), 1);
  EXPECT_LE(got.records[0].record.terms_of_use(0).size(), kMaxTermsOfUseBytes);
  EXPECT_TRUE(absl::StrContains(Notes(got), "is 5000 bytes (limit 4096): shortened to fit"))
      << Notes(got);
}

TEST(FeedImportTest, C2AddressesKeepTheirPortAndProtocolAndMatchAsTheAddress) {
  Imported got = Import(true, FeedFile("stix-c2-sockets.json"));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 3u) << got.Reasons();
  EXPECT_EQ(got.report.issues().size(), 0u) << got.Reasons();
  const v1::Indicator* https = FindIndicator(got, v1::INDICATOR_TYPE_IPV4, "198.51.100.23");
  const v1::Indicator* tcp = FindIndicator(got, v1::INDICATOR_TYPE_IPV4, "198.51.100.24");
  const v1::Indicator* v6 = FindIndicator(got, v1::INDICATOR_TYPE_IPV6, "2001:db8::5");
  ASSERT_NE(https, nullptr);
  ASSERT_NE(tcp, nullptr);
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(https->port(), 443u);
  EXPECT_EQ(https->protocol(), "");
  EXPECT_EQ(tcp->port(), 8080u);
  EXPECT_EQ(tcp->protocol(), "tcp");
  EXPECT_EQ(v6->port(), 4444u);
  // The port is context: the address alone is what search matches.
  EXPECT_EQ(https->normalized(), "198.51.100.23");
  EXPECT_EQ(v6->normalized(), "2001:db8::5");
  for (const ImportedRecord& r : got.records) {
    EXPECT_EQ(r.record.indicators_size(), 1);
    EXPECT_FALSE(HasTag(r.record, kAllOfTag)) << "an address and its port are one indicator";
  }
}

TEST(FeedImportTest, FileHashesKeepTheFileNameAsContext) {
  Imported got = Import(true, FeedFile("stix-file-hashes-with-name.json"));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 2u) << got.Reasons();
  const v1::Indicator* md5 =
      FindIndicator(got, v1::INDICATOR_TYPE_FILE_HASH, "0cc175b9c0f1b6a831c399e269772661");
  const v1::Indicator* sha1 =
      FindIndicator(got, v1::INDICATOR_TYPE_FILE_HASH, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8");
  const v1::Indicator* sha256 =
      FindIndicator(got, v1::INDICATOR_TYPE_FILE_HASH,
                    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  ASSERT_NE(md5, nullptr);
  ASSERT_NE(sha1, nullptr);
  ASSERT_NE(sha256, nullptr);
  EXPECT_EQ(md5->file_name(), "invoice_0425.exe");
  EXPECT_EQ(sha1->file_name(), "invoice_0425.exe");
  EXPECT_EQ(sha256->file_name(), "svch0st.dll");
  // Either hash finds the file: the two hashes are alternatives (OR), not a conjunction.
  const v1::Record* loader =
      got.Find(v1::INDICATOR_TYPE_FILE_HASH, "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_FALSE(HasTag(*loader, kAllOfTag));
}

TEST(FeedImportTest, AMarkingOnAMarkingDefinitionGovernsTheDefinitionNotTheObjects) {
  Imported got = Import(true, FeedFile("stix-marked-marking.json"));
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_EQ(got.records.size(), 1u) << got.Reasons();
  EXPECT_EQ(got.report.skipped(), 0u) << got.Reasons();
  const v1::Record& r = got.records[0].record;
  EXPECT_EQ(r.tlp(), v1::TLP_GREEN);
  ASSERT_EQ(r.terms_of_use_size(), 1);
  EXPECT_EQ(r.terms_of_use(0), "Copyright 2025 Example Sharing Community.");
}

TEST(FeedImportTest, ContextThatQualifiesNothingOrTheWrongThingIsNamed) {
  struct Case {
    const char* pattern;
    const char* error;
  } cases[] = {
      {"[domain-name:value = 'a.example' AND network-traffic:dst_port = 443]",
       "qualifies only IPv4 and IPv6 addresses"},
      {"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 70000]",
       "a port is 1 to 65535"},
      {"[ipv4-addr:value = '192.0.2.1' AND file:name = 'a.exe']", "qualifies only file hashes"},
      {"[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port > 1024]",
       "qualifies an indicator only with '='"},
      {"[network-traffic:dst_port = 443]", "has no nexus indicator type"},
      {"[(ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2') AND "
       "network-traffic:dst_port = 443] AND [domain-name:value = 'x.example']",
       "AND mixed with OR"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PatternIndicators> parsed = IndicatorsFromStixPattern(c.pattern);
    ASSERT_FALSE(parsed.ok()) << c.pattern;
    EXPECT_TRUE(absl::StrContains(parsed.status().message(), c.error))
        << c.pattern << ": " << parsed.status();
  }
  // Two addresses on one port: both keep it.
  absl::StatusOr<PatternIndicators> both = IndicatorsFromStixPattern(
      "[(ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2') AND "
      "network-traffic:dst_port = '8443']");
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_EQ(both->indicators.size(), 2u);
  EXPECT_FALSE(both->all_of);
  EXPECT_EQ(both->indicators[0].port(), 8443u);
  EXPECT_EQ(both->indicators[1].port(), 8443u);
}

// ---- MISP in ----

TEST(FeedImportTest, MispReferencesCommentsTimesAndNamesArriveOrAreNamed) {
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;  // the event's tlp:amber
  Imported got = Import(false, FeedFile("misp-references-and-context.json"), defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  ASSERT_TRUE(got.emit.ok()) << got.emit;

  const v1::Indicator* domain =
      FindIndicator(got, v1::INDICATOR_TYPE_DOMAIN, "broker-portal.example.net");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(domain->comment(), "landing page of the phishing mail");
  EXPECT_FALSE(domain->context_only());

  const v1::Indicator* c2 = FindIndicator(got, v1::INDICATOR_TYPE_IPV4, "192.0.2.44");
  ASSERT_NE(c2, nullptr);
  EXPECT_EQ(c2->port(), 8443u);
  EXPECT_EQ(c2->first_seen_unix_micros(), 1740816000000000);  // 2025-03-01T08:00:00Z
  EXPECT_EQ(c2->last_seen_unix_micros(), 1741714200000000);   // 2025-03-11T17:30:00Z

  const v1::Indicator* md5 =
      FindIndicator(got, v1::INDICATOR_TYPE_FILE_HASH, "9e107d9d372bb6826bd81d3542a419d6");
  ASSERT_NE(md5, nullptr);
  EXPECT_EQ(md5->file_name(), "customs_form.doc");
  const v1::Indicator* sha256 =
      FindIndicator(got, v1::INDICATOR_TYPE_FILE_HASH,
                    "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
  ASSERT_NE(sha256, nullptr);
  EXPECT_EQ(sha256->file_name(), "stage2.bin");

  // A URL without a scheme is kept as http, and the import says so.
  EXPECT_NE(
      FindIndicator(got, v1::INDICATOR_TYPE_URL, "http://broker-portal.example.net/auth/login.php"),
      nullptr)
      << got.Reasons();
  EXPECT_TRUE(absl::StrContains(
      Notes(got), "has no scheme: kept as 'http://broker-portal.example.net/auth/login.php'"))
      << Notes(got);

  // to_ids false: context, not detection.
  const v1::Indicator* cdn = FindIndicator(got, v1::INDICATOR_TYPE_DOMAIN, "cdn.example.com");
  ASSERT_NE(cdn, nullptr);
  EXPECT_TRUE(cdn->context_only());

  // Hashes of part of a file are named, with why.
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "'imphash' hashes part of a file")) << got.Reasons();
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "'authentihash' hashes part of a file"))
      << got.Reasons();

  // TLP:RED without named recipients: skipped, and the message names the flag.
  EXPECT_EQ(FindIndicator(got, v1::INDICATOR_TYPE_IPV4, "198.51.100.201"), nullptr);
  EXPECT_TRUE(absl::StrContains(got.Reasons(), "give --red-to AGENCY")) << got.Reasons();

  // The file object: its name rides on its hash; its reference to the other object is a related
  // record; its reference to an attribute (part of the event's record) is named.
  const v1::Record* file_object =
      got.Find(v1::INDICATOR_TYPE_FILE_HASH, "a9993e364706816aba3e25717850c26c9cd0d89d");
  ASSERT_NE(file_object, nullptr);
  EXPECT_EQ(file_object->indicators(0).file_name(), "customs_form.doc");
  ASSERT_EQ(file_object->related().ids_size(), 1);
  EXPECT_EQ(file_object->related().ids(0),
            ImportedRecordId("agency-a", "misp-object--9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"));
  const v1::Record* dropped =
      got.Find(v1::INDICATOR_TYPE_FILE_HASH,
               "ef2d127de37b942baad06145e54b0c619a1f22327b2ebbcfbec78f5564afe39d");
  ASSERT_NE(dropped, nullptr);
  EXPECT_EQ(dropped->id(), file_object->related().ids(0));
  EXPECT_TRUE(absl::StrContains(Notes(got),
                                "ObjectReference '0e1f2a3b-4c5d-4e6f-9a7b-8c9d0e1f2a3b' "
                                "('downloaded-from') to '5e6f7a8b-0001"))
      << Notes(got);
  EXPECT_TRUE(absl::StrContains(Notes(got), "not a record of its own")) << Notes(got);
}

TEST(FeedImportTest, RedToNamesTheRecipientsOfRedAttributes) {
  ImportDefaults defaults = Defaults();
  defaults.tlp = v1::TLP_UNSPECIFIED;
  defaults.red_recipients = {"agency-b", "agency-c"};
  Imported got = Import(false, FeedFile("misp-references-and-context.json"), defaults);
  ASSERT_TRUE(got.scan.ok()) << got.scan;
  const v1::Record* red = got.Find(v1::INDICATOR_TYPE_IPV4, "198.51.100.201");
  ASSERT_NE(red, nullptr) << got.Reasons();
  EXPECT_EQ(red->tlp(), v1::TLP_RED);
  EXPECT_EQ(red->distribution().scope(), v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
  ASSERT_EQ(red->distribution().agencies_size(), 2);
  EXPECT_EQ(red->distribution().agencies(0), "agency-b");
  EXPECT_EQ(red->distribution().agencies(1), "agency-c");
  // Nothing else of the event became RED, nor was widened.
  const v1::Record* amber = got.Find(v1::INDICATOR_TYPE_DOMAIN, "broker-portal.example.net");
  ASSERT_NE(amber, nullptr);
  EXPECT_EQ(amber->tlp(), v1::TLP_AMBER);
  EXPECT_FALSE(absl::StrContains(got.Reasons(), "--red-to")) << got.Reasons();
}

// --red-to names recipients within the scope the file gives, never beyond it: a group scope
// keeps its groups (a recipient must be in one and named).
TEST(FeedImportTest, RedToKeepsAGroupScope) {
  ImportDefaults defaults = Defaults();
  defaults.red_recipients = {"agency-c"};
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_DOMAIN, "example.org"}});
  record.set_tlp(v1::TLP_RED);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
  record.mutable_distribution()->clear_agencies();
  record.mutable_distribution()->add_groups("region-west");
  ASSERT_TRUE(CompleteImportedRecord(defaults, record, nullptr).ok());
  EXPECT_EQ(record.distribution().scope(), v1::DISTRIBUTION_SCOPE_GROUP);
  ASSERT_EQ(record.distribution().groups_size(), 1);
  EXPECT_EQ(record.distribution().groups(0), "region-west");
  ASSERT_EQ(record.distribution().agencies_size(), 1);
  EXPECT_EQ(record.distribution().agencies(0), "agency-c");
}

TEST(FeedImportTest, IndicatorContextIsCheckedWhereItMeansSomething) {
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_DOMAIN, "example.org"}});
  record.mutable_indicators(0)->set_port(443);
  record.mutable_indicators(0)->set_file_name("a.exe");
  record.mutable_indicators(0)->set_first_seen_unix_micros(2000);
  record.mutable_indicators(0)->set_last_seen_unix_micros(1000);
  record.add_terms_of_use("");
  absl::Status status = ValidateAndNormalize(record);
  EXPECT_TRUE(absl::StrContains(status.message(), "indicator[0].port 443 is only for IPv4/IPv6"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "indicator[0].file_name is only for a file hash"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "last_seen is before first_seen")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "terms_of_use[0] is empty")) << status;
}

// ---- and back out ----

TEST_F(FeedRoundTripTest, SocketsFileNamesTermsAndContextComeBackAndValidate) {
  v1::Indicator socket = Make(v1::INDICATOR_TYPE_IPV4, "198.51.100.23");
  socket.set_port(443);
  socket.set_protocol("tcp");
  socket.set_first_seen_unix_micros(1740816000000000);
  socket.set_last_seen_unix_micros(1741714200000000);
  v1::Indicator hash = Make(v1::INDICATOR_TYPE_FILE_HASH, "0cc175b9c0f1b6a831c399e269772661");
  hash.set_file_name("invoice 'final'.exe");
  hash.set_comment("seen as a mail attachment");
  v1::Indicator cdn = Make(v1::INDICATOR_TYPE_DOMAIN, "cdn.example.com");
  cdn.set_context_only(true);
  v1::Record mixed = Draft({socket, hash, cdn});
  mixed.add_terms_of_use("Provided as is.\n\nShare with the notice attached.");
  v1::Record context = Draft({cdn});  // nothing in it for detection
  context.add_terms_of_use("Provided as is.\n\nShare with the notice attached.");

  std::string bundle;
  Imported got = RoundTrip({mixed, context}, &bundle);
  ExpectSame({mixed, context}, got);
  EXPECT_TRUE(absl::StrContains(bundle,
                                "[ipv4-addr:value = '198.51.100.23' AND "
                                "network-traffic:dst_port = 443 AND "
                                "network-traffic:protocols[*] = 'tcp']"))
      << bundle;
  EXPECT_TRUE(absl::StrContains(bundle, R"(AND file:name = 'invoice \\'final\\'.exe'])")) << bundle;
  EXPECT_TRUE(absl::StrContains(bundle, R"("definition_type":"statement")")) << bundle;
  // One definition for the one text, however many records carry it.
  EXPECT_EQ(bundle.find(R"("definition_type":"statement")"),
            bundle.rfind(R"("definition_type":"statement")"));
  EXPECT_TRUE(absl::StrContains(bundle, R"("x_opencti_detection":false)")) << bundle;
  EXPECT_TRUE(absl::StrContains(bundle, R"("x_opencti_detection":true)")) << bundle;
}

TEST_F(FeedRoundTripTest, ExportWritesTheObjectsOtherToolsReadAndImportReadsThemBack) {
  v1::Record record =
      Draft({Make(v1::INDICATOR_TYPE_CRYPTO_WALLET, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
             Make(v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"),
             Make(v1::INDICATOR_TYPE_IBAN, "DE89 3704 0044 0532 0130 00"),
             Make(v1::INDICATOR_TYPE_BANK_ACCOUNT, "0532013000"),
             Make(v1::INDICATOR_TYPE_VESSEL, "IMO 9074729")});
  std::string bundle;
  Imported got = RoundTrip({record}, &bundle);
  ExpectSame({record}, got);
  for (const char* form :
       {"[cryptocurrency-wallet:value = ", "[phone-number:value = ", "[bank-account:iban = ",
        "[bank-account:account_number = ", "[x-nexus-vessel:value = "}) {
    EXPECT_TRUE(absl::StrContains(bundle, form)) << form << "\n" << bundle;
  }
  EXPECT_FALSE(absl::StrContains(bundle, "x-nexus-crypto")) << bundle;
  EXPECT_FALSE(absl::StrContains(bundle, "x-nexus-phone")) << bundle;
  EXPECT_FALSE(absl::StrContains(bundle, "x-nexus-iban")) << bundle;
}

TEST_F(FeedRoundTripTest, EveryFeedFileImportedExportsAndReadsBackTheSame) {
  std::vector<v1::Record> records;
  for (const char* file : {"stix-statement-marking.json", "stix-c2-sockets.json",
                           "stix-file-hashes-with-name.json", "stix-marked-marking.json"}) {
    Imported got = Import(true, FeedFile(file));
    ASSERT_TRUE(got.scan.ok()) << file << ": " << got.scan;
    for (const ImportedRecord& r : got.records) records.push_back(r.record);
  }
  ImportDefaults misp = Defaults();
  misp.red_recipients = {"agency-b"};
  Imported event = Import(false, FeedFile("misp-references-and-context.json"), misp);
  for (const ImportedRecord& r : event.records) records.push_back(r.record);
  ASSERT_GE(records.size(), 12u);
  for (v1::Record& r : records) {
    for (v1::Indicator& i : *r.mutable_indicators()) i.clear_normalized();
  }
  ExpectSame(records, RoundTrip(records));
}

}  // namespace
}  // namespace nexus
