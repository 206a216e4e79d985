// A real nexusd's metrics endpoint, scraped as Prometheus scrapes it (HTTP GET, by another
// language's client: Python's urllib) and checked by Prometheus's own `promtool check metrics`:
// the counts follow what the node did (stored, refused, by code), a durable write's latency is
// there, and an address beyond loopback is refused at start, naming the setting.
#include <gtest/gtest.h>

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/nexus_client.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;

std::string MetricsUrlFromLog(const std::string& log) {
  std::smatch match;
  if (std::regex_search(log, match, std::regex("Prometheus metrics at (http://[^ \n]+)"))) {
    return match[1];
  }
  return "";
}

// GET `url` with Python's standard library; the body, or "" with `status` set to the HTTP status
// (or -1 when no answer came).
std::string Scrape(const std::string& url, int* status) {
  std::string out;
  const int rc = testing::RunCommand(
      absl::StrCat(
          "/usr/bin/python3 -c '"
          "import sys, urllib.request, urllib.error\n"
          "try:\n"
          "  r = urllib.request.urlopen(sys.argv[1], timeout=10)\n"
          "  sys.stdout.write(\"STATUS %d %s\\n\" % (r.status, r.headers[\"Content-Type\"]))\n"
          "  sys.stdout.write(r.read().decode())\n"
          "except urllib.error.HTTPError as e:\n"
          "  sys.stdout.write(\"STATUS %d\\n\" % e.code)\n"
          "' ",
          url),
      &out);
  *status = -1;
  if (rc != 0 || !absl::StartsWith(out, "STATUS ")) return out;
  const size_t line = out.find('\n');
  std::vector<std::string> words = absl::StrSplit(out.substr(7, line - 7), ' ');
  if (!absl::SimpleAtoi(words[0], status)) *status = -1;
  return out.substr(line + 1);
}

// The value of the sample whose line starts with `series` followed by a space; -1 if absent.
double ValueOf(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    return absl::SimpleAtod(line, &value) ? value : -1;
  }
  return -1;
}

TEST(MetricsEndpointTest, AScrapeCountsWhatTheNodeDidAndPassesPromtool) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(
      dir.path(), "agency-a", "metrics { listen_address: \"127.0.0.1:0\" }\n"));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  const std::string url = MetricsUrlFromLog(node.ReadLog());
  ASSERT_TRUE(absl::StartsWith(url, "http://127.0.0.1:")) << node.ReadLog();

  auto analyst = *NexusClient::Create(ClientFor(node.address(), "agency-a"));
  v1::Record invalid = testing::SampleDraft();
  invalid.mutable_indicators(0)->set_value("");
  absl::StatusOr<std::vector<v1::PublishResult>> published =
      analyst->Publish({testing::SampleDraft(), testing::SampleDraft(), invalid});
  ASSERT_TRUE(published.ok()) << published.status();
  ASSERT_EQ((*published)[2].outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  // Another agency's analyst may not publish here: refused before any record.
  auto other = *NexusClient::Create(ClientFor(node.address(), "agency-b"));
  absl::StatusOr<std::vector<v1::PublishResult>> refused = other->Publish({testing::SampleDraft()});
  ASSERT_TRUE(!refused.ok() || (*refused)[0].outcome() == v1::PUBLISH_OUTCOME_REJECTED);

  int status = 0;
  const std::string text = Scrape(url, &status);
  ASSERT_EQ(status, 200) << text;
  EXPECT_EQ(ValueOf(text, "nexus_audit_entries_total{action=\"publish\",outcome=\"ok\"}"), 2)
      << text;
  EXPECT_EQ(ValueOf(text, "nexus_refusals_total{action=\"publish\",code=\"invalid_argument\"}"), 1)
      << text;
  EXPECT_EQ(ValueOf(text, "nexus_refusals_total{action=\"publish\",code=\"permission_denied\"}"), 1)
      << text;
  EXPECT_EQ(ValueOf(text, "nexus_feed_versions"), 2) << text;
  EXPECT_EQ(ValueOf(text, "nexus_commit_failed"), 0) << text;
  EXPECT_GE(ValueOf(text, "nexus_commit_write_seconds_count"), 2) << text;
  EXPECT_GT(ValueOf(text, "nexus_commit_write_seconds_sum"), 0) << text;
  EXPECT_GT(ValueOf(text, "process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_GT(ValueOf(text, "process_open_fds"), 3) << text;
  EXPECT_GE(ValueOf(text, "nexus_link_detection_running"), 0) << text;
  EXPECT_GE(ValueOf(text, "nexus_store_pending_compaction_bytes"), 0) << text;
  // No record content, no identity of a person in what a scrape shows.
  EXPECT_FALSE(absl::StrContains(text, testing::SampleDraft().summary())) << text;

  // Prometheus's own checker of the exposition format and its naming conventions.
  const std::string file = dir.File("scrape.txt");
  {
    std::FILE* out = std::fopen(file.c_str(), "w");
    ASSERT_NE(out, nullptr);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fclose(out);
  }
  std::string checked;
  const int rc = testing::RunCommand(absl::StrCat("promtool check metrics < ", file), &checked);
  EXPECT_EQ(rc, 0) << "promtool (Debian package prometheus, deploy/install-deps.sh): " << checked;
  // The Grafana dashboard queries only what this scrape has, in PromQL promtool parses.
  EXPECT_EQ(testing::RunCommand(absl::StrCat("/usr/bin/python3 ", NEXUS_SOURCE_DIR,
                                             "/tests/grafana_dashboard_check.py ", file),
                                &checked),
            0)
      << checked;

  // Nothing else is served.
  Scrape(absl::StrCat(url.substr(0, url.rfind('/')), "/other"), &status);
  EXPECT_EQ(status, 404);
}

TEST(MetricsEndpointTest, AnAddressBeyondLoopbackIsRefusedNamingTheSetting) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(
      dir.path(), "agency-a", "metrics { listen_address: \"0.0.0.0:0\" }\n"));
  EXPECT_FALSE(node.ok());
  const std::string log = node.ReadLog();
  EXPECT_TRUE(absl::StrContains(log, "metrics.listen_address '0.0.0.0:0' is not a loopback"))
      << log;
}

}  // namespace
}  // namespace nexus
