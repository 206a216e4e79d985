// Enum values outside their definitions, as an attacker sends them: in a draft on publish, in a
// record a signing peer sealed itself, in requests. Each is refused with its field named.
#include "common/enum_values.h"

#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/audit_service.pb.h"
#include "nexus/v1/policy.pb.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using google::protobuf::FieldDescriptor;

// Values no enum of a record defines; each field also gets the numbers just above its own.
constexpr int kHostileValues[] = {-1, 99, 1000, -2147483647 - 1, 2147483647};

// Each enum field of a record, with a way to put a value in it.
struct EnumField {
  std::string name;
  std::function<void(v1::Record&, int)> set;
  std::vector<int> above;  // undefined values just above its largest
  std::vector<int> Undefined() const {
    std::vector<int> values(std::begin(kHostileValues), std::end(kHostileValues));
    values.insert(values.end(), above.begin(), above.end());
    return values;
  }
};

std::vector<EnumField> RecordEnumFields() {
  return {
      {"tlp", [](v1::Record& r, int v) { r.set_tlp(static_cast<v1::Tlp>(v)); }, {6, 9}},
      {"distribution.scope",
       [](v1::Record& r, int v) {
         r.mutable_distribution()->set_scope(static_cast<v1::DistributionScope>(v));
       },
       {5, 9}},
      {"assessment.nexus_type",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_nexus_type(static_cast<v1::NexusType>(v));
       },
       {7, 9}},
      {"assessment.watch_points[1]",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->add_watch_points(static_cast<v1::WatchPoint>(v));
       },
       {12}},
      {"assessment.source_reliability",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_source_reliability(static_cast<v1::SourceReliability>(v));
       },
       {7, 9}},
      {"assessment.information_credibility",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_information_credibility(
             static_cast<v1::InformationCredibility>(v));
       },
       {7, 9}},
      {"indicators[1].type",
       [](v1::Record& r, int v) {
         v1::Indicator* indicator = r.add_indicators();
         indicator->set_type(static_cast<v1::IndicatorType>(v));
         indicator->set_value("+33 6 12 34 56 78");
       },
       {17}},
  };
}

// A valid draft (one watch point, one indicator already) with the field set to `value`.
v1::Record DraftWith(const EnumField& field, int value) {
  v1::Record draft = testing::SampleDraft();
  field.set(draft, value);
  return draft;
}

TEST(EnumValuesTest, ProblemNamesFieldValueAndDefinedRange) {
  EXPECT_EQ(UndefinedValueProblem("assessment.source_reliability", 9,
                                  *v1::SourceReliability_descriptor()),
            "assessment.source_reliability: 9 is not a defined value (A-F = 1-6)");
  EXPECT_EQ(UndefinedValueProblem("x", -1, *v1::InformationCredibility_descriptor()),
            "x: -1 is not a defined value (1-6)");
  EXPECT_EQ(UndefinedValueProblem("tlp", 99, *v1::Tlp_descriptor()),
            "tlp: 99 is not a defined value (CLEAR-RED = 1-5)");
}

TEST(EnumValuesTest, PublishValidationRefusesEveryUndefinedValueNamingItsField) {
  for (const EnumField& field : RecordEnumFields()) {
    for (int value : field.Undefined()) {
      v1::Record draft = DraftWith(field, value);
      absl::Status status = ValidateAndNormalize(draft);
      ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field.name << " " << value;
      EXPECT_TRUE(absl::StrContains(
          status.message(), absl::StrCat(field.name, ": ", value, " is not a defined value")))
          << status.message();
    }
  }
}

TEST(EnumValuesTest, PublishValidationAcceptsTheDraftWithoutTheHostileValue) {
  // The control: each draft above fails only because of its one undefined value.
  for (const EnumField& field : RecordEnumFields()) {
    v1::Record draft = DraftWith(field, 1);
    EXPECT_TRUE(ValidateAndNormalize(draft).ok()) << field.name;
  }
}

// Every enum field reachable in a Record, found from the schema: a field added later that the
// hand-written record check does not know makes this test fail.
void CollectEnumPaths(const google::protobuf::Descriptor& message, const std::string& prefix,
                      std::vector<std::pair<std::string, const FieldDescriptor*>>& paths,
                      std::vector<const FieldDescriptor*> chain,
                      std::vector<std::vector<const FieldDescriptor*>>& chains) {
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* field = message.field(i);
    std::vector<const FieldDescriptor*> here = chain;
    here.push_back(field);
    std::string name = absl::StrCat(prefix, field->name(), field->is_repeated() ? "[0]" : "");
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      paths.emplace_back(name, field);
      chains.push_back(here);
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      CollectEnumPaths(*field->message_type(), name + ".", paths, here, chains);
    }
  }
}

TEST(EnumValuesTest, RecordCheckCoversEveryEnumFieldOfTheSchema) {
  std::vector<std::pair<std::string, const FieldDescriptor*>> paths;
  std::vector<std::vector<const FieldDescriptor*>> chains;
  CollectEnumPaths(*v1::Record::descriptor(), "", paths, {}, chains);
  ASSERT_GE(paths.size(), 7u);
  for (size_t p = 0; p < paths.size(); ++p) {
    v1::Record record;
    google::protobuf::Message* message = &record;
    const auto& chain = chains[p];
    for (size_t i = 0; i + 1 < chain.size(); ++i) {
      const auto* reflection = message->GetReflection();
      message = chain[i]->is_repeated() ? reflection->AddMessage(message, chain[i])
                                        : reflection->MutableMessage(message, chain[i]);
    }
    const FieldDescriptor* leaf = chain.back();
    if (leaf->is_repeated()) {
      message->GetReflection()->AddEnumValue(message, leaf, 77);
    } else {
      message->GetReflection()->SetEnumValue(message, leaf, 77);
    }
    std::vector<std::string> problems;
    FindUndefinedRecordValues(record, problems);
    ASSERT_EQ(problems.size(), 1u) << paths[p].first;
    EXPECT_TRUE(absl::StartsWith(problems[0], paths[p].first + ": 77")) << problems[0];
    // The reflective check agrees.
    std::vector<std::string> reflected;
    FindUndefinedEnumValues(record, reflected);
    ASSERT_EQ(reflected.size(), 1u);
    EXPECT_EQ(reflected[0], problems[0]);
  }
}

TEST(EnumValuesTest, RequestsNameTheFieldAtAnyDepth) {
  v1::SearchRequest search;
  search.set_value("x");
  search.set_type(static_cast<v1::IndicatorType>(99));
  EXPECT_EQ(CheckEnumValues(search).message(),
            "type: 99 is not a defined value (PHONE-FILE_HASH = 1-16)");

  v1::PullRequest pull;
  pull.add_nexus_types(v1::NEXUS_TYPE_HYBRID);
  pull.add_nexus_types(static_cast<v1::NexusType>(-1));
  pull.add_indicator_types(static_cast<v1::IndicatorType>(1000));
  absl::Status status = CheckEnumValues(pull);
  EXPECT_TRUE(absl::StrContains(status.message(), "nexus_types[1]: -1 is not a defined value"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "indicator_types[0]: 1000")) << status;

  v1::ListEntriesRequest list;
  list.mutable_filter()->set_action(static_cast<v1::AuditAction>(42));
  list.mutable_filter()->set_outcome(static_cast<v1::AuditOutcome>(-7));
  status = CheckEnumValues(list);
  EXPECT_TRUE(absl::StrContains(status.message(), "filter.action: 42")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "filter.outcome: -7")) << status;

  v1::PolicyTestCases cases;
  cases.add_cases();
  cases.add_cases()->mutable_record()->mutable_assessment()->set_source_reliability(
      static_cast<v1::SourceReliability>(-1));
  EXPECT_EQ(CheckEnumValues(cases).message(),
            "cases[1].record.assessment.source_reliability: -1 is not a defined value (A-F = 1-6)");

  // Defined values, including UNSPECIFIED, pass.
  EXPECT_TRUE(CheckEnumValues(v1::SearchRequest()).ok());
  pull.set_nexus_types(1, v1::NEXUS_TYPE_ALLIANCE);
  pull.set_indicator_types(0, v1::INDICATOR_TYPE_IBAN);
  EXPECT_TRUE(CheckEnumValues(pull).ok());
}

TEST(EnumValuesTest, NormalizerAndNamesNeverTakeAnUndefinedTypeForADefinedOne) {
  for (int value : kHostileValues) {
    auto type = static_cast<v1::IndicatorType>(value);
    absl::StatusOr<std::string> normalized = NormalizeIndicator(type, "+33 6 12 34 56 78");
    EXPECT_EQ(normalized.status().message(),
              absl::StrCat("type ", value, " is not a defined indicator type"));
    EXPECT_EQ(IndicatorTypeName(type), absl::StrCat("undefined(", value, ")"));
    v1::IndicatorType parsed;
    EXPECT_FALSE(ParseIndicatorType(IndicatorTypeName(type), &parsed));
  }
  EXPECT_EQ(NormalizeIndicator(v1::INDICATOR_TYPE_UNSPECIFIED, "x").status().message(),
            "type is required");
}

TEST(EnumValuesTest, AMillionUndefinedValuesGiveAShortAnswer) {
  v1::PullRequest pull;
  for (int i = 0; i < 1000000; ++i) pull.add_nexus_types(static_cast<v1::NexusType>(1000 + i));
  absl::Status status = CheckEnumValues(pull);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 4096u);
  EXPECT_TRUE(absl::StrContains(status.message(), "more undefined values not listed")) << status;
}

TEST(EnumValuesTest, PublishErrorsStayShortForHugeOrManyBadValues) {
  v1::Record draft = testing::SampleDraft();
  draft.mutable_indicators()->Clear();
  for (int i = 0; i < 1000; ++i) {
    v1::Indicator* indicator = draft.add_indicators();
    indicator->set_type(v1::INDICATOR_TYPE_IPV4);
    indicator->set_value(std::string(2000, 'x'));
  }
  draft.set_id(std::string(100000, '\x1b'));
  absl::Status status = ValidateAndNormalize(draft);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 8192u) << status.message().size();
  EXPECT_TRUE(absl::StrContains(status.message(), "more problems")) << status.message();
  EXPECT_FALSE(absl::StrContains(status.message(), "\x1b"));
}

class OpenUndefinedTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(keys_.Add("agency-a", "1", key_.public_key()).ok()); }

  // A record sealed by a signing peer that skipped validation: its signature is good.
  v1::SignedRecord SealedBy(const v1::Record& draft) {
    v1::Record record = draft;
    record.set_id(NewUuid());
    record.set_origin_agency("agency-a");
    record.set_version(1);
    return SealRecord(record, key_, "1");
  }

  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
};

TEST_F(OpenUndefinedTest, SignedRecordWithUndefinedValueDoesNotOpen) {
  for (const EnumField& field : RecordEnumFields()) {
    for (int value : field.Undefined()) {
      v1::SignedRecord sealed = SealedBy(DraftWith(field, value));
      for (auto open :
           {+[](const v1::SignedRecord&s, const Keyring&k) { return OpenRecord(s, k); },
            +[](const v1::SignedRecord&s, const Keyring&) { return DecodeStoredRecord(s); }}) {
        absl::StatusOr<OpenedRecord> opened = open(sealed, keys_);
        ASSERT_FALSE(opened.ok()) << field.name << " " << value;
        EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
        EXPECT_TRUE(
            absl::StrContains(opened.status().message(), absl::StrCat(field.name, ": ", value)))
            << opened.status();
      }
    }
    // The control: the same record with a defined value opens.
    EXPECT_TRUE(OpenRecord(SealedBy(DraftWith(field, 1)), keys_).ok()) << field.name;
  }
}

// Re-signs `sealed` after `edit` changed its manifest: what a malicious signer can produce.
v1::SignedRecord Resigned(v1::SignedRecord sealed, const PrivateKey& key,
                          const std::function<void(v1::Manifest&)>& edit) {
  v1::Manifest manifest;
  EXPECT_TRUE(manifest.ParseFromString(sealed.manifest()));
  edit(manifest);
  sealed.set_manifest(manifest.SerializeAsString());
  sealed.set_signature(key.Sign(absl::StrCat("nexus.v1.record", sealed.manifest())));
  return sealed;
}

TEST_F(OpenUndefinedTest, ManifestPartOfUndefinedKindDoesNotOpen) {
  v1::SignedRecord sealed = SealedBy(testing::SampleDraft());
  // Control: re-signing alone keeps it valid.
  ASSERT_TRUE(OpenRecord(Resigned(sealed, key_, [](v1::Manifest&) {}), keys_).ok());
  // An extra, withheld part of kind 257: as a byte in the digest it would read as kind 1.
  v1::SignedRecord forged = Resigned(sealed, key_, [](v1::Manifest& m) {
    v1::PartDigest* part = m.add_parts();
    part->set_kind(static_cast<v1::PartKind>(257));
    part->set_digest(std::string(32, 'd'));
  });
  absl::StatusOr<OpenedRecord> opened = OpenRecord(forged, keys_);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "kind: 257 is not a defined value"))
      << opened.status();
  EXPECT_FALSE(DecodeStoredRecord(forged).ok());
}

TEST_F(OpenUndefinedTest, TextPartThatIsNotUtf8DoesNotOpen) {
  v1::Record draft = testing::SampleDraft();
  draft.set_summary("caf\xe9 \xff\xfe");  // Latin-1, not UTF-8; set directly, never parsed
  absl::StatusOr<OpenedRecord> opened = OpenRecord(SealedBy(draft), keys_);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "SUMMARY part is malformed"))
      << opened.status();
  EXPECT_TRUE(absl::StrContains(ValidateAndNormalize(draft).message(), "summary is not UTF-8"));
  draft.set_summary("caf\xc3\xa9");
  EXPECT_TRUE(OpenRecord(SealedBy(draft), keys_).ok());
  EXPECT_TRUE(ValidateAndNormalize(draft).ok());
}

}  // namespace
}  // namespace nexus
