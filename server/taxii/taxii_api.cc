#include "server/taxii/taxii_api.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/purpose.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"
#include "server/caller.h"
#include "server/taxii/taxii_media.h"

namespace nexus {
namespace {

using json = nlohmann::ordered_json;

constexpr size_t kDefaultMaxContentBytes = 10 << 20;
constexpr uint32_t kDefaultMaxPageObjects = 1000;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

TaxiiResponse JsonAnswer(const json& body) {
  TaxiiResponse response;
  response.body = Dump(body);
  return response;
}

// Which row of the authorization table a request is.
Rpc RpcOf(const TaxiiRequest& request, const std::vector<std::string>& segments) {
  if (segments.size() >= 2 && segments[0] == "nexus" && segments[1] == "status") {
    return Rpc::kTaxiiStatus;
  }
  if (request.method == "POST") return Rpc::kTaxiiWrite;
  return Rpc::kTaxiiRead;
}

TaxiiResponse MethodNotAllowed(const TaxiiRequest& request, absl::string_view allowed) {
  TaxiiResponse response =
      TaxiiError(405, "Method not allowed",
                 absl::StrCat(QuoteInput(request.method), " is not served at ",
                              QuoteInput(request.path), "; it takes ", allowed));
  response.headers.push_back({"Allow", std::string(allowed)});
  return response;
}

}  // namespace

TaxiiApi::TaxiiApi(const v1::NodeConfig& config, RecordStore* store, RecordPublisher* publisher,
                   AuditLog* audit, const SharedReads* reads, const CursorCipher* cursors,
                   const Authorizer* authorizer)
    : agency_id_(config.agency_id()),
      max_content_bytes_(config.taxii().max_content_bytes() == 0
                             ? kDefaultMaxContentBytes
                             : config.taxii().max_content_bytes()),
      max_page_objects_(config.taxii().max_page_objects() == 0 ? kDefaultMaxPageObjects
                                                               : config.taxii().max_page_objects()),
      collections_(config),
      store_(store),
      publisher_(publisher),
      audit_(audit),
      reads_(reads),
      cursors_(cursors),
      authorizer_(authorizer) {}

TaxiiResponse TaxiiApi::Handle(const TaxiiRequest& request) {
  std::vector<std::string> segments = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  Authorizer::CallerFacts facts{request.identity, CallContext(), absl::OkStatus()};
  facts.call.actor.set_peer(request.peer);
  facts.call.request_id =
      IsWellFormedRequestId(request.request_id) ? request.request_id : HexEncode(RandomBytes(8));
  if (request.purposes > 1) {
    facts.purpose_refusal = absl::InvalidArgumentError("the call gives more than one purpose");
  } else if (!request.purpose.empty()) {
    facts.purpose_refusal = CheckPurpose(request.purpose);
    facts.call.purpose = facts.purpose_refusal.ok()
                             ? request.purpose
                             : EscapeForTerminal(request.purpose, kMaxPurposeBytes);
  }
  const std::string detail = absl::StrCat("TAXII ", EscapeForTerminal(request.method, 16), " ",
                                          EscapeForTerminal(request.path, 512));
  const Rpc rpc = RpcOf(request, segments);
  const std::string request_id = facts.call.request_id;
  absl::StatusOr<CallContext> call = authorizer_->Authorize(std::move(facts), rpc, detail);
  TaxiiResponse response;
  if (!call.ok()) {
    // Refused and audited by the Authorizer; the caller learns no more than the reason.
    response = TaxiiError(HttpStatusOf(call.status()),
                          absl::IsUnauthenticated(call.status()) ? "Unauthorized" : "Forbidden",
                          call.status().message());
  } else {
    if (!AcceptsTaxii(request.accept)) {
      response = TaxiiError(406, "Not acceptable",
                            absl::StrCat("the Accept header ", QuoteInput(request.accept),
                                         " admits no ", kTaxiiMediaType));
    } else {
      response = Route(request, segments, *call);
    }
    if (!response.audited) {
      v1::AuditEntry entry = call->Entry(rpc == Rpc::kTaxiiRead     ? v1::AUDIT_ACTION_PULL
                                         : rpc == Rpc::kTaxiiStatus ? v1::AUDIT_ACTION_GET
                                                                    : v1::AUDIT_ACTION_PUBLISH);
      entry.set_detail(detail);
      absl::Status outcome =
          response.http_status < 400
              ? absl::OkStatus()
              : absl::Status(response.http_status == 404 ? absl::StatusCode::kNotFound
                                                         : absl::StatusCode::kInvalidArgument,
                             absl::StrCat("HTTP ", response.http_status, ": ",
                                          TruncateText(response.body, 512)));
      if (absl::Status s = RecordOutcome(*audit_, *call, std::move(entry), outcome);
          absl::IsUnavailable(s)) {
        response = TaxiiError(503, "Unavailable", s.message());
      }
    }
  }
  response.headers.push_back({"X-Request-ID", request_id});
  return response;
}

TaxiiResponse TaxiiApi::Refused(const TaxiiRequest& request, int http_status) {
  std::string title = "Bad request", reason;
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  switch (http_status) {
    case 411:
      title = "Length required";
      reason = "a body is taken only with its Content-Length (no chunked transfer)";
      break;
    case 413:
      title = "Too large";
      reason = absl::StrCat("the body is over the ", max_content_bytes_,
                            " bytes this API root takes (max_content_length)");
      code = absl::StatusCode::kResourceExhausted;
      break;
    case 414:
      title = "URI too long";
      reason = "the request's URI is too long";
      break;
    case 431:
      title = "Headers too large";
      reason = "the request's headers are too large";
      break;
    default:
      reason = absl::StrCat("the HTTP request could not be read (", http_status, ")");
  }
  CallContext call;
  call.actor.set_peer(request.peer);
  if (request.identity.ok()) SetActor(call, *request.identity);
  call.request_id = HexEncode(RandomBytes(8));
  absl::Status audited = RecordRefusal(
      *audit_, call, request.method == "POST" ? v1::AUDIT_ACTION_PUBLISH : v1::AUDIT_ACTION_PULL,
      absl::Status(code, reason),
      absl::StrCat("TAXII ", EscapeForTerminal(request.method, 16), " ",
                   EscapeForTerminal(request.path, 512)));
  if (absl::IsUnavailable(audited)) return TaxiiError(503, "Unavailable", audited.message());
  TaxiiResponse response = TaxiiError(http_status, title, reason);
  response.headers.push_back({"X-Request-ID", call.request_id});
  return response;
}

TaxiiResponse TaxiiApi::Route(const TaxiiRequest& request, const std::vector<std::string>& segments,
                              CallContext& call) {
  const bool get = request.method == "GET" || request.method == "HEAD";
  const size_t n = segments.size();
  auto not_found = [&] {
    return TaxiiError(
        404, "Not found",
        absl::StrCat("nothing is served at ", QuoteInput(request.path),
                     "; discovery is at /taxii2/ and the API root at ", kTaxiiApiRoot));
  };
  if (n == 1 && segments[0] == "taxii2") {
    return get ? Discovery(request) : MethodNotAllowed(request, "GET");
  }
  if (n == 0 || segments[0] != "nexus") return not_found();
  if (n == 1) return get ? ApiRoot() : MethodNotAllowed(request, "GET");
  if (segments[1] == "status") {
    if (n != 3) return not_found();
    return get ? Status(segments[2], call) : MethodNotAllowed(request, "GET");
  }
  if (segments[1] != "collections") return not_found();
  if (n == 2) return get ? CollectionList(call) : MethodNotAllowed(request, "GET");
  const TaxiiCollectionView* collection = collections_.Find(segments[2]);
  if (collection == nullptr) {
    return TaxiiError(
        404, "Collection not found",
        absl::StrCat("no collection ", QuoteInput(segments[2]), " at this API root; GET ",
                     kTaxiiApiRoot, "collections/ lists them"));
  }
  if (n == 3) return get ? CollectionInfo(*collection, call) : MethodNotAllowed(request, "GET");
  if (segments[3] == "manifest" && n == 4) {
    return get ? Objects(request, *collection, call, /*manifest=*/true)
               : MethodNotAllowed(request, "GET");
  }
  if (segments[3] != "objects") return not_found();
  if (n == 4) {
    if (get) return Objects(request, *collection, call, /*manifest=*/false);
    if (request.method == "POST") return AddObjects(request, *collection, call);
    return MethodNotAllowed(request, "GET, POST");
  }
  if (n == 5) {
    // Records are revoked by their origin, through nexusctl revoke; TAXII deletes nothing.
    return get ? Object(request, *collection, call, segments[4], /*versions_only=*/false)
               : MethodNotAllowed(request, "GET");
  }
  if (n == 6 && segments[5] == "versions") {
    return get ? Object(request, *collection, call, segments[4], /*versions_only=*/true)
               : MethodNotAllowed(request, "GET");
  }
  return not_found();
}

TaxiiResponse TaxiiApi::Discovery(const TaxiiRequest& request) const {
  // The Host header names the address the client reached: the root is given there.
  const std::string root = absl::StrCat("https://", request.host, kTaxiiApiRoot);
  return JsonAnswer({{"title", absl::StrCat("Nexus Exchange node of ", agency_id_)},
                     {"description",
                      "Signed nexus indicator records, each reader seeing what the sharing "
                      "policy of their origins and of this node lets its agency see."},
                     {"default", root},
                     {"api_roots", {root}}});
}

TaxiiResponse TaxiiApi::ApiRoot() const {
  return JsonAnswer({{"title", absl::StrCat("Records held by the node of ", agency_id_)},
                     {"versions", {kTaxiiMediaType}},
                     {"max_content_length", max_content_bytes_}});
}

namespace {

json CollectionJson(const TaxiiCollectionView& collection, bool can_write) {
  json body = {{"id", collection.id}, {"title", collection.title}};
  if (!collection.description.empty()) body["description"] = collection.description;
  body["can_read"] = true;
  body["can_write"] = can_write;
  body["media_types"] = {kStixMediaType};
  return body;
}

}  // namespace

TaxiiResponse TaxiiApi::CollectionList(const CallContext& call) const {
  json list = json::array();
  for (const TaxiiCollectionView& collection : collections_.all()) {
    list.push_back(CollectionJson(collection, collection.writable && call.agency() == agency_id_));
  }
  return JsonAnswer({{"collections", list}});
}

TaxiiResponse TaxiiApi::CollectionInfo(const TaxiiCollectionView& collection,
                                       const CallContext& call) const {
  return JsonAnswer(CollectionJson(collection, collection.writable && call.agency() == agency_id_));
}

}  // namespace nexus
