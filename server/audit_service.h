// The gRPC AuditService: auditors read the node's audit log, its checkpoints and proofs.
//
// Allowed (server/authorization.cc): analysts, auditors and admins of the node's own agency, and
// auditor certificates of the oversight bodies named in the node's configuration. Other agencies'
// auditors are refused: the log holds every agency's queries and every sharing decision. Every
// call, allowed or refused, is itself an audit entry.
#ifndef NEXUS_SERVER_AUDIT_SERVICE_H_
#define NEXUS_SERVER_AUDIT_SERVICE_H_

#include <set>
#include <string>

#include "nexus/v1/audit_service.grpc.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/call_context.h"
#include "server/record_trail.h"

namespace nexus {

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  // `trail` answers RecordTrail.
  AuditServiceImpl(const v1::NodeConfig& config, AuditLog* audit, const Authorizer* authorizer,
                   class RecordTrail* trail);

  grpc::Status GetCheckpoint(grpc::ServerContext* context, const v1::GetCheckpointRequest* request,
                             v1::SignedCheckpoint* response) override;
  grpc::Status ListCheckpoints(grpc::ServerContext* context,
                               const v1::ListCheckpointsRequest* request,
                               v1::ListCheckpointsResponse* response) override;
  grpc::Status ListEntries(grpc::ServerContext* context, const v1::ListEntriesRequest* request,
                           grpc::ServerWriter<v1::AuditEntryPage>* writer) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* context,
                                 const v1::InclusionProofRequest* request,
                                 v1::Proof* response) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* context,
                                   const v1::ConsistencyProofRequest* request,
                                   v1::Proof* response) override;
  grpc::Status RecordTrail(grpc::ServerContext* context, const v1::RecordTrailRequest* request,
                           v1::RecordTrailAnswer* response) override;

 private:
  // Checks the caller, then `request_check` (the request's own problems, if any), and records
  // the call (refused or not) with `detail` before anything is answered. Returns the refusal,
  // or OK.
  absl::Status AuthorizeAndRecord(grpc::ServerContext& context, const std::string& detail,
                                  const absl::Status& request_check = absl::OkStatus());

  std::string agency_id_;
  AuditLog* audit_;
  const Authorizer* authorizer_;
  class RecordTrail* trail_;
  size_t page_bytes_;  // entry bytes per streamed page, well inside the message limit
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AUDIT_SERVICE_H_
