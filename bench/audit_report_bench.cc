// The time and peak memory of `nexusctl audit report` over a large log: builds a data directory
// whose audit log holds N entries (default 1,000,000) of a federation's daily mix (reads with
// purposes, searches, versions sent to and received from peers, refusals, auditors' reads),
// spread over 30 days, then runs the real nexusctl over it offline, as an oversight body would
// over a copy of a node's data directory:
//
//   audit_report_bench [--entries N] [--keep DIR]
//
// and prints the wall time and peak RSS (wait4's ru_maxrss) of that run, and the report's own
// closing note. The report verifies the whole log (the same verifier as `audit verify
// --offline`) and builds its figures in the same pass.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/nexusctl_run.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr int64_t kStart = 1793491200000000;  // 2026-11-01T00:00:00Z
constexpr int64_t kSpanMicros = 30LL * 86400 * 1000000;

std::string RecordId(uint64_t n) {
  char id[37];
  std::snprintf(id, sizeof(id), "6324de9c-31bd-449c-9ac9-%012llx",
                static_cast<unsigned long long>(n));
  return id;
}

v1::AuditEntry MixEntry(uint64_t i, uint64_t entries) {
  static const char* kReaders[] = {"agency-b", "agency-c", "agency-coord"};
  v1::AuditEntry entry;
  entry.set_time_unix_micros(kStart + static_cast<int64_t>(i * (kSpanMicros / entries)));
  v1::AuditActor* actor = entry.mutable_actor();
  actor->set_certificate_fingerprint(std::string(64, 'f'));
  actor->set_peer("ipv4:127.0.0.1:50000");
  entry.set_request_id(absl::StrCat("req-", i));
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  // Records follow a skewed popularity: a few are read far more than the rest.
  const uint64_t record = (i % 7 == 0) ? i % 20 : (i * 2654435761u) % 200000;
  auto target = [&](uint64_t n, uint64_t version) {
    v1::AuditTarget* t = entry.add_targets();
    t->set_record_id(RecordId(n));
    t->set_version(version);
  };
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      entry.set_action(v1::AUDIT_ACTION_GET);
      actor->set_agency_id(kReaders[i % 3]);
      actor->set_role("analyst");
      actor->set_person(absl::StrCat(kReaders[i % 3], " analyst ", i % 40));
      entry.set_purpose(absl::StrCat("CASE-2026-", i % 3000));
      target(record, 1);
      break;
    case 4:
      entry.set_action(v1::AUDIT_ACTION_SEARCH);
      actor->set_agency_id(kReaders[(i / 10) % 3]);
      actor->set_role("analyst");
      actor->set_person("analyst A. Diallo");
      entry.set_purpose(absl::StrCat("CASE-2026-", i % 500));
      entry.set_detail("phone +33612345678");
      entry.set_count(2);
      target(record, 1);
      target(record + 1, 2);
      break;
    case 5:
    case 6: {
      entry.set_action(v1::AUDIT_ACTION_REPLICATE);
      actor->set_agency_id(kReaders[(i / 10) % 3]);
      actor->set_role("node");
      for (uint64_t k = 0; k < 3; ++k) target((i + k) % 200000, 1);
      v1::AuditDecisionCount* withheld = entry.add_decision_counts();
      withheld->set_effect("deny");
      withheld->add_rules("originator:tlp-red");
      withheld->set_count(1);
      break;
    }
    case 7:
      entry.set_action(v1::AUDIT_ACTION_RECEIVE);
      entry.set_outcome(v1::AUDIT_OUTCOME_UNCHANGED);
      actor->set_agency_id("agency-b");
      actor->set_role("node");
      target(record, 1);
      break;
    case 8:
      entry.set_action(i % 20 == 8 ? v1::AUDIT_ACTION_GET : v1::AUDIT_ACTION_SEARCH);
      entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
      entry.set_code(static_cast<int>(i % 40 == 8 ? absl::StatusCode::kInvalidArgument
                                                  : absl::StatusCode::kPermissionDenied));
      entry.set_error(
          absl::StrCat("record ", RecordId(record), " is not shared with ", kReaders[i % 3]));
      actor->set_agency_id(kReaders[i % 3]);
      actor->set_role("analyst");
      break;
    default:
      entry.set_action(v1::AUDIT_ACTION_AUDIT_READ);
      actor->set_agency_id("oversight");
      actor->set_role("auditor");
      entry.set_detail("entries");
  }
  return entry;
}

int Main(uint64_t entries, const std::string& keep) {
  testing::TempDir temp;
  const std::string dir = keep.empty() ? temp.path() : keep;
  PrivateKey key = PrivateKey::Generate();
  {
    std::ofstream(dir + "/agency-a.pub") << key.PublicKeyPem();
    auto stack = testing::NodeStorage::Open(dir + "/data", key);
    if (stack == nullptr) return 1;
    absl::Time start = absl::Now();
    for (uint64_t done = 0; done < entries;) {
      std::vector<v1::AuditEntry> batch;
      for (int i = 0; i < 10000 && done < entries; ++i, ++done) {
        batch.push_back(MixEntry(done, entries));
      }
      if (!stack->audit->Append(std::move(batch)).ok()) return 1;
    }
    if (!stack->audit->Checkpoint().ok()) return 1;
    std::printf("built a log of %llu entries in %.1f s\n", static_cast<unsigned long long>(entries),
                absl::ToDoubleSeconds(absl::Now() - start));
  }
  const std::string html = dir + "/report.html";
  const std::string log = dir + "/report.log";
  NexusctlRun run =
      RunNexusctl({"--keys", dir, "audit", "report", "--offline", dir + "/data", "--agency",
                   "agency-a", "--witness", dir + "/witness", "--since", "2026-11-01T00:00:00Z",
                   "--until", "2026-12-01T00:00:00Z", "--html", html},
                  log);
  std::ifstream in(log);
  std::stringstream said;
  said << in.rdbuf();
  std::printf("nexusctl audit report --offline: exit %d, %.2f s wall, peak RSS %.1f MiB\n%s",
              run.exit_code, run.seconds, run.max_rss_kib / 1024.0, said.str().c_str());
  std::ifstream page(html);
  std::string line;
  while (std::getline(page, line)) {
    const size_t note = line.find("<p id=\"closing-note\">");
    if (note != std::string::npos) std::printf("closing note: %s\n", line.c_str() + note);
  }
  std::printf("report: %s\n", html.c_str());
  return run.exit_code;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  uint64_t entries = 1000000;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    bool ok = flag == "--entries" ? absl::SimpleAtoi(argv[i + 1], &entries)
              : flag == "--keep"  ? (keep = argv[i + 1], true)
                                  : false;
    if (!ok) {
      std::fprintf(stderr, "usage: audit_report_bench [--entries N] [--keep DIR]\n");
      return 2;
    }
  }
  return nexus::Main(entries, keep);
}
