#include "server/agency_service.h"

#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/uuid.h"
#include "server/caller.h"
#include "server/log.h"

namespace nexus {
namespace {

// Whether a stored version passes the pull filters. The node sealed or verified it on storing.
bool MatchesPull(const v1::PullRequest& request, const v1::SignedRecord& record) {
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) return false;
  const v1::Record& r = opened->record;
  if (!request.origin_agencies().empty() &&
      std::find(request.origin_agencies().begin(), request.origin_agencies().end(),
                r.origin_agency()) == request.origin_agencies().end()) {
    return false;
  }
  if (!request.nexus_types().empty() &&
      std::find(request.nexus_types().begin(), request.nexus_types().end(),
                r.assessment().nexus_type()) == request.nexus_types().end()) {
    return false;
  }
  if (!request.indicator_types().empty()) {
    bool any = false;
    for (const v1::Indicator& indicator : r.indicators()) {
      for (int type : request.indicator_types()) any = any || indicator.type() == type;
    }
    if (!any) return false;
  }
  if (r.modified_unix_micros() <= request.modified_after_unix_micros()) return false;
  if (request.modified_before_unix_micros() != 0 &&
      r.modified_unix_micros() >= request.modified_before_unix_micros()) {
    return false;
  }
  return true;
}

}  // namespace

AgencyServiceImpl::AgencyServiceImpl(const v1::NodeConfig& config, RecordStore* store,
                                     RecordPublisher* publisher)
    : agency_id_(config.agency_id()),
      limits_(config.limits()),
      store_(store),
      publisher_(publisher) {}

absl::StatusOr<std::string> AgencyServiceImpl::Authorize(const grpc::ServerContext& context,
                                                         absl::string_view method) const {
  absl::StatusOr<CertificateIdentity> caller = CallerOf(context);
  absl::Status refusal;
  if (!caller.ok()) {
    refusal = caller.status();
  } else if (caller->role != "analyst") {
    refusal = absl::PermissionDeniedError(absl::StrCat(
        "role '", caller->role, "' may not use AgencyService; it needs an analyst certificate"));
  } else if (caller->agency_id != agency_id_) {
    refusal = absl::PermissionDeniedError(
        absl::StrCat("agency '", caller->agency_id, "' is not served by the node of agency '",
                     agency_id_, "': no sharing policy admits it"));
  }
  if (!refusal.ok()) {
    LogWarning(absl::StrCat("refused ", method, " from ", context.peer(), ": ", refusal.message()));
    return refusal;
  }
  return caller->agency_id;
}

absl::Status AgencyServiceImpl::PublishBatch(const std::string& caller,
                                             const v1::PublishRequest& request,
                                             v1::PublishResponse& response) {
  if (request.records_size() > static_cast<int>(limits_.max_records_per_publish())) {
    return absl::InvalidArgumentError(
        absl::StrCat("publish carries ", request.records_size(), " records; the limit is ",
                     limits_.max_records_per_publish(), " per request"));
  }
  std::vector<v1::Record> drafts(request.records().begin(), request.records().end());
  for (v1::PublishResult& result : publisher_->Publish(caller, std::move(drafts))) {
    *response.add_results() = std::move(result);
  }
  return absl::OkStatus();
}

grpc::Status AgencyServiceImpl::Publish(grpc::ServerContext* context,
                                        const v1::PublishRequest* request,
                                        v1::PublishResponse* response) {
  absl::StatusOr<std::string> caller = Authorize(*context, "Publish");
  if (!caller.ok()) return ToGrpc(caller.status());
  return ToGrpc(PublishBatch(*caller, *request, *response));
}

grpc::Status AgencyServiceImpl::PublishStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::PublishResponse, v1::PublishRequest>* stream) {
  absl::StatusOr<std::string> caller = Authorize(*context, "PublishStream");
  if (!caller.ok()) return ToGrpc(caller.status());
  v1::PublishRequest request;
  while (stream->Read(&request)) {
    v1::PublishResponse response;
    if (absl::Status s = PublishBatch(*caller, request, response); !s.ok()) return ToGrpc(s);
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

grpc::Status AgencyServiceImpl::Get(grpc::ServerContext* context, const v1::GetRequest* request,
                                    v1::GetResponse* response) {
  absl::StatusOr<std::string> caller = Authorize(*context, "Get");
  if (!caller.ok()) return ToGrpc(caller.status());
  if (!IsCanonicalUuid(request->id())) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("id '", request->id(), "' is not a lower-case UUID")));
  }
  absl::StatusOr<v1::SignedRecord> record = store_->Get(request->id(), request->version());
  if (!record.ok()) return ToGrpc(record.status());
  *response->mutable_record() = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status AgencyServiceImpl::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                     grpc::ServerWriter<v1::PullResponse>* writer) {
  absl::StatusOr<std::string> caller = Authorize(*context, "Pull");
  if (!caller.ok()) return ToGrpc(caller.status());
  uint32_t sent = 0;
  bool cancelled = false;
  absl::Status status =
      store_->ScanFeed(request->since(), [&](uint64_t cursor, const v1::SignedRecord& record) {
        if (context->IsCancelled()) {
          cancelled = true;
          return false;
        }
        if (!MatchesPull(*request, record)) return true;
        v1::PullResponse response;
        response.set_cursor(cursor);
        *response.mutable_record() = record;
        if (!writer->Write(response)) {
          cancelled = true;
          return false;
        }
        return request->limit() == 0 || ++sent < request->limit();
      });
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "pull cancelled by the client");
  return ToGrpc(status);
}

grpc::Status AgencyServiceImpl::Search(grpc::ServerContext* context,
                                       const v1::SearchRequest* request,
                                       v1::SearchResponse* response) {
  absl::StatusOr<std::string> caller = Authorize(*context, "Search");
  if (!caller.ok()) return ToGrpc(caller.status());
  std::vector<v1::IndicatorType> types;
  if (request->type() != v1::INDICATOR_TYPE_UNSPECIFIED) {
    types.push_back(request->type());
  } else {
    for (int t = v1::IndicatorType_MIN + 1; t <= v1::IndicatorType_MAX; ++t) {
      types.push_back(static_cast<v1::IndicatorType>(t));
    }
  }
  uint32_t limit = limits_.max_search_hits();
  if (request->limit() != 0 && request->limit() < limit) limit = request->limit();

  // Only a record whose latest version still carries the value is a hit.
  struct Match {
    v1::IndicatorType type;
    std::string normalized;
    std::set<uint64_t> versions;
  };
  std::map<std::string, Match> matches;
  bool any_valid = false;
  absl::Status first_invalid;
  for (v1::IndicatorType type : types) {
    absl::StatusOr<std::string> normalized = NormalizeIndicator(type, request->value());
    if (!normalized.ok()) {
      if (first_invalid.ok()) first_invalid = normalized.status();
      continue;
    }
    any_valid = true;
    absl::Status s =
        store_->FindIndicator(type, *normalized, [&](absl::string_view id, uint64_t version) {
          Match& match =
              matches.try_emplace(std::string(id), Match{type, *normalized, {}}).first->second;
          match.versions.insert(version);
          return true;
        });
    if (!s.ok()) return ToGrpc(s);
  }
  if (!any_valid) return ToGrpc(first_invalid);

  size_t bytes = 0;
  for (const auto& [id, match] : matches) {
    absl::StatusOr<v1::SignedRecord> latest = store_->Get(id, 0);
    if (!latest.ok()) return ToGrpc(latest.status());
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(*latest);
    if (!header.ok() || match.versions.count(header->version()) == 0) continue;
    bytes += latest->ByteSizeLong();
    if (response->hits_size() >= static_cast<int>(limit) ||
        bytes + 1024 > limits_.max_message_bytes()) {
      response->set_truncated(true);
      break;
    }
    v1::SearchHit* hit = response->add_hits();
    *hit->mutable_record() = *std::move(latest);
    hit->set_matched_type(match.type);
    hit->set_normalized(match.normalized);
  }
  return grpc::Status::OK;
}

grpc::Status AgencyServiceImpl::Revoke(grpc::ServerContext* context,
                                       const v1::RevokeRequest* request,
                                       v1::RevokeResponse* response) {
  absl::StatusOr<std::string> caller = Authorize(*context, "Revoke");
  if (!caller.ok()) return ToGrpc(caller.status());
  if (!IsCanonicalUuid(request->id())) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("id '", request->id(), "' is not a lower-case UUID")));
  }
  *response->mutable_result() = publisher_->Revoke(*caller, request->id());
  if (response->result().outcome() == v1::PUBLISH_OUTCOME_REJECTED) {
    return grpc::Status(static_cast<grpc::StatusCode>(response->result().code()),
                        response->result().error());
  }
  if (response->result().outcome() == v1::PUBLISH_OUTCOME_STORED) {
    LogInfo(absl::StrCat("revoked ", request->id(), " version ", response->result().version(),
                         " by ", *caller));
  }
  return grpc::Status::OK;
}

}  // namespace nexus
