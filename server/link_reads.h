// Links as their readers may see them: alerts, link charts and acknowledgements, each decided for
// the reader's agency through the read layer (SharedReads), never around it. A reader of agency X
// is told of a link only when X may see at least one of its two records (or is its origin) and,
// for the other, may see it or be told that this node holds it (a hit notice); otherwise nothing
// at all, so that no answer tells "a link you may not see" from "no link". Of the shared
// selectors it sees those that a record it may see discloses.
#ifndef NEXUS_SERVER_LINK_READS_H_
#define NEXUS_SERVER_LINK_READS_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/links.pb.h"
#include "server/audit_log.h"
#include "server/call_context.h"
#include "server/cursor_cipher.h"
#include "server/link_detector.h"
#include "server/record_store.h"
#include "server/shared_reads.h"

namespace nexus {

class LinkReads {
 public:
  // Every pointer must outlive this.
  LinkReads(std::string agency_id, const SharedReads* reads, const RecordStore* store,
            LinkDetector* links, AuditLog* audit, const CursorCipher* cursors);

  // The alert `reader` may receive of `change`, if any (its cursor unset).
  std::optional<v1::Alert> AlertFor(const std::string& reader, const v1::LinkChange& change) const;

  struct AlertScan {
    uint64_t since = 0;  // as the reader gave it (opaque for another agency)
    uint32_t limit = 0;  // 0: no limit
    bool follow = false;
    std::function<bool()> cancelled;
  };
  // Alerts for `call`'s agency after `scan.since`, in pages that reach `deliver` only after
  // their audit entry (ALERT: the links and their records) is durable. A call passes over at
  // most 256 changes more than four per alert it returns, then sends a `more` alert to resume
  // from; with `follow` it then waits for new links until cancelled.
  absl::Status ServeAlerts(const CallContext& call, const AlertScan& scan,
                           const std::function<absl::Status(const v1::Alert&)>& deliver) const;

  // The open links around a record, or a case of the caller's agency, to `depth` hops, as the
  // caller may see them; a hop goes only through records it may see. Audited.
  absl::StatusOr<v1::LinksResponse> Links(const CallContext& call,
                                          const v1::LinksRequest& request) const;

  // Acknowledges `link_id` for `call`'s agency, if it may see the link (NotFound otherwise, as
  // for a link that does not exist). Audited.
  absl::Status Acknowledge(const CallContext& call, const std::string& link_id);

 private:
  // Whether this node holds a link of its own between the two records of a peer's alert.
  bool FoundHereToo(const v1::Alert& received) const;
  // The indicators `version` of record `id` shows `reader` as Get would give it now; none if
  // Get would refuse it or it is revoked.
  std::vector<v1::Indicator> DisclosedIn(const std::string& reader, const std::string& id,
                                         uint64_t version) const;

  std::string agency_id_;
  const SharedReads* reads_;
  const RecordStore* store_;
  LinkDetector* links_;
  AuditLog* audit_;
  const CursorCipher* cursors_;
};

// "police ↔ counter-terrorism" (sectors in their enum order), and whether one side is organized
// crime and the other terrorism.
std::string LinkKind(v1::Sector a, v1::Sector b, bool* crime_terror);

}  // namespace nexus

#endif  // NEXUS_SERVER_LINK_READS_H_
