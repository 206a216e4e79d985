#include "server/node_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/storage/store.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"
#include "server/link_detector.h"
#include "server/metrics_text.h"
#include "server/record_store.h"

namespace nexus {
namespace {

using Labels = MetricsText::Labels;

void WriteAudit(const AuditLog& audit, MetricsText& out) {
  const AuditTally::Counts counts = audit.tally().Totals();
  out.Family("nexus_audit_entries_total", "counter",
             "Audit log entries written durably since the node started, by action and outcome.");
  for (const auto& [key, count] : counts.entries) {
    out.Sample({{"action", key.first}, {"outcome", key.second}}, count);
  }
  out.Family("nexus_refusals_total", "counter",
             "Refused calls and records since the node started (audited), by action and status "
             "code.");
  for (const auto& [key, count] : counts.refusals) {
    out.Sample({{"action", key.first}, {"code", key.second}}, count);
  }
  out.Family("nexus_policy_decisions_total", "counter",
             "Sharing-policy decisions on what leaves for another agency, since the node started, "
             "by effect.");
  for (const auto& [effect, count] : counts.decisions) out.Sample({{"effect", effect}}, count);
  out.Family("nexus_audit_log_entries", "gauge", "Entries the audit log holds (its tree size).");
  out.Sample(audit.size());
}

void WriteCommits(const CommitQueue& commits, MetricsText& out) {
  const CommitQueue::Stats stats = commits.stats();
  out.Family("nexus_commit_batches_total", "counter",
             "Durable batches written by the commit queue (one fsync each).");
  out.Sample(stats.batches);
  out.Family("nexus_commit_jobs_total", "counter",
             "Commits (audit appends, record writes, receipts) the batches carried.");
  out.Sample(stats.jobs);
  out.Family("nexus_commit_failed", "gauge",
             "1 once a durable write failed: the node accepts no write (and answers no audited "
             "call) until it is restarted and has verified its audit log.");
  out.Sample(uint64_t{stats.failed ? 1u : 0u});
  commits.write_seconds().Write(
      out, "nexus_commit_write_seconds",
      "Time to write one batch durably: the write-ahead log and its fsync.");
}

void WriteFederation(const v1::FederationStatusResponse& status, MetricsText& out) {
  out.Family("nexus_link_detection_running", "gauge",
             "1 while link detection runs; 0 when it is off.");
  out.Sample(uint64_t{status.link_detection_off() ? 0u : 1u});
  out.Family("nexus_link_detection_backlog_versions", "gauge",
             "Stored versions link detection has not examined yet (it runs at background CPU "
             "priority and catches up when the cores are idle).");
  out.Sample(status.link_detection_behind());

  auto per_peer = [&](const char* name, const char* type, const char* help, auto value) {
    out.Family(name, type, help);
    for (const v1::PeerStatus& peer : status.peers()) {
      out.Sample({{"peer", peer.agency_id()}}, value(peer));
    }
  };
  per_peer("nexus_peer_connected", "gauge", "1 while a replication stream with the peer is open.",
           [](const v1::PeerStatus& p) { return uint64_t{p.connected() ? 1u : 0u}; });
  per_peer("nexus_peer_caught_up", "gauge",
           "1 when this node has received everything the peer has for it.",
           [](const v1::PeerStatus& p) { return uint64_t{p.caught_up() ? 1u : 0u}; });
  per_peer("nexus_peer_receive_lag_seconds", "gauge",
           "Seconds since this node was last caught up with the peer (0 when caught up).",
           [](const v1::PeerStatus& p) { return p.seconds_behind(); });
  per_peer("nexus_peer_last_received_timestamp_seconds", "gauge",
           "When this node last stored a batch from the peer (Unix time; 0: never since start).",
           [](const v1::PeerStatus& p) {
             return static_cast<double>(p.last_received_unix_micros()) / 1e6;
           });
  out.Family("nexus_peer_received_versions_total", "counter",
             "Versions received from the peer (durable counts), by what became of them.");
  for (const v1::PeerStatus& peer : status.peers()) {
    const v1::PeerCursor& r = peer.received();
    for (const auto& [outcome, count] : {std::pair<const char*, uint64_t>{"stored", r.received()},
                                         {"unchanged", r.unchanged()},
                                         {"refused", r.refused()},
                                         {"equivocation", r.equivocations()},
                                         {"disclosures_added", r.disclosures_added()}}) {
      out.Sample({{"peer", peer.agency_id()}, {"outcome", outcome}}, count);
    }
  }
  per_peer("nexus_peer_relayed_versions_total", "counter",
           "Versions sent to the peer since this node started.",
           [](const v1::PeerStatus& p) { return p.relayed(); });
  per_peer("nexus_peer_serve_backlog_positions", "gauge",
           "Feed positions no stream serving the peer has considered yet.",
           [](const v1::PeerStatus& p) { return p.versions_behind(); });
  per_peer("nexus_peer_serve_backlog_versions", "gauge",
           "Of those, the versions the peer will receive under the policy in force (counted "
           "over the first 1,000 positions).",
           [](const v1::PeerStatus& p) { return p.versions_waiting(); });
  per_peer("nexus_peer_reoffer_positions", "gauge",
           "Feed positions a policy change's re-offer to the peer must still consider.",
           [](const v1::PeerStatus& p) { return p.reoffer_positions(); });
  per_peer("nexus_peer_witnessed_entries", "gauge",
           "Size of the peer's audit log as this node last verified it.",
           [](const v1::PeerStatus& p) { return p.witness().tree_size(); });
  per_peer("nexus_peer_witness_alarm", "gauge",
           "1 when the peer's audit log forked or rolled back as this node witnessed it (sticky "
           "until an operator acts).",
           [](const v1::PeerStatus& p) { return uint64_t{p.witness().alarm().empty() ? 0u : 1u}; });
}

void WriteStore(const RecordStore& records, const LinkDetector* links,
                const storage::Store& storage, MetricsText& out) {
  out.Family("nexus_feed_versions", "gauge",
             "Versions in this node's feed: its own and those received from peers.");
  out.Sample(records.last_cursor());
  if (links != nullptr) {
    out.Family("nexus_link_changes_total", "counter",
               "Link changes (links found, strengthened or retired) recorded since the store "
               "was made.");
    out.Sample(links->last_change());
  }
  const storage::StoreLoad load = storage.Load();
  out.Family("nexus_store_pending_compaction_bytes", "gauge",
             "Bytes the store's compaction must still rewrite (writes slow, then stop, when it "
             "falls far behind).");
  out.Sample(load.pending_compaction_bytes);
  out.Family("nexus_store_memtable_bytes", "gauge", "Bytes the store holds in memory.");
  out.Sample(load.memtable_bytes);
  out.Family("nexus_store_table_bytes", "gauge", "Bytes of the store's live table files.");
  out.Sample(load.table_bytes);
  out.Family("nexus_store_running_compactions", "gauge", "Compactions running now.");
  out.Sample(load.running_compactions);
  out.Family("nexus_store_running_flushes", "gauge", "Memtable flushes running now.");
  out.Sample(load.running_flushes);
  out.Family("nexus_store_writes_stopped", "gauge",
             "1 while the store stops writes until compaction catches up.");
  out.Sample(uint64_t{load.writes_stopped ? 1u : 0u});
  out.Family("nexus_store_delayed_write_rate_bytes", "gauge",
             "Bytes per second the store slows writes to while compaction is behind (0: not "
             "slowed).");
  out.Sample(load.delayed_write_rate);
}

// From /proc/self/status: a "Name:   123 kB" line, in bytes.
uint64_t StatusBytes(const std::string& status, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, name)) continue;
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    uint64_t kib = 0;
    if (!words.empty() && absl::SimpleAtoi(words[0], &kib)) return kib * 1024;
  }
  return 0;
}

void WriteProcess(MetricsText& out) {
  // The names Prometheus's own client libraries give these, so that standard dashboards work.
  std::ifstream file("/proc/self/status");
  const std::string status((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
  out.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.Sample(StatusBytes(status, "VmRSS:"));
  out.Family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  out.Sample(StatusBytes(status, "VmSize:"));
  uint64_t open = 0;
  if (DIR* fds = opendir("/proc/self/fd"); fds != nullptr) {
    while (dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++open;
    }
    closedir(fds);
    if (open > 0) --open;  // the directory's own descriptor
  }
  out.Family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.Sample(open);
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    out.Family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
    out.Sample(static_cast<uint64_t>(files.rlim_cur));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out.Family("process_cpu_seconds_total", "counter", "Total user and system CPU time in seconds.");
  out.Sample(static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
}

}  // namespace

std::string RenderNodeMetrics(const NodeMetricsSources& sources) {
  MetricsText out;
  if (sources.audit != nullptr) WriteAudit(*sources.audit, out);
  if (sources.commits != nullptr) WriteCommits(*sources.commits, out);
  if (sources.federation.registry != nullptr) {
    WriteFederation(FederationStatusOf(sources.federation), out);
  }
  if (sources.federation.store != nullptr && sources.storage != nullptr) {
    WriteStore(*sources.federation.store, sources.federation.link_detector, *sources.storage, out);
  }
  WriteProcess(out);
  return out.text();
}

}  // namespace nexus
