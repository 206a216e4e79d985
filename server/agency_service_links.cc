// AgencyService's link calls: adapters over LinkReads (authorize, call, answer; LinkReads
// decides and audits).
#include "absl/strings/str_cat.h"
#include "server/agency_service.h"
#include "server/caller.h"

namespace nexus {

grpc::Status AgencyServiceImpl::Alerts(grpc::ServerContext* context,
                                       const v1::AlertsRequest* request,
                                       grpc::ServerWriter<v1::Alert>* writer) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kAlerts, "alerts");
  if (!call.ok()) return ToGrpc(call.status());
  LinkReads::AlertScan scan;
  scan.since = request->since();
  scan.limit = request->limit();
  scan.follow = request->follow();
  scan.cancelled = [&] { return context->IsCancelled(); };
  absl::Status served = links_->ServeAlerts(*call, scan, [&](const v1::Alert& alert) {
    return writer->Write(alert) ? absl::OkStatus()
                                : absl::CancelledError("alerts cancelled by the client");
  });
  return ToGrpc(served);
}

grpc::Status AgencyServiceImpl::AckAlert(grpc::ServerContext* context,
                                         const v1::AckAlertRequest* request,
                                         v1::AckAlertResponse* response) {
  absl::StatusOr<CallContext> call =
      authorizer_->Authorize(*context, Rpc::kAlerts, absl::StrCat("ack ", request->link_id()));
  if (!call.ok()) return ToGrpc(call.status());
  return ToGrpc(links_->Acknowledge(*call, request->link_id()));
}

grpc::Status AgencyServiceImpl::Links(grpc::ServerContext* context, const v1::LinksRequest* request,
                                      v1::LinksResponse* response) {
  absl::StatusOr<CallContext> call = authorizer_->Authorize(*context, Rpc::kAlerts, "links");
  if (!call.ok()) return ToGrpc(call.status());
  absl::StatusOr<v1::LinksResponse> links = links_->Links(*call, *request);
  if (!links.ok()) return ToGrpc(links.status());
  *response = *std::move(links);
  return grpc::Status::OK;
}

}  // namespace nexus
