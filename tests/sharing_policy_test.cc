// The policy engine's semantics, originator limits, validation errors and redaction.
#include "policy/sharing_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/record_seal.h"
#include "policy/originator_limits.h"
#include "policy/redaction.h"
#include "tests/policy_fixtures.h"

namespace nexus::policy {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000 + int64_t{10} * 86400 * 1000000;  // 10 days on

class SharingPolicyTest : public ::testing::Test {
 protected:
  std::shared_ptr<const SharingPolicy> Policy(const std::string& text,
                                              std::vector<std::string>* warnings = nullptr) {
    auto policy = SharingPolicy::Parse(text, "p.textproto", federation_, warnings);
    EXPECT_TRUE(policy.ok()) << policy.status();
    return policy.ok() ? *policy : SharingPolicy::DenyAll(federation_);
  }
  std::string Errors(const std::string& text) {
    auto policy = SharingPolicy::Parse(text, "p.textproto", federation_);
    return policy.ok() ? "" : std::string(policy.status().message());
  }
  Decision Decide(const SharingPolicy& policy, const v1::Record& record,
                  const std::string& recipient, const std::string& holder = "agency-a") {
    return policy.Decide(RecordFacts::From(record, federation_), federation_.AgencyIndex(recipient),
                         federation_.AgencyIndex(holder), kNow);
  }
  std::string Reasons(const SharingPolicy& policy, const Decision& decision) {
    return absl::StrJoin(policy.Reasons(decision), ",");
  }

  Federation federation_ = testing::PolicyTestFederation();
  v1::Record record_ = testing::PolicyTestRecord();
};

constexpr char kPermitWest[] = R"(
name: "west"
rules { id: "west" effect: EFFECT_PERMIT recipient { groups: "region-west" } }
)";

TEST_F(SharingPolicyTest, DefaultDeny) {
  auto policy = Policy("name: \"empty\"");
  Decision d = Decide(*policy, record_, "agency-b");
  EXPECT_FALSE(d.permit);
  EXPECT_EQ(Reasons(*policy, d), "policy:default-deny");
}

TEST_F(SharingPolicyTest, OriginAndHolderAlwaysReceive) {
  auto policy = Policy("name: \"empty\"");
  EXPECT_EQ(Reasons(*policy, Decide(*policy, record_, "agency-a")), "origin:own-record");
  Decision held = Decide(*policy, record_, "agency-b", "agency-b");
  EXPECT_TRUE(held.permit);
  EXPECT_EQ(Reasons(*policy, held), "holder:own-agency");
}

TEST_F(SharingPolicyTest, MatchingPermitNamesItsRule) {
  auto policy = Policy(kPermitWest);
  Decision d = Decide(*policy, record_, "agency-b");
  EXPECT_TRUE(d.permit);
  EXPECT_EQ(d.EffectName(), "permit");
  EXPECT_EQ(Reasons(*policy, d), "rule:west");
  EXPECT_FALSE(Decide(*policy, record_, "agency-c").permit);
  EXPECT_FALSE(Decide(*policy, record_, "stranger").permit);
  EXPECT_EQ(Reasons(*policy, Decide(*policy, record_, "stranger")), "federation:unknown-recipient");
}

TEST_F(SharingPolicyTest, ForbidOverridesEveryPermitWhateverTheOrder) {
  std::string permit = R"(rules { id: "all" effect: EFFECT_PERMIT })";
  std::string forbid =
      R"(rules { id: "no-hybrid-to-b" effect: EFFECT_FORBID recipient { agencies: "agency-b" } record { nexus_types: NEXUS_TYPE_HYBRID } })";
  for (const std::string& text : {permit + forbid, forbid + permit}) {
    auto policy = Policy(text);
    Decision d = Decide(*policy, record_, "agency-b");
    EXPECT_FALSE(d.permit);
    EXPECT_EQ(Reasons(*policy, d), "rule:no-hybrid-to-b");
    EXPECT_TRUE(Decide(*policy, record_, "coord").permit);
  }
}

TEST_F(SharingPolicyTest, MatchingPermitsWithholdTheUnionOfTheirRedactions) {
  auto policy = Policy(R"(
    rules { id: "r1" effect: EFFECT_PERMIT redact { summary: true } }
    rules { id: "r2" effect: EFFECT_PERMIT recipient { countries: "FR" }
            redact { indicator_types: INDICATOR_TYPE_PERSON } }
    rules { id: "r3" effect: EFFECT_PERMIT recipient { countries: "DE" } redact { tags: true } })");
  Decision d = Decide(*policy, record_, "agency-b");
  ASSERT_TRUE(d.permit);
  EXPECT_EQ(d.EffectName(), "permit-with-redaction");
  EXPECT_EQ(Reasons(*policy, d), "rule:r1,rule:r2");
  EXPECT_EQ(d.withheld.ToRedaction().ShortDebugString(),
            "summary: true indicator_types: INDICATOR_TYPE_PERSON");
}

TEST_F(SharingPolicyTest, RecordConditions) {
  auto decide = [&](const std::string& condition, const v1::Record& record) {
    auto policy = Policy(
        absl::StrCat("rules { id: \"r\" effect: EFFECT_PERMIT record { ", condition, " } }"));
    return Decide(*policy, record, "agency-b").permit;
  };
  EXPECT_TRUE(decide("tlp: TLP_GREEN", record_));
  EXPECT_FALSE(decide("tlp: TLP_CLEAR", record_));
  EXPECT_TRUE(decide("origin_agencies: \"agency-a\"", record_));
  EXPECT_FALSE(decide("origin_agencies: \"agency-c\"", record_));
  EXPECT_TRUE(decide("scopes: DISTRIBUTION_SCOPE_FEDERATION", record_));
  EXPECT_FALSE(decide("nexus_types: NEXUS_TYPE_ALLIANCE", record_));
  EXPECT_TRUE(
      decide("watch_points: WATCH_POINT_CORRUPTION watch_points: WATCH_POINT_ECONOMIC", record_));
  EXPECT_TRUE(decide("indicator_types: INDICATOR_TYPE_PERSON", record_));
  EXPECT_FALSE(decide("indicator_types: INDICATOR_TYPE_IBAN", record_));
  EXPECT_TRUE(decide("tags: \"drugs\"", record_));
  EXPECT_FALSE(decide("tags: \"arms\"", record_));
  v1::Record shouted = record_;
  shouted.mutable_tags()->set_values(0, " DRUGS ");
  EXPECT_TRUE(decide("tags: \"Drugs\"", shouted));  // labels compare trimmed and case-folded
  EXPECT_TRUE(decide("reliability_at_least: SOURCE_RELIABILITY_B", record_));
  EXPECT_FALSE(decide("reliability_at_least: SOURCE_RELIABILITY_A", record_));
  EXPECT_TRUE(decide("credibility_at_least: INFORMATION_CREDIBILITY_3", record_));
  EXPECT_FALSE(decide("credibility_at_least: INFORMATION_CREDIBILITY_1", record_));
  EXPECT_TRUE(decide("reliability_worse_than: SOURCE_RELIABILITY_A", record_));
  EXPECT_FALSE(decide("reliability_worse_than: SOURCE_RELIABILITY_B", record_));
  EXPECT_TRUE(decide("credibility_worse_than: INFORMATION_CREDIBILITY_1", record_));
  EXPECT_FALSE(decide("credibility_worse_than: INFORMATION_CREDIBILITY_2", record_));
  EXPECT_TRUE(decide("max_age_days: 30", record_));
  EXPECT_FALSE(decide("max_age_days: 5", record_));
  EXPECT_TRUE(decide("min_age_days: 5", record_));
  EXPECT_FALSE(decide("min_age_days: 30", record_));
  // A received record's times are whatever its origin signed: extremes saturate, never overflow.
  v1::Record ancient = record_, future = record_;
  ancient.set_modified_unix_micros(std::numeric_limits<int64_t>::min());
  future.set_modified_unix_micros(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(decide("max_age_days: 30", ancient));
  EXPECT_TRUE(decide("min_age_days: 5", ancient));
  EXPECT_TRUE(decide("max_age_days: 30", future));
  EXPECT_FALSE(decide("min_age_days: 5", future));
  v1::Record coded = record_;
  coded.add_handling_codes("Law Enforcement Only");
  EXPECT_TRUE(decide("handling_codes: \"law enforcement only\"", coded));
  EXPECT_FALSE(decide("handling_codes: \"law enforcement only\"", record_));
}

TEST_F(SharingPolicyTest, RecipientConditions) {
  auto policy = Policy(R"(rules { id: "r" effect: EFFECT_PERMIT
      recipient { countries: "FR" countries: "BE" groups: "region-west" } })");
  EXPECT_TRUE(Decide(*policy, record_, "agency-b").permit);
  EXPECT_TRUE(Decide(*policy, record_, "coord").permit);
  EXPECT_FALSE(Decide(*policy, record_, "agency-c").permit);
}

// ---- Originator limits: no rule widens them ----

constexpr char kPermitAll[] = R"(rules { id: "all" effect: EFFECT_PERMIT })";

TEST_F(SharingPolicyTest, TlpRedOnlyToNamedRecipientsAndOnlyFromTheOrigin) {
  auto policy = Policy(kPermitAll);
  v1::Record red = record_;
  red.set_tlp(v1::TLP_RED);
  red.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
  red.mutable_distribution()->add_agencies("agency-b");
  EXPECT_TRUE(Decide(*policy, red, "agency-b").permit);
  EXPECT_EQ(Reasons(*policy, Decide(*policy, red, "coord")),
            "originator:scope-named-agencies,originator:tlp-red");
  // agency-b received it; its node may not pass it on, even to a named recipient.
  red.mutable_distribution()->add_agencies("coord");
  EXPECT_EQ(Reasons(*policy, Decide(*policy, red, "coord", "agency-b")), "originator:tlp-red");
}

TEST_F(SharingPolicyTest, AmberStrictStaysWithTheRecipientAgency) {
  auto policy = Policy(kPermitAll);
  v1::Record strict = record_;
  strict.set_tlp(v1::TLP_AMBER_STRICT);
  EXPECT_TRUE(Decide(*policy, strict, "agency-b").permit);                   // from the origin
  EXPECT_TRUE(Decide(*policy, strict, "agency-b", "agency-b").permit);       // within agency-b
  EXPECT_EQ(Reasons(*policy, Decide(*policy, strict, "coord", "agency-b")),  // re-shared
            "originator:tlp-amber-strict");
}

TEST_F(SharingPolicyTest, AmberIsReSharedOnlyWithinAnExplicitDistribution) {
  auto policy = Policy(kPermitAll);
  v1::Record amber = record_;
  amber.set_tlp(v1::TLP_AMBER);
  EXPECT_TRUE(Decide(*policy, amber, "coord").permit);
  EXPECT_EQ(Reasons(*policy, Decide(*policy, amber, "coord", "agency-b")), "originator:tlp-amber");
  amber.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
  amber.mutable_distribution()->add_groups("region-west");
  EXPECT_TRUE(Decide(*policy, amber, "coord", "agency-b").permit);
  EXPECT_EQ(Reasons(*policy, Decide(*policy, amber, "agency-c", "agency-b")),
            "originator:scope-group");
}

TEST_F(SharingPolicyTest, DistributionScopeAndNoFurtherDissemination) {
  auto policy = Policy(kPermitAll);
  v1::Record own = record_;
  own.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);
  EXPECT_EQ(Reasons(*policy, Decide(*policy, own, "agency-b")), "originator:scope-origin-only");
  v1::Record nfd = record_;
  nfd.add_handling_codes("No further dissemination without originator consent");
  EXPECT_TRUE(Decide(*policy, nfd, "agency-b").permit);  // the origin consents by sharing
  EXPECT_EQ(Reasons(*policy, Decide(*policy, nfd, "coord", "agency-b")),
            "originator:no-further-dissemination");
}

// ---- Validation ----

TEST_F(SharingPolicyTest, UnknownFieldAndEnumNameAreParseErrorsWithPositions) {
  EXPECT_TRUE(absl::StartsWith(Errors("rules {\n  id: \"r\"\n  colour: 1\n}"), "p.textproto:3:"))
      << Errors("rules {\n  id: \"r\"\n  colour: 1\n}");
  std::string e = Errors("rules { id: \"r\" effect: EFFECT_MAYBE }");
  EXPECT_TRUE(absl::StartsWith(e, "p.textproto:1:")) << e;
  EXPECT_TRUE(absl::StrContains(e, "EFFECT_MAYBE")) << e;
}

TEST_F(SharingPolicyTest, UnknownEnumNumberIsRefused) {
  std::string e = Errors("rules { id: \"r\" effect: EFFECT_PERMIT\n record { tlp: 42 } }");
  EXPECT_TRUE(
      absl::StrContains(e, "p.textproto:2:11: rule 'r': unknown or unspecified Tlp value 42"))
      << e;
}

TEST_F(SharingPolicyTest, DuplicateRuleIds) {
  std::string e = Errors(
      "rules { id: \"r\" effect: EFFECT_PERMIT }\nrules { id: \"r\" effect: EFFECT_FORBID }");
  EXPECT_TRUE(absl::StrContains(e,
                                "p.textproto:2:9: rule 'r': duplicate rule id (first at "
                                "p.textproto:1:9)"))
      << e;
}

TEST_F(SharingPolicyTest, RuleThatCanNeverMatch) {
  std::string e =
      Errors("rules { id: \"r\" effect: EFFECT_PERMIT\n recipient { agencies: \"nobody\" } }");
  EXPECT_TRUE(absl::StrContains(
      e, "rule 'r': can never match: none of its recipient agencies is a federation member"))
      << e;
  EXPECT_TRUE(absl::StartsWith(e, "p.textproto:2:")) << e;
}

TEST_F(SharingPolicyTest, UnknownGroupIsAWarning) {
  std::vector<std::string> warnings;
  auto policy =
      Policy("rules { id: \"r\" effect: EFFECT_PERMIT recipient { groups: \"mars\" } }", &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "p.textproto:1:51: warning: rule 'r': no known agency is in group 'mars'");
}

TEST_F(SharingPolicyTest, ConflictingConditions) {
  std::string e = Errors(R"(rules { id: "r" effect: EFFECT_PERMIT
      recipient { agencies: "agency-c" groups: "region-west" } })");
  EXPECT_TRUE(absl::StrContains(e, "rule 'r': conflicting conditions: none of recipient.agencies"))
      << e;
  e = Errors(
      R"(rules { id: "r" effect: EFFECT_PERMIT record { min_age_days: 9 max_age_days: 3 } })");
  EXPECT_TRUE(absl::StrContains(e,
                                "conflicting conditions: min_age_days 9 is more than "
                                "max_age_days 3"))
      << e;
}

TEST_F(SharingPolicyTest, StructuralErrors) {
  std::string e = Errors(R"(rules { effect: EFFECT_FORBID redact { summary: true } }
rules { id: "x" })");
  EXPECT_TRUE(absl::StrContains(e, "rules[0]: id is required")) << e;
  EXPECT_TRUE(absl::StrContains(e, "rules[0]: a forbid rule cannot redact")) << e;
  EXPECT_TRUE(absl::StrContains(e, "rule 'x': effect is required")) << e;
}

TEST_F(SharingPolicyTest, MoreThan64GroupsAreRefusedNotIgnored) {
  google::protobuf::RepeatedPtrField<v1::Agency> agencies;
  for (int i = 0; i < 70; ++i) {
    v1::Agency* agency = agencies.Add();
    agency->set_id(absl::StrCat("agency-", i));
    agency->set_country("FR");
    agency->add_groups(absl::StrCat("g", i));
  }
  Federation big(agencies);
  auto policy = SharingPolicy::Parse(
      "rules { id: \"f\" effect: EFFECT_FORBID recipient { groups: \"g68\" } }", "p.textproto",
      big);
  ASSERT_FALSE(policy.ok());
  EXPECT_TRUE(absl::StrContains(policy.status().message(), "at most 64 groups")) << policy.status();
}

// ---- Explanations and redaction ----

TEST_F(SharingPolicyTest, ExplainSaysWhichConditionFailed) {
  auto policy =
      Policy(R"(rules { id: "east" effect: EFFECT_PERMIT recipient { groups: "region-east" } }
rules { id: "iban" effect: EFFECT_PERMIT record { indicator_types: INDICATOR_TYPE_IBAN } })");
  std::vector<std::string> lines;
  Decision d =
      policy->Explain(RecordFacts::From(record_, federation_), federation_.AgencyIndex("agency-b"),
                      federation_.AgencyIndex("agency-a"), kNow, &lines);
  EXPECT_FALSE(d.permit);
  std::string text = absl::StrJoin(lines, "\n");
  EXPECT_TRUE(absl::StrContains(text, "rule 'east' (permit): no match: recipient.groups")) << text;
  EXPECT_TRUE(absl::StrContains(text, "rule 'iban' (permit): no match: record.indicator_types"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "policy:default-deny")) << text;
}

TEST_F(SharingPolicyTest, RedactionKeepsTheSignatureValid) {
  PrivateKey key = PrivateKey::Generate();
  Keyring keys;
  ASSERT_TRUE(keys.Add("agency-a", "1", key.public_key()).ok());
  v1::SignedRecord sealed = SealRecord(record_, key, "1");
  v1::Redaction redaction;
  redaction.set_summary(true);
  redaction.add_indicator_types(v1::INDICATOR_TYPE_PERSON);
  EXPECT_EQ(ApplyRedaction(Withheld::From(redaction), sealed), 2);
  auto opened = OpenRecord(sealed, keys);
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_EQ(opened->record.indicators_size(), 1);
  EXPECT_EQ(opened->record.indicators(0).type(), v1::INDICATOR_TYPE_PHONE);
  EXPECT_TRUE(opened->record.summary().empty());
  EXPECT_EQ(opened->withheld.size(), 2u);
  EXPECT_FALSE(absl::StrContains(sealed.SerializeAsString(), "Jean Dupont"));
}

}  // namespace
}  // namespace nexus::policy

namespace nexus::policy {
namespace {

class HitNoticeDecisionTest : public ::testing::Test {
 protected:
  Decision Decide(const std::string& text, const v1::Record& record, const std::string& recipient,
                  const std::string& holder = "agency-a") {
    auto policy = SharingPolicy::Parse(text, "p.textproto", federation_);
    EXPECT_TRUE(policy.ok()) << policy.status();
    last_ = *policy;
    return (*policy)->Decide(RecordFacts::From(record, federation_),
                             federation_.AgencyIndex(recipient), federation_.AgencyIndex(holder),
                             1'700'000'000'000'000);
  }
  std::string Reasons(const Decision& decision) {
    return absl::StrJoin(last_->Reasons(decision), ",");
  }
  // RED, named to agency-b only; hit notices to the whole federation.
  v1::Record RedWithFederationHitNotices() {
    v1::Record record = testing::PolicyTestRecord();
    record.set_tlp(v1::TLP_RED);
    record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
    record.mutable_distribution()->add_agencies("agency-b");
    record.mutable_distribution()->mutable_hit_notices()->set_scope(
        v1::DISTRIBUTION_SCOPE_FEDERATION);
    return record;
  }
  Federation federation_ = testing::PolicyTestFederation();
  std::shared_ptr<const SharingPolicy> last_;
};

TEST_F(HitNoticeDecisionTest, TheOriginatorsAudienceGetsAHitNoticeNotTheRecord) {
  Decision d = Decide("name: \"empty\"", RedWithFederationHitNotices(), "agency-c");
  EXPECT_FALSE(d.permit);
  EXPECT_TRUE(d.hit_notice);
  EXPECT_EQ(d.EffectName(), "hit-only");
  EXPECT_TRUE(absl::StrContains(Reasons(d), "originator:tlp-red")) << Reasons(d);
  EXPECT_TRUE(absl::StrContains(Reasons(d), "originator:hit-notice-audience")) << Reasons(d);
  // The named recipient may receive the record itself only under a permit; unknown: nothing.
  EXPECT_FALSE(Decide("name: \"empty\"", RedWithFederationHitNotices(), "nobody").hit_notice);
}

TEST_F(HitNoticeDecisionTest, WithoutAHitAudienceNothingChanges) {
  v1::Record record = RedWithFederationHitNotices();
  record.mutable_distribution()->clear_hit_notices();
  Decision d = Decide("name: \"empty\"", record, "agency-c");
  EXPECT_FALSE(d.permit);
  EXPECT_FALSE(d.hit_notice);
  EXPECT_EQ(d.EffectName(), "deny");
  // A group audience reaches its members only.
  record.mutable_distribution()->mutable_hit_notices()->set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
  record.mutable_distribution()->mutable_hit_notices()->add_groups("region-east");
  EXPECT_TRUE(Decide("name: \"empty\"", record, "agency-c").hit_notice);
  EXPECT_FALSE(Decide("name: \"empty\"", record, "coord").hit_notice);
}

TEST_F(HitNoticeDecisionTest, APolicyCanOnlyNarrowIt) {
  // A forbid takes the hit notice away too.
  Decision d = Decide(R"(name: "p"
    rules { id: "no-c" effect: EFFECT_FORBID recipient { agencies: "agency-c" } })",
                      RedWithFederationHitNotices(), "agency-c");
  EXPECT_FALSE(d.permit);
  EXPECT_FALSE(d.hit_notice);
  EXPECT_TRUE(absl::StartsWith(Reasons(d), "rule:no-c")) << Reasons(d);
  // A hit-only rule turns what a permit would send into a hit notice.
  const char* kHitOnlyForC = R"(name: "p"
    rules { id: "all" effect: EFFECT_PERMIT recipient { agencies: "agency-c" } }
    rules { id: "c-hits" effect: EFFECT_HIT_ONLY recipient { agencies: "agency-c" } })";
  d = Decide(kHitOnlyForC, testing::PolicyTestRecord(), "agency-c");
  EXPECT_FALSE(d.permit);
  EXPECT_TRUE(d.hit_notice);
  EXPECT_EQ(Reasons(d), "rule:c-hits");
  // Where no permit matches, a hit-only rule gives nothing the originator did not allow.
  d = Decide(R"(name: "p"
    rules { id: "c-hits" effect: EFFECT_HIT_ONLY recipient { agencies: "agency-c" } })",
             testing::PolicyTestRecord(), "agency-c");
  EXPECT_FALSE(d.hit_notice);
  // The origin and the holder's own agency still receive the record whole.
  EXPECT_TRUE(Decide(kHitOnlyForC, testing::PolicyTestRecord(), "agency-a").permit);
  // A hit-only rule cannot redact.
  auto invalid = SharingPolicy::Parse(R"(name: "p"
    rules { id: "x" effect: EFFECT_HIT_ONLY redact { summary: true } })",
                                      "p.textproto", federation_);
  EXPECT_FALSE(invalid.ok());
}

}  // namespace
}  // namespace nexus::policy
