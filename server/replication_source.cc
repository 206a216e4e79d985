#include "server/replication_source.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "common/record_seal.h"

namespace nexus {
namespace {

// Versions per batch: one audit entry and one receiver WriteBatch each.
constexpr size_t kBatchVersions = 256;
// How often a waiting stream looks at `stopped` (shutdown, a cancelled call).
constexpr absl::Duration kStopCheck = absl::Milliseconds(200);

}  // namespace

ReplicationSource::ReplicationSource(const RecordStore* store, const SharedReads* reads,
                                     const CursorCipher* cursors, PeerRegistry* registry,
                                     size_t max_message_bytes)
    : store_(store),
      reads_(reads),
      cursors_(cursors),
      registry_(registry),
      max_batch_bytes_(max_message_bytes / 2) {}

absl::Status ReplicationSource::Serve(const CallContext& call, uint64_t since,
                                      absl::Duration heartbeat,
                                      const std::function<bool(const v1::ReplicationBatch&)>& send,
                                      const std::function<bool()>& stopped) const {
  const std::string& peer = call.agency();
  uint64_t position = cursors_->Decode(since);
  SharedReads::FeedScan scan;
  scan.page_records = kBatchVersions;
  scan.page_bytes = max_batch_bytes_;
  scan.audit_empty = false;
  scan.hold_back = [&](uint64_t, const v1::SignedRecord& shared) -> std::string {
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(shared);
    if (!header.ok()) return "unreadable";
    if (header->origin_agency() == peer) return "no-echo:origin";
    if (store_->ReceivedFrom(header->id(), header->version(), peer)) return "no-echo:received-from";
    return "";
  };
  scan.cancelled = stopped;
  auto stamp = [](v1::ReplicationBatch& batch) {
    batch.set_sent_unix_micros(absl::ToUnixMicros(absl::Now()));
  };
  bool caught_up_sent = false;
  absl::Time last_sent = absl::Now();
  while (!stopped()) {
    scan.since = position;
    absl::StatusOr<SharedReads::FeedEnd> scanned =
        reads_->ServeFeed(call, v1::AUDIT_ACTION_REPLICATE, scan, [&](SharedReads::Page& page) {
          registry_->Served(peer, page.versions.size(), page.considered - page.versions.size(),
                            store_->last_cursor() - page.through);
          if (page.versions.empty()) return absl::OkStatus();
          v1::ReplicationBatch batch;
          for (SharedReads::SharedVersion& version : page.versions) {
            *batch.add_versions()->mutable_record() = std::move(version.record);
          }
          // The cursor moves only with versions sent, so that its steps reveal nothing of
          // what this peer may not see.
          batch.set_cursor(cursors_->Encode(page.versions.back().position));
          stamp(batch);
          if (!send(batch)) return absl::CancelledError("the peer's stream is gone");
          last_sent = absl::Now();
          caught_up_sent = false;
          return absl::OkStatus();
        });
    if (!scanned.ok()) return scanned.status();
    position = scanned->through;
    registry_->Served(peer, 0, 0,
                      store_->last_cursor() - std::min(position, store_->last_cursor()));
    // Caught up with what was durable when the scan began: say so once, then wait for the next
    // commit, sending a heartbeat when idle for `heartbeat`.
    while (!stopped()) {
      const absl::Time now = absl::Now();
      if (!caught_up_sent || now - last_sent >= heartbeat) {
        v1::ReplicationBatch beat;
        beat.set_caught_up(true);
        stamp(beat);
        if (!send(beat)) return absl::CancelledError("the peer's stream is gone");
        caught_up_sent = true;
        last_sent = now;
      }
      absl::Duration wait = std::min(kStopCheck, heartbeat - (absl::Now() - last_sent));
      if (store_->WaitForFeedAfter(position, std::max(wait, absl::ZeroDuration())) > position) {
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace nexus
