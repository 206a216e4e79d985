// The policy engine fails closed on values it does not understand: a record whose grade, TLP,
// scope, nexus type, watch point or indicator type is outside its enum is denied to everyone,
// with the field named, and never compared as a number (where -1 would read as "better than A").
#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/sharing_policy.h"
#include "tests/policy_fixtures.h"

namespace nexus::policy {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000 + int64_t{10} * 86400 * 1000000;
// Undefined for every enum of a record; 9 is a defined watch point and indicator type.
constexpr int kHostileValues[] = {-1, 99, 1000, -2147483647 - 1, 2147483647};

// The example from issue 7: persons reach agency-c only from sources graded A or B.
constexpr char kPersonsPolicy[] = R"(
name: "persons"
rules {
  id: "share"
  effect: EFFECT_PERMIT
  recipient { groups: "region-west" groups: "region-east" }
}
rules {
  id: "persons-to-c-only-from-a-or-b"
  effect: EFFECT_FORBID
  recipient { agencies: "agency-c" }
  record { indicator_types: INDICATOR_TYPE_PERSON reliability_worse_than: SOURCE_RELIABILITY_B }
}
)";

class PolicyUndefinedValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = SharingPolicy::Parse(kPersonsPolicy, "persons.textproto", federation_);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    policy_ = *parsed;
  }

  Decision Decide(const RecordFacts& facts, const std::string& recipient) {
    return policy_->Decide(facts, federation_.AgencyIndex(recipient),
                           federation_.AgencyIndex("agency-a"), kNow);
  }
  Decision Decide(const v1::Record& record, const std::string& recipient) {
    return Decide(RecordFacts::From(record, federation_), recipient);
  }
  std::string Reasons(const Decision& decision) {
    return absl::StrJoin(policy_->Reasons(decision), ",");
  }
  v1::Record GradedAs(int reliability) {
    v1::Record record = testing::PolicyTestRecord();  // carries a person indicator
    record.mutable_assessment()->set_source_reliability(
        static_cast<v1::SourceReliability>(reliability));
    return record;
  }

  Federation federation_ = testing::PolicyTestFederation();
  std::shared_ptr<const SharingPolicy> policy_;
};

TEST_F(PolicyUndefinedValuesTest, TheForbidRuleWorksOnDefinedGrades) {
  EXPECT_TRUE(Decide(GradedAs(v1::SOURCE_RELIABILITY_A), "agency-c").permit);
  EXPECT_TRUE(Decide(GradedAs(v1::SOURCE_RELIABILITY_B), "agency-c").permit);
  Decision c = Decide(GradedAs(v1::SOURCE_RELIABILITY_C), "agency-c");
  EXPECT_FALSE(c.permit);
  EXPECT_EQ(Reasons(c), "rule:persons-to-c-only-from-a-or-b");
}

TEST_F(PolicyUndefinedValuesTest, PersonGradedMinusOneDoesNotReachC) {
  for (int grade : {-1, 7, 9, 99, 1000, -2147483647 - 1, 2147483647}) {
    for (const char* recipient : {"agency-c", "agency-b", "agency-a", "coord"}) {
      Decision d = Decide(GradedAs(grade), recipient);
      EXPECT_FALSE(d.permit) << grade << " " << recipient;
      EXPECT_EQ(Reasons(d), "undefined-value:assessment.source_reliability")
          << grade << " " << recipient;
    }
  }
}

TEST_F(PolicyUndefinedValuesTest, FactsBuiltByHandFailClosedToo) {
  RecordFacts facts = RecordFacts::From(GradedAs(v1::SOURCE_RELIABILITY_B), federation_);
  ASSERT_TRUE(Decide(facts, "agency-c").permit);
  facts.reliability = -1;
  EXPECT_FALSE(Decide(facts, "agency-c").permit);
  facts.reliability = 2;
  facts.credibility = 7;
  EXPECT_EQ(Reasons(Decide(facts, "agency-c")),
            "undefined-value:assessment.information_credibility");
  facts.credibility = 2;
  facts.tlp = static_cast<v1::Tlp>(99);
  EXPECT_EQ(Reasons(Decide(facts, "agency-c")), "undefined-value:tlp");
  facts.tlp = v1::TLP_GREEN;
  facts.scope = static_cast<v1::DistributionScope>(-5);
  EXPECT_EQ(Reasons(Decide(facts, "agency-c")), "undefined-value:distribution.scope");
}

TEST_F(PolicyUndefinedValuesTest, EveryUndefinedFieldIsDeniedAndNamed) {
  struct Case {
    const char* limit;
    int control;  // a defined value under which the record is shared
    std::function<void(v1::Record&, int)> set;
  };
  const Case cases[] = {
      {"undefined-value:tlp", v1::TLP_CLEAR,
       [](v1::Record& r, int v) { r.set_tlp(static_cast<v1::Tlp>(v)); }},
      {"undefined-value:distribution.scope", v1::DISTRIBUTION_SCOPE_FEDERATION,
       [](v1::Record& r, int v) {
         r.mutable_distribution()->set_scope(static_cast<v1::DistributionScope>(v));
       }},
      {"undefined-value:assessment.nexus_type", v1::NEXUS_TYPE_INTEGRATION,
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_nexus_type(static_cast<v1::NexusType>(v));
       }},
      {"undefined-value:assessment.watch_points", v1::WATCH_POINT_ECONOMIC,
       [](v1::Record& r, int v) {
         r.mutable_assessment()->add_watch_points(static_cast<v1::WatchPoint>(v));
       }},
      {"undefined-value:assessment.information_credibility", v1::INFORMATION_CREDIBILITY_3,
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_information_credibility(
             static_cast<v1::InformationCredibility>(v));
       }},
      {"undefined-value:indicators.type", v1::INDICATOR_TYPE_DOMAIN,
       [](v1::Record& r, int v) {
         r.add_indicators()->set_type(static_cast<v1::IndicatorType>(v));
       }},
  };
  for (const Case& c : cases) {
    for (int value : kHostileValues) {
      v1::Record record = testing::PolicyTestRecord();
      c.set(record, value);
      Decision d = Decide(record, "agency-b");
      EXPECT_FALSE(d.permit) << c.limit << " " << value;
      EXPECT_EQ(Reasons(d), c.limit) << value;
    }
    v1::Record control = testing::PolicyTestRecord();
    c.set(control, c.control);
    EXPECT_TRUE(Decide(control, "agency-b").permit) << c.limit;
  }
}

TEST_F(PolicyUndefinedValuesTest, AtLeastConditionsDoNotTakeMinusOneAsBetterThanA) {
  auto parsed = SharingPolicy::Parse(R"(
rules { id: "good-sources" effect: EFFECT_PERMIT record { reliability_at_least: SOURCE_RELIABILITY_B
  credibility_at_least: INFORMATION_CREDIBILITY_2 } })",
                                     "p.textproto", federation_);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto decide = [&](const v1::Record& record) {
    return (*parsed)->Decide(RecordFacts::From(record, federation_),
                             federation_.AgencyIndex("agency-b"),
                             federation_.AgencyIndex("agency-a"), kNow);
  };
  EXPECT_TRUE(decide(GradedAs(v1::SOURCE_RELIABILITY_A)).permit);
  EXPECT_FALSE(decide(GradedAs(-1)).permit);
  v1::Record credibility = testing::PolicyTestRecord();
  credibility.mutable_assessment()->set_information_credibility(
      static_cast<v1::InformationCredibility>(-1));
  EXPECT_FALSE(decide(credibility).permit);
}

TEST_F(PolicyUndefinedValuesTest, ExplainNeverCallsAnUndefinedGradeGoodEnough) {
  std::vector<std::string> lines;
  Decision d = policy_->Explain(RecordFacts::From(GradedAs(-1), federation_),
                                federation_.AgencyIndex("agency-c"),
                                federation_.AgencyIndex("agency-a"), kNow, &lines);
  EXPECT_FALSE(d.permit);
  std::string text = absl::StrJoin(lines, "\n");
  EXPECT_TRUE(absl::StrContains(text, "undefined-value:assessment.source_reliability")) << text;
  EXPECT_TRUE(absl::StrContains(text, "deny")) << text;
  EXPECT_FALSE(absl::StrContains(text, "graded as well or better")) << text;
  EXPECT_FALSE(absl::StrContains(text, "matches")) << text;
  EXPECT_FALSE(absl::StrContains(text, "permit")) << text;
}

TEST_F(PolicyUndefinedValuesTest, PolicyTextWithUndefinedNumbersIsRefusedWithPositions) {
  struct Case {
    const char* field;
    const char* expected;
  };
  const Case cases[] = {
      {"record { tlp: 99 }", "Tlp value 99"},
      {"record { scopes: -1 }", "DistributionScope value -1"},
      {"record { nexus_types: 1000 }", "NexusType value 1000"},
      {"record { watch_points: 12 }", "WatchPoint value 12"},
      {"record { indicator_types: 17 }", "IndicatorType value 17"},
      {"record { reliability_at_least: -1 }", "reliability_at_least"},
      {"record { credibility_at_least: 9 }", "credibility_at_least"},
      {"record { reliability_worse_than: 7 }", "reliability_worse_than"},
      {"record { credibility_worse_than: -3 }", "credibility_worse_than"},
      {"redact { indicator_types: 99 }", "IndicatorType value 99"},
  };
  for (const Case& c : cases) {
    std::string text = absl::StrCat(
        "name: \"p\"\nrules {\n  id: \"r\"\n  effect: EFFECT_PERMIT\n  ", c.field, "\n}\n");
    auto parsed = SharingPolicy::Parse(text, "p.textproto", federation_);
    ASSERT_FALSE(parsed.ok()) << c.field;
    std::string message(parsed.status().message());
    EXPECT_TRUE(absl::StrContains(message, "p.textproto:5:")) << message;
    EXPECT_TRUE(absl::StrContains(message, c.expected)) << message;
  }
  auto effect = SharingPolicy::Parse("rules { id: \"r\" effect: 5 }", "p.textproto", federation_);
  ASSERT_FALSE(effect.ok());
  EXPECT_TRUE(absl::StrContains(effect.status().message(), "p.textproto:1:")) << effect.status();
}

}  // namespace
}  // namespace nexus::policy
