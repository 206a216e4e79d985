// Audit entries stay bounded however large or numerous the input they describe.
#include "server/audit_entry_bounds.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "server/decision_summary.h"

namespace nexus {
namespace {

TEST(BoundedTextTest, ShortTextIsKeptAsIs) {
  EXPECT_EQ(BoundedText("search value", 128), "search value");
  EXPECT_EQ(BoundedText(std::string(128, 'x'), 128), std::string(128, 'x'));
}

TEST(BoundedTextTest, LongTextIsCutWithItsSizeAndDigest) {
  std::string id(2'200'000, 'a');
  std::string bounded = BoundedText(id, 128);
  EXPECT_LE(bounded.size(), 128u);
  EXPECT_TRUE(absl::StartsWith(bounded, "aaa"));
  EXPECT_TRUE(absl::StrContains(
      bounded, absl::StrCat("[cut: 2200000 bytes, sha256 ", HexEncode(DigestBytes(Sha256(id))))))
      << bounded;
}

TEST(BoundedTextTest, NeverSplitsAUtf8Sequence) {
  // "é" is two bytes: whatever the limit, the kept prefix ends on a whole character.
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "\xc3\xa9";
  for (size_t max = 128; max < 140; ++max) {
    std::string bounded = BoundedText(text, max);
    size_t cut = bounded.find("...[cut:");
    ASSERT_NE(cut, std::string::npos);
    EXPECT_EQ(cut % 2, 0u) << "limit " << max;
    EXPECT_LE(bounded.size(), max);
  }
}

TEST(BoundAuditEntryTest, HostileEntryIsBoundedAndSaysWhatWasOmitted) {
  v1::AuditEntry entry;
  entry.mutable_actor()->set_peer(std::string(100'000, 'p'));
  entry.set_detail(std::string(4 << 20, 'd'));
  entry.set_error(std::string(1 << 20, 'e'));
  entry.set_request_id(std::string(10'000, 'r'));
  for (int i = 0; i < 60'000; ++i) {
    v1::AuditTarget* target = entry.add_targets();
    target->set_record_id(std::string(36, 'i'));
    target->set_version(i);
    v1::AuditDecision* decision = entry.add_decisions();
    decision->set_effect("deny");
    decision->add_rules(std::string(1000, 'z'));
  }
  BoundAuditEntry(entry);
  EXPECT_LE(entry.ByteSizeLong(), kMaxAuditEntryBytes);
  EXPECT_LE(entry.detail().size(), 2048u);
  EXPECT_LE(entry.actor().peer().size(), 256u);
  // Everything cut from the lists is counted.
  EXPECT_EQ(entry.targets_size() + entry.decisions_size() + entry.omitted(), 120'000u);
  for (const v1::AuditDecision& decision : entry.decisions()) {
    for (const std::string& rule : decision.rules()) EXPECT_LE(rule.size(), 128u);
  }
}

TEST(BoundAuditEntryTest, OrdinaryEntryIsUnchanged) {
  v1::AuditEntry entry;
  entry.mutable_actor()->set_agency_id("agency-b");
  entry.set_detail("feed positions 0 to 12");
  for (int i = 0; i < 256; ++i) entry.add_targets()->set_record_id(absl::StrCat("id-", i));
  v1::AuditEntry before = entry;
  BoundAuditEntry(entry);
  EXPECT_EQ(entry.SerializeAsString(), before.SerializeAsString());
}

TEST(DecisionSummaryTest, ListsWhatWasSentAndCountsTheRest) {
  DecisionSummary summary;
  for (int i = 0; i < 60'000; ++i) {
    v1::AuditDecision decision;
    decision.set_effect("deny");
    decision.set_record_id(absl::StrCat("record-", i));
    // Every decision distinct: the buckets must still stay few.
    decision.add_rules(absl::StrCat("latest-version:", i));
    summary.NotSent(decision);
  }
  v1::AuditDecision sent;
  sent.set_effect("permit");
  sent.add_rules("rule:west");
  summary.Sent(sent);
  v1::AuditEntry entry;
  summary.MoveInto(entry);
  EXPECT_TRUE(summary.empty());
  ASSERT_EQ(entry.decisions_size(), 1);
  EXPECT_EQ(entry.decisions(0).effect(), "permit");
  EXPECT_LE(entry.decision_counts_size(), 33);
  uint64_t counted = 0;
  for (const v1::AuditDecisionCount& count : entry.decision_counts()) counted += count.count();
  EXPECT_EQ(counted, 60'000u);
  EXPECT_LT(entry.ByteSizeLong(), 4096u);
}

TEST(DecisionSummaryTest, SameDecisionsShareOneCount) {
  DecisionSummary summary;
  v1::AuditDecision deny;
  deny.set_effect("deny");
  deny.add_rules("default-deny");
  for (int i = 0; i < 5; ++i) summary.NotSent(deny);
  deny.add_rules("rule:hold");
  summary.NotSent(deny);
  v1::AuditEntry entry;
  summary.MoveInto(entry);
  ASSERT_EQ(entry.decision_counts_size(), 2);
  uint64_t five = 0, one = 0;
  for (const auto& count : entry.decision_counts())
    (count.rules_size() == 1 ? five : one) = count.count();
  EXPECT_EQ(five, 5u);
  EXPECT_EQ(one, 1u);
}

}  // namespace
}  // namespace nexus
