// What another agency may read of this node's store, decided in one place for every read path:
// an analyst's Get, Pull and Search, and a peer node's replication stream. The sharing decision
// (originator limits, then the node's rules, then redaction) is narrowed by the record's latest
// version, and every page of a feed scan is audited before it leaves.
#ifndef NEXUS_SERVER_SHARED_READS_H_
#define NEXUS_SERVER_SHARED_READS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/record.pb.h"
#include "server/audit_log.h"
#include "server/call_context.h"
#include "server/cursor_cipher.h"
#include "server/record_store.h"
#include "server/sharing_gate.h"

namespace nexus {

class SharedReads {
 public:
  // Every pointer must outlive this.
  SharedReads(std::string agency_id, const RecordStore* store, const SharingGate* sharing,
              AuditLog* audit, const CursorCipher* cursors);

  // What `recipient` may receive of this stored version. An older version is shared only as far
  // as the latest one is too: an originator narrowing or revoking a record narrows all its
  // versions.
  // `under`: an earlier policy instead of the one in force (what a re-offer compares with). What
  // is served carries notes of whose policy withheld each absent part (not under `under`).
  SharingGate::Shared Share(const std::string& recipient, const v1::SignedRecord& record,
                            const policy::SharingPolicy* under = nullptr) const;

  // Takes the decision a record hidden from `reader` costs, on a sealed record no store holds,
  // after `lookups` store reads of it: an answer about nothing then takes the time of one about
  // a record the reader may not see, so that timing does not tell "hidden" from "absent".
  void DecideOnDecoy(const std::string& reader, int lookups = 0) const;

  // A member's entry (sector, liaison); null if `id` is none.
  const v1::Agency* Member(absl::string_view id) const { return sharing_->Member(id); }

  // A hit notice for `recipient` of `record` (matched on `matched`), where `shared` (its
  // decision for the recipient) says the recipient may be told that this node holds it.
  std::optional<v1::HitNotice> HitNoticeFor(const SharingGate::Shared& shared,
                                            const v1::SignedRecord& record,
                                            v1::IndicatorType matched) const;

  // Where `record` goes from this node under the policy in force now: one entry per member
  // other than this node's agency, decided as for any read (`is_peer` says which are peers).
  // For the node's own agency only: it tells who may read what.
  std::vector<v1::Recipient> Recipients(
      const v1::SignedRecord& record,
      const std::function<bool(const std::string& agency)>& is_peer) const;

  struct SharedVersion {
    uint64_t position = 0;                // in this node's feed
    v1::SignedRecord record;              // as the recipient may see it
    std::vector<v1::WithheldNote> notes;  // whose policy withheld what it lacks
  };
  struct Page {
    std::vector<SharedVersion> versions;
    uint64_t through = 0;     // the last feed position considered
    uint64_t considered = 0;  // feed positions this page considered, sent or not
    uint64_t unreadable = 0;  // damaged feed entries passed over (named in the page's entry)
  };
  struct FeedScan {
    uint64_t since = 0;  // plain feed position, exclusive
    uint32_t limit = 0;  // versions to send; 0: until the end of the feed
    size_t page_records = 256;
    size_t page_bytes = 0;  // a page ends once its records reach this size; 0: no bound
    // An entry even when nothing was considered (a pull is always in the log; an idle
    // replication stream's wake-ups are not).
    bool audit_empty = true;
    // Why a version the recipient may receive stays (request filters, no echo), or "" if it
    // goes out; the reason is counted with the decision in the page's audit entry. Sees only
    // what the recipient may see, so that filters cannot probe withheld parts.
    std::function<std::string(uint64_t position, const v1::SignedRecord& shared)> hold_back;
    std::function<bool()> cancelled;
    // Begins each page's audit detail: which door the read came through ("TAXII ...").
    std::string what;
    // Whether a version about to go out still fits the answer (a TAXII page counts objects, not
    // versions); if not, the scan ends before it, and FeedEnd says there is more.
    std::function<bool(const v1::SignedRecord& shared)> fits;
    // A re-offer after a policy change (PolicyReoffers): only versions the `previous` rules held
    // back, or sent with more withheld, go out (`previous` null: every permitted version), and
    // the scan ends after position `until`.
    bool reoffer = false;
    const policy::SharingPolicy* previous = nullptr;
    uint64_t until = 0;
    // Bounds the scan's work by what it sends: it stops once it has considered more than
    // `slack` positions beyond `per_sent` times the versions sent, so that the time an answer
    // takes says little of how much the reader is not shown. 0: scan to the end.
    uint64_t slack = 0;
    uint32_t per_sent = 0;
  };
  struct FeedEnd {
    uint64_t through = 0;  // the last position considered: resume after it
    // Stopped by the bound (`slack`) before the end of the feed, or before a version that did
    // not fit (`fits`).
    bool more = false;
  };
  // Scans the feed after `scan.since` for `call`'s agency. Pages of shared, selected versions
  // reach `deliver` only after their audit entry (`action`, the positions, every decision that
  // sent a record, the others counted) is durable; `deliver` failing ends the scan with its
  // status.
  absl::StatusOr<FeedEnd> ServeFeed(const CallContext& call, v1::AuditAction action,
                                    const FeedScan& scan,
                                    const std::function<absl::Status(Page&)>& deliver) const;

 private:
  // The decision, narrowed by the latest version; no notes.
  SharingGate::Shared Decide(const std::string& recipient, const v1::SignedRecord& record,
                             const policy::SharingPolicy* under) const;
  // Notes whose policy withheld what `shared.record` lacks of `held`.
  void AddNotes(const v1::SignedRecord& held, SharingGate::Shared& shared) const;

  std::string agency_id_;
  const RecordStore* store_;
  const SharingGate* sharing_;
  AuditLog* audit_;
  const CursorCipher* cursors_;
  v1::SignedRecord decoy_;
  std::string decoy_id_;
};

// Adds the id and version of `record` to `entry`'s targets.
void AddTarget(v1::AuditEntry& entry, const v1::SignedRecord& record);

}  // namespace nexus

#endif  // NEXUS_SERVER_SHARED_READS_H_
