// The gRPC AdminService: policy reload and backups (admin role of the node's own agency) and
// decision explanations (any certificate of the node's own agency). Every call is audited.
#ifndef NEXUS_SERVER_ADMIN_SERVICE_H_
#define NEXUS_SERVER_ADMIN_SERVICE_H_

#include <string>

#include "nexus/v1/admin_service.grpc.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/record_store.h"
#include "server/sharing_gate.h"

namespace nexus {

class StoreBackup;

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `backup` may be null: backups are then refused as off.
  AdminServiceImpl(const v1::NodeConfig& config, SharingGate* sharing, RecordStore* store,
                   AuditLog* audit, const Authorizer* authorizer, StoreBackup* backup);

  grpc::Status ReloadPolicy(grpc::ServerContext* context, const v1::ReloadPolicyRequest* request,
                            v1::ReloadPolicyResponse* response) override;
  grpc::Status ExplainDecision(grpc::ServerContext* context,
                               const v1::ExplainDecisionRequest* request,
                               v1::ExplainDecisionResponse* response) override;
  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  std::string agency_id_;
  SharingGate* sharing_;
  RecordStore* store_;
  AuditLog* audit_;
  const Authorizer* authorizer_;
  StoreBackup* backup_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_ADMIN_SERVICE_H_
