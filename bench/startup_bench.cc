// Start-up against the size of the audit log: a data directory whose log holds N entries
// (default 10,000,000), sealed as a node's shutdown leaves it, then
//   1. a real nexusd started on it, three times: the time from exec to serving (its ready file)
//      and its peak RSS once the background pass has verified the sealed entries;
//   2. in process, AuditLog::Open as the node does it (after the seal only) beside a full
//      verification before serving (what every start did before the seal), and the background
//      pass over the sealed entries.
//
//   startup_bench [--entries N]
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "common/storage/rocksdb_store.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

v1::AuditEntry SampleEntry(uint64_t i) {
  v1::AuditEntry entry;
  entry.mutable_actor()->set_agency_id("agency-b");
  entry.mutable_actor()->set_role("analyst");
  entry.mutable_actor()->set_certificate_fingerprint(std::string(64, 'f'));
  entry.mutable_actor()->set_peer("ipv4:127.0.0.1:50000");
  entry.set_action(v1::AUDIT_ACTION_GET);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id("6324de9c-31bd-449c-9ac9-c36a5bd608ac");
  target->set_version(1);
  entry.set_request_id(absl::StrCat("req-", i));
  entry.set_purpose("CASE-2026-0042 drug trafficking enquiry");
  return entry;
}

struct Opened {
  absl::Duration open;        // AuditLog::Open
  uint64_t sealed = 0;        // entries it left to the background pass
  absl::Duration background;  // the background pass
};

// Opens the log in `data_dir` as nexusd does, verifying in full only logs of at most `limit`
// entries, then runs the background pass.
Opened OpenLog(const std::string& data_dir, const PrivateKey& key, uint64_t limit) {
  auto storage = storage::RocksDbStore::Open(data_dir);
  if (!storage.ok()) return {};
  CommitQueue commits(storage->get());
  AuditLog::Options options{"agency-a", "1"};
  options.verify_before_serving_max_entries = limit;
  absl::Time start = absl::Now();
  auto log = AuditLog::Open(storage->get(), &commits, key, options);
  Opened opened;
  opened.open = absl::Now() - start;
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return {};
  }
  opened.sealed = (*log)->opening().sealed_entries();
  start = absl::Now();
  (*log)->VerifySealedInBackground(nullptr);
  absl::Status background = (*log)->AwaitBackgroundVerification();
  opened.background = absl::Now() - start;
  if (!background.ok()) std::fprintf(stderr, "background: %s\n", background.ToString().c_str());
  // Seal again, as the node's next checkpoint would, so that the next open also starts sealed.
  (void)(*log)->Seal();
  return opened;
}

int Run(uint64_t entries) {
  testing::TempDir dir;
  const std::string config = testing::WriteNodeConfig(dir.path(), "agency-a", "");
  const std::string data_dir = dir.path() + "/data";
  absl::StatusOr<PrivateKey> key =
      PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  if (!key.ok()) return 1;
  {
    auto stack = testing::NodeStorage::Open(data_dir, *key);
    if (stack == nullptr) return 1;
    absl::Time start = absl::Now();
    for (uint64_t done = 0; done < entries;) {
      std::vector<v1::AuditEntry> batch;
      for (int i = 0; i < 10000 && done < entries; ++i, ++done) batch.push_back(SampleEntry(done));
      if (!stack->audit->Append(std::move(batch)).ok()) return 1;
    }
    if (!stack->audit->Checkpoint().ok() || !stack->audit->Seal().ok()) return 1;
    std::printf("built a log of %lu entries in %.1f s (sealed, as a node's shutdown leaves it)\n",
                static_cast<unsigned long>(entries), absl::ToDoubleSeconds(absl::Now() - start));
  }

  // 1. A real nexusd, to serving.
  for (int run = 1; run <= 3; ++run) {
    // The node appends to one log file: only this run's lines count.
    const size_t earlier = std::ifstream(dir.path() + "/nexusd.log").good()
                               ? std::filesystem::file_size(dir.path() + "/nexusd.log")
                               : 0;
    absl::Time start = absl::Now();
    testing::NexusdProcess node(config);
    auto log_of_this_run = [&] { return node.ReadLog().substr(earlier); };
    const double serving = absl::ToDoubleSeconds(absl::Now() - start);
    if (!node.ok()) {
      std::fprintf(stderr, "nexusd did not start:\n%s\n", node.ReadLog().c_str());
      return 1;
    }
    // Serving; the sealed entries are verified meanwhile. Its LOG_VERIFY entry ends the pass.
    const bool verified = testing::WaitFor(
        [&] {
          const std::string log = log_of_this_run();
          return !absl::StrContains(log, "verified in the background while the node serves") ||
                 absl::StrContains(log, "sealed entries verified in the background in") ||
                 absl::StrContains(log, "failed its background verification");
        },
        absl::Minutes(10));
    const double background = absl::ToDoubleSeconds(absl::Now() - start) - serving;
    const double peak = bench::StatusMiB(node.pid(), "VmHWM:");
    const bool sealed =
        absl::StrContains(log_of_this_run(), "verified in the background while the node serves");
    std::printf("nexusd start %d: serving after %.2f s; %s; peak RSS %.0f MiB\n", run, serving,
                !sealed    ? "every entry verified before serving (the log is small)"
                : verified ? absl::StrCat("sealed entries verified in the background ",
                                          absl::SixDigits(background), " s later")
                                 .c_str()
                           : "background pass not finished",
                peak);
    if (node.Stop() != 0) return 1;
  }

  // 2. In process: the node's Open (after the seal) beside a full verification before serving.
  Opened node = OpenLog(data_dir, *key, 1000000);
  std::printf(
      "AuditLog::Open as the node does it: %.3f s, %lu sealed entries left to the background "
      "pass, which took %.2f s (%.0f entries/s)\n",
      absl::ToDoubleSeconds(node.open), static_cast<unsigned long>(node.sealed),
      absl::ToDoubleSeconds(node.background),
      node.sealed == 0 ? 0 : node.sealed / absl::ToDoubleSeconds(node.background));
  Opened full = OpenLog(data_dir, *key, UINT64_MAX);
  std::printf("AuditLog::Open verifying every entry before serving: %.2f s (%.0f entries/s)\n",
              absl::ToDoubleSeconds(full.open), entries / absl::ToDoubleSeconds(full.open));
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  uint64_t entries = 10000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) != "--entries" || !absl::SimpleAtoi(argv[i + 1], &entries) ||
        entries == 0) {
      std::fprintf(stderr, "usage: startup_bench [--entries N]\n");
      return 2;
    }
  }
  return nexus::Run(entries);
}
