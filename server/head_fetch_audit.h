// Which fetches of this node's audit head by its peers are audited. A peer fetches the head every
// few seconds to witness the log; an entry for each fetch would bury everything else an auditor
// reads. A fetch is audited when it matters: a peer's first since the node started, or when the
// log has grown, by other entries than these fetches' own, since the head last served to that
// peer (each audited fetch grows the log; counted as any other, every fetch of every peer would
// be audited). The routine fetches in between are counted in the next entry. A fetch that fails
// is always audited (by the caller).
#ifndef NEXUS_SERVER_HEAD_FETCH_AUDIT_H_
#define NEXUS_SERVER_HEAD_FETCH_AUDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace nexus {

class HeadFetchAudit {
 public:
  // Whether the fetch by `peer` of the head of a log of `log_size` entries is to be audited (the
  // caller then appends one entry for it); if so, how many routine fetches by `peer` went
  // unaudited since its last audited one. Otherwise the fetch is counted.
  std::optional<uint64_t> ShouldAudit(const std::string& peer, uint64_t log_size);
  // `peer` was served a head of `tree_size` entries.
  void Served(const std::string& peer, uint64_t tree_size);

 private:
  struct PeerFetches {
    uint64_t served_size = 0;
    uint64_t fetch_entries_then = 0;  // fetch_entries_ when it was served
    uint64_t routine = 0;
  };
  absl::Mutex mu_;
  uint64_t fetch_entries_ ABSL_GUARDED_BY(mu_) = 0;  // entries audited for fetches, every peer
  std::map<std::string, PeerFetches> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_HEAD_FETCH_AUDIT_H_
