// A client for a node's FederationService, for the node's own people: its analysts and admins
// ask how replication with each peer stands, its auditors which signed audit heads of a peer the
// node verified. (Node-to-node replication calls are the node's own business, not this client's.)
//
// The header carries only protobuf message types; gRPC stays inside federation_client.cc.
#ifndef NEXUS_CLIENT_FEDERATION_CLIENT_H_
#define NEXUS_CLIENT_FEDERATION_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"
#include "nexus/v1/federation_service.pb.h"

namespace nexus {

class FederationClient {
 public:
  // Reads the TLS files and prepares a channel; the first call connects.
  static absl::StatusOr<std::unique_ptr<FederationClient>> Create(const ClientOptions& options);
  ~FederationClient();

  // Each peer's replication state (analyst or admin certificate of the node's agency).
  absl::StatusOr<v1::FederationStatusResponse> Status();
  // The signed heads of `agency`'s audit log that the node verified, oldest first, and its
  // witness state with any alarm (auditor certificate).
  absl::StatusOr<v1::PeerHeadsResponse> PeerHeads(const std::string& agency);

 private:
  struct Stub;
  FederationClient(std::unique_ptr<Stub> stub, absl::Duration timeout);
  std::unique_ptr<Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_FEDERATION_CLIENT_H_
