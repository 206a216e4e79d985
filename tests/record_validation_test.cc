#include "common/record_validation.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::SampleDraft;

std::string Problems(v1::Record record) {
  absl::Status status = ValidateAndNormalize(record);
  return status.ok() ? "" : std::string(status.message());
}

TEST(RecordValidation, SampleIsValidAndNormalized) {
  v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_IBAN, "de89 3704 0044 0532 0130 00"}});
  ASSERT_TRUE(ValidateAndNormalize(record).ok());
  EXPECT_EQ(record.indicators(0).value(), "de89 3704 0044 0532 0130 00");  // original kept
  EXPECT_EQ(record.indicators(0).normalized(), "DE89370400440532013000");
}

TEST(RecordValidation, NamesTheIndicatorAtFault) {
  v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"},
                                   {v1::INDICATOR_TYPE_DOMAIN, "example.org"},
                                   {v1::INDICATOR_TYPE_IPV4, "300.1.1.1"}});
  EXPECT_EQ(Problems(record), "indicator[2]: invalid IPv4 address '300.1.1.1'");
}

TEST(RecordValidation, TlpIsRequired) {
  v1::Record record = SampleDraft();
  record.clear_tlp();
  EXPECT_EQ(Problems(record), "tlp is required");
}

TEST(RecordValidation, ReportsEveryProblemAtOnce) {
  v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_EMAIL, "nobody"}});
  record.clear_tlp();
  record.mutable_assessment()->clear_nexus_type();
  std::string problems = Problems(record);
  EXPECT_TRUE(absl::StrContains(problems, "tlp is required")) << problems;
  EXPECT_TRUE(absl::StrContains(problems, "assessment.nexus_type is required")) << problems;
  EXPECT_TRUE(absl::StrContains(problems, "indicator[0]: invalid email address 'nobody'"))
      << problems;
}

TEST(RecordValidation, NeedsAnIndicator) {
  v1::Record record = SampleDraft({});
  EXPECT_EQ(Problems(record), "at least one indicator is required");
}

TEST(RecordValidation, DistributionRules) {
  v1::Record record = SampleDraft();
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
  EXPECT_EQ(Problems(record),
            "distribution.scope NAMED_AGENCIES needs at least one distribution.agencies");
  record.mutable_distribution()->add_agencies("Bad Agency");
  EXPECT_EQ(Problems(record), "distribution.agencies[0]: invalid agency id 'Bad Agency'");
  record.mutable_distribution()->set_agencies(0, "agency-b");
  EXPECT_EQ(Problems(record), "");
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
  EXPECT_EQ(Problems(record), "distribution.scope GROUP needs at least one distribution.groups");
  record.mutable_distribution()->clear_scope();
  EXPECT_EQ(Problems(record), "distribution.scope is required");
}

TEST(RecordValidation, RedNeedsNamedRecipients) {
  v1::Record record = SampleDraft();
  record.set_tlp(v1::TLP_RED);
  EXPECT_EQ(Problems(record), "tlp RED needs its recipients named in distribution.agencies");
  record.mutable_distribution()->add_agencies("agency-b");
  EXPECT_EQ(Problems(record), "");
}

TEST(RecordValidation, GradingIsRequired) {
  v1::Record record = SampleDraft();
  record.mutable_assessment()->clear_source_reliability();
  record.mutable_assessment()->clear_information_credibility();
  EXPECT_EQ(Problems(record),
            "assessment.source_reliability (A-F) is required; "
            "assessment.information_credibility (1-6) is required");
}

TEST(RecordValidation, RepeatedWatchPointAndTag) {
  v1::Record record = SampleDraft();
  record.mutable_assessment()->add_watch_points(v1::WATCH_POINT_CORRUPTION);
  record.mutable_tags()->add_values("test");
  EXPECT_EQ(Problems(record),
            "assessment.watch_points[1] repeats WATCH_POINT_CORRUPTION; tags[1] repeats 'test'");
}

TEST(RecordValidation, IdsMustBeCanonicalUuids) {
  v1::Record record = SampleDraft();
  record.set_id("ABC");
  record.mutable_related()->add_ids("not-a-uuid");
  EXPECT_EQ(Problems(record),
            "id 'ABC' is not a lower-case UUID; related.ids[0] 'not-a-uuid' is not a lower-case "
            "UUID");
}

TEST(RecordValidation, OversizedSummary) {
  v1::Record record = SampleDraft();
  record.set_summary(std::string(70000, 'x'));
  EXPECT_EQ(Problems(record), "summary is 70000 bytes; the limit is 65536");
}

TEST(RecordValidation, NexusCategories) {
  EXPECT_EQ(CategoryOf(v1::NEXUS_TYPE_ALLIANCE), NexusCategory::kTransactional);
  EXPECT_EQ(CategoryOf(v1::NEXUS_TYPE_APPROPRIATION_OF_TACTICS), NexusCategory::kTransactional);
  for (auto type : {v1::NEXUS_TYPE_INTEGRATION, v1::NEXUS_TYPE_HYBRID,
                    v1::NEXUS_TYPE_TRANSFORMATION, v1::NEXUS_TYPE_BLACK_HOLE}) {
    EXPECT_EQ(CategoryOf(type), NexusCategory::kOrganizational);
  }
  EXPECT_EQ(CategoryOf(v1::NEXUS_TYPE_UNSPECIFIED), NexusCategory::kUnknown);
}

TEST(RecordValidation, AgencyIds) {
  EXPECT_TRUE(IsValidAgencyId("fr-police"));
  EXPECT_TRUE(IsValidAgencyId("ecowas.coord"));
  EXPECT_FALSE(IsValidAgencyId(""));
  EXPECT_FALSE(IsValidAgencyId("-x"));
  EXPECT_FALSE(IsValidAgencyId("FR"));
  EXPECT_FALSE(IsValidAgencyId(std::string(65, 'a')));
}

}  // namespace
}  // namespace nexus
