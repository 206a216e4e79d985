// A record's disclosure trail, both sides of the question. An auditor of the record's origin
// agency (or of an agency the federation names as its oversight, Agency.oversees) signs a
// question (common/trail_ask.h) for a path of nodes and asks the first; each node on the path
// passes it to the next over its peer connection, and the last answers with every entry of its
// log that names the record, each with its inclusion proof in the node's signed head; the node
// before it adds the head it witnessed of that log. Every node checks the auditor's certificate,
// signature and path itself (a node takes only a question whose path names it, and before it
// the node that called), takes each question once, answers only for records it holds, and
// audits what it did (AUDIT_ACTION_TRAIL, the auditor as actor), answered, passed on or refused.
#ifndef NEXUS_SERVER_RECORD_TRAIL_H_
#define NEXUS_SERVER_RECORD_TRAIL_H_

#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/trail_ask.h"
#include "common/trusted_certificates.h"
#include "nexus/v1/audit_service.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/call_context.h"
#include "server/peer_witness.h"
#include "server/record_store.h"

namespace nexus {

class RecordTrail {
 public:
  // Every pointer must outlive this.
  RecordTrail(const v1::NodeConfig& config, TrustedCertificates trusted, const RecordStore* store,
              AuditLog* audit, const PeerWitness* witness, const Authorizer* authorizer);

  // AuditService.RecordTrail: `call` is an auditor the Authorizer let in; the question must be
  // signed with that very certificate and its path start at this node. `deadline`: the call's.
  absl::StatusOr<v1::RecordTrailAnswer> AskedByAuditor(const CallContext& call,
                                                       const v1::RecordTrailRequest& request,
                                                       absl::Time deadline);
  // FederationService.RecordTrail: `call` is a peer's node passing an auditor's question on; the
  // path must name the peer just before this node.
  absl::StatusOr<v1::RecordTrailAnswer> AskedByPeer(const CallContext& call,
                                                    const v1::RecordTrailRequest& request,
                                                    absl::Time deadline);

 private:
  // Checks the question and this node's place on its path (`caller`: the agency before it, or
  // empty for the auditor's own call), takes its nonce, then answers or passes it on; audits.
  absl::StatusOr<v1::RecordTrailAnswer> Handle(const CallContext& call,
                                               const v1::RecordTrailRequest& request,
                                               const std::string& caller, absl::Time deadline);
  // This node's place on the question's path, if the path names it with `caller` just before.
  absl::StatusOr<int> PlaceOnPath(const v1::TrailAsk& ask, const std::string& caller) const;
  // Remembers the question's nonce; refuses one already taken.
  absl::Status TakeOnce(const v1::TrailAsk& ask) ABSL_LOCKS_EXCLUDED(nonces_mu_);
  // Whether the auditor may see the trail of a record of `origin`.
  bool MaySee(const CertificateIdentity& auditor, const std::string& origin) const;
  // The answer of this node's own log.
  absl::StatusOr<v1::RecordTrailAnswer> Answer(const v1::RecordTrailRequest& request,
                                               const CheckedTrailAsk& checked,
                                               std::string* detail) const;
  // The answer of the node after this one on the path.
  absl::StatusOr<v1::RecordTrailAnswer> PassOn(const v1::RecordTrailRequest& request,
                                               const std::string& next, bool next_answers,
                                               absl::Time deadline, std::string* detail) const;

  v1::NodeConfig config_;
  TrustedCertificates trusted_;
  std::map<std::string, std::set<std::string>> oversees_;  // oversight agency -> overseen
  size_t answer_bytes_;  // entries and their proofs per answer, well inside the message limit
  const RecordStore* store_;
  AuditLog* audit_;
  const PeerWitness* witness_;
  const Authorizer* authorizer_;

  absl::Mutex nonces_mu_;
  std::map<std::string, absl::Time> nonces_ ABSL_GUARDED_BY(nonces_mu_);  // nonce -> taken at
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_TRAIL_H_
