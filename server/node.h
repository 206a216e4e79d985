// One running nexusd: its store, its services and its gRPC server, wired from a NodeConfig.
#ifndef NEXUS_SERVER_NODE_H_
#define NEXUS_SERVER_NODE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/v1/node_config.pb.h"

namespace nexus {

class Node {
 public:
  // Loads keys and certificates, opens the store and starts serving. Fails, naming the file or
  // setting at fault, if anything in `config` cannot be used. `config_source` (the file it came
  // from) is recorded in the audit log with the keys loaded. An audit log that fails its
  // start-up verification is refused with DataLoss, unless accept_unverified_audit_log.
  struct StartOptions {
    bool accept_unverified_audit_log = false;
  };
  static absl::StatusOr<std::unique_ptr<Node>> Start(const v1::NodeConfig& config,
                                                     const std::string& config_source,
                                                     StartOptions options);
  static absl::StatusOr<std::unique_ptr<Node>> Start(const v1::NodeConfig& config,
                                                     const std::string& config_source) {
    return Start(config, config_source, StartOptions());
  }
  ~Node();

  // The address actually bound (useful with port 0), e.g. "127.0.0.1:40123".
  std::string address() const;
  // Stops accepting calls, lets in-flight calls finish for up to `grace`, records the stop and a
  // final checkpoint in the audit log, then closes the store.
  void Shutdown(absl::Duration grace);
  // Loads the sharing policy file again (SIGHUP). A policy that fails validation is refused, the
  // one in force stays; either way the attempt is audited.
  absl::Status ReloadPolicy();
  // Blocks until the server has shut down.
  void Wait();

 private:
  struct Parts;
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_NODE_H_
