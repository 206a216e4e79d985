// A real Prometheus server (Debian's `prometheus`) scraping a federation of real nexusd processes
// on loopback, with the operator's alerting rules (deploy/prometheus/nexus-alerts.yml): every
// node is a healthy target, PromQL over the scrapes gives what the nodes did (publishes at A,
// versions B stored from A), the rules load and evaluate, and a node that goes down is seen down
// and its alert becomes pending.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// A prometheus process with its own configuration and data directory, stopped on destruction.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, const std::vector<std::string>& targets) : dir_(dir) {
    const std::string config = dir + "/prometheus.yml";
    std::ofstream out(config);
    out << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        << "rule_files: ['" << NEXUS_SOURCE_DIR << "/deploy/prometheus/nexus-alerts.yml']\n"
        << "scrape_configs:\n  - job_name: nexus\n    static_configs:\n      - targets: [";
    for (size_t i = 0; i < targets.size(); ++i) out << (i ? ", '" : "'") << targets[i] << "'";
    out << "]\n";
    out.close();
    const std::string listen = port_.address();
    port_.Release();
    url_ = absl::StrCat("http://", listen);
    pid_ = fork();
    if (pid_ == 0) {
      const int log = open((dir + "/prometheus.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(log, 1);
      dup2(log, 2);
      const std::string config_flag = "--config.file=" + config;
      const std::string storage_flag = "--storage.tsdb.path=" + dir + "/tsdb";
      const std::string listen_flag = "--web.listen-address=" + listen;
      execlp("prometheus", "prometheus", config_flag.c_str(), storage_flag.c_str(),
             listen_flag.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  // The JSON answer of the HTTP API at `path` (e.g. "/api/v1/query?query=up"), read with
  // Python's standard library; null when there is none.
  nlohmann::json Api(const std::string& path) const {
    std::string out;
    const std::string command = absl::StrCat(
        "/usr/bin/python3 -c 'import sys, urllib.request, urllib.parse\n"
        "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' '",
        url_, path, "' 2>/dev/null");
    if (RunCommand(command, &out) != 0) return nullptr;
    return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  // The value of a PromQL expression that gives one number; -1 if it gives none (yet).
  double Value(const std::string& expression) const {
    std::string escaped;
    for (char c : expression) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        escaped += c;
      } else {
        escaped += absl::StrFormat("%%%02X", static_cast<unsigned char>(c));
      }
    }
    nlohmann::json answer = Api("/api/v1/query?query=" + escaped);
    if (!answer.is_object() || answer.value("status", "") != "success") return -1;
    const nlohmann::json& result = answer["data"]["result"];
    if (!result.is_array() || result.size() != 1) return -1;
    return std::stod(result[0]["value"][1].get<std::string>());
  }
  std::string ReadLog() const {
    std::ifstream in(dir_ + "/prometheus.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  std::string dir_;
  ReservedPort port_;
  std::string url_;
  pid_t pid_ = -1;
};

TEST(FederationMetricsTest, PrometheusScrapesEveryNodeAndSeesOneGoDown) {
  FederationNode a(kAgencyA), b(kAgencyB);
  ReservedPort a_metrics, b_metrics;
  const std::string a_target = a_metrics.address(), b_target = b_metrics.address();
  a_metrics.Release();
  b_metrics.Release();
  a.set_policy(kEverythingToAgencyB);
  a.AddPeer(InboundPeer(kAgencyB));
  a.set_extra_config(absl::StrCat("metrics { listen_address: \"", a_target, "\" }\n"));
  b.AddPeer(PullPeer(kAgencyA, a.address()));
  b.set_extra_config(absl::StrCat("metrics { listen_address: \"", b_target, "\" }\n"));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  std::vector<v1::Record> drafts;
  for (int i = 0; i < 5; ++i) {
    drafts.push_back(
        FederationDraft(absl::StrCat("m", i), v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION));
  }
  ASSERT_TRUE(PublishAll(a, drafts).ok());

  TempDir dir;
  PrometheusServer prometheus(dir.path(), {a_target, b_target});
  const absl::Duration deadline = absl::Seconds(60);
  EXPECT_TRUE(
      WaitFor([&] { return prometheus.Value("count(up{job=\"nexus\"} == 1)") == 2; }, deadline))
      << prometheus.ReadLog();
  EXPECT_TRUE(WaitFor(
      [&] {
        return prometheus.Value(absl::StrCat(
                   "nexus_audit_entries_total{action=\"publish\",outcome=\"ok\",instance=\"",
                   a_target, "\"}")) == 5;
      },
      deadline));
  EXPECT_TRUE(WaitFor(
      [&] {
        return prometheus.Value(absl::StrCat("nexus_peer_received_versions_total{instance=\"",
                                             b_target,
                                             "\",peer=\"agency-a\",outcome=\"stored\"}")) == 5;
      },
      deadline))
      << b.ReadLog();
  EXPECT_EQ(prometheus.Value(absl::StrCat("nexus_peer_witness_alarm{instance=\"", b_target,
                                          "\",peer=\"agency-a\"}")),
            0);
  // The operator's rules loaded and evaluated without error.
  nlohmann::json rules;
  EXPECT_TRUE(WaitFor(
      [&] {
        rules = prometheus.Api("/api/v1/rules");
        if (!rules.is_object() || !rules.contains("data")) return false;
        int ok = 0;
        for (const nlohmann::json& group : rules["data"]["groups"]) {
          for (const nlohmann::json& rule : group["rules"]) ok += rule.value("health", "") == "ok";
        }
        return ok == 9;
      },
      deadline))
      << rules.dump();

  // B goes down: Prometheus sees it, and the node-down alert is pending (it fires after 2 m).
  b.Kill();
  EXPECT_TRUE(WaitFor(
      [&] { return prometheus.Value(absl::StrCat("up{instance=\"", b_target, "\"}")) == 0; },
      deadline));
  nlohmann::json alerts;
  EXPECT_TRUE(WaitFor(
      [&] {
        alerts = prometheus.Api("/api/v1/alerts");
        if (!alerts.is_object() || !alerts.contains("data")) return false;
        for (const nlohmann::json& alert : alerts["data"]["alerts"]) {
          if (alert["labels"].value("alertname", "") == "NexusNodeDown" &&
              alert["labels"].value("instance", "") == b_target) {
            return true;
          }
        }
        return false;
      },
      deadline))
      << alerts.dump();
}

}  // namespace
}  // namespace nexus::testing
