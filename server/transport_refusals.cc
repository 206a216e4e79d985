#include "server/transport_refusals.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "server/caller.h"
#include "server/log.h"

namespace nexus {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Every handler answers with the request id in its initial metadata (ContextOf); a status sent
// without it comes from gRPC itself.
constexpr char kRequestIdKey[] = "x-request-id";

class Recorder : public grpc::experimental::Interceptor {
 public:
  Recorder(grpc::experimental::ServerRpcInfo* info, AuditLog* audit) : info_(info), audit_(audit) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* sent = methods->GetSendInitialMetadata();
      handled_ = handled_ || (sent != nullptr && sent->count(kRequestIdKey) > 0);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      if (!status.ok() && !handled_) Record(status);
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    // A ServerContext or a CallbackServerContext (gRPC's own health service is a callback
    // service): only what their common base has is read.
    const grpc::ServerContextBase* context = info_->server_context();
    absl::StatusOr<CertificateIdentity> identity = CallerOf(*context);
    // Not ContextOf: the answer's metadata may be on its way already, and nothing may be added.
    CallContext call;
    call.actor.set_peer(context->peer());
    if (identity.ok()) {
      call.actor.set_agency_id(identity->agency_id);
      call.actor.set_role(identity->role);
      call.actor.set_certificate_fingerprint(identity->fingerprint);
    }
    call.request_id = HexEncode(RandomBytes(8));
    v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_TRANSPORT);
    entry.set_detail(info_->method());
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(static_cast<int>(status.error_code()));
    entry.set_error(status.error_message());
    LogWarning(absl::StrCat("refused ", info_->method(), " request ", call.request_id, " by ",
                            identity.ok() ? identity->agency_id : "(no identity)", " from ",
                            call.actor.peer(), " before any handler: ", status.error_message()));
    if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
      LogError(absl::StrCat("audit append failed: ", s.message()));
    }
  }

  grpc::experimental::ServerRpcInfo* info_;
  AuditLog* audit_;
  bool handled_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(AuditLog* audit) : audit_(audit) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new Recorder(info, audit_);
  }

 private:
  AuditLog* audit_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> TransportRefusalRecorder(
    AuditLog* audit) {
  return std::make_unique<Factory>(audit);
}

}  // namespace nexus
