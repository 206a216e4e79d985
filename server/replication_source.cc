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
                                     PolicyReoffers* reoffers, size_t max_message_bytes)
    : store_(store),
      reads_(reads),
      cursors_(cursors),
      registry_(registry),
      reoffers_(reoffers),
      max_batch_bytes_(max_message_bytes / 2) {}

SharedReads::FeedScan ReplicationSource::ScanFor(const std::string& peer,
                                                 const std::function<bool()>& stopped) const {
  SharedReads::FeedScan scan;
  scan.page_records = kBatchVersions;
  scan.page_bytes = max_batch_bytes_;
  scan.audit_empty = false;
  scan.hold_back = [this, peer](uint64_t, const v1::SignedRecord& shared) -> std::string {
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(shared);
    if (!header.ok()) return "unreadable";
    if (header->origin_agency() == peer) return "no-echo:origin";
    if (store_->ReceivedFrom(header->id(), header->version(), peer)) return "no-echo:received-from";
    return "";
  };
  scan.cancelled = stopped;
  return scan;
}

absl::Status ReplicationSource::Reoffer(
    const CallContext& call, uint64_t cursor,
    const std::function<bool(const v1::ReplicationBatch&)>& send,
    const std::function<bool()>& stopped) const {
  const std::string& peer = call.agency();
  absl::StatusOr<std::optional<v1::Reoffer>> pending = reoffers_->Pending(peer);
  if (!pending.ok()) return pending.status();
  if (!pending->has_value()) return absl::OkStatus();
  const v1::Reoffer& reoffer = **pending;
  std::shared_ptr<const policy::SharingPolicy> previous = PolicyReoffers::PreviousPolicy(reoffer);
  SharedReads::FeedScan scan = ScanFor(peer, stopped);
  scan.since = reoffer.next();
  scan.until = reoffer.through();
  scan.reoffer = true;
  scan.previous = previous.get();
  absl::StatusOr<SharedReads::FeedEnd> scanned =
      reads_->ServeFeed(call, v1::AUDIT_ACTION_REPLICATE, scan, [&](SharedReads::Page& page) {
        registry_->Served(peer, page.versions.size(), 0, std::nullopt);
        if (!page.versions.empty()) {
          v1::ReplicationBatch batch;
          for (SharedReads::SharedVersion& version : page.versions) {
            v1::ReplicatedVersion& replicated = *batch.add_versions();
            *replicated.mutable_record() = std::move(version.record);
            for (v1::WithheldNote& note : version.notes)
              *replicated.add_withheld() = std::move(note);
          }
          // Versions from behind the peer's cursor: the cursor it holds stays where it is.
          batch.set_cursor(cursor);
          batch.set_sent_unix_micros(absl::ToUnixMicros(absl::Now()));
          if (!send(batch)) return absl::CancelledError("the peer's stream is gone");
        }
        return reoffers_->Advance(peer, reoffer.generation(), page.through);
      });
  if (!scanned.ok()) return scanned.status();
  return reoffers_->Finish(peer, reoffer.generation());
}

absl::StatusOr<ReplicationSource::Backlog> ReplicationSource::BacklogOf(
    const std::string& peer, uint64_t from, uint64_t max_counted) const {
  Backlog backlog;
  const uint64_t end = store_->last_cursor();
  backlog.positions = end > from ? end - from : 0;
  SharedReads::FeedScan scan = ScanFor(peer, nullptr);
  uint64_t counted = 0;
  absl::Status read =
      store_->ScanFeed(from, [&](uint64_t position, const v1::SignedRecord& record) {
        if (counted == max_counted) {
          backlog.counted_all = false;
          return false;
        }
        ++counted;
        SharingGate::Shared shared = reads_->Share(peer, record);
        if (shared.permit && scan.hold_back(position, shared.record).empty()) ++backlog.waiting;
        return true;
      });
  if (!read.ok()) return read;
  return backlog;
}

absl::Status ReplicationSource::Serve(const CallContext& call, uint64_t since,
                                      absl::Duration heartbeat,
                                      const std::function<bool(const v1::ReplicationBatch&)>& send,
                                      const std::function<bool()>& stopped) const {
  const std::string& peer = call.agency();
  uint64_t position = cursors_->Decode(since);
  uint64_t cursor = since;  // the one the peer holds: moves only with versions sent
  SharedReads::FeedScan scan = ScanFor(peer, stopped);
  auto stamp = [](v1::ReplicationBatch& batch) {
    batch.set_sent_unix_micros(absl::ToUnixMicros(absl::Now()));
  };
  bool caught_up_sent = false;
  absl::Time last_sent = absl::Now();
  // A sentinel no generation has: the stream looks for a pending re-offer before anything else.
  uint64_t reoffers_seen = ~uint64_t{0};
  while (!stopped()) {
    if (reoffers_ != nullptr && reoffers_->generation() != reoffers_seen) {
      reoffers_seen = reoffers_->generation();
      if (absl::Status s = Reoffer(call, cursor, send, stopped); !s.ok()) return s;
    }
    scan.since = position;
    absl::StatusOr<SharedReads::FeedEnd> scanned =
        reads_->ServeFeed(call, v1::AUDIT_ACTION_REPLICATE, scan, [&](SharedReads::Page& page) {
          registry_->Served(peer, page.versions.size(), page.considered - page.versions.size(),
                            page.through);
          if (page.versions.empty()) return absl::OkStatus();
          v1::ReplicationBatch batch;
          for (SharedReads::SharedVersion& version : page.versions) {
            v1::ReplicatedVersion& replicated = *batch.add_versions();
            *replicated.mutable_record() = std::move(version.record);
            for (v1::WithheldNote& note : version.notes)
              *replicated.add_withheld() = std::move(note);
          }
          // The cursor moves only with versions sent, so that its steps reveal nothing of
          // what this peer may not see.
          cursor = cursors_->Encode(page.versions.back().position);
          batch.set_cursor(cursor);
          stamp(batch);
          if (!send(batch)) return absl::CancelledError("the peer's stream is gone");
          last_sent = absl::Now();
          caught_up_sent = false;
          return absl::OkStatus();
        });
    if (!scanned.ok()) return scanned.status();
    position = scanned->through;
    registry_->Served(peer, 0, 0, position);
    // Caught up with what was durable when the scan began: say so once, then wait for the next
    // commit (or a change of the sharing rules), sending a heartbeat when idle for `heartbeat`.
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
      if (reoffers_ != nullptr && reoffers_->generation() != reoffers_seen) break;
      absl::Duration wait = std::min(kStopCheck, heartbeat - (absl::Now() - last_sent));
      if (store_->WaitForFeedAfter(position, std::max(wait, absl::ZeroDuration())) > position) {
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace nexus
