// The gRPC AgencyService: what an agency's own analysts and systems call on their node.
//
// Every call first establishes the caller from its certificate. Until sharing policies exist,
// the node serves its own agency's analysts only (default deny); other agencies are refused.
#ifndef NEXUS_SERVER_AGENCY_SERVICE_H_
#define NEXUS_SERVER_AGENCY_SERVICE_H_

#include <string>

#include "nexus/v1/agency_service.grpc.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/record_publisher.h"
#include "server/record_store.h"

namespace nexus {

class AgencyServiceImpl final : public v1::AgencyService::Service {
 public:
  // `store` and `publisher` must outlive the service.
  AgencyServiceImpl(const v1::NodeConfig& config, RecordStore* store, RecordPublisher* publisher);

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

 private:
  // The caller's agency if it may use this service; otherwise why not (also logged).
  absl::StatusOr<std::string> Authorize(const grpc::ServerContext& context,
                                        absl::string_view method) const;
  absl::Status PublishBatch(const std::string& caller, const v1::PublishRequest& request,
                            v1::PublishResponse& response);

  std::string agency_id_;
  v1::Limits limits_;
  RecordStore* store_;
  RecordPublisher* publisher_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AGENCY_SERVICE_H_
