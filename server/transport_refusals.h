// Calls that gRPC itself refuses before any service handler runs: a request that does not parse
// as its message, or is larger than limits.max_message_bytes. Handlers audit and log their own
// refusals; these never reach a handler, so an interceptor records them, with the caller's
// certificate identity, in the audit log and the node log.
#ifndef NEXUS_SERVER_TRANSPORT_REFUSALS_H_
#define NEXUS_SERVER_TRANSPORT_REFUSALS_H_

#include <memory>

#include "server/audit_log.h"

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}  // namespace grpc::experimental

namespace nexus {

// An interceptor factory for the node's server; `audit` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> TransportRefusalRecorder(
    AuditLog* audit);

}  // namespace nexus

#endif  // NEXUS_SERVER_TRANSPORT_REFUSALS_H_
