// Link detection at scale, and how fast a link reaches another node's analyst.
//
// Part 1, in process on a real RocksDB: N records (published through the node's publisher: each
// validated, signed, stored with its audit entry; not timed) whose first indicator is a phone
// number drawn from a Zipf distribution over `--selectors` values (exponent `--zipf`), so that a
// few numbers are carried by very many records (capped: noted as frequent) and most by one or a
// few; the second indicator is unique. Times LinkDetector::CatchUp over the whole feed: versions
// and links per second, the peak RSS it added, and what the links family holds on disk.
//
// Part 2, two real nexusd on loopback: B pulls from A and follows its own alerts. A publishes a
// record carrying a new phone number, then another record of another case with the same number;
// timed from the second publish call at A until B's analyst receives the alert (B stores the
// version, detects the link, serves the alert): p50/p99.
//
//   links_bench [--records N] [--selectors S] [--zipf X] [--latency-samples K]
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "client/nexus_client.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "policy/federation.h"
#include "server/cursor_cipher.h"
#include "server/link_detector.h"
#include "server/record_publisher.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

struct Options {
  int records = 1000000;
  int selectors = 300000;
  double zipf = 1.1;
  int latency_samples = 200;
};

// Draws ranks 0..n-1 with P(k) proportional to 1/(k+1)^s, by inverse transform on the table.
class Zipf {
 public:
  Zipf(int n, double s) : cumulative_(n) {
    double sum = 0;
    for (int k = 0; k < n; ++k) cumulative_[k] = sum += 1.0 / std::pow(k + 1, s);
    for (double& c : cumulative_) c /= sum;
  }
  int Draw(std::mt19937_64& random) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(random);
    return static_cast<int>(std::lower_bound(cumulative_.begin(), cumulative_.end(), u) -
                            cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

int DetectionAtScale(const Options& options) {
  testing::TempDir dir;
  PrivateKey key = PrivateKey::Generate();
  auto stack = testing::NodeStorage::Open(dir.path(), key);
  if (stack == nullptr) return 1;
  Keyring keys;
  if (!keys.Add("agency-a", "1", key.public_key()).ok()) return 1;
  v1::Agency member;
  member.set_id("agency-a");
  google::protobuf::RepeatedPtrField<v1::Agency> agencies;
  *agencies.Add() = member;
  policy::Federation federation(agencies);
  RecordPublisher publisher({"agency-a", "1", 256 * 1024, &federation}, std::move(key), &keys,
                            stack->records.get(), stack->audit.get());
  CallContext call;
  call.actor.set_agency_id("agency-a");
  call.actor.set_role("analyst");

  std::printf("publishing %d records (Zipf %.2f over %d phone numbers), not timed...\n",
              options.records, options.zipf, options.selectors);
  const Zipf zipf(options.selectors, options.zipf);
  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 random(42 + w);
      std::vector<v1::Record> batch;
      for (int i = w; i < options.records; i += 2) {
        v1::Record record = testing::SampleDraft(
            {{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+44 20 ", 10000000 + zipf.Draw(random))},
             {v1::INDICATOR_TYPE_DOMAIN, absl::StrCat("host", i, ".example.org")}});
        record.set_case_reference(absl::StrCat("CASE-", i));
        batch.push_back(std::move(record));
        if (batch.size() == 1000 || i + 2 >= options.records) {
          for (const v1::PublishResult& result : publisher.Publish(call, std::move(batch))) {
            if (result.outcome() != v1::PUBLISH_OUTCOME_STORED) ++failed;
          }
          batch.clear();
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  if (failed > 0) {
    std::fprintf(stderr, "%d records failed to publish\n", failed.load());
    return 1;
  }
  absl::StatusOr<CursorCipher> cursors = CursorCipher::Open(stack->storage.get());
  if (!cursors.ok()) return 1;
  (void)stack->storage->Flush();
  const uint64_t bytes_before = DirectoryBytes(dir.path());
  const double rss_before = bench::StatusMiB(0, "VmRSS:");

  LinkDetector detector(stack->storage.get(), stack->records.get(), &*cursors,
                        LinkDetector::Options{});
  const absl::Time start = absl::Now();
  if (absl::Status s = detector.CatchUp(); !s.ok()) {
    std::fprintf(stderr, "detection failed: %s\n", s.ToString().c_str());
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  uint64_t opened = 0, frequent = 0;
  (void)detector.ScanChanges(0, [&](uint64_t, const v1::LinkChange& change) {
    opened += change.event() == v1::LINK_EVENT_OPENED;
    frequent += change.event() == v1::LINK_EVENT_FREQUENT_SELECTOR;
    return true;
  });
  (void)stack->storage->Flush();
  const uint64_t bytes_after = DirectoryBytes(dir.path());
  std::printf("detection: %d versions in %.2f s: %.0f versions/s\n", options.records, seconds,
              options.records / seconds);
  std::printf("links opened: %llu (%.0f links/s); frequent selectors noted: %llu\n",
              static_cast<unsigned long long>(opened), opened / seconds,
              static_cast<unsigned long long>(frequent));
  std::printf("memory: RSS %.0f MiB before detection, %.0f MiB after, peak %.0f MiB (process)\n",
              rss_before, bench::StatusMiB(0, "VmRSS:"), bench::StatusMiB(0, "VmHWM:"));
  std::printf("store: %.1f MiB before detection, %.1f MiB after (+%.0f bytes per link)\n",
              bytes_before / 1048576.0, bytes_after / 1048576.0,
              opened == 0 ? 0.0 : static_cast<double>(bytes_after - bytes_before) / opened);
  return 0;
}

int AlertLatency(const Options& options) {
  testing::TempDir a_dir, b_dir;
  std::ofstream(a_dir.File("policy.textproto"))
      << "name: \"share with agency-b\"\n"
         "rules { id: \"b\" effect: EFFECT_PERMIT recipient { agencies: \"agency-b\" } }\n";
  testing::NexusdProcess a(testing::WriteNodeConfig(
      a_dir.path(), "agency-a",
      absl::StrCat("policy_file: \"", a_dir.File("policy.textproto"), "\"\n",
                   "peers { agency_id: \"agency-b\" direction: DIRECTION_INBOUND }\n")));
  if (!a.ok()) return 1;
  testing::NexusdProcess b(testing::WriteNodeConfig(
      b_dir.path(), "agency-b",
      absl::StrCat("peers { agency_id: \"agency-a\" address: \"", a.address(), "\" }\n",
                   "federation { heartbeat_seconds: 1 }\n")));
  if (!b.ok()) return 1;
  auto at_a = NexusClient::Create(testing::ClientFor(a.address(), "agency-a"));
  auto at_b = NexusClient::Create(testing::ClientFor(b.address(), "agency-b"));
  if (!at_a.ok() || !at_b.ok()) return 1;

  // B's analyst follows its alerts; each arrival is stamped.
  absl::Mutex mu;
  std::vector<absl::Time> arrivals;
  std::thread follower([&] {
    v1::AlertsRequest request;
    request.set_follow(true);
    (void)(*at_b)->Alerts(request, [&](const v1::Alert& alert) {
      if (alert.more()) return true;
      absl::MutexLock lock(&mu);
      arrivals.push_back(absl::Now());
      return static_cast<int>(arrivals.size()) < options.latency_samples;
    });
  });
  auto draft = [](int i, const std::string& reference) {
    v1::Record record =
        testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+44 21 ", 10000000 + i)}});
    record.set_case_reference(reference);
    record.set_tlp(v1::TLP_GREEN);
    record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
    return record;
  };
  std::vector<double> latencies;
  for (int i = 0; i < options.latency_samples; ++i) {
    auto first = (*at_a)->Publish({draft(i, absl::StrCat("FIRST-", i))});
    if (!first.ok()) return 1;
    const absl::Time sent = absl::Now();
    auto second = (*at_a)->Publish({draft(i, absl::StrCat("SECOND-", i))});
    if (!second.ok()) return 1;
    absl::MutexLock lock(&mu);
    auto told = [&] { return static_cast<int>(arrivals.size()) > i; };
    if (!mu.AwaitWithTimeout(absl::Condition(&told), absl::Seconds(10))) {
      std::fprintf(stderr, "alert %d never reached B\n", i);
      follower.detach();
      return 1;
    }
    latencies.push_back(absl::ToDoubleMilliseconds(arrivals[i] - sent));
  }
  follower.join();
  std::printf(
      "publish at A -> alert to B's analyst (%d links, each found at B after replication): "
      "p50 %.1f ms, p99 %.1f ms\n",
      options.latency_samples, bench::Percentile(latencies, 0.5),
      bench::Percentile(latencies, 0.99));
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  nexus::Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    bool ok = false;
    if (flag == "--records") ok = absl::SimpleAtoi(argv[i + 1], &options.records);
    if (flag == "--selectors") ok = absl::SimpleAtoi(argv[i + 1], &options.selectors);
    if (flag == "--zipf") ok = absl::SimpleAtod(argv[i + 1], &options.zipf);
    if (flag == "--latency-samples") ok = absl::SimpleAtoi(argv[i + 1], &options.latency_samples);
    if (!ok || options.records <= 0 || options.selectors <= 0 || options.latency_samples <= 0) {
      std::fprintf(stderr,
                   "usage: links_bench [--records N] [--selectors S] [--zipf X] "
                   "[--latency-samples K]\n");
      return 2;
    }
  }
  if (int failed = nexus::DetectionAtScale(options); failed != 0) return failed;
  return nexus::AlertLatency(options);
}
