// Search, transport-neutral: the records carrying a value that a reader may see, and hit notices
// where the originator lets the reader be told only that this node holds one. An analyst's
// Search and a peer's federation-wide search both come here; the caller audits the entry this
// fills.
#ifndef NEXUS_SERVER_RECORD_SEARCH_H_
#define NEXUS_SERVER_RECORD_SEARCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/record_store.h"
#include "server/shared_reads.h"

namespace nexus {

class RecordSearch {
 public:
  // Every pointer must outlive this.
  RecordSearch(std::string agency_id, const v1::Limits& limits, const RecordStore* store,
               const SharedReads* reads);

  // The answer to `request` for `reader`, each record as it may see it. A record whose latest
  // version carries the value is a hit when the reader may see that indicator of it; a record it
  // may not see is left out of the hits, their count and the time taken. `entry` gets the
  // records answered, the sharing decisions and the count.
  absl::StatusOr<v1::SearchResponse> Search(const std::string& reader,
                                            const v1::SearchRequest& request,
                                            v1::AuditEntry& entry) const;

 private:
  std::string agency_id_;
  v1::Limits limits_;
  const RecordStore* store_;
  const SharedReads* reads_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_SEARCH_H_
