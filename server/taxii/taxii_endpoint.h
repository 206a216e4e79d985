// The TAXII endpoint's HTTPS listener: mutual TLS with the node's certificate and the federation
// CA, as gRPC has it (a client without a certificate from the CA ends in the handshake; nothing
// is served in plain HTTP), carrying requests to TaxiiApi. The HTTP is cpp-httplib's (Debian's
// libcpp-httplib); this header keeps it out of the rest of the node.
#ifndef NEXUS_SERVER_TAXII_TAXII_ENDPOINT_H_
#define NEXUS_SERVER_TAXII_TAXII_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "nexus/v1/node_config.pb.h"
#include "server/taxii/taxii_api.h"

namespace nexus {

class TaxiiEndpoint {
 public:
  // Listens on `settings.listen_address` with `tls` and serves `api` (which must outlive this).
  // Fails, naming the file or address, if the certificate, key or CA cannot be used or the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<TaxiiEndpoint>> Start(const v1::TaxiiSettings& settings,
                                                              const v1::TlsFiles& tls,
                                                              TaxiiApi* api);
  ~TaxiiEndpoint();

  int port() const;
  // Stops accepting connections and waits for the requests in progress.
  void Stop();

 private:
  struct Listener;
  explicit TaxiiEndpoint(std::unique_ptr<Listener> listener);
  std::unique_ptr<Listener> listener_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_TAXII_TAXII_ENDPOINT_H_
