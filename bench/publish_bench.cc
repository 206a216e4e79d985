// End-to-end publish throughput: several concurrent client streams push records over mTLS into a
// real nexusd, which validates, signs, indexes and durably stores each before acknowledging.
// Prints records/s and batch latency beside this machine's single-core Ed25519 signing rate.
//
//   publish_bench [--records N] [--streams S] [--batch B]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "client/nexus_client.h"
#include "common/crypto.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

struct Options {
  int records = 200000;
  int streams = 4;
  int batch = 250;
};

int Run(const Options& options) {
  std::printf("ed25519 single-core signing: measuring...\n");
  double sign_rate = testing::Ed25519SigningRate();
  std::printf("ed25519 single-core signing: %.0f signatures/s\n", sign_rate);

  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  if (!node.ok()) {
    std::fprintf(stderr, "nexusd did not start:\n%s\n", node.ReadLog().c_str());
    return 1;
  }

  // Distinct records, built before the clock starts.
  std::vector<std::vector<v1::Record>> shares(options.streams);
  for (int i = 0; i < options.records; ++i) {
    v1::Record record = testing::SampleDraft(
        {{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+44 20 ", 10000000 + i)},
         {v1::INDICATOR_TYPE_DOMAIN, absl::StrCat("host", i, ".example.org")}});
    shares[i % options.streams].push_back(std::move(record));
  }

  std::vector<std::unique_ptr<NexusClient>> clients;
  for (int s = 0; s < options.streams; ++s) {
    auto client = NexusClient::Create(testing::ClientFor(node.address(), "agency-a"));
    if (!client.ok()) return 1;
    // Warm the connection (TLS handshake) outside the measurement.
    (void)(*client)->Get("00000000-0000-4000-8000-000000000000", 0);
    clients.push_back(*std::move(client));
  }

  std::vector<std::vector<double>> latencies(options.streams);
  std::atomic<int> stored{0}, failed{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int s = 0; s < options.streams; ++s) {
    threads.emplace_back([&, s] {
      const std::vector<v1::Record>& share = shares[s];
      for (size_t begin = 0; begin < share.size(); begin += options.batch) {
        size_t end = std::min(share.size(), begin + options.batch);
        std::vector<v1::Record> batch(share.begin() + begin, share.begin() + end);
        absl::Time sent = absl::Now();
        auto results = clients[s]->Publish(batch);
        latencies[s].push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
        if (!results.ok()) {
          failed += static_cast<int>(batch.size());
          continue;
        }
        for (const auto& r : *results) {
          (r.outcome() == v1::PUBLISH_OUTCOME_STORED ? stored : failed)++;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  double rate = stored / seconds;
  std::printf("publish: %d records stored (%d failed) in %.2f s over %d streams, batch %d\n",
              stored.load(), failed.load(), seconds, options.streams, options.batch);
  std::printf("publish throughput: %.0f records/s (validated, signed, indexed, audited, fsynced)\n",
              rate);
  std::printf("batch latency: p50 %.1f ms, p99 %.1f ms\n", bench::Percentile(all, 0.5),
              bench::Percentile(all, 0.99));
  std::printf("ratio to single-core signing ceiling: %.2f\n", rate / sign_rate);
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  nexus::Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int* target = flag == "--records"   ? &options.records
                  : flag == "--streams" ? &options.streams
                  : flag == "--batch"   ? &options.batch
                                        : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      std::fprintf(stderr, "usage: publish_bench [--records N] [--streams S] [--batch B]\n");
      return 2;
    }
  }
  return nexus::Run(options);
}
