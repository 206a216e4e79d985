// A client for a node's AdminService: policy reload, decision explanations and backups.
#ifndef NEXUS_CLIENT_ADMIN_CLIENT_H_
#define NEXUS_CLIENT_ADMIN_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"
#include "nexus/v1/admin_service.pb.h"

namespace nexus {

class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Create(const ClientOptions& options);
  ~AdminClient();

  absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy();
  absl::StatusOr<v1::ExplainDecisionResponse> ExplainDecision(
      const v1::ExplainDecisionRequest& request);
  // A copy of the node's whole store under its backup.directory, named `name`.
  absl::StatusOr<v1::BackupResponse> Backup(const std::string& name);

 private:
  struct Stub;
  AdminClient(std::unique_ptr<Stub> stub, absl::Duration timeout);
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_ADMIN_CLIENT_H_
