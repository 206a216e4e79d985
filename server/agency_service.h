// The gRPC AgencyService: what an agency's own analysts and systems call on their node.
//
// Every call first establishes the caller from its certificate. Analysts of the node's own agency
// publish and revoke; analysts of any federation member may get, pull and search, and receive
// exactly what the sharing policy decides for them, redacted as it decides. A record a caller may
// not see is indistinguishable from one that does not exist. Every call, answered or refused, is
// in the audit log before its answer goes out, with the sharing decisions it involved.
#ifndef NEXUS_SERVER_AGENCY_SERVICE_H_
#define NEXUS_SERVER_AGENCY_SERVICE_H_

#include <functional>
#include <string>

#include "nexus/v1/agency_service.grpc.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/call_context.h"
#include "server/cursor_cipher.h"
#include "server/federated_search.h"
#include "server/link_reads.h"
#include "server/record_publisher.h"
#include "server/record_search.h"
#include "server/record_store.h"
#include "server/shared_reads.h"
#include "server/sharing_gate.h"

namespace nexus {

class AgencyServiceImpl final : public v1::AgencyService::Service {
 public:
  // Every pointer must outlive the service.
  AgencyServiceImpl(const v1::NodeConfig& config, RecordStore* store, RecordPublisher* publisher,
                    AuditLog* audit, const SharedReads* reads, const RecordSearch* search,
                    const FederatedSearch* federated, LinkReads* links, const CursorCipher* cursors,
                    const Authorizer* authorizer);

  grpc::Status Publish(grpc::ServerContext* context, const v1::PublishRequest* request,
                       v1::PublishResponse* response) override;
  grpc::Status PublishStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::PublishResponse, v1::PublishRequest>* stream) override;
  grpc::Status Get(grpc::ServerContext* context, const v1::GetRequest* request,
                   v1::GetResponse* response) override;
  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override;
  grpc::Status Search(grpc::ServerContext* context, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override;
  grpc::Status Revoke(grpc::ServerContext* context, const v1::RevokeRequest* request,
                      v1::RevokeResponse* response) override;
  // Links, in agency_service_links.cc.
  grpc::Status Alerts(grpc::ServerContext* context, const v1::AlertsRequest* request,
                      grpc::ServerWriter<v1::Alert>* writer) override;
  grpc::Status AckAlert(grpc::ServerContext* context, const v1::AckAlertRequest* request,
                        v1::AckAlertResponse* response) override;
  grpc::Status Links(grpc::ServerContext* context, const v1::LinksRequest* request,
                     v1::LinksResponse* response) override;

 private:
  // A publish request in two halves (RecordPublisher::Prepare and Commit), so that a stream
  // prepares its next request while this one commits. A request over the limit is refused
  // before anything is prepared; RefusePublish audits that, in its turn among the answers.
  absl::StatusOr<RecordPublisher::Batch> PreparePublish(const CallContext& call,
                                                        const v1::PublishRequest& request);
  absl::Status RefusePublish(const CallContext& call, int records, const absl::Status& refusal);
  v1::PublishResponse CommitPublish(RecordPublisher::Batch batch, bool report_recipients);

  std::string agency_id_;
  v1::Limits limits_;
  RecordStore* store_;
  RecordPublisher* publisher_;
  AuditLog* audit_;
  const SharedReads* reads_;
  const RecordSearch* search_;
  const FederatedSearch* federated_;
  LinkReads* links_;
  const CursorCipher* cursors_;
  const Authorizer* authorizer_;
  std::function<bool(const std::string&)> is_peer_;  // a configured peer of this node
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AGENCY_SERVICE_H_
