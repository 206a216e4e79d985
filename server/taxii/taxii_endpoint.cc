#include "server/taxii/taxii_endpoint.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/listen_address.h"
#include "server/log.h"
#include "server/taxii/taxii_media.h"

namespace nexus {
namespace {

// Connections served at once; more wait for a free worker. cpp-httplib 0.11 (Debian 12) runs the
// TLS handshake on a worker and has no handshake deadline or connection cap: slow clients can
// hold workers for a read timeout each (see README, TAXII, "Left as they are").
constexpr size_t kWorkers = 32;
constexpr time_t kIoTimeoutSeconds = 10;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return text;
}

// The identity in the client's certificate, which the handshake verified against the CA.
absl::StatusOr<CertificateIdentity> IdentityOf(const SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    return absl::UnauthenticatedError("no verified client certificate");
  }
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return absl::UnauthenticatedError("no verified client certificate");
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pem;
  if (bio != nullptr && PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    if (size > 0) pem.assign(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  X509_free(cert);
  if (pem.empty()) return absl::UnauthenticatedError("the client certificate cannot be read");
  return IdentityFromCertificatePem(pem);
}

// Configures `ctx` for mutual TLS; false with `error` set if a file cannot be used.
bool SetUpTls(SSL_CTX& ctx, const v1::TlsFiles& tls, std::string& error) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(&ctx, tls.certificate_file().c_str()) != 1) {
    error = absl::StrCat("tls.certificate_file ", tls.certificate_file(), ": ", OpenSslError());
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, tls.private_key_file().c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    error = absl::StrCat("tls.private_key_file ", tls.private_key_file(), ": ", OpenSslError());
    return false;
  }
  if (SSL_CTX_load_verify_locations(&ctx, tls.ca_file().c_str(), nullptr) != 1) {
    error = absl::StrCat("tls.ca_file ", tls.ca_file(), ": ", OpenSslError());
    return false;
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.ca_file().c_str());
  if (names != nullptr) SSL_CTX_set_client_CA_list(&ctx, names);
  // No certificate from the CA, no connection: the handshake ends before any HTTP.
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // Sessions of verified clients may be resumed (libcurl, Node.js and Java clients do); OpenSSL
  // refuses every resumption of a server that verifies clients without a session id context.
  static constexpr unsigned char kSessionContext[] = "nexus-taxii";
  if (SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof(kSessionContext) - 1) != 1) {
    error = absl::StrCat("TLS session context: ", OpenSslError());
    return false;
  }
  return true;
}

TaxiiRequest RequestOf(const httplib::Request& req) {
  TaxiiRequest request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& [name, value] : req.params) request.query.emplace(name, value);
  request.host = req.get_header_value("Host");
  request.accept = req.get_header_value("Accept");
  request.content_type = req.get_header_value("Content-Type");
  request.request_id = req.get_header_value("X-Request-ID");
  request.purpose = req.get_header_value("X-Nexus-Purpose");
  request.purposes = req.get_header_value_count("X-Nexus-Purpose");
  request.body = req.body;
  request.identity = IdentityOf(req.ssl);
  request.peer = absl::StrCat(req.remote_addr.find(':') == std::string::npos ? "ipv4:" : "ipv6:",
                              req.remote_addr, ":", req.remote_port);
  return request;
}

void Answer(const TaxiiResponse& response, httplib::Response& res) {
  res.status = response.http_status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  res.set_content(response.body, response.content_type);
}

}  // namespace

struct TaxiiEndpoint::Listener {
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;
};

TaxiiEndpoint::TaxiiEndpoint(std::unique_ptr<Listener> listener) : listener_(std::move(listener)) {}

TaxiiEndpoint::~TaxiiEndpoint() { Stop(); }

int TaxiiEndpoint::port() const { return listener_->port; }

void TaxiiEndpoint::Stop() {
  if (!listener_->thread.joinable()) return;
  listener_->server->stop();
  listener_->thread.join();
}

absl::StatusOr<std::unique_ptr<TaxiiEndpoint>> TaxiiEndpoint::Start(
    const v1::TaxiiSettings& settings, const v1::TlsFiles& tls, TaxiiApi* api) {
  auto listener = std::make_unique<Listener>();
  std::string tls_error;
  listener->server = std::make_unique<httplib::SSLServer>(
      [&](SSL_CTX& ctx) { return SetUpTls(ctx, tls, tls_error); });
  if (!listener->server->is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("taxii: ", tls_error.empty() ? "cannot set up TLS" : tls_error));
  }
  httplib::SSLServer& server = *listener->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  server.set_payload_max_length(api->max_content_bytes());
  server.set_read_timeout(kIoTimeoutSeconds, 0);
  server.set_write_timeout(kIoTimeoutSeconds, 0);
  server.set_keep_alive_timeout(5);
  auto handle = [api](const httplib::Request& req, httplib::Response& res) {
    Answer(api->Handle(RequestOf(req)), res);
  };
  for (const char* pattern : {R"(/.*)"}) {
    server.Get(pattern, handle);
    server.Post(pattern, handle);
    server.Put(pattern, handle);
    server.Patch(pattern, handle);
    server.Delete(pattern, handle);
    server.Options(pattern, handle);
  }
  // Before httplib reads a body: only bodies whose length is given, and within the limit, are
  // read (httplib would hold a chunked body, or one without a length, whole in memory); no Range
  // (httplib would assemble any number of ranges of an answer).
  server.set_pre_routing_handler([api](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Range")) {
      // Served whole: RFC 9110 lets a server ignore Range, and httplib would otherwise assemble
      // any number of ranges of an answer. The request is httplib's own, not const.
      const_cast<httplib::Request&>(req).ranges.clear();
    }
    int refusal = 0;
    if (req.has_header("Transfer-Encoding")) {
      refusal = 411;
    } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      uint64_t length = 0;
      if (!req.has_header("Content-Length")) {
        refusal = 411;
      } else if (!absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) ||
                 length > api->max_content_bytes()) {
        refusal = 413;
      }
    }
    if (refusal == 0) return httplib::Server::HandlerResponse::Unhandled;
    Answer(api->Refused(RequestOf(req), refusal), res);
    // The body was not read: the connection cannot carry another request.
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  // What httplib answers itself (a body over the limit, a malformed request): the spec's error
  // resource, recorded in the audit log with the caller's identity.
  server.set_error_handler([api](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // an answer of ours
    Answer(api->Refused(RequestOf(req), res.status), res);
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        LogError("TAXII: a request handler failed");
        Answer(TaxiiError(500, "Internal error", "the request could not be processed"), res);
      });

  const std::string& address = settings.listen_address();
  absl::StatusOr<ListenAddress> parsed = ParseListenAddress(address, "taxii.listen_address");
  if (!parsed.ok()) return parsed.status();
  const std::string& host = parsed->host;
  const int port = parsed->port;
  listener->port = port == 0 ? server.bind_to_any_port(host) : port;
  if (listener->port < 0 || (port != 0 && !server.bind_to_port(host, port))) {
    return absl::UnavailableError(
        absl::StrCat("taxii: cannot listen on ", address, " (in use, or not local?)"));
  }
  listener->thread = std::thread([&server] { server.listen_after_bind(); });
  return std::unique_ptr<TaxiiEndpoint>(new TaxiiEndpoint(std::move(listener)));
}

}  // namespace nexus
