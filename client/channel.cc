#include "client/channel.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/security/credentials.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/purpose.h"

namespace nexus {
namespace {

// Adds the purpose to the metadata of every call of a channel, whichever client makes it.
class PurposeMetadata : public grpc::MetadataCredentialsPlugin {
 public:
  explicit PurposeMetadata(std::string purpose) : purpose_(std::move(purpose)) {}
  bool IsBlocking() const override { return false; }
  grpc::Status GetMetadata(grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
                           std::multimap<grpc::string, grpc::string>* metadata) override {
    metadata->emplace(kPurposeMetadataKey, purpose_);
    return grpc::Status::OK;
  }

 private:
  const std::string purpose_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ClientOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("no node address (--target)");
  grpc::SslCredentialsOptions tls;
  for (auto [path, field, flag] : {std::tuple{&options.ca_file, &tls.pem_root_certs, "--ca"},
                                   std::tuple{&options.cert_file, &tls.pem_cert_chain, "--cert"},
                                   std::tuple{&options.key_file, &tls.pem_private_key, "--key"}}) {
    if (path->empty()) return absl::InvalidArgumentError(absl::StrCat("no ", flag, " file given"));
    absl::StatusOr<std::string> pem = ReadFileToString(*path);
    if (!pem.ok()) return pem.status();
    *field = *std::move(pem);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  if (options.keepalive > absl::ZeroDuration()) {
    // Long-lived streams (replication) notice a peer that vanished without closing the
    // connection: a ping unanswered within the keepalive period ends the call.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.keepalive)));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.keepalive)));
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // Replication streams run ahead: a window of several batches lets the sender prepare the
    // next while the receiver verifies and commits this one, instead of taking turns.
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4 << 20);
    // Reconnect promptly after an outage; the caller's own back-off paces its attempts.
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(tls);
  if (!options.purpose.empty()) {
    if (absl::Status valid = CheckPurpose(options.purpose); !valid.ok()) return valid;
    credentials = grpc::CompositeChannelCredentials(
        credentials,
        grpc::MetadataCredentialsFromPlugin(std::make_unique<PurposeMetadata>(options.purpose)));
  }
  return grpc::CreateCustomChannel(options.target, credentials, args);
}

absl::StatusOr<CertificateIdentity> ServerIdentity(const grpc::ClientContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call has no TLS peer");
  std::vector<grpc::string_ref> pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (pem.empty()) return absl::UnauthenticatedError("the node presented no certificate");
  return IdentityFromCertificatePem(absl::string_view(pem.front().data(), pem.front().size()));
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace nexus
