// Properties of the policy engine over thousands of random policies, records and recipients:
//   - no decision exceeds the originator's limits;
//   - a matching forbid always wins;
//   - adding a permit rule never turns a permit into a deny;
//   - adding a forbid rule never turns a deny into a permit, nor withholds less;
//   - decisions do not depend on rule order;
//   - an explained decision is the same decision.
// "Access" in the permit property is the effect: a permit added with a redaction may, by the
// union-of-redactions semantics, withhold more parts of a record that was already permitted.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "policy/originator_limits.h"
#include "policy/sharing_policy.h"
#include "tests/policy_fixtures.h"
#include "tests/seeded_random.h"

namespace nexus::policy {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000 + int64_t{10} * 86400 * 1000000;
const char* kAgencies[] = {"agency-a", "agency-b", "agency-c", "coord"};
const char* kGroups[] = {"region-west", "region-east", "coordinator"};
const char* kCountries[] = {"FR", "DE", "BE"};
const char* kTags[] = {"drugs", "arms", "finance"};

using Random = testing::SeededRandom;

v1::Rule RandomRule(Random& random, int index, v1::Effect effect) {
  v1::Rule rule;
  rule.set_id(absl::StrCat("r", index));
  rule.set_effect(effect);
  if (random.Chance(30)) rule.mutable_recipient()->add_agencies(random.Pick(kAgencies));
  if (random.Chance(20)) rule.mutable_recipient()->add_countries(random.Pick(kCountries));
  if (random.Chance(30)) rule.mutable_recipient()->add_groups(random.Pick(kGroups));
  v1::RecordCondition* record = rule.mutable_record();
  if (random.Chance(30)) record->add_tlp(static_cast<v1::Tlp>(1 + random.Below(5)));
  if (random.Chance(20)) record->add_origin_agencies(random.Pick(kAgencies));
  if (random.Chance(20)) record->add_nexus_types(static_cast<v1::NexusType>(1 + random.Below(6)));
  if (random.Chance(20)) {
    record->add_indicator_types(random.Chance(50) ? v1::INDICATOR_TYPE_PHONE
                                                  : v1::INDICATOR_TYPE_PERSON);
  }
  if (random.Chance(20)) record->add_tags(random.Pick(kTags));
  if (random.Chance(10)) {
    record->set_reliability_at_least(static_cast<v1::SourceReliability>(1 + random.Below(6)));
  }
  if (random.Chance(10)) record->set_max_age_days(1 + random.Below(20));
  if (effect == v1::EFFECT_PERMIT && random.Chance(50)) {
    v1::Redaction* redact = rule.mutable_redact();
    redact->set_summary(random.Chance(50));
    redact->set_tags(random.Chance(30));
    if (random.Chance(40)) redact->add_indicator_types(v1::INDICATOR_TYPE_PERSON);
  }
  return rule;
}

v1::Record RandomRecord(Random& random) {
  v1::Record record = testing::PolicyTestRecord();
  record.set_origin_agency(random.Pick(kAgencies));
  record.set_tlp(static_cast<v1::Tlp>(1 + random.Below(5)));
  v1::Distribution* d = record.mutable_distribution();
  d->set_scope(static_cast<v1::DistributionScope>(1 + random.Below(4)));
  if (random.Chance(60)) d->add_agencies(random.Pick(kAgencies));
  if (random.Chance(60)) d->add_groups(random.Pick(kGroups));
  if (random.Chance(15)) record.add_handling_codes("no further dissemination");
  record.mutable_assessment()->set_nexus_type(static_cast<v1::NexusType>(1 + random.Below(6)));
  record.mutable_assessment()->set_source_reliability(
      static_cast<v1::SourceReliability>(1 + random.Below(6)));
  record.mutable_tags()->set_values(0, random.Pick(kTags));
  record.set_modified_unix_micros(kNow - int64_t{random.Below(30)} * 86400 * 1000000);
  return record;
}

std::shared_ptr<const SharingPolicy> Compile(const v1::SharingPolicy& message,
                                             const Federation& federation) {
  auto policy = SharingPolicy::Compile(message, federation);
  return policy.ok() ? *policy : nullptr;  // a random rule may be invalid (conflicting)
}

TEST(SharingPolicyProperties, InvariantsHoldForRandomPolicies) {
  Federation federation = testing::PolicyTestFederation();
  Random random(20261126);
  int checked = 0, permits = 0, forbids_won = 0;
  for (int trial = 0; trial < 10000; ++trial) {
    v1::SharingPolicy message;
    int rules = 1 + random.Below(12);
    for (int i = 0; i < rules; ++i) {
      *message.add_rules() =
          RandomRule(random, i, random.Chance(25) ? v1::EFFECT_FORBID : v1::EFFECT_PERMIT);
    }
    auto policy = Compile(message, federation);
    if (policy == nullptr) continue;
    v1::Record record = RandomRecord(random);
    RecordFacts facts = RecordFacts::From(record, federation);
    int recipient = federation.AgencyIndex(random.Pick(kAgencies));
    int holder = federation.AgencyIndex(random.Pick(kAgencies));
    Decision decision = policy->Decide(facts, recipient, holder, kNow);
    ++checked;
    permits += decision.permit;

    // 1. Never beyond the originator's limits.
    bool own = recipient == facts.origin || recipient == holder;
    if (!own && OriginatorLimits(facts, recipient, holder, federation) != 0) {
      ASSERT_FALSE(decision.permit) << message.ShortDebugString();
    }

    // 2. A matching forbid wins: a rule matches iff, alone and as a bare permit, it permits.
    bool forbid_matches = false;
    for (const v1::Rule& rule : message.rules()) {
      if (rule.effect() != v1::EFFECT_FORBID) continue;
      v1::SharingPolicy alone;
      *alone.add_rules() = rule;
      alone.mutable_rules(0)->set_effect(v1::EFFECT_PERMIT);
      auto single = Compile(alone, federation);
      forbid_matches = forbid_matches || single->Decide(facts, recipient, holder, kNow).permit;
    }
    if (forbid_matches && !own) {
      ASSERT_FALSE(decision.permit) << message.ShortDebugString();
      ++forbids_won;
    }

    // 3. Adding a permit never removes access.
    v1::SharingPolicy with_permit = message;
    *with_permit.add_rules() = RandomRule(random, 100, v1::EFFECT_PERMIT);
    if (auto more = Compile(with_permit, federation); more != nullptr && decision.permit) {
      ASSERT_TRUE(more->Decide(facts, recipient, holder, kNow).permit)
          << with_permit.ShortDebugString();
    }

    // 4. Adding a forbid never adds access, nor withholds less.
    v1::SharingPolicy with_forbid = message;
    *with_forbid.add_rules() = RandomRule(random, 101, v1::EFFECT_FORBID);
    if (auto fewer = Compile(with_forbid, federation); fewer != nullptr) {
      Decision after = fewer->Decide(facts, recipient, holder, kNow);
      if (!decision.permit) {
        ASSERT_FALSE(after.permit) << with_forbid.ShortDebugString();
      }
      if (after.permit) {
        ASSERT_TRUE(decision.withheld.SubsetOf(after.withheld));
      }
    }

    // The explained decision is the decision (Explain walks every rule; Decide only those the
    // recipient can match).
    std::vector<std::string> lines;
    Decision explained = policy->Explain(facts, recipient, holder, kNow, &lines);
    ASSERT_EQ(explained.permit, decision.permit);
    ASSERT_TRUE(explained.withheld == decision.withheld);
    ASSERT_EQ(policy->Reasons(explained), policy->Reasons(decision));

    // 5. Rule order does not matter.
    v1::SharingPolicy shuffled = message;
    std::shuffle(shuffled.mutable_rules()->begin(), shuffled.mutable_rules()->end(),
                 random.engine());
    Decision reordered = Compile(shuffled, federation)->Decide(facts, recipient, holder, kNow);
    ASSERT_EQ(reordered.permit, decision.permit);
    ASSERT_TRUE(reordered.withheld == decision.withheld);
    auto ids = [&](const SharingPolicy& p, const Decision& d) {
      std::vector<std::string> reasons = p.Reasons(d);
      std::sort(reasons.begin(), reasons.end());
      return reasons;
    };
    ASSERT_EQ(ids(*policy, decision), ids(*Compile(shuffled, federation), reordered));
  }
  // The generator must exercise both outcomes, not only denials.
  EXPECT_GT(checked, 5000);
  EXPECT_GT(permits, 200);
  EXPECT_GT(forbids_won, 100);
}

}  // namespace
}  // namespace nexus::policy
