// TAXII beside the gRPC pull: a real nexusd holding N records (imported with the real nexusctl)
// serves them to agency-b, once through `nexusctl pull` (gRPC, every record's signature verified
// by the client) and once through the TAXII endpoint (an HTTPS client with agency-b's
// certificate paging `objects/` with `next`, 1,000 objects per page). Prints objects/s of each,
// their ratio in the same run, and nexusd's resident memory while the TAXII reader pages (flat:
// a page's memory is released before the next).
//
//   taxii_bench [--records N]
#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "bench/nexusctl_run.h"
#include "bench/stix_bundle.h"
#include "nlohmann/json.hpp"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr char kCollection[] = "5a1e0c3d-2b4f-4c6e-8d7a-9b0c1d2e3f40";

int Main(int records) {
  testing::TempDir dir;
  const std::string& pki = testing::TestPki();
  const std::string policy = dir.File("policy.textproto");
  std::ofstream(policy) << "name: \"all to b\" rules { id: \"b\" effect: EFFECT_PERMIT "
                           "recipient { agencies: \"agency-b\" } }\n";
  testing::NexusdProcess node(testing::WriteNodeConfig(
      dir.path(), "agency-a",
      absl::StrCat("policy_file: \"", policy, "\"\ntaxii { listen_address: \"127.0.0.1:0\" ",
                   "collections { id: \"", kCollection, "\" title: \"All\" } }\n")));
  if (!node.ok()) {
    std::fprintf(stderr, "nexusd did not start: %s\n", node.ReadLog().c_str());
    return 1;
  }
  const int taxii_port = testing::TaxiiPortFromLog(node.ReadLog());
  if (taxii_port == 0) {
    std::fprintf(stderr, "no TAXII address in the node's log:\n%s\n", node.ReadLog().c_str());
    return 1;
  }
  auto connection = [&](const std::string& agency) {
    return std::vector<std::string>{"--target", node.address(),
                                    "--ca",     pki + "/ca.crt",
                                    "--cert",   pki + "/" + agency + "/analyst.crt",
                                    "--key",    pki + "/" + agency + "/analyst.key"};
  };
  const std::string bundle = dir.File("bundle.json");
  bench::WriteBundle(bundle, records, 0);
  std::vector<std::string> import = connection("agency-a");
  for (const char* a : {"import", "stix", "--scope", "federation"}) import.push_back(a);
  import.push_back(bundle);
  NexusctlRun imported = RunNexusctl(import, dir.File("import.log"));
  if (imported.exit_code != 0) {
    std::fprintf(stderr, "import failed (exit %d), see %s\n", imported.exit_code,
                 dir.File("import.log").c_str());
    return 1;
  }
  std::printf("%d records imported in %.1f s\n", records, imported.seconds);

  std::vector<std::string> pull = connection("agency-b");
  for (const char* a : {"--keys", "", "pull"}) pull.push_back(a);
  pull[pull.size() - 2] = pki + "/keys";
  NexusctlRun pulled = RunNexusctl(pull, dir.File("pull.log"));
  std::printf("nexusctl pull as agency-b: exit %d, %.2f s, %.0f records/s\n", pulled.exit_code,
              pulled.seconds, records / pulled.seconds);

  httplib::SSLClient client("127.0.0.1", taxii_port, pki + "/agency-b/analyst.crt",
                            pki + "/agency-b/analyst.key");
  client.set_ca_cert_path(pki + "/ca.crt");
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(120, 0);
  const httplib::Headers headers = {{"Accept", "application/taxii+json;version=2.1"}};
  std::vector<double> rss;
  size_t objects = 0, pages = 0, bytes = 0;
  std::string next;
  const absl::Time start = absl::Now();
  while (true) {
    std::string path = absl::StrCat("/nexus/collections/", kCollection, "/objects/?limit=1000");
    if (!next.empty()) path += "&next=" + next;
    httplib::Result result = client.Get(path.c_str(), headers);
    if (!result || result->status != 200) {
      std::fprintf(stderr, "TAXII page %zu failed: %s\n", pages,
                   result ? result->body.c_str() : httplib::to_string(result.error()).c_str());
      return 1;
    }
    ++pages;
    bytes += result->body.size();
    nlohmann::json envelope = nlohmann::json::parse(result->body);
    objects += envelope.value("objects", nlohmann::json::array()).size();
    rss.push_back(bench::StatusMiB(node.pid(), "VmRSS:"));
    if (!envelope.value("more", false)) break;
    next = envelope["next"].get<std::string>();
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf(
      "TAXII objects as agency-b: %zu objects in %zu pages (%.1f MiB), %.2f s, %.0f "
      "objects/s\n",
      objects, pages, bytes / 1048576.0, seconds, objects / seconds);
  std::printf("ratio TAXII / nexusctl pull: %.2f\n",
              (objects / seconds) / (records / pulled.seconds));
  std::printf(
      "nexusd RSS while paging: first page %.1f MiB, min %.1f, median %.1f, max %.1f, "
      "last %.1f\n",
      rss.front(), *std::min_element(rss.begin(), rss.end()), bench::Percentile(rss, 0.5),
      *std::max_element(rss.begin(), rss.end()), rss.back());
  return objects == static_cast<size_t>(records) ? 0 : 1;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  int records = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) != "--records" || !absl::SimpleAtoi(argv[i + 1], &records) ||
        records <= 0) {
      std::fprintf(stderr, "usage: taxii_bench [--records N]\n");
      return 2;
    }
  }
  return nexus::Main(records);
}
