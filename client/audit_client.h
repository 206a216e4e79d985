// A client for a node's AuditService: checkpoints, entries and proofs, for auditors' tools.
#ifndef NEXUS_CLIENT_AUDIT_CLIENT_H_
#define NEXUS_CLIENT_AUDIT_CLIENT_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"
#include "common/merkle.h"
#include "nexus/v1/audit_service.pb.h"

namespace nexus {

class AuditClient {
 public:
  static absl::StatusOr<std::unique_ptr<AuditClient>> Create(const ClientOptions& options);
  ~AuditClient();

  // The latest checkpoint; with `sign_now`, one the node signs now for its current size.
  // `node_agency` (if given) receives the agency named by the node's TLS certificate, as the
  // handshake verified it (empty if it names none): whose log the auditor is reading.
  absl::StatusOr<v1::SignedCheckpoint> GetCheckpoint(bool sign_now,
                                                     std::string* node_agency = nullptr);
  // `superseded` (if given) receives how many checkpoints accepted recoveries moved aside.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t since_size,
                                                                    uint64_t* superseded = nullptr);
  // Calls `on_entry` for each listed entry until done or it returns false.
  absl::Status ListEntries(const v1::ListEntriesRequest& request,
                           const std::function<bool(const v1::AuditEntryBytes&)>& on_entry);
  absl::StatusOr<std::vector<merkle::Hash>> InclusionProof(uint64_t index, uint64_t tree_size);
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(uint64_t first, uint64_t second);
  // A record's disclosure trail at the node, or at the end of `request.route`; each hop waits
  // for the next, so this call's deadline is the client's timeout.
  absl::StatusOr<v1::RecordTrailAnswer> RecordTrail(const v1::RecordTrailRequest& request);

 private:
  struct Stub;
  explicit AuditClient(std::unique_ptr<Stub> stub, absl::Duration timeout);
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_AUDIT_CLIENT_H_
