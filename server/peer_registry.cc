#include "server/peer_registry.h"

#include "absl/time/clock.h"
#include "common/untrusted_text.h"

namespace nexus {

std::string DirectionName(v1::Peer::Direction direction) {
  switch (direction) {
    case v1::Peer::DIRECTION_PULL:
      return "pull";
    case v1::Peer::DIRECTION_PUSH:
      return "push";
    case v1::Peer::DIRECTION_PULL_AND_PUSH:
      return "pull+push";
    default:
      return "inbound";
  }
}

PeerRegistry::PeerRegistry(const v1::NodeConfig& config) {
  absl::MutexLock lock(&mu_);
  for (const v1::Peer& peer : config.peers()) {
    peers_[peer.agency_id()] = peer;
    v1::PeerStatus& status = live_[peer.agency_id()].status;
    status.set_agency_id(peer.agency_id());
    status.set_address(peer.address());
    status.set_direction(DirectionName(peer.direction()));
    status.set_since_unix_micros(absl::ToUnixMicros(absl::Now()));
  }
}

void PeerRegistry::Touch(Live& live) {
  const bool connected = live.established || live.serving > 0;
  if (connected != live.status.connected()) {
    live.status.set_connected(connected);
    live.status.set_since_unix_micros(absl::ToUnixMicros(absl::Now()));
  }
}

bool PeerRegistry::BeginReceiving(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  if (live.receiving > 0) return false;
  ++live.receiving;
  live.connected_at = absl::Now();
  live.status.set_caught_up(false);
  return true;
}

void PeerRegistry::Established(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  if (live.receiving == 0 || live.established) return;
  live.established = true;
  Touch(live);
}

void PeerRegistry::EndReceiving(const std::string& peer, const absl::Status& how) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  if (live.receiving > 0) --live.receiving;
  live.established = false;
  live.status.set_caught_up(false);
  Touch(live);
  if (!how.ok()) {
    live.status.set_last_error(TruncateText(how.ToString(), 512));
    live.status.set_last_error_unix_micros(absl::ToUnixMicros(absl::Now()));
  }
}

void PeerRegistry::Received(const std::string& peer, bool caught_up) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  if (live.receiving > 0 && !live.established) {
    live.established = true;
    Touch(live);
  }
  live.last_received = absl::Now();
  live.status.set_last_received_unix_micros(absl::ToUnixMicros(live.last_received));
  live.status.set_caught_up(caught_up);
  if (caught_up) live.caught_up_at = live.last_received;
  // An error from before this connection is history once the peer delivers again.
  if (absl::FromUnixMicros(live.status.last_error_unix_micros()) < live.connected_at) {
    live.status.clear_last_error();
    live.status.clear_last_error_unix_micros();
  }
}

absl::Time PeerRegistry::LastReceived(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(peer);
  return it == live_.end() ? absl::InfinitePast() : it->second.last_received;
}

void PeerRegistry::BeginServing(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  ++live.serving;
  Touch(live);
}

void PeerRegistry::EndServing(const std::string& peer, const absl::Status& how) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  if (live.serving > 0) --live.serving;
  Touch(live);
  if (!how.ok() && !absl::IsCancelled(how)) {
    live.status.set_last_error(TruncateText(how.ToString(), 512));
    live.status.set_last_error_unix_micros(absl::ToUnixMicros(absl::Now()));
  }
}

void PeerRegistry::Served(const std::string& peer, uint64_t sent, uint64_t withheld,
                          std::optional<uint64_t> through) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[peer];
  live.status.set_relayed(live.status.relayed() + sent);
  live.status.set_refused_by_policy(live.status.refused_by_policy() + withheld);
  if (through.has_value()) live.served_through = through;
}

std::optional<uint64_t> PeerRegistry::ServedThrough(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(peer);
  return it == live_.end() ? std::nullopt : it->second.served_through;
}

void PeerRegistry::Failed(const std::string& peer, const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  v1::PeerStatus& status = live_[peer].status;
  status.set_last_error(TruncateText(error.ToString(), 512));
  status.set_last_error_unix_micros(absl::ToUnixMicros(absl::Now()));
}

std::vector<v1::PeerStatus> PeerRegistry::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::PeerStatus> all;
  const absl::Time now = absl::Now();
  for (const auto& [agency, live] : live_) {
    if (peers_.count(agency) == 0) continue;
    v1::PeerStatus& status = all.emplace_back(live.status);
    if (live.established && !status.caught_up()) {
      absl::Time since = std::max(live.caught_up_at, live.connected_at);
      status.set_seconds_behind(absl::ToDoubleSeconds(now - since));
    }
  }
  return all;
}

}  // namespace nexus
