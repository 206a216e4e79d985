// The metrics' own parts: the exposition text (families once, label values escaped, numbers that
// read back), the latency histogram's cumulative buckets, and the audit tally, which counts an
// entry only once the log holds it durably (a failed batch counts nothing).
#include "server/metrics_text.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "server/audit_tally.h"
#include "server/commit_queue.h"
#include "server/latency_histogram.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

TEST(MetricsTextTest, WritesEachFamilyOnceWithEscapedLabelValues) {
  MetricsText out;
  out.Family("nexus_x_total", "counter", "Help with a \\ backslash\nand a line feed.");
  out.Sample({{"peer", "a\"b\\c\nd"}}, uint64_t{3});
  out.Family("nexus_x_total", "counter", "again");  // ignored: the samples join the first
  out.Sample({{"peer", "e"}}, uint64_t{4});
  out.Family("nexus_y", "gauge", "Y.");
  out.Sample(0.1);
  out.Sample({{"k", "v"}}, 1e21);
  EXPECT_EQ(out.text(),
            "# HELP nexus_x_total Help with a \\\\ backslash\\nand a line feed.\n"
            "# TYPE nexus_x_total counter\n"
            "nexus_x_total{peer=\"a\\\"b\\\\c\\nd\"} 3\n"
            "nexus_x_total{peer=\"e\"} 4\n"
            "# HELP nexus_y Y.\n"
            "# TYPE nexus_y gauge\n"
            "nexus_y 0.1\n"
            "nexus_y{k=\"v\"} 1e+21\n");
}

TEST(MetricsTextTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  LatencyHistogram histogram;
  histogram.Observe(absl::Microseconds(50));  // first bucket (0.0001)
  histogram.Observe(absl::Milliseconds(1));   // exactly on a bound: in it (le)
  histogram.Observe(absl::Milliseconds(3));   // 0.005
  histogram.Observe(absl::Seconds(60));       // above every bound: +Inf only
  MetricsText out;
  histogram.Write(out, "nexus_w_seconds", "W.");
  const std::string& text = out.text();
  EXPECT_TRUE(absl::StrContains(text, "# TYPE nexus_w_seconds histogram\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"0.0001\"} 1\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"0.0005\"} 1\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"0.001\"} 2\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"0.005\"} 3\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"10\"} 3\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_bucket{le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_sum 60.00405\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "nexus_w_seconds_count 4\n")) << text;
}

TEST(AuditTallyTest, CountsOnlyWhatBecameDurable) {
  AuditTally tally;
  v1::AuditEntry published;
  published.set_action(v1::AUDIT_ACTION_PUBLISH);
  published.set_outcome(v1::AUDIT_OUTCOME_OK);
  v1::AuditEntry refused;
  refused.set_action(v1::AUDIT_ACTION_PULL);
  refused.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
  refused.set_code(static_cast<int>(absl::StatusCode::kPermissionDenied));
  v1::AuditEntry served;
  served.set_action(v1::AUDIT_ACTION_REPLICATE);
  served.set_outcome(v1::AUDIT_OUTCOME_OK);
  served.add_decisions()->set_effect("permit");
  served.add_decisions()->set_effect("permit-with-redaction");
  v1::AuditDecisionCount* denied = served.add_decision_counts();
  denied->set_effect("deny");
  denied->set_count(40);

  tally.Stage(published);
  tally.EndBatch(/*durable=*/false);  // never happened
  tally.Stage(published);
  tally.Stage(refused);
  tally.Stage(served);
  tally.EndBatch(/*durable=*/true);
  const AuditTally::Counts counts = tally.Totals();
  EXPECT_EQ((counts.entries.at({"publish", "ok"})), 1u);
  EXPECT_EQ((counts.entries.at({"pull", "refused"})), 1u);
  EXPECT_EQ((counts.refusals.at({"pull", "permission_denied"})), 1u);
  EXPECT_EQ(counts.decisions.at("permit"), 1u);
  EXPECT_EQ(counts.decisions.at("permit-with-redaction"), 1u);
  EXPECT_EQ(counts.decisions.at("deny"), 40u);
  EXPECT_EQ(counts.refusals.size(), 1u);
}

TEST(AuditTallyTest, TheAuditLogCountsEveryAppendAndACommitFailureShows) {
  testing::TempDir dir;
  PrivateKey key = PrivateKey::Generate();
  std::unique_ptr<testing::NodeStorage> stack = testing::NodeStorage::Open(dir.path(), key);
  ASSERT_NE(stack, nullptr);
  const uint64_t before = [&] {
    const AuditTally::Counts counts = stack->audit->tally().Totals();
    auto it = counts.entries.find({"search", "ok"});
    return it == counts.entries.end() ? 0 : it->second;
  }();
  for (int i = 0; i < 3; ++i) {
    v1::AuditEntry entry;
    entry.set_action(v1::AUDIT_ACTION_SEARCH);
    entry.set_outcome(v1::AUDIT_OUTCOME_OK);
    ASSERT_TRUE(stack->audit->Append(entry).ok());
  }
  EXPECT_EQ((stack->audit->tally().Totals().entries.at({"search", "ok"})), before + 3);
  EXPECT_GE(stack->commits->stats().batches, 1u);
  EXPECT_FALSE(stack->commits->stats().failed);
  stack->commits->Fail(absl::DataLossError("the store was altered"));
  v1::AuditEntry entry;
  entry.set_action(v1::AUDIT_ACTION_SEARCH);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  EXPECT_FALSE(stack->audit->Append(entry).ok());
  EXPECT_EQ((stack->audit->tally().Totals().entries.at({"search", "ok"})), before + 3);
  EXPECT_TRUE(stack->commits->stats().failed);
}

}  // namespace
}  // namespace nexus
