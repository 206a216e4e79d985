// The figures of `nexusctl audit report` from known entries, their bounds over many distinct
// values, and the HTML page's escaping of hostile text from the log.
#include "client/cli/audit_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/cli/audit_report_html.h"
#include "client/cli/audit_report_json.h"
#include "client/cli/top_counter.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

constexpr int64_t kT0 = 1796000000000000;  // 2026-11-30, in Unix microseconds

v1::AuditEntry Entry(v1::AuditAction action, const std::string& agency, int64_t seconds,
                     const std::vector<std::pair<std::string, uint64_t>>& targets = {},
                     v1::AuditOutcome outcome = v1::AUDIT_OUTCOME_OK) {
  v1::AuditEntry entry;
  entry.set_action(action);
  entry.set_outcome(outcome);
  entry.set_time_unix_micros(kT0 + seconds * 1000000);
  entry.mutable_actor()->set_agency_id(agency);
  entry.mutable_actor()->set_role(
      action == v1::AUDIT_ACTION_REPLICATE || action == v1::AUDIT_ACTION_RECEIVE ? "node"
                                                                                 : "analyst");
  for (const auto& [id, version] : targets) {
    v1::AuditTarget* target = entry.add_targets();
    target->set_record_id(id);
    target->set_version(version);
  }
  return entry;
}

v1::AuditEntry Refused(v1::AuditAction action, const std::string& agency, int64_t seconds,
                       absl::StatusCode code, const std::string& error) {
  v1::AuditEntry entry = Entry(action, agency, seconds, {}, v1::AUDIT_OUTCOME_REFUSED);
  entry.set_code(static_cast<int>(code));
  entry.set_error(error);
  return entry;
}

VerifyOutcome Verified() {
  VerifyOutcome outcome;
  outcome.report.ok = true;
  outcome.report.origin = "agency-a";
  outcome.agency_source = "--agency";
  outcome.witness_path = "/tmp/w";
  return outcome;
}

std::string Page(const AuditReport& report) {
  std::ostringstream out;
  WriteAuditReportHtml(report, Verified(), ReportRun{"test", "2026-12-05T00:00:00Z", 0.1, 1000},
                       out);
  return out.str();
}

TEST(AuditReportTest, CountsFlowsReadsRefusalsAndRecordsInTheWindow) {
  AuditReportBuilder builder(ReportWindow{kT0 + 10 * 1000000, kT0 + 100 * 1000000},
                             [](const std::string& id, uint64_t) -> std::optional<v1::Tlp> {
                               if (id == "r-red") return v1::TLP_RED;
                               if (id == "r-amber") return v1::TLP_AMBER;
                               return std::nullopt;
                             });
  uint64_t index = 0;
  builder.Add(index++, Entry(v1::AUDIT_ACTION_GET, "agency-b", 5, {{"r-red", 1}}));  // before
  builder.Add(index++, Entry(v1::AUDIT_ACTION_PUBLISH, "agency-a", 10, {{"r-red", 1}}));
  builder.Add(index++, Entry(v1::AUDIT_ACTION_REPLICATE, "agency-b", 11,
                             {{"r-red", 1}, {"r-amber", 1}, {"r-amber", 2}, {"gone", 1}}));
  v1::AuditEntry withheld = Entry(v1::AUDIT_ACTION_REPLICATE, "agency-c", 12, {{"r-amber", 2}});
  withheld.add_decision_counts()->set_count(7);
  builder.Add(index++, withheld);
  builder.Add(index++, Entry(v1::AUDIT_ACTION_RECEIVE, "agency-c", 13, {{"r-x", 1}}));
  v1::AuditEntry read = Entry(v1::AUDIT_ACTION_GET, "agency-b", 20, {{"r-red", 1}});
  read.set_purpose("CASE-1");
  builder.Add(index++, read);
  builder.Add(index++, read);
  read.set_action(v1::AUDIT_ACTION_SEARCH);
  read.set_purpose("CASE-2");
  builder.Add(index++, read);
  builder.Add(index++, Refused(v1::AUDIT_ACTION_GET, "agency-c", 30,
                               absl::StatusCode::kPermissionDenied, "not shared"));
  builder.Add(index++, Refused(v1::AUDIT_ACTION_SEARCH, "agency-c", 31,
                               absl::StatusCode::kInvalidArgument, "bad"));
  builder.Add(index++, Entry(v1::AUDIT_ACTION_GET, "agency-b", 100, {{"r-red", 1}}));  // at until
  builder.Add(index++, std::string("\xff\xff not an entry"));

  const AuditReport& report = builder.report();
  EXPECT_EQ(report.entries_read, 12u);
  EXPECT_EQ(report.entries_in_window, 9u);
  EXPECT_EQ(report.malformed, 1u);
  const PeerFlows& b = report.flows.at("agency-b");
  EXPECT_EQ(b.sent.at("RED").versions, 1u);
  EXPECT_EQ(b.sent.at("AMBER").versions, 2u);
  EXPECT_EQ(b.sent.at("not in the store").versions, 1u);
  EXPECT_EQ(b.sent.at("AMBER").entries, 1u);
  EXPECT_EQ(report.flows.at("agency-c").withheld, 7u);
  EXPECT_EQ(report.flows.at("agency-c").received.at("not in the store").versions, 1u);
  EXPECT_EQ(report.flow_entries.total, 3u);
  EXPECT_EQ(report.reads.at("agency-b").entries, 3u);
  EXPECT_EQ(report.reads.at("agency-b").by_action.at("get"), 2u);
  EXPECT_EQ(report.reads.count("agency-c"), 0u);  // refused: not a read
  const std::vector<TopCounter::Item> purposes = report.read_purposes.Top(10);
  ASSERT_EQ(purposes.size(), 2u);
  EXPECT_EQ(purposes[0].key, "agency-b\nCASE-1");
  EXPECT_EQ(purposes[0].count, 2u);
  EXPECT_EQ(report.refusals.at("get: PERMISSION_DENIED"), 1u);
  EXPECT_EQ(report.refusals.at("search: INVALID_ARGUMENT"), 1u);
  EXPECT_EQ(report.refusal_entries.total, 2u);
  const std::vector<TopCounter::Item> records = report.records.Top(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "r-red");
  EXPECT_EQ(records[0].count, 5u);  // publish, replicate, get, get, search
  EXPECT_EQ(report.record_activity.at("r-red").first_indexes,
            (std::vector<uint64_t>{1, 2, 5, 6, 7}));

  const std::string page = Page(report);
  EXPECT_TRUE(absl::StrContains(page, "id=\"reads-total\">3<")) << page;
  EXPECT_TRUE(absl::StrContains(page, "id=\"refusals-total\">2<"));
  EXPECT_TRUE(absl::StrContains(page, "id=\"window-entries\">9<"));
  EXPECT_TRUE(absl::StrContains(page, "--after 2026-11-30T00:53:29.999999Z"))
      << "the window's start is included: --after names the microsecond before it";
  nlohmann::json json = nlohmann::json::parse(
      AuditReportToJson(report, Verified(), ReportRun{"test", "2026-12-05T00:00:00Z", 0.1, 1000}));
  EXPECT_EQ(json["reads"]["total"], 3);
  EXPECT_EQ(json["flows"]["peers"]["agency-b"]["sent"]["AMBER"]["versions"], 2);
  EXPECT_EQ(json["refusals"]["by_reason"]["get: PERMISSION_DENIED"], 1);
}

TEST(AuditReportTest, WithoutTheStoreTheTlpIsSaidToBeMissing) {
  AuditReportBuilder builder(ReportWindow{}, nullptr);
  builder.Add(0, Entry(v1::AUDIT_ACTION_REPLICATE, "agency-b", 1, {{"r", 1}, {"s", 1}}));
  EXPECT_EQ(builder.report().flows.at("agency-b").sent.at("not in the entry").versions, 2u);
  EXPECT_TRUE(absl::StrContains(Page(builder.report()), "not in the entry"));
}

// However many distinct records, purposes and agencies a log names, the figures stay bounded;
// a record named far more often than the rest is still found and counted.
TEST(AuditReportTest, ManyDistinctValuesStayBounded) {
  AuditReportBuilder builder(ReportWindow{}, nullptr);
  uint64_t index = 0;
  for (int i = 0; i < 30000; ++i) {
    v1::AuditEntry read = Entry(v1::AUDIT_ACTION_GET, absl::StrCat("agency-", i % 500), i,
                                {{absl::StrCat("record-", i), 1}});
    read.set_purpose(absl::StrCat("CASE-", i));
    builder.Add(index++, read);
    if (i % 10 == 0) builder.Add(index++, Entry(v1::AUDIT_ACTION_GET, "agency-0", i, {{"hot", 1}}));
  }
  const AuditReport& report = builder.report();
  EXPECT_LE(report.reads.size(), kReportMaxAgencies + 1);
  EXPECT_EQ(report.reads.count("(other agencies)"), 1u);
  uint64_t total = 0;
  for (const auto& [agency, reads] : report.reads) total += reads.entries;
  EXPECT_EQ(total, 33000u);  // folded, never lost
  EXPECT_LE(report.read_purposes.kept(), kReportPurposeSlots);
  EXPECT_LE(report.records.kept(), kReportRecordSlots);
  EXPECT_LE(report.record_activity.size(), kReportRecordSlots);
  EXPECT_FALSE(report.records.exact());
  const std::vector<TopCounter::Item> top = report.records.Top(1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].key, "hot");
  EXPECT_GE(top[0].count, 3000u);
  EXPECT_LE(top[0].count - top[0].overcount, 3000u);
  EXPECT_EQ(report.read_entries.first.size(), kReportListedEntries);
  EXPECT_EQ(report.read_entries.total, 33000u);
  const std::string page = Page(report);
  EXPECT_LT(page.size(), 1u << 20);
  EXPECT_TRUE(absl::StrContains(page, "and 32900 more")) << "the rest reachable by a command";
}

TEST(AuditReportTest, TopCounterIsExactWithinItsCapacity) {
  TopCounter counter(3);
  for (const char* key : {"a", "b", "a", "c", "a", "b"}) counter.Add(key);
  EXPECT_TRUE(counter.exact());
  std::vector<TopCounter::Item> top = counter.Top(3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].key, "a");
  EXPECT_EQ(top[0].count, 3u);
  EXPECT_EQ(top[2].key, "c");
  EXPECT_EQ(counter.Add("d"), std::optional<std::string>("c"));
  EXPECT_FALSE(counter.exact());
  top = counter.Top(3);
  EXPECT_EQ(top[2].key, "d");
  EXPECT_EQ(top[2].count, 2u);
  EXPECT_EQ(top[2].overcount, 1u);
}

TEST(AuditReportTest, HtmlTextEscapesMarkupQuotesAndControls) {
  EXPECT_EQ(HtmlText("<script>alert('x')</script>", 100),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(HtmlText("\"><img src=x onerror=alert(1)>", 100),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(HtmlText("a&b", 100), "a&amp;b");
  EXPECT_EQ(HtmlText("line\nFORGED\x1b[31m", 100), "line\\nFORGED\\x1b[31m");
  EXPECT_EQ(HtmlText("\xe2\x80\xae"
                     "evil",
                     100),
            "\\u202eevil");
  EXPECT_EQ(HtmlText("\xff", 100), "\\xff");
  const std::string huge = HtmlText(std::string(5 << 20, '<'), 512);
  EXPECT_LT(huge.size(), 3000u);
  EXPECT_TRUE(absl::StrContains(huge, "more bytes)"));
  EXPECT_EQ(ShellQuote("agency-b"), "agency-b");
  EXPECT_EQ(ShellQuote("it's <x>"), "'it'\\''s <x>'");
}

// Hostile text in every field of an entry the page shows comes out as inert, bounded text.
TEST(AuditReportTest, HostileTextNeverBecomesMarkup) {
  const std::string hostile = "\"><img src=x onerror=alert(1)><script>alert(2)</script>\x1b[2J\n";
  AuditReportBuilder builder(ReportWindow{}, nullptr);
  v1::AuditEntry read = Entry(v1::AUDIT_ACTION_GET, hostile, 1, {{hostile, 1}});
  read.set_purpose(hostile + std::string(5 << 20, 'p'));
  read.mutable_actor()->set_person(hostile + std::string(5 << 20, 'n'));
  read.mutable_actor()->set_role(hostile);
  builder.Add(0, read);
  v1::AuditEntry refused =
      Refused(v1::AUDIT_ACTION_GET, hostile, 2, absl::StatusCode::kPermissionDenied, hostile);
  refused.set_code(12345);
  refused.set_action(static_cast<v1::AuditAction>(999));
  builder.Add(1, refused);
  v1::AuditEntry sent = Entry(v1::AUDIT_ACTION_REPLICATE, hostile, 3, {{hostile, 1}});
  builder.Add(2, sent);
  const std::string page = Page(builder.report());
  EXPECT_FALSE(absl::StrContains(page, "<script")) << "no script element from the log";
  EXPECT_FALSE(absl::StrContains(page, "<img")) << "no element from the log";
  EXPECT_FALSE(absl::StrContains(page, "\x1b"));
  EXPECT_TRUE(absl::StrContains(page, "&lt;script&gt;alert(2)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(page, "unknown action: unknown code"));
  EXPECT_LT(page.size(), 1u << 20) << "5 MB of text is cut, with its length";
  nlohmann::json json = nlohmann::json::parse(AuditReportToJson(
      builder.report(), Verified(), ReportRun{"test", "2026-12-05T00:00:00Z", 0.1, 1000}));
  EXPECT_EQ(json["reads"]["total"], 1);
}

}  // namespace
}  // namespace nexus
