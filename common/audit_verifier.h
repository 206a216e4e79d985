// Full verification of an audit log, the one verifier: the node runs it over its own store at
// start-up, and auditors run it over a node's answers (`nexusctl audit verify`) or a copy of its
// data directory (`--offline`). It recomputes the Merkle tree from the entries' bytes and checks
// it against the node's signed head, every checkpoint the node signed, every checkpoint the
// auditor witnessed before, and the node's stored tree nodes. Reports OK, or the first place
// where the log breaks: the entry index (or tree node), and the expected and found hashes where
// they are known. "Cannot read" is reported apart from "broken".
//
// It also reads what the log says of itself: each entry's log format (an entry written under
// signed heads is never accepted without one), and each NODE_START entry's record of what the
// node found when it opened its log (every accepted recovery in the log's history is reported).
#ifndef NEXUS_COMMON_AUDIT_VERIFIER_H_
#define NEXUS_COMMON_AUDIT_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/keyring.h"
#include "common/merkle.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

// Hands every stored entry to `visit`, in index order: its index, exact bytes, and the leaf hash
// the node's tree holds for it (32 bytes, or empty if unknown). A read error is Unavailable;
// DataLoss names something stored that no node writes (an entry under a malformed key).
using AuditEntrySource =
    std::function<absl::Status(const std::function<bool(uint64_t index, absl::string_view bytes,
                                                        absl::string_view stored_leaf)>& visit)>;

struct AuditVerifyOptions {
  const Keyring* keys = nullptr;  // must hold the node's agency key(s)
  // The agency whose log this must be: the node's, as the auditor knows it (its certificate
  // online; its configuration or a flag offline), never the origin the head claims. A log signed
  // as any other agency fails, however well it verifies under that agency's key.
  std::string expected_origin;
  // The node's signed head: it must cover exactly the entries the source hands over.
  std::optional<v1::SignedCheckpoint> head;
  std::vector<v1::SignedCheckpoint> checkpoints;  // every checkpoint the node holds, any size
  std::vector<v1::SignedCheckpoint> witnessed;    // kept by the auditor from earlier sessions
  // The node's stored perfect-subtree nodes above the leaves, when they can be read (offline):
  // each one is compared with the tree rebuilt from the entries.
  merkle::NodeReader stored_nodes;
  // The tree of a prefix of the log that is verified elsewhere (the node's sealed entries,
  // re-verified in the background). REQUIRES: its root equals a signed root the caller checked.
  // The source then hands over entries from prefix->size() on, and checkpoints smaller than the
  // prefix are only checked for signature and forks (their sizes are not rebuilt here).
  std::optional<merkle::Frontier> prefix;
};

// A start of the node recorded in the log (a NODE_START entry) that says more than "started".
struct LogOpeningRecord {
  uint64_t entry = 0;  // the NODE_START entry's index
  int64_t time_unix_micros = 0;
  v1::LogOpening opening;
};

struct AuditVerifyReport {
  bool ok = false;
  // The entries could not be read (transport, size limit, unreadable store): nothing is known
  // about tampering. Never set together with a break.
  bool unreadable = false;
  std::string problem;         // empty when ok
  int64_t index = -1;          // the entry where the log breaks, when known
  std::string expected;        // hex hash that the signed tree requires there, when known
  std::string found;           // hex hash of what is stored there
  uint64_t entries = 0;        // entries read
  uint64_t verified_size = 0;  // entries covered by a verified signed head or checkpoint
  uint64_t checkpoints = 0;    // signed checkpoints (and head) verified
  std::string root;            // hex root at verified_size
  std::string origin;          // the agency whose log this is, from its signed head
  // No signed head is stored: the log was written before every commit signed one, and its
  // newest checkpoint stood in for the head.
  bool checkpoints_only = false;
  // Starts at which the log had failed verification and was accepted anyway, oldest first.
  std::vector<LogOpeningRecord> recoveries;
  // Starts at which a log written before signed heads was taken over by a node that signs them.
  std::vector<LogOpeningRecord> upgrades;
  std::vector<std::string> notes;  // not failures
  merkle::Frontier tree;           // the tree the entries read make (what a node continues)
};

AuditVerifyReport VerifyAuditLog(const AuditVerifyOptions& options, const AuditEntrySource& source);

// One line for a person about a recovery found in the log (bounded, not escaped).
std::string DescribeRecovery(const LogOpeningRecord& recovery);

}  // namespace nexus

#endif  // NEXUS_COMMON_AUDIT_VERIFIER_H_
