// Cross-checking a node's record store against its audit log, offline, both ways. The audit
// entry that stored a version names its id, version, manifest digest and feed position, so:
//   every stored version has its entry, with the same digest;
//   every version an entry stored is still stored, and each id's latest stored version is the
//   latest logged one (a deleted revocation is caught);
//   every feed position points to the version whose entry names that position, and every
//   logged position is in the feed (a deleted, redirected or dangling feed entry is caught);
//   every indicator-index key is carried by the record it names, and every record's indicators
//   are indexed (a planted index key is caught).
// Entries written before the binding existed (an older data directory) name only id and version:
// those versions are checked for existence and latest version only, and counted as legacy.
// A disagreement is not a Merkle break: the log may verify while the store beside it was edited.
#ifndef NEXUS_CLIENT_CLI_STORE_CROSS_CHECK_H_
#define NEXUS_CLIENT_CLI_STORE_CROSS_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/offline_audit.h"

namespace nexus {

struct StoreCrossCheckReport {
  std::vector<std::string> mismatches;  // the first few, each naming id/version/position
  uint64_t total_mismatches = 0;
  uint64_t versions = 0;      // stored versions checked
  uint64_t feed_entries = 0;  // feed entries checked
  uint64_t index_keys = 0;    // indicator-index keys checked
  // Versions stored by entries written before audit targets carried the manifest digest and feed
  // position: only their existence and each id's latest version can be checked.
  uint64_t legacy_versions = 0;
};

// Reads the whole store and log of `log`. Fails only when something cannot be read.
absl::StatusOr<StoreCrossCheckReport> CrossCheckStore(const OfflineAuditLog& log);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_STORE_CROSS_CHECK_H_
