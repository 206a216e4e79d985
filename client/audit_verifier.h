// Full verification of an audit log: recompute the Merkle tree from the entries' bytes and check
// it against every checkpoint the node signed and every checkpoint the auditor witnessed before.
// Reports OK, or the first place where the log breaks: the entry index, and the expected and
// found hashes where they are known.
#ifndef NEXUS_CLIENT_AUDIT_VERIFIER_H_
#define NEXUS_CLIENT_AUDIT_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/keyring.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

// Hands every stored entry to `visit`, in index order: its index, exact bytes, and the leaf hash
// the node's tree holds for it (32 bytes, or empty if unknown).
using AuditEntrySource =
    std::function<absl::Status(const std::function<bool(uint64_t index, absl::string_view bytes,
                                                        absl::string_view stored_leaf)>& visit)>;

struct AuditVerifyOptions {
  const Keyring* keys = nullptr;                  // must hold the node's agency key(s)
  std::vector<v1::SignedCheckpoint> checkpoints;  // as signed by the node
  std::vector<v1::SignedCheckpoint> witnessed;    // kept by the auditor from earlier sessions
};

struct AuditVerifyReport {
  bool ok = false;
  std::string problem;             // empty when ok
  int64_t index = -1;              // the entry where the log breaks, when known
  std::string expected;            // hex hash that the signed tree requires there, when known
  std::string found;               // hex hash of what is stored there
  uint64_t entries = 0;            // entries read
  uint64_t verified_size = 0;      // entries covered by a verified signed checkpoint
  uint64_t checkpoints = 0;        // signed checkpoints verified
  std::string root;                // hex root at verified_size
  std::vector<std::string> notes;  // not failures: e.g. entries not yet covered by a checkpoint
};

AuditVerifyReport VerifyAuditLog(const AuditVerifyOptions& options, const AuditEntrySource& source);

}  // namespace nexus

#endif  // NEXUS_CLIENT_AUDIT_VERIFIER_H_
