// The metrics listener: Prometheus text at GET /metrics, in plain HTTP on a loopback address only
// (a Prometheus server or an agent on the node's own host scrapes it; nothing it serves names a
// record, an indicator or a person, but its counts are the node's activity, so it never listens
// beyond the host). Its own thread, apart from gRPC; this header keeps cpp-httplib out of the
// rest of the node.
#ifndef NEXUS_SERVER_METRICS_ENDPOINT_H_
#define NEXUS_SERVER_METRICS_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace nexus {

class MetricsEndpoint {
 public:
  using RenderFn = std::function<std::string()>;

  // Listens on `listen_address` ("127.0.0.1:9464", "[::1]:9464", "localhost:0"; port 0 picks a
  // free port) and answers each scrape with `render()`. InvalidArgument, naming the setting, for
  // an address that is not host:port or not loopback; Unavailable if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& listen_address,
                                                                RenderFn render);
  ~MetricsEndpoint();

  int port() const;
  // The URL a scraper uses, e.g. "http://127.0.0.1:9464/metrics".
  std::string url() const;
  // Stops accepting connections and waits for the scrapes in progress.
  void Stop();

 private:
  struct Listener;
  explicit MetricsEndpoint(std::unique_ptr<Listener> listener);
  std::unique_ptr<Listener> listener_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_METRICS_ENDPOINT_H_
