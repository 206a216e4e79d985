// The standard gRPC health check (grpc.health.v1.Health/Check) of a node, over the same mutual
// TLS as every other call: what a container's liveness and readiness probes and an operator's
// scripts ask (nexusctl health). Any certificate from the federation CA may ask; the answer says
// nothing but whether a service is serving.
#ifndef NEXUS_CLIENT_HEALTH_CLIENT_H_
#define NEXUS_CLIENT_HEALTH_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"

namespace nexus {

enum class ServingStatus { kUnknown, kServing, kNotServing, kServiceUnknown };

// Asks the node at options.target whether `service` ("" for the node as a whole,
// "nexus.v1.AgencyService", ...) is serving. An error when the node cannot be reached or refuses
// the connection (no certificate from its CA).
absl::StatusOr<ServingStatus> CheckHealth(const ClientOptions& options, const std::string& service);

}  // namespace nexus

#endif  // NEXUS_CLIENT_HEALTH_CLIENT_H_
