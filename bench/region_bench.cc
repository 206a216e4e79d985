// A region of real nexusd processes on loopback (bench/region_plan.h: coordinators that pull from
// each other, members that dial their coordinator and pull from two bilateral neighbours, each
// with its own certificates, signing key and sharing policy). The members publish `--records` in
// all; the benchmark times how long until every node holds what the policies let reach it
// (counted against the plan, never against what the nodes say they should hold), then reads every
// node's whole store to check each origin's count exactly.
//
// Per region size it prints: publish time, time to hold everything, the versions delivered (a
// record stored at a node other than its origin) and transferred (the same plus duplicates that
// arrive by a second path, "unchanged"), loopback bytes per delivery and per transfer, the nexusd
// processes' CPU seconds and their summed RSS and largest peak RSS.
//
//   region_bench [--nodes 5,10,25,50] [--records 100000] [--coordinators C] [--streams 4]
//                [--batch 500] [--timeout-minutes 15] [--pki DIR]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/bench_figures.h"
#include "bench/region_plan.h"
#include "client/federation_client.h"
#include "client/nexus_client.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

struct Options {
  std::vector<int> sizes = {5, 10, 25, 50};
  int records = 100000;
  int coordinators = 0;  // 0: bench::DefaultCoordinators
  int streams = 4;
  int batch = 500;
  int timeout_minutes = 15;
  std::string pki;  // default: $TMPDIR/nexus-region-pki, kept between runs
};

// One row of the table.
struct Figures {
  int nodes = 0, coordinators = 0, max_members_per_coordinator = 0, records = 0;
  double publish_s = 0, converged_s = 0;
  uint64_t deliveries = 0, transfers = 0;
  double node_bytes = 0;  // sent by the nodes' TCP sockets
  double lo_bytes = 0, idle_lo_bytes_per_s = 0;
  double nexusd_cpu_s = 0, bench_cpu_s = 0;
  double coordinator_cpu_s = 0;  // the coordinators' part of nexusd_cpu_s
  double idle_cores = 0;         // the nodes' CPU seconds per second before the first publish
  double rss_sum_mib = 0, max_hwm_mib = 0;
  double stored_record_bytes = 0;  // mean serialized SignedRecord, as the nodes serve it
  bool checked = false;
  std::string failure;
};

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The members' records: unique selectors (so link detection finds nothing to link), markings by
// bench::KindOfRecord.
v1::Record RegionDraft(int member, const std::string& agency, int n) {
  v1::Record record = testing::SampleDraft(
      {{v1::INDICATOR_TYPE_PHONE, absl::StrFormat("+2217%03d%06d", member, n)},
       {v1::INDICATOR_TYPE_DOMAIN, absl::StrCat("relay-", n, ".", agency, ".example.net")}});
  record.set_case_reference(absl::StrCat(agency, "-2026-", n));
  v1::Distribution* distribution = record.mutable_distribution();
  distribution->set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
  distribution->add_groups(bench::kRegionGroup);
  switch (bench::KindOfRecord(n)) {
    case bench::RecordKind::kClear:
      record.set_tlp(v1::TLP_CLEAR);
      distribution->Clear();
      distribution->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
      break;
    case bench::RecordKind::kGreen:
      record.set_tlp(v1::TLP_GREEN);
      break;
    case bench::RecordKind::kAmber:
      record.set_tlp(v1::TLP_AMBER);
      break;
    case bench::RecordKind::kUndercover:
      record.set_tlp(v1::TLP_GREEN);
      record.mutable_tags()->add_values("undercover");
      break;
  }
  return record;
}

// Bytes sent so far over each established TCP socket of the processes `pids`, by socket (local
// and peer address), from the kernel's tcp_info (`ss -tinp`): what the nodes themselves wrote,
// TLS included, TCP/IP headers and every other process on loopback excluded.
std::map<std::string, double> SocketBytesSent(const std::set<pid_t>& pids) {
  std::map<std::string, double> sent;
  std::string output;
  if (testing::RunCommand("ss -tinpH state established 2>/dev/null", &output) != 0) return sent;
  std::string socket;  // the socket the next detail line belongs to, if it is one of ours
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!line.empty() && line[0] != ' ' && line[0] != '\t') {
      socket.clear();
      std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      const size_t pid_at = line.find("pid=");
      int pid = 0;
      if (fields.size() < 4 || pid_at == absl::string_view::npos ||
          !absl::SimpleAtoi(line.substr(pid_at + 4, line.find_first_of(",)", pid_at) - pid_at - 4),
                            &pid) ||
          !pids.count(pid)) {
        continue;
      }
      socket = absl::StrCat(fields[2], " ", fields[3]);
      continue;
    }
    const size_t at = line.find("bytes_sent:");
    if (socket.empty() || at == absl::string_view::npos) continue;
    double bytes = 0;
    absl::string_view value = line.substr(at + 11);
    if (absl::SimpleAtod(value.substr(0, value.find(' ')), &bytes)) sent[socket] = bytes;
    socket.clear();
  }
  return sent;
}

// What the sockets sent between two SocketBytesSent snapshots (a socket opened between them
// counts from zero; one closed between them is lost, and replication streams are long-lived).
double BytesSentBetween(const std::map<std::string, double>& before,
                        const std::map<std::string, double>& after) {
  double total = 0;
  for (const auto& [socket, bytes] : after) {
    auto earlier = before.find(socket);
    total += bytes - (earlier == before.end() || earlier->second > bytes ? 0 : earlier->second);
  }
  return total;
}

// The running region: one directory, PKI and process per node.
class Region {
 public:
  Region(bench::RegionPlan plan, std::string pki) : plan_(std::move(plan)), pki_(std::move(pki)) {}
  ~Region() { StopAll(); }

  // Writes every node's policy and configuration (deploy/make-node-config.sh) and starts them.
  absl::Status Start() {
    std::vector<std::unique_ptr<testing::ReservedPort>> ports;
    std::vector<std::string> addresses, membership;
    for (const bench::RegionNode& node : plan_.nodes) {
      ports.push_back(std::make_unique<testing::ReservedPort>());
      addresses.push_back(ports.back()->address());
      membership.push_back(absl::StrCat("'", node.membership_entry, "'"));
    }
    const std::string members = absl::StrJoin(membership, " ");
    for (size_t i = 0; i < plan_.nodes.size(); ++i) {
      const std::string dir = dir_.File(plan_.nodes[i].agency);
      std::filesystem::create_directories(dir);
      std::ofstream(dir + "/policy.textproto") << bench::PolicyText(plan_, i);
      std::string command =
          absl::StrCat(NEXUS_SOURCE_DIR, "/deploy/make-node-config.sh --policy ", dir,
                       "/policy.textproto --heartbeat 2 --max-retry 2 ", "--witness-interval 5");
      for (const std::string& peer : bench::PeerSpecs(plan_, i, addresses)) {
        absl::StrAppend(&command, " --peer ", peer);
      }
      absl::StrAppend(&command, " ", pki_, " ", plan_.nodes[i].agency, " ", addresses[i], " ", dir,
                      "/data ", members, " > ", dir, "/node.textproto");
      std::string output;
      if (testing::RunCommand(command, &output) != 0) {
        return absl::InternalError(absl::StrCat("make-node-config.sh failed: ", output));
      }
    }
    for (size_t i = 0; i < plan_.nodes.size(); ++i) {
      const std::string dir = dir_.File(plan_.nodes[i].agency);
      ports[i]->Release();  // the node binds it now
      nodes_.push_back(std::make_unique<testing::NexusdProcess>(dir + "/node.textproto"));
      if (!nodes_.back()->ok()) {
        return absl::UnavailableError(
            absl::StrCat(plan_.nodes[i].agency, " did not start:\n", nodes_.back()->ReadLog()));
      }
    }
    return absl::OkStatus();
  }

  // SIGTERM to every node at once, then waits for each: 50 sequential stops take long.
  void StopAll() {
    std::vector<std::thread> stops;
    for (auto& node : nodes_) stops.emplace_back([&node] { node->Stop(); });
    for (std::thread& stop : stops) stop.join();
    nodes_.clear();
  }

  const bench::RegionPlan& plan() const { return plan_; }
  size_t size() const { return nodes_.size(); }
  const std::string& agency(size_t i) const { return plan_.nodes[i].agency; }
  ClientOptions Analyst(size_t i) const {
    return testing::ClientInPki(pki_, nodes_[i]->address(), agency(i));
  }

  std::set<pid_t> Pids() const {
    std::set<pid_t> pids;
    for (const auto& node : nodes_) pids.insert(node->pid());
    return pids;
  }
  double CpuSeconds() const { return CpuSecondsOf(/*coordinators_only=*/false); }
  double CoordinatorCpuSeconds() const { return CpuSecondsOf(/*coordinators_only=*/true); }
  void Memory(double* rss_sum_mib, double* max_hwm_mib) const {
    *rss_sum_mib = *max_hwm_mib = 0;
    for (const auto& node : nodes_) {
      *rss_sum_mib += bench::StatusMiB(node->pid(), "VmRSS:");
      *max_hwm_mib = std::max(*max_hwm_mib, bench::StatusMiB(node->pid(), "VmHWM:"));
    }
  }

 private:
  double CpuSecondsOf(bool coordinators_only) const {
    double total = 0;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!coordinators_only || plan_.nodes[i].coordinator) {
        total += bench::CpuSeconds(nodes_[i]->pid());
      }
    }
    return total;
  }

  bench::RegionPlan plan_;
  std::string pki_;
  testing::TempDir dir_;
  std::vector<std::unique_ptr<testing::NexusdProcess>> nodes_;
};

// Every node's federation status, for `nodes` (indexes); nullopt-like empty status on failure.
std::vector<v1::FederationStatusResponse> Statuses(
    const std::vector<std::unique_ptr<FederationClient>>& clients, const std::vector<int>& nodes) {
  std::vector<v1::FederationStatusResponse> statuses(clients.size());
  for (int i : nodes) {
    absl::StatusOr<v1::FederationStatusResponse> status = clients[i]->Status();
    if (status.ok()) statuses[i] = *std::move(status);
  }
  return statuses;
}

// Polls (with a deadline) until `done` holds for every node's status; `done` sees the node's
// index and status. Nodes already done are not asked again, so the polling load falls as the
// region converges.
bool WaitForEveryNode(const std::vector<std::unique_ptr<FederationClient>>& clients,
                      absl::Duration timeout,
                      const std::function<bool(int, const v1::FederationStatusResponse&)>& done) {
  std::vector<int> waiting;
  for (size_t i = 0; i < clients.size(); ++i) waiting.push_back(static_cast<int>(i));
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::vector<v1::FederationStatusResponse> statuses = Statuses(clients, waiting);
    std::erase_if(waiting, [&](int i) { return done(i, statuses[i]); });
    if (waiting.empty()) return true;
    if (absl::Now() > deadline) return false;
    // A status call asks the node to count its backlog per peer: polled a few times a second,
    // not in a tight loop, so that it stays a small part of the nodes' work.
    absl::SleepFor(absl::Milliseconds(200));
  }
}

// Publishes every member's records over `streams` client threads, each interleaving its members
// batch by batch, so that all members publish from the start.
absl::Status PublishAll(const Region& region, const std::vector<std::vector<v1::Record>>& drafts,
                        const Options& options) {
  const bench::RegionPlan& plan = region.plan();
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex error_mutex;
  std::vector<std::thread> threads;
  for (int s = 0; s < options.streams; ++s) {
    threads.emplace_back([&, s] {
      std::vector<int> mine;
      std::map<int, std::unique_ptr<NexusClient>> clients;
      for (int m = s; m < plan.members(); m += options.streams) {
        auto client = NexusClient::Create(region.Analyst(plan.coordinators + m));
        if (!client.ok()) {
          failed += static_cast<int>(drafts[m].size());
          continue;
        }
        clients[m] = *std::move(client);
        mine.push_back(m);
      }
      for (size_t offset = 0;; offset += options.batch) {
        bool any = false;
        for (int m : mine) {
          if (offset >= drafts[m].size()) continue;
          any = true;
          const size_t end = std::min(drafts[m].size(), offset + options.batch);
          std::vector<v1::Record> batch(drafts[m].begin() + offset, drafts[m].begin() + end);
          auto results = clients[m]->Publish(batch);
          int bad = 0;
          if (!results.ok()) {
            bad = static_cast<int>(batch.size());
          } else {
            for (const v1::PublishResult& result : *results) {
              if (result.outcome() != v1::PUBLISH_OUTCOME_STORED) ++bad;
            }
          }
          if (bad > 0) {
            failed += bad;
            std::lock_guard<std::mutex> lock(error_mutex);
            if (first_error.empty()) {
              first_error = !results.ok() ? results.status().ToString()
                                          : absl::StrCat("a record was not stored at ",
                                                         region.agency(plan.coordinators + m));
            }
          }
        }
        if (!any) break;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (failed > 0) {
    return absl::InternalError(absl::StrCat(failed.load(), " records not stored: ", first_error));
  }
  return absl::OkStatus();
}

// Reads every node's whole store as its own analyst and compares the records per origin with
// `expected`; adds the serialized size of every record read to `bytes`, their number to `read`.
absl::Status CheckHoldings(const Region& region,
                           const std::vector<std::map<std::string, uint64_t>>& expected,
                           double* bytes, uint64_t* read) {
  for (size_t i = 0; i < region.size(); ++i) {
    auto client = NexusClient::Create(region.Analyst(i));
    if (!client.ok()) return client.status();
    std::map<std::string, uint64_t> held;
    v1::PullRequest request;
    absl::Status pulled = (*client)->Pull(request, [&](const v1::PullResponse& response) {
      absl::StatusOr<v1::RecordHeader> header = PeekHeader(response.record());
      ++held[header.ok() ? header->origin_agency() : "<unreadable>"];
      *bytes += static_cast<double>(response.record().ByteSizeLong());
      ++*read;
      return true;
    });
    if (!pulled.ok()) return pulled;
    if (held != expected[i]) {
      std::string difference;
      for (const auto& [origin, count] : expected[i]) {
        const uint64_t has = held.count(origin) ? held.at(origin) : 0;
        if (has != count) absl::StrAppend(&difference, " ", origin, " ", has, "/", count);
      }
      for (const auto& [origin, count] : held) {
        if (!expected[i].count(origin)) absl::StrAppend(&difference, " ", origin, " ", count, "/0");
      }
      return absl::FailedPreconditionError(
          absl::StrCat(region.agency(i), " holds per origin (held/expected):", difference));
    }
  }
  return absl::OkStatus();
}

Figures RunRegion(int nodes, const Options& options) {
  Figures figures;
  figures.nodes = nodes;
  figures.records = options.records;
  figures.coordinators =
      options.coordinators > 0 ? options.coordinators : bench::DefaultCoordinators(nodes);
  if (figures.coordinators >= nodes) {
    figures.failure = "a region needs more nodes than coordinators";
    return figures;
  }
  bench::RegionPlan plan = bench::PlanRegion(nodes, figures.coordinators);
  for (int c = 0; c < plan.coordinators; ++c) {
    figures.max_members_per_coordinator = std::max(figures.max_members_per_coordinator,
                                                   static_cast<int>(plan.nodes[c].members.size()));
  }
  const std::vector<std::map<std::string, uint64_t>> expected =
      bench::ExpectedHoldings(plan, options.records);
  std::vector<uint64_t> expected_total(plan.nodes.size(), 0);
  std::vector<uint64_t> own(plan.nodes.size(), 0);
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    for (const auto& [origin, count] : expected[i]) {
      expected_total[i] += count;
      if (origin == plan.nodes[i].agency) own[i] = count;
      if (origin != plan.nodes[i].agency) figures.deliveries += count;
    }
  }

  // The PKI: one CA, and per agency its node, analyst, auditor and admin certificates and its
  // signing key. Kept between runs: make-dev-pki.sh adds only the agencies it lacks.
  std::string agencies, output;
  for (const bench::RegionNode& node : plan.nodes) absl::StrAppend(&agencies, " ", node.agency);
  std::printf("[%d nodes] development PKI for %d agencies in %s...\n", nodes, nodes,
              options.pki.c_str());
  std::fflush(stdout);
  if (testing::RunCommand(absl::StrCat(NEXUS_SOURCE_DIR, "/certs/make-dev-pki.sh ", options.pki,
                                       agencies, " >/dev/null"),
                          &output) != 0) {
    figures.failure = "make-dev-pki.sh failed: " + output;
    return figures;
  }

  std::vector<std::vector<v1::Record>> drafts(plan.members());
  for (int m = 0; m < plan.members(); ++m) {
    const std::string& agency = plan.nodes[plan.coordinators + m].agency;
    for (int n = 0; n < bench::RecordsOfMember(options.records, plan.members(), m); ++n) {
      drafts[m].push_back(RegionDraft(m, agency, n));
    }
  }

  Region region(plan, options.pki);
  absl::Time started = absl::Now();
  if (absl::Status start = region.Start(); !start.ok()) {
    figures.failure = start.ToString();
    return figures;
  }
  std::vector<std::unique_ptr<FederationClient>> status_clients;
  for (size_t i = 0; i < region.size(); ++i) {
    auto client = FederationClient::Create(region.Analyst(i));
    if (!client.ok()) {
      figures.failure = client.status().ToString();
      return figures;
    }
    status_clients.push_back(*std::move(client));
  }
  // Records must travel over live streams: wait until every node has every peer link up.
  if (!WaitForEveryNode(status_clients, absl::Minutes(3),
                        [](int, const v1::FederationStatusResponse& status) {
                          if (status.peers().empty()) return false;
                          for (const v1::PeerStatus& peer : status.peers()) {
                            if (!peer.connected()) return false;
                          }
                          return true;
                        })) {
    figures.failure = "not every peer link came up within 3 minutes";
    return figures;
  }
  std::printf("[%d nodes] %d started, every peer link up, in %.1f s; publishing %d records...\n",
              nodes, nodes, absl::ToDoubleSeconds(absl::Now() - started), options.records);
  std::fflush(stdout);

  // What loopback carries while the region is idle (heartbeats, witness calls, status polls, and
  // whatever else runs on the machine), so that it can be taken out of the figure per record.
  // Its CPU then is what the region costs before any record moves.
  const double idle_lo = bench::LoopbackBytesSent();
  const double idle_cpu = region.CpuSeconds();
  absl::SleepFor(absl::Seconds(3));  // a measuring window, not a wait for a condition
  figures.idle_lo_bytes_per_s = (bench::LoopbackBytesSent() - idle_lo) / 3;
  figures.idle_cores = (region.CpuSeconds() - idle_cpu) / 3;

  const std::map<std::string, double> sockets_before = SocketBytesSent(region.Pids());
  const double lo_before = bench::LoopbackBytesSent();
  const double cpu_before = region.CpuSeconds();
  const double coordinator_cpu_before = region.CoordinatorCpuSeconds();
  const double bench_cpu_before = OwnCpuSeconds();
  const absl::Time first_publish = absl::Now();
  if (absl::Status published = PublishAll(region, drafts, options); !published.ok()) {
    figures.failure = published.ToString();
    return figures;
  }
  figures.publish_s = absl::ToDoubleSeconds(absl::Now() - first_publish);
  std::printf("[%d nodes] published in %.1f s; waiting until every node holds what it should...\n",
              nodes, figures.publish_s);
  std::fflush(stdout);

  // Held = own records + versions stored from peers (the durable per-peer counters), against
  // the plan's count; CheckHoldings below then compares every origin exactly.
  std::vector<uint64_t> held(plan.nodes.size(), 0);
  const bool converged = WaitForEveryNode(status_clients, absl::Minutes(options.timeout_minutes),
                                          [&](int i, const v1::FederationStatusResponse& status) {
                                            held[i] = own[i];
                                            for (const v1::PeerStatus& peer : status.peers())
                                              held[i] += peer.received().received();
                                            return held[i] >= expected_total[i];
                                          });
  figures.converged_s = absl::ToDoubleSeconds(absl::Now() - first_publish);
  figures.lo_bytes = bench::LoopbackBytesSent() - lo_before;
  figures.node_bytes = BytesSentBetween(sockets_before, SocketBytesSent(region.Pids()));
  figures.nexusd_cpu_s = region.CpuSeconds() - cpu_before;
  figures.coordinator_cpu_s = region.CoordinatorCpuSeconds() - coordinator_cpu_before;
  figures.bench_cpu_s = OwnCpuSeconds() - bench_cpu_before;
  region.Memory(&figures.rss_sum_mib, &figures.max_hwm_mib);
  std::vector<int> all;
  for (size_t i = 0; i < region.size(); ++i) all.push_back(static_cast<int>(i));
  for (const v1::FederationStatusResponse& status : Statuses(status_clients, all)) {
    for (const v1::PeerStatus& peer : status.peers()) {
      figures.transfers += peer.received().received() + peer.received().unchanged() +
                           peer.received().refused() + peer.received().equivocations();
    }
  }
  if (!converged) {
    figures.failure = absl::StrCat("not every node held what it should after ",
                                   options.timeout_minutes, " minutes; held/expected:");
    for (size_t i = 0; i < held.size(); ++i) {
      if (held[i] < expected_total[i]) {
        absl::StrAppend(&figures.failure, " ", plan.nodes[i].agency, " ", held[i], "/",
                        expected_total[i]);
      }
    }
    return figures;
  }
  std::printf(
      "[%d nodes] every node holds what it should %.1f s after the first publish; "
      "checking every origin at every node...\n",
      nodes, figures.converged_s);
  std::fflush(stdout);

  double bytes = 0;
  uint64_t read = 0;
  if (absl::Status check = CheckHoldings(region, expected, &bytes, &read); !check.ok()) {
    figures.failure = check.ToString();
    return figures;
  }
  figures.checked = true;
  figures.stored_record_bytes = read > 0 ? bytes / read : 0;
  return figures;
}

void PrintTable(const std::vector<Figures>& rows) {
  std::printf(
      "\n| nodes | coordinators | members per coordinator (max) | records | publish s | held "
      "everywhere s | deliveries | transfers | bytes sent per delivery | per transfer | nexusd "
      "CPU s | CPU ms per 1k deliveries | RSS sum MiB | max peak RSS MiB | checked |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
      "|\n");
  for (const Figures& f : rows) {
    if (f.converged_s == 0) {
      std::printf("| %d | %d | %d | %d | failed: %s |\n", f.nodes, f.coordinators,
                  f.max_members_per_coordinator, f.records, f.failure.substr(0, 300).c_str());
      continue;
    }
    const double deliveries = std::max<double>(1, f.deliveries);
    std::printf(
        "| %d | %d | %d | %d | %.1f | %.1f | %llu | %llu | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f "
        "| %s |\n",
        f.nodes, f.coordinators, f.max_members_per_coordinator, f.records, f.publish_s,
        f.converged_s, static_cast<unsigned long long>(f.deliveries),
        static_cast<unsigned long long>(f.transfers), f.node_bytes / deliveries,
        f.node_bytes / std::max<double>(1, f.transfers), f.nexusd_cpu_s,
        1e6 * f.nexusd_cpu_s / deliveries, f.rss_sum_mib, f.max_hwm_mib,
        f.checked ? "yes" : f.failure.substr(0, 300).c_str());
  }
  for (const Figures& f : rows) {
    if (f.converged_s == 0) continue;
    // Loopback as a whole, less what it carried at the idle rate for as long: a cross-check of
    // the socket figure that also counts TCP/IP headers, the publishing client and other work.
    const double lo = std::max(0.0, f.lo_bytes - f.idle_lo_bytes_per_s * f.converged_s);
    std::printf(
        "%d nodes: nodes' sockets sent %.1f MiB; loopback %.1f MiB (%.0f bytes per delivery after "
        "taking out its idle rate, %.0f bytes/s); benchmark process CPU %.1f s; mean record as "
        "served %.0f bytes; the idle region used %.2f cores; the %d coordinators used %.1f of the "
        "nodes' %.1f CPU s (%.1f s each)\n",
        f.nodes, f.node_bytes / (1 << 20), f.lo_bytes / (1 << 20),
        lo / std::max<double>(1, f.deliveries), f.idle_lo_bytes_per_s, f.bench_cpu_s,
        f.stored_record_bytes, f.idle_cores, f.coordinators, f.coordinator_cpu_s, f.nexusd_cpu_s,
        f.coordinator_cpu_s / std::max(1, f.coordinators));
  }
}

}  // namespace
}  // namespace nexus

int main(int argc, char** argv) {
  nexus::Options options;
  const char* tmp = std::getenv("TMPDIR");
  options.pki = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/nexus-region-pki");
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    bool ok = true;
    if (flag == "--nodes") {
      options.sizes.clear();
      for (absl::string_view size : absl::StrSplit(value, ',')) {
        int nodes = 0;
        ok = ok && absl::SimpleAtoi(size, &nodes) && nodes >= 2;
        options.sizes.push_back(nodes);
      }
    } else if (flag == "--pki") {
      options.pki = value;
    } else {
      int* target = flag == "--records"           ? &options.records
                    : flag == "--coordinators"    ? &options.coordinators
                    : flag == "--streams"         ? &options.streams
                    : flag == "--batch"           ? &options.batch
                    : flag == "--timeout-minutes" ? &options.timeout_minutes
                                                  : nullptr;
      ok = target != nullptr && absl::SimpleAtoi(value, target) && *target > 0;
    }
    if (!ok) {
      std::fprintf(stderr,
                   "usage: region_bench [--nodes 5,10,25,50] [--records N] [--coordinators C] "
                   "[--streams S] [--batch B] [--timeout-minutes M] [--pki DIR]\n");
      return 2;
    }
  }
  std::vector<nexus::Figures> rows;
  bool all_checked = true;
  for (int nodes : options.sizes) {
    rows.push_back(nexus::RunRegion(nodes, options));
    if (!rows.back().failure.empty()) {
      std::fprintf(stderr, "[%d nodes] %s\n", nodes, rows.back().failure.c_str());
    }
    all_checked = all_checked && rows.back().checked;
  }
  nexus::PrintTable(rows);
  return all_checked ? 0 : 1;
}
