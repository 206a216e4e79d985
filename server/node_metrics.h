// Everything the metrics endpoint exposes about one node, as Prometheus text: what the audit log
// recorded (calls by action and outcome, refusals by code, sharing decisions by effect), the
// commit queue's durable writes (their latency and a failure), replication per peer (lag,
// backlog, what was received, witness alarms), link detection's backlog, the store's background
// work and the process's memory, files and CPU. Read at each scrape from the parts themselves;
// nothing here keeps its own count of what they already count.
#ifndef NEXUS_SERVER_NODE_METRICS_H_
#define NEXUS_SERVER_NODE_METRICS_H_

#include <string>

#include "server/federation_status.h"

namespace nexus {

class AuditLog;
class CommitQueue;
namespace storage {
class Store;
}

struct NodeMetricsSources {
  FederationStatusSources federation;
  const AuditLog* audit = nullptr;
  const CommitQueue* commits = nullptr;
  const storage::Store* storage = nullptr;
};

std::string RenderNodeMetrics(const NodeMetricsSources& sources);

}  // namespace nexus

#endif  // NEXUS_SERVER_NODE_METRICS_H_
