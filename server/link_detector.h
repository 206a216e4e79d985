// Finds the links between the records this node holds and keeps them, with a feed of their
// changes that alerts are made from. A link: two live records, of different origin agencies or
// of different case references, whose latest versions share a selector (the same normalized
// indicator or one of its structured parts, or an address inside a network range).
//
// Detection runs on every version the node stores, its own and received, in feed order, from a
// durable cursor written in the same batch as the links it found: a crash loses or repeats
// nothing, and running a version again changes nothing (links are keyed by their records). A new
// version updates its record's links; a revocation, or a version that drops the selector, closes
// them. A selector that more than `max_records_per_selector` records carry is not linked on: a
// FREQUENT_SELECTOR change notes it instead; `never_link` selectors are never linked on.
//
// Storage (the `links` column family, keys by their first byte):
//   'L' link id                  -> Link
//   'R' record id (36) link id    -> (empty): the links of a record
//   'E' sequence (u64 BE)         -> LinkChange: the feed of changes
//   'C'                           -> the feed position processed (u64 BE)
//   'N' family byte, address, id  -> (empty): addresses held, for a range's lookup
//   'F' type byte, value          -> (empty): selectors noted as frequent
//   'A' agency, 0, link id        -> (empty): acknowledged by that agency
//   'P' peer agency               -> the peer's LinkNotices cursor (opaque, u64 BE)
//   'G' received link id          -> (empty): a peer's link told to this node ("peer/id")
// Cost per stored version: one index seek per selector (and per range containing an address),
// one record read per candidate (at most max_records_per_selector per selector), one batch.
#ifndef NEXUS_SERVER_LINK_DETECTOR_H_
#define NEXUS_SERVER_LINK_DETECTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/links.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/cursor_cipher.h"
#include "server/record_store.h"

namespace nexus {

class LinkDetector {
 public:
  struct Options {
    uint32_t max_records_per_selector = 50;
    std::set<std::pair<v1::IndicatorType, std::string>> never_link;  // normalized
    static Options From(const v1::LinkSettings& settings);
  };
  // Every pointer must outlive the detector.
  LinkDetector(storage::Store* storage, const RecordStore* store, const CursorCipher* cursors,
               Options options);
  ~LinkDetector();

  // Runs detection on its own thread, following the feed as versions become durable, at a
  // background CPU priority (background_priority.h).
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // Processes the feed up to its current end on the calling thread (tests, benchmarks).
  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_);

  // The feed position processed: every version up to it has been looked at.
  uint64_t processed() const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the detection thread runs (Start, and no Stop since).
  bool running() const ABSL_LOCKS_EXCLUDED(mu_);
  // The last change's sequence (0: none).
  uint64_t last_change() const ABSL_LOCKS_EXCLUDED(mu_);
  // Blocks until a change after `sequence` is durable or `timeout` passes; returns the last.
  uint64_t WaitForChangeAfter(uint64_t sequence, absl::Duration timeout) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Visits the changes after `since`, oldest first, while `visit` returns true.
  absl::Status ScanChanges(
      uint64_t since,
      const std::function<bool(uint64_t sequence, const v1::LinkChange& change)>& visit) const;
  absl::StatusOr<std::optional<v1::Link>> Find(absl::string_view link_id) const;
  // The links (open or closed) of a record.
  absl::StatusOr<std::vector<v1::Link>> LinksOf(absl::string_view record_id) const;

  // Stores a link alert a peer found and decided for this node's agency (null: none, only the
  // cursor moves) as a change of the feed, with the peer's new cursor, in one batch: a restart
  // resumes after it, and nothing is stored twice.
  absl::Status Receive(absl::string_view peer, uint64_t peer_cursor, const v1::Alert* alert)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Whether a peer's link `link_id` ("peer/id") was told to this node.
  bool HasReceived(absl::string_view link_id) const;
  // The cursor of `peer`'s LinkNotices this node holds (0: from the start).
  uint64_t PeerCursor(absl::string_view peer) const;

  absl::Status Acknowledge(absl::string_view agency, absl::string_view link_id);
  bool Acknowledged(absl::string_view agency, absl::string_view link_id) const;

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Looks at the version at feed `position` (whose record is `record`) and stores what changed
  // with the new cursor, in one batch.
  absl::Status Process(uint64_t position, const v1::SignedRecord& record) ABSL_LOCKS_EXCLUDED(mu_);

  storage::Store* storage_;
  const RecordStore* store_;
  const CursorCipher* cursors_;
  Options options_;

  absl::Mutex run_mu_;  // one detection pass at a time (the thread, or CatchUp)
  mutable absl::Mutex mu_;
  uint64_t processed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_change_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;  // the thread was started and not stopped
  std::thread thread_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_LINK_DETECTOR_H_
