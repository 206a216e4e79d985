// End-to-end replication: node A holds N records; node B, started afterwards with A as its peer,
// replicates everything A shares with it over mTLS, verifying each record's signature and parts
// and storing it durably with its audit entry and the peer cursor. Then, with the stream live,
// single records published at A are timed until B serves them. B catches up twice, with link
// detection off and on (its default), to give the cost of detection in the same run.
//
// Prints B's catch-up rate beside this machine's single-core Ed25519 *verify* rate (the work
// every received record needs), the peak RSS of both nodes, and the publish-to-visible latency.
//
//   replication_bench [--records N] [--latency-samples S]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "client/channel.h"
#include "client/nexus_client.h"
#include "common/crypto.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

struct Options {
  int records = 100000;
  int latency_samples = 200;
};

// Verifications per second of one core over a manifest-sized message: the best of three
// one-second runs.
double VerifyRate() {
  PrivateKey key = PrivateKey::Generate();
  std::string message(420, 'm');
  std::string signature = key.Sign(message);
  const PublicKey& public_key = key.public_key();
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    int count = 0, good = 0;
    absl::Time start = absl::Now();
    absl::Duration elapsed;
    do {
      for (int i = 0; i < 100; ++i) good += public_key.Verify(message, signature) ? 1 : 0;
      count += 100;
      elapsed = absl::Now() - start;
    } while (elapsed < absl::Seconds(1));
    if (good != count) std::abort();
    best = std::max(best, count / absl::ToDoubleSeconds(elapsed));
  }
  return best;
}

// Versions B has stored from A, from B's federation status (its durable peer state).
// B's status: versions received from A, and how many stored versions its link detection has
// not examined yet (0 when off).
struct AtB {
  uint64_t received = 0;
  uint64_t links_behind = 0;
};
AtB StatusAtB(v1::FederationService::Stub& stub) {
  grpc::ClientContext context;
  v1::FederationStatusRequest request;
  v1::FederationStatusResponse response;
  if (!stub.Status(&context, request, &response).ok()) return {0, UINT64_MAX};
  AtB at_b;
  at_b.links_behind = response.link_detection_behind();
  for (const v1::PeerStatus& peer : response.peers()) {
    if (peer.agency_id() == "agency-a") at_b.received = peer.received().received();
  }
  return at_b;
}

int Run(const Options& options) {
  std::printf("ed25519 single-core verify: measuring...\n");
  const double verify_rate = VerifyRate();
  std::printf("ed25519 single-core verify: %.0f verifications/s\n", verify_rate);

  testing::TempDir a_dir;
  std::ofstream(a_dir.File("policy.textproto"))
      << "name: \"share with agency-b\"\n"
         "rules { id: \"b\" effect: EFFECT_PERMIT recipient { agencies: \"agency-b\" } }\n";
  testing::NexusdProcess a(testing::WriteNodeConfig(
      a_dir.path(), "agency-a",
      absl::StrCat("policy_file: \"", a_dir.File("policy.textproto"), "\"\n",
                   "peers { agency_id: \"agency-b\" direction: DIRECTION_INBOUND }\n",
                   // A only serves here. Its own link detection over the records just published
                   // would run during B's catch-up and take over a quarter of the two cores (a
                   // profile on 2026-12-06), measuring A's detection, not replication.
                   "links { disabled: true }\n")));
  if (!a.ok()) {
    std::fprintf(stderr, "node A did not start:\n%s\n", a.ReadLog().c_str());
    return 1;
  }

  // A's store: N records, published over 4 streams (not timed here: see publish_bench).
  std::printf("publishing %d records at A...\n", options.records);
  {
    std::vector<std::thread> threads;
    std::atomic<int> failed{0};
    for (int s = 0; s < 4; ++s) {
      threads.emplace_back([&, s] {
        auto client = NexusClient::Create(testing::ClientFor(a.address(), "agency-a"));
        if (!client.ok()) {
          ++failed;
          return;
        }
        std::vector<v1::Record> batch;
        for (int i = s; i < options.records; i += 4) {
          v1::Record record = testing::SampleDraft(
              {{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+44 20 ", 10000000 + i)},
               {v1::INDICATOR_TYPE_DOMAIN, absl::StrCat("host", i, ".example.org")}});
          record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
          record.set_tlp(v1::TLP_GREEN);
          batch.push_back(std::move(record));
          if (batch.size() == 500 || i + 4 >= options.records) {
            auto results = (*client)->Publish(batch);
            if (!results.ok()) failed += static_cast<int>(batch.size());
            batch.clear();
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    if (failed > 0) {
      std::fprintf(stderr, "%d records failed to publish\n", failed.load());
      return 1;
    }
  }

  // B starts empty and catches up from A: once with link detection off, once with it on (the
  // default), each from a fresh store, so that the two rates are of the same run and machine.
  std::unique_ptr<testing::TempDir> b_dir;
  std::unique_ptr<testing::NexusdProcess> b_node;
  double rates[2] = {0, 0};
  for (int detection = 0; detection < 2; ++detection) {
    b_node.reset();
    b_dir = std::make_unique<testing::TempDir>();
    absl::Time start = absl::Now();
    b_node = std::make_unique<testing::NexusdProcess>(testing::WriteNodeConfig(
        b_dir->path(), "agency-b",
        absl::StrCat("peers { agency_id: \"agency-a\" address: \"", a.address(), "\" }\n",
                     "federation { heartbeat_seconds: 1 }\n",
                     detection == 0 ? "links { disabled: true }\n" : "")));
    if (!b_node->ok()) {
      std::fprintf(stderr, "node B did not start:\n%s\n", b_node->ReadLog().c_str());
      return 1;
    }
    auto channel = OpenChannel(testing::ClientFor(b_node->address(), "agency-b"));
    if (!channel.ok()) return 1;
    auto status_stub = v1::FederationService::NewStub(*channel);
    AtB at_b;
    const bool caught_up = testing::WaitFor(
        [&] {
          at_b = StatusAtB(*status_stub);
          return at_b.received >= static_cast<uint64_t>(options.records);
        },
        absl::Minutes(30));
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!caught_up) {
      std::fprintf(stderr, "B received only %llu of %d records\n",
                   static_cast<unsigned long long>(at_b.received), options.records);
      return 1;
    }
    rates[detection] = options.records / seconds;
    std::printf(
        "replication, link detection %s: %d records verified and stored at B in %.2f s (B's "
        "start included): %.0f records/s; ratio to single-core verify: %.2f\n",
        detection == 0 ? "off" : "on ", options.records, seconds, rates[detection],
        rates[detection] / verify_rate);
    if (detection == 1) {
      // Detection follows the store at a background priority: when it has examined every
      // version too, and the rate counted to then.
      const bool examined = testing::WaitFor(
          [&] { return StatusAtB(*status_stub).links_behind == 0; }, absl::Minutes(30));
      const double with_links = absl::ToDoubleSeconds(absl::Now() - start);
      if (!examined) {
        std::fprintf(stderr, "B's link detection did not catch up\n");
        return 1;
      }
      std::printf(
          "    B's link detection examined every version %.2f s after B stored the last: %.0f "
          "records/s with it (ratio %.2f)\n",
          with_links - seconds, options.records / with_links,
          options.records / with_links / verify_rate);
    }
  }
  std::printf("link detection on / off: %.3f of the rate (%.1f %% slower)\n", rates[1] / rates[0],
              100.0 * (1 - rates[1] / rates[0]));
  testing::NexusdProcess& b = *b_node;

  // Live: one record at a time, from the publish call at A until B serves it to its analyst.
  auto at_a = NexusClient::Create(testing::ClientFor(a.address(), "agency-a"));
  auto at_b = NexusClient::Create(testing::ClientFor(b.address(), "agency-b"));
  if (!at_a.ok() || !at_b.ok()) return 1;
  std::vector<double> latencies;
  for (int i = 0; i < options.latency_samples; ++i) {
    v1::Record record =
        testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+44 21 ", 10000000 + i)}});
    record.set_tlp(v1::TLP_GREEN);
    record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
    absl::Time sent = absl::Now();
    auto results = (*at_a)->Publish({record});
    if (!results.ok() || (*results)[0].outcome() != v1::PUBLISH_OUTCOME_STORED) return 1;
    const std::string id = (*results)[0].id();
    // Polled every millisecond (WaitFor backs off to 50 ms, too coarse to time this).
    const absl::Time deadline = sent + absl::Seconds(10);
    while (!(*at_b)->Get(id, 0).ok()) {
      if (absl::Now() > deadline) {
        std::fprintf(stderr, "record %s never reached B\n", id.c_str());
        return 1;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    latencies.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
  }
  std::printf(
      "publish at A -> visible at B (%d single records, stream live): p50 %.1f ms, "
      "p99 %.1f ms\n",
      options.latency_samples, bench::Percentile(latencies, 0.5),
      bench::Percentile(latencies, 0.99));
  std::printf("peak RSS: A %.0f MiB, B %.0f MiB\n", bench::StatusMiB(a.pid(), "VmHWM:"),
              bench::StatusMiB(b.pid(), "VmHWM:"));
  return 0;
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  nexus::Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int* target = flag == "--records"           ? &options.records
                  : flag == "--latency-samples" ? &options.latency_samples
                                                : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      std::fprintf(stderr, "usage: replication_bench [--records N] [--latency-samples S]\n");
      return 2;
    }
  }
  return nexus::Run(options);
}
