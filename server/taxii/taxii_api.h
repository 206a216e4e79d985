// The TAXII 2.1 API of a node (OASIS TAXII Version 2.1, 2021), apart from HTTP: one request in,
// one answer out. TaxiiEndpoint (taxii_endpoint.h) carries it over HTTPS with mutual TLS.
//
// It is another door to the reads and publishes the gRPC services offer, never a copy of them:
// callers are authorized by the same table (Rpc::kTaxiiRead/kTaxiiWrite), objects are read
// through SharedReads (the sharing decision a pull takes for the caller's agency, every page
// audited before it leaves), written through the STIX import and the RecordPublisher, and each
// object served is what `nexusctl export stix` writes of the record version (StixBundleWriter).
//
//   /taxii2/                                        discovery
//   /nexus/                                         the one API root
//   /nexus/collections/[{id}/]                      the configured views (taxii_collections.h)
//   /nexus/collections/{id}/objects/                GET (filters, paging), POST (writable only)
//   /nexus/collections/{id}/objects/{object-id}/    one object's versions
//   /nexus/collections/{id}/objects/{object-id}/versions/
//   /nexus/collections/{id}/manifest/
//   /nexus/status/{status-id}/                      what a POST became
#ifndef NEXUS_SERVER_TAXII_TAXII_API_H_
#define NEXUS_SERVER_TAXII_TAXII_API_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/certificate_identity.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/authorization.h"
#include "server/cursor_cipher.h"
#include "server/record_publisher.h"
#include "server/record_store.h"
#include "server/shared_reads.h"
#include "server/taxii/taxii_collections.h"
#include "server/taxii/taxii_status.h"

namespace nexus {

inline constexpr char kTaxiiMediaType[] = "application/taxii+json;version=2.1";
inline constexpr char kStixMediaType[] = "application/stix+json;version=2.1";
inline constexpr char kTaxiiApiRoot[] = "/nexus/";

struct TaxiiRequest {
  std::string method;                             // "GET", "POST", ...
  std::string path;                               // percent-decoded, e.g. "/nexus/collections/"
  std::multimap<std::string, std::string> query;  // percent-decoded names and values
  std::string host;  // the Host header, for the absolute URLs discovery gives
  std::string accept;
  std::string content_type;
  std::string body;
  absl::StatusOr<CertificateIdentity> identity;  // from the verified client certificate
  std::string peer;                              // "ipv4:127.0.0.1:51234"
  std::string request_id;                        // the client's X-Request-ID, if any
  std::string purpose;                           // the X-Nexus-Purpose header, if any
  size_t purposes = 0;                           // how many X-Nexus-Purpose headers the request has
};

struct TaxiiResponse {
  int http_status = 200;
  std::string content_type = kTaxiiMediaType;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The handler wrote the call's audit entries itself (pages of objects, a publish); otherwise
  // Handle writes one for the answer.
  bool audited = false;
};

class TaxiiApi {
 public:
  // Every pointer must outlive this.
  TaxiiApi(const v1::NodeConfig& config, RecordStore* store, RecordPublisher* publisher,
           AuditLog* audit, const SharedReads* reads, const CursorCipher* cursors,
           const Authorizer* authorizer);

  TaxiiResponse Handle(const TaxiiRequest& request);
  // The answer, audited, to a request refused before it reached Handle: a body without a length
  // (411), over max_content_bytes (413), a request httplib could not read (400, 414, 431).
  TaxiiResponse Refused(const TaxiiRequest& request, int http_status);

  // The largest request body taken (413 beyond it).
  size_t max_content_bytes() const { return max_content_bytes_; }

 private:
  // One answer for an authorized caller; `call` is its context.
  TaxiiResponse Route(const TaxiiRequest& request, const std::vector<std::string>& segments,
                      CallContext& call);
  TaxiiResponse Discovery(const TaxiiRequest& request) const;
  TaxiiResponse ApiRoot() const;
  TaxiiResponse CollectionList(const CallContext& call) const;
  TaxiiResponse CollectionInfo(const TaxiiCollectionView& collection,
                               const CallContext& call) const;
  // taxii_objects.cc
  TaxiiResponse Objects(const TaxiiRequest& request, const TaxiiCollectionView& collection,
                        const CallContext& call, bool manifest);
  TaxiiResponse Object(const TaxiiRequest& request, const TaxiiCollectionView& collection,
                       const CallContext& call, const std::string& object_id, bool versions_only);
  // taxii_writes.cc
  TaxiiResponse AddObjects(const TaxiiRequest& request, const TaxiiCollectionView& collection,
                           const CallContext& call);
  TaxiiResponse Status(const std::string& status_id, const CallContext& call) const;

  std::string agency_id_;
  size_t max_content_bytes_;
  uint32_t max_page_objects_;
  TaxiiCollections collections_;
  TaxiiStatuses statuses_;
  RecordStore* store_;
  RecordPublisher* publisher_;
  AuditLog* audit_;
  const SharedReads* reads_;
  const CursorCipher* cursors_;
  const Authorizer* authorizer_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_TAXII_TAXII_API_H_
