// STIX import end to end: the real nexusctl reads a generated STIX 2.1 bundle twice (check, then
// map and upload) and a real nexusd validates, signs, indexes, audits and fsyncs every record.
// Prints the time and rate for a small and a large bundle, nexusctl's peak memory for each (flat:
// it must not grow with the file), how long link detection runs on after the large import, a
// re-import of the large one (every record unchanged), and the ratio to this machine's
// single-core Ed25519 signing rate (the node signs every record).
//
//   import_bench [--indicators N] [--small N]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "bench/nexusctl_run.h"
#include "bench/stix_bundle.h"
#include "client/federation_client.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using bench::WriteBundle;

std::string LastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

int Main(int indicators, int small) {
  testing::TempDir dir;
  const std::string& pki = testing::TestPki();
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  if (!node.ok()) {
    std::fprintf(stderr, "nexusd did not start: %s\n", node.ReadLog().c_str());
    return 1;
  }
  const std::vector<std::string> connection = {"--target", node.address(),
                                               "--ca",     pki + "/ca.crt",
                                               "--cert",   pki + "/agency-a/analyst.crt",
                                               "--key",    pki + "/agency-a/analyst.key"};
  auto import = [&](const std::string& file, const std::string& label) {
    std::vector<std::string> args = connection;
    for (const char* a : {"import", "stix"}) args.push_back(a);
    args.push_back(file);
    const std::string log = dir.File(label + ".log");
    NexusctlRun run = RunNexusctl(args, log);
    std::printf("%-28s exit %d, %.2f s, nexusctl peak RSS %.1f MiB\n    %s\n", label.c_str(),
                run.exit_code, run.seconds, run.max_rss_kib / 1024.0, LastLine(log).c_str());
    return run;
  };

  const std::string small_file = dir.File("small.json"), large_file = dir.File("large.json");
  WriteBundle(small_file, small, 10000000);
  WriteBundle(large_file, indicators, 0);
  std::printf("bundles: %d indicators (%.1f MiB), %d indicators (%.1f MiB)\n", small,
              std::ifstream(small_file, std::ios::ate).tellg() / 1048576.0, indicators,
              std::ifstream(large_file, std::ios::ate).tellg() / 1048576.0);
  auto status_client = FederationClient::Create(testing::ClientFor(node.address(), "agency-a"));
  if (!status_client.ok()) return 1;
  // Link detection follows the store at a background priority: how long after an import it
  // still runs is part of the import's cost, and is reported beside it.
  auto links_caught_up = [&]() -> std::optional<double> {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < absl::Minutes(10)) {
      absl::StatusOr<v1::FederationStatusResponse> status = (*status_client)->Status();
      if (!status.ok()) return std::nullopt;
      if (status->link_detection_off() || status->link_detection_behind() == 0) {
        return absl::ToDoubleSeconds(absl::Now() - start);
      }
      absl::SleepFor(absl::Milliseconds(20));  // polling an outside process's progress
    }
    return std::nullopt;
  };
  NexusctlRun a = import(small_file, absl::StrCat("import ", small));
  if (!links_caught_up().has_value()) return 1;
  const double node_cpu_before = bench::CpuSeconds(node.pid());
  NexusctlRun b = import(large_file, absl::StrCat("import ", indicators));
  const double node_cpu = bench::CpuSeconds(node.pid()) - node_cpu_before;
  // Where the import's time goes: both cores busy would be 2 s of CPU per second of wall time.
  std::printf(
      "    CPU during the import: nexusctl %.1f s, nexusd %.1f s (%.2f cores of 2 over %.1f s)\n",
      b.cpu_seconds, node_cpu, (b.cpu_seconds + node_cpu) / b.seconds, b.seconds);
  const std::optional<double> links_after = links_caught_up();
  if (!links_after.has_value()) return 1;
  std::printf(
      "    link detection caught up %.2f s after the import ended (%.0f indicators/s "
      "with it)\n",
      *links_after, indicators / (b.seconds + *links_after));
  NexusctlRun c = import(large_file, absl::StrCat("re-import ", indicators, " (unchanged)"));
  if (a.exit_code != 0 || b.exit_code != 0 || c.exit_code != 0) return 1;
  const double rate = indicators / b.seconds;
  std::printf("ed25519 single-core signing: measuring...\n");
  const double sign_rate = testing::Ed25519SigningRate();
  std::printf("import rate: %.0f indicators/s (%d in %.1f s); re-import %.0f/s\n", rate, indicators,
              b.seconds, indicators / c.seconds);
  std::printf("ed25519 single-core signing: %.0f/s; ratio: %.2f\n", sign_rate, rate / sign_rate);
  std::printf("nexusctl peak RSS: %.1f MiB for %d indicators, %.1f MiB for %d (x%.1f the file)\n",
              a.max_rss_kib / 1024.0, small, b.max_rss_kib / 1024.0, indicators,
              static_cast<double>(indicators) / small);
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  int indicators = 100000, small = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int* target = flag == "--indicators" ? &indicators : flag == "--small" ? &small : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      std::fprintf(stderr, "usage: import_bench [--indicators N] [--small N]\n");
      return 2;
    }
  }
  return nexus::Main(indicators, small);
}
