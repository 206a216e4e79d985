#include "server/metrics_endpoint.h"

#include <httplib.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/untrusted_text.h"
#include "server/listen_address.h"
#include "server/log.h"

namespace nexus {
namespace {

// A scraper is one or two clients: a few workers, short timeouts, no request body.
constexpr size_t kWorkers = 2;
constexpr time_t kIoTimeoutSeconds = 5;
constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

struct MetricsEndpoint::Listener {
  httplib::Server server;
  std::thread thread;
  std::string host;
  int port = 0;
};

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Listener> listener)
    : listener_(std::move(listener)) {}

MetricsEndpoint::~MetricsEndpoint() { Stop(); }

int MetricsEndpoint::port() const { return listener_->port; }

std::string MetricsEndpoint::url() const {
  const std::string& host = listener_->host;
  return absl::StrCat("http://", host.find(':') != std::string::npos ? "[" : "", host,
                      host.find(':') != std::string::npos ? "]" : "", ":", listener_->port,
                      "/metrics");
}

void MetricsEndpoint::Stop() {
  if (!listener_->thread.joinable()) return;
  listener_->server.stop();
  listener_->thread.join();
}

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen_address, RenderFn render) {
  absl::StatusOr<ListenAddress> parsed =
      ParseListenAddress(listen_address, "metrics.listen_address");
  if (!parsed.ok()) return parsed.status();
  const std::string& host = parsed->host;
  const int port = parsed->port;
  if (!IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics.listen_address ", QuoteInput(listen_address),
        " is not a loopback address: metrics are served in plain HTTP to the node's own host "
        "only (127.0.0.1, [::1] or localhost); scrape from there or through a local agent"));
  }
  auto listener = std::make_unique<Listener>();
  listener->host = host;
  httplib::Server& server = listener->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server.set_payload_max_length(0);  // a scrape has no body
  server.set_read_timeout(kIoTimeoutSeconds, 0);
  server.set_write_timeout(kIoTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kIoTimeoutSeconds);
  server.Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), kContentType);
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    res.set_content(
        res.status == 404 ? "not found: the metrics are at /metrics\n" : "request refused\n",
        "text/plain; charset=utf-8");
    (void)req;
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        LogError("metrics: a scrape failed");
        res.status = 500;
        res.set_content("the metrics could not be gathered\n", "text/plain; charset=utf-8");
      });
  listener->port = port == 0 ? server.bind_to_any_port(host) : port;
  if (listener->port < 0 || (port != 0 && !server.bind_to_port(host, port))) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", listen_address, " (in use?)"));
  }
  Listener* raw = listener.get();
  listener->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(listener)));
}

}  // namespace nexus
