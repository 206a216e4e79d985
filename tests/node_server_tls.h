// The server side of mutual TLS as a node presents it, for tests that stand up a raw gRPC server
// where a node would be (a lying peer, a node that fails every call).
#ifndef NEXUS_TESTS_NODE_SERVER_TLS_H_
#define NEXUS_TESTS_NODE_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "common/crypto.h"
#include "tests/test_support.h"

namespace nexus::testing {

// `agency`'s node certificate from the test PKI; a client certificate of the federation's CA is
// required, as nexusd requires it.
inline std::shared_ptr<grpc::ServerCredentials> NodeServerCredentials(const std::string& agency) {
  const std::string& pki = TestPki();
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = *ReadFileToString(pki + "/ca.crt");
  tls.pem_key_cert_pairs.push_back({*ReadFileToString(pki + "/" + agency + "/node.key"),
                                    *ReadFileToString(pki + "/" + agency + "/node.crt")});
  return grpc::SslServerCredentials(tls);
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_NODE_SERVER_TLS_H_
