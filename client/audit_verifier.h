// Full verification of an audit log: recompute the Merkle tree from the entries' bytes and check
// it against the node's signed head, every checkpoint the node signed, every checkpoint the
// auditor witnessed before, and the node's stored tree nodes. Reports OK, or the first place
// where the log breaks: the entry index (or tree node), and the expected and found hashes where
// they are known. "Cannot read" is reported apart from "broken".
#ifndef NEXUS_CLIENT_AUDIT_VERIFIER_H_
#define NEXUS_CLIENT_AUDIT_VERIFIER_H_

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
// the node's tree holds for it (32 bytes, or empty if unknown).
using AuditEntrySource =
    std::function<absl::Status(const std::function<bool(uint64_t index, absl::string_view bytes,
                                                        absl::string_view stored_leaf)>& visit)>;

struct AuditVerifyOptions {
  const Keyring* keys = nullptr;  // must hold the node's agency key(s)
  // The node's signed head: it must cover exactly the entries the source hands over.
  std::optional<v1::SignedCheckpoint> head;
  std::vector<v1::SignedCheckpoint> checkpoints;  // every checkpoint the node holds, any size
  std::vector<v1::SignedCheckpoint> witnessed;    // kept by the auditor from earlier sessions
  // The node's stored perfect-subtree nodes above the leaves, when they can be read (offline):
  // each one is compared with the tree rebuilt from the entries.
  merkle::NodeReader stored_nodes;
};

struct AuditVerifyReport {
  bool ok = false;
  // The entries could not be read (transport, size limit, unreadable store): nothing is known
  // about tampering. Never set together with a break.
  bool unreadable = false;
  std::string problem;             // empty when ok
  int64_t index = -1;              // the entry where the log breaks, when known
  std::string expected;            // hex hash that the signed tree requires there, when known
  std::string found;               // hex hash of what is stored there
  uint64_t entries = 0;            // entries read
  uint64_t verified_size = 0;      // entries covered by a verified signed head or checkpoint
  uint64_t checkpoints = 0;        // signed checkpoints (and head) verified
  std::string root;                // hex root at verified_size
  std::string origin;              // the agency whose log this is, from its signed head
  std::vector<std::string> notes;  // not failures
};

AuditVerifyReport VerifyAuditLog(const AuditVerifyOptions& options, const AuditEntrySource& source);

}  // namespace nexus

#endif  // NEXUS_CLIENT_AUDIT_VERIFIER_H_
