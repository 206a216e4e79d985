// Audit log figures on this machine's disk:
//   1. durable appends per second with 1, 8 and 64 writer threads each waiting for its append,
//      and with 64 and 256 appends kept in flight by completions (AppendAsync), beside the same
//      disk's ceiling: synced RocksDB WriteBatches of 100 small values, in values per second;
//   2. full verification of a 1,000,000-entry log from its data directory (entries per second);
//   3. inclusion and consistency proof generation latency on that log (median, p99).
//
//   audit_bench [--entries N] [--seconds S]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cli/offline_audit.h"
#include "common/audit_verifier.h"
#include "common/uuid.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

v1::AuditEntry SampleEntry(int i) {
  v1::AuditEntry entry;
  entry.mutable_actor()->set_agency_id("agency-a");
  entry.mutable_actor()->set_role("analyst");
  entry.mutable_actor()->set_certificate_fingerprint(std::string(64, 'f'));
  entry.mutable_actor()->set_peer("ipv4:127.0.0.1:50000");
  entry.set_action(v1::AUDIT_ACTION_PUBLISH);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id("6324de9c-31bd-449c-9ac9-c36a5bd608ac");
  target->set_version(1);
  entry.set_request_id(absl::StrCat("req-", i));
  entry.set_detail(absl::StrCat("cursor ", i));
  return entry;
}

// Synced WriteBatches of 100 ~100-byte values, one writer, for `seconds`: values per second.
double RocksDbCeiling(const std::string& dir, absl::Duration seconds) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(options, dir, &db).ok()) return 0;
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::string value(100, 'v');
  uint64_t batches = 0;
  absl::Time start = absl::Now();
  while (absl::Now() - start < seconds) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 100; ++i) batch.Put(absl::StrCat(batches, "-", i), value);
    db->Write(sync, &batch);
    ++batches;
  }
  double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  delete db;
  return batches * 100 / elapsed;
}

double AppendRate(AuditLog& log, int writers, absl::Duration seconds) {
  std::atomic<uint64_t> appended{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  absl::Time start = absl::Now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        if (log.Append(SampleEntry(w * 1000000 + i)).ok()) ++appended;
      }
    });
  }
  std::this_thread::sleep_for(absl::ToChronoMilliseconds(seconds));  // the measured interval
  stop = true;
  for (auto& thread : threads) thread.join();
  return appended / absl::ToDoubleSeconds(absl::Now() - start);
}

// `callers` appends kept in flight with AppendAsync, as a node's asynchronous handlers would keep
// them: no thread waits for an append. The completions (on the commit queue's writer thread) only
// hand the caller back; two handler threads make each caller's next entry and append it, so the
// writer does no more than it would for real callers.
double AsyncAppendRate(AuditLog& log, int callers, absl::Duration seconds) {
  std::atomic<uint64_t> appended{0};
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  absl::CondVar ready_cv;
  std::vector<int> ready;  // callers whose last append is done
  int in_flight = 0;       // appends handed to the log and not yet done
  for (int c = 0; c < callers; ++c) ready.push_back(c);
  auto done = [&](int caller) {
    return [&, caller](const absl::Status& status) {
      if (status.ok()) ++appended;
      absl::MutexLock lock(&mu);
      --in_flight;
      ready.push_back(caller);
      ready_cv.SignalAll();
    };
  };
  std::vector<std::thread> handlers;
  for (int h = 0; h < 2; ++h) {
    handlers.emplace_back([&, h] {
      uint64_t i = 0;
      while (true) {
        std::vector<int> mine;
        {
          absl::MutexLock lock(&mu);
          while (ready.empty() && !stop) ready_cv.Wait(&mu);
          if (stop) return;
          mine.swap(ready);
          in_flight += mine.size();
        }
        for (int caller : mine) {
          std::vector<v1::AuditEntry> entry;
          entry.push_back(SampleEntry(h * 100000000 + static_cast<int>(++i % 100000000)));
          log.AppendAsync(std::move(entry), done(caller));
        }
      }
    });
  }
  absl::Time start = absl::Now();
  std::this_thread::sleep_for(absl::ToChronoMilliseconds(seconds));  // the measured interval
  const uint64_t counted = appended;
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  {
    absl::MutexLock lock(&mu);
    stop = true;
    ready_cv.SignalAll();
  }
  for (auto& thread : handlers) thread.join();
  {
    absl::MutexLock lock(&mu);  // the appends still in flight end before the log may go
    while (in_flight > 0) ready_cv.Wait(&mu);
  }
  return counted / elapsed;
}

template <typename F>
std::pair<double, double> MedianP99Micros(int samples, F&& f) {
  std::vector<double> micros;
  for (int i = 0; i < samples; ++i) {
    absl::Time start = absl::Now();
    f(i);
    micros.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
  }
  std::sort(micros.begin(), micros.end());
  return {micros[micros.size() / 2], micros[micros.size() * 99 / 100]};
}

int Run(uint64_t entries, absl::Duration seconds) {
  PrivateKey key = PrivateKey::Generate();
  Keyring keys;
  (void)keys.Add("agency-a", "1", key.public_key());

  // 1. Appends against the disk's ceiling.
  {
    testing::TempDir dir;
    double ceiling = RocksDbCeiling(dir.File("ceiling"), seconds);
    std::printf("rocksdb ceiling: %.0f values/s (%.0f synced WriteBatches/s of 100 values)\n",
                ceiling, ceiling / 100);
    auto stack = testing::NodeStorage::Open(dir.File("audit"), key);
    // One line per way of appending: the rate, its share of the ceiling, the mean group size.
    auto measure = [&](const char* how, int count, auto rate_of) {
      CommitQueue::Stats before = stack->commits->stats();
      double rate = rate_of(*stack->audit, count, seconds);
      CommitQueue::Stats after = stack->commits->stats();
      std::printf(
          "durable appends, %3d %s: %.0f entries/s (%.2f of the ceiling), %.1f entries per "
          "fsync\n",
          count, how, rate, rate / ceiling,
          static_cast<double>(after.jobs - before.jobs) / (after.batches - before.batches));
    };
    for (int writers : {1, 8, 64}) measure("writers (Append)", writers, AppendRate);
    for (int callers : {64, 256}) {
      measure("callers in flight (AppendAsync)", callers, AsyncAppendRate);
    }
  }

  // 2. A log of `entries` entries, verified from its data directory.
  testing::TempDir dir;
  {
    auto stack = testing::NodeStorage::Open(dir.path(), key);
    absl::Time start = absl::Now();
    for (uint64_t done = 0; done < entries;) {
      std::vector<v1::AuditEntry> batch;
      for (int i = 0; i < 10000 && done < entries; ++i, ++done) batch.push_back(SampleEntry(done));
      if (!stack->audit->Append(std::move(batch)).ok()) return 1;
    }
    if (!stack->audit->Checkpoint().ok()) return 1;
    std::printf("built a log of %lu entries in %.1f s\n", static_cast<unsigned long>(entries),
                absl::ToDoubleSeconds(absl::Now() - start));
  }
  {
    auto log = OfflineAuditLog::Open(dir.path());
    if (!log.ok()) return 1;
    AuditVerifyOptions options;
    options.keys = &keys;
    options.checkpoints = *(*log)->Checkpoints();
    auto head = (*log)->Head();
    if (head.ok()) options.head = *head;
    options.stored_nodes = (*log)->StoredNodes();  // as `nexusctl audit verify --offline` does
    absl::Time start = absl::Now();
    AuditVerifyReport report = VerifyAuditLog(options, (*log)->Entries());
    double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    std::printf("full verification: %s, %lu entries in %.2f s = %.0f entries/s\n",
                report.ok ? "OK" : report.problem.c_str(),
                static_cast<unsigned long>(report.entries), elapsed, report.entries / elapsed);
  }

  // 3. Proofs on that log, from the node's own store.
  auto stack = testing::NodeStorage::Open(dir.path(), key);
  std::mt19937_64 random(42);
  const uint64_t size = stack->audit->size();
  auto [inclusion_median, inclusion_p99] = MedianP99Micros(
      10000, [&](int) { (void)stack->audit->InclusionProof(random() % size, size); });
  std::printf("inclusion proof (tree size %lu): median %.1f us, p99 %.1f us\n",
              static_cast<unsigned long>(size), inclusion_median, inclusion_p99);
  auto [consistency_median, consistency_p99] = MedianP99Micros(10000, [&](int) {
    uint64_t first = 1 + random() % (size - 1);
    (void)stack->audit->ConsistencyProof(first, size);
  });
  std::printf("consistency proof (to tree size %lu): median %.1f us, p99 %.1f us\n",
              static_cast<unsigned long>(size), consistency_median, consistency_p99);
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  uint64_t entries = 1000000;
  int seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    bool ok = flag == "--entries"   ? absl::SimpleAtoi(argv[i + 1], &entries)
              : flag == "--seconds" ? absl::SimpleAtoi(argv[i + 1], &seconds)
                                    : false;
    if (!ok) {
      std::fprintf(stderr, "usage: audit_bench [--entries N] [--seconds S]\n");
      return 2;
    }
  }
  return nexus::Run(entries, absl::Seconds(seconds));
}
