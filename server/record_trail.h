// A record's disclosure trail, both sides of the question. An auditor of the record's origin
// agency (or of an agency the federation names as its oversight, Agency.oversees) signs a
// question (common/trail_ask.h) and asks its own node; the node answers with every entry of its
// log that names the record, each with its inclusion proof in the node's signed head, or passes
// the question on along the route the auditor gives, one peer at a time, and adds the head it
// witnessed of the answering node. Every node checks the auditor's certificate and signature
// itself, answers only for records it holds, and audits the answer (AUDIT_ACTION_TRAIL, the
// auditor as actor) whether it answered, passed on or refused.
#ifndef NEXUS_SERVER_RECORD_TRAIL_H_
#define NEXUS_SERVER_RECORD_TRAIL_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"
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
  // signed with that very certificate.
  absl::StatusOr<v1::RecordTrailAnswer> AskedByAuditor(const CallContext& call,
                                                       const v1::RecordTrailRequest& request) const;
  // FederationService.RecordTrail: `call` is a peer's node passing an auditor's question on.
  absl::StatusOr<v1::RecordTrailAnswer> AskedByPeer(const CallContext& call,
                                                    const v1::RecordTrailRequest& request) const;

 private:
  absl::StatusOr<v1::RecordTrailAnswer> Handle(const CallContext& call,
                                               const v1::RecordTrailRequest& request,
                                               const CheckedTrailAsk& checked) const;
  // Whether the auditor may see the trail of a record of `origin`.
  absl::Status MaySee(const CertificateIdentity& auditor, const std::string& origin) const;
  // The answer of this node's own log.
  absl::StatusOr<v1::RecordTrailAnswer> Answer(const v1::RecordTrailRequest& request,
                                               const CheckedTrailAsk& checked,
                                               std::string* detail) const;
  // The answer of the next node on the route.
  absl::StatusOr<v1::RecordTrailAnswer> PassOn(const v1::RecordTrailRequest& request,
                                               std::string* detail) const;

  v1::NodeConfig config_;
  TrustedCertificates trusted_;
  std::map<std::string, std::set<std::string>> oversees_;  // oversight agency -> overseen
  const RecordStore* store_;
  AuditLog* audit_;
  const PeerWitness* witness_;
  const Authorizer* authorizer_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_TRAIL_H_
