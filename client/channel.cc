#include "client/channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace nexus {

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
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(tls), args);
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace nexus
