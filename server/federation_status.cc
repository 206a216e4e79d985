#include "server/federation_status.h"

#include <optional>

#include "server/link_detector.h"
#include "server/peer_registry.h"
#include "server/peer_witness.h"
#include "server/policy_reoffers.h"
#include "server/record_store.h"
#include "server/replication_source.h"

namespace nexus {

v1::FederationStatusResponse FederationStatusOf(const FederationStatusSources& sources) {
  v1::FederationStatusResponse response;
  response.set_agency_id(sources.agency_id);
  if (sources.link_detector == nullptr || !sources.link_detector->running()) {
    response.set_link_detection_off(true);
  } else {
    const uint64_t stored = sources.store->last_cursor();
    const uint64_t examined = sources.link_detector->processed();
    response.set_link_detection_behind(stored > examined ? stored - examined : 0);
  }
  for (v1::PeerStatus& status : sources.registry->Snapshot()) {
    const std::string& peer = status.agency_id();
    absl::StatusOr<v1::PeerCursor> received = sources.store->PeerState(peer);
    if (received.ok()) *status.mutable_received() = *std::move(received);
    *status.mutable_witness() = sources.witness->State(peer);
    // The backlog as it stands now, also while the peer is away.
    if (std::optional<uint64_t> through = sources.registry->ServedThrough(peer)) {
      absl::StatusOr<ReplicationSource::Backlog> backlog =
          sources.source->BacklogOf(peer, *through);
      if (backlog.ok()) {
        status.set_backlog_known(true);
        status.set_versions_behind(backlog->positions);
        status.set_versions_waiting(backlog->waiting);
        status.set_versions_waiting_more(!backlog->counted_all);
      }
    }
    if (sources.reoffers != nullptr) {
      absl::StatusOr<std::optional<v1::Reoffer>> reoffer = sources.reoffers->Pending(peer);
      if (reoffer.ok() && reoffer->has_value()) {
        const v1::Reoffer& pending = **reoffer;
        status.set_reoffer_positions(
            pending.through() > pending.next() ? pending.through() - pending.next() : 0);
        status.set_reoffer_changed_unix_micros(pending.changed_unix_micros());
      }
    }
    *response.add_peers() = std::move(status);
  }
  return response;
}

}  // namespace nexus
