// A listener's "host:port" setting, read once for every listener the node opens beside gRPC
// (TAXII, metrics): the host without IPv6 brackets, and a port in 0..65535 (0: any free port).
#ifndef NEXUS_SERVER_LISTEN_ADDRESS_H_
#define NEXUS_SERVER_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace nexus {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "localhost"
  int port = 0;
};

// InvalidArgument naming `setting` ("taxii.listen_address") if `address` is not host:port.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view address,
                                                 absl::string_view setting);

// Whether `host` (as ParseListenAddress gives it) names the loopback interface only.
bool IsLoopbackHost(absl::string_view host);

}  // namespace nexus

#endif  // NEXUS_SERVER_LISTEN_ADDRESS_H_
