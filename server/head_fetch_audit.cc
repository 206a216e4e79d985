#include "server/head_fetch_audit.h"

namespace nexus {

std::optional<uint64_t> HeadFetchAudit::ShouldAudit(const std::string& peer, uint64_t log_size) {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(peer);
  if (it != peers_.end()) {
    PeerFetches& fetches = it->second;
    // Fetch entries appended since this peer was served (other peers', or a failed fetch's).
    const uint64_t other_fetches = fetch_entries_ - fetches.fetch_entries_then;
    if (log_size <= fetches.served_size + other_fetches) {
      ++fetches.routine;
      return std::nullopt;
    }
  }
  PeerFetches& fetches = peers_[peer];
  const uint64_t routine = fetches.routine;
  fetches.routine = 0;
  ++fetch_entries_;
  return routine;
}

void HeadFetchAudit::Served(const std::string& peer, uint64_t tree_size) {
  absl::MutexLock lock(&mu_);
  PeerFetches& fetches = peers_[peer];
  fetches.served_size = tree_size;
  fetches.fetch_entries_then = fetch_entries_;
}

}  // namespace nexus
