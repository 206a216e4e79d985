// Who may call what: one table of every RPC's callers, and the one place that checks a call
// against it. A refusal is logged and audited here, before any handler work.
//
//   caller kinds   analyst, auditor, admin (client certificates of an agency) and node (a peer
//                  node's certificate); the agency and role come from the certificate only.
//   scopes         any member of the federation, the node's own agency, or a configured peer.
#ifndef NEXUS_SERVER_AUTHORIZATION_H_
#define NEXUS_SERVER_AUTHORIZATION_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "common/certificate_identity.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/node_config.pb.h"
#include "server/audit_log.h"
#include "server/call_context.h"

namespace grpc {
class ServerContext;
}  // namespace grpc

namespace nexus {

enum class Rpc {
  kPublish,
  kGet,
  kPull,
  kSearch,
  kRevoke,
  kReplicate,
  kPush,
  kAuditHead,
  kFederationStatus,
  kPeerHeads,
  kAuditRead,
  kReloadPolicy,
  kExplainDecision,
  kAlerts,           // AgencyService.Alerts, AckAlert and Links
  kFederatedSearch,  // FederationService.FederatedSearch: a peer node asks on an analyst's behalf
  kLinkNotices,      // FederationService.LinkNotices: a peer node follows the links found here
  kRecordTrail,      // AuditService.RecordTrail: an auditor asks its node for a record's trail
  kPeerRecordTrail,  // FederationService.RecordTrail: a peer node passes an auditor's question on
  kTaxiiRead,        // the TAXII endpoint's reads: discovery, collections, objects, manifests
  kTaxiiWrite,       // a TAXII POST of objects: published as the node's agency's records
  kTaxiiStatus,      // a TAXII status resource: what a POST became
  kBackup,           // AdminService.Backup: a copy of the whole store on the node's host
  kLast = kBackup,
};

// Whether the table has a row for `rpc` (every value must: a test walks them all).
bool HasAuthorizationRule(Rpc rpc);

class Authorizer {
 public:
  // `audit` must outlive this.
  Authorizer(const v1::NodeConfig& config, AuditLog* audit);

  // The call's context if its caller may make `rpc` (see the table in authorization.cc);
  // otherwise the refusal, already logged and audited under the RPC's action (or AUTHENTICATE
  // when the caller has no usable identity).
  // `detail` (what was asked) goes into the refusal's entry. A purpose the call gives is checked
  // and carried into every entry of the call; a person's call must give one when the node's
  // `audit` settings require it for the action.
  absl::StatusOr<CallContext> Authorize(grpc::ServerContext& context, Rpc rpc,
                                        const std::string& detail = "") const;

  // What a transport other than gRPC knows of a call before it is authorized.
  struct CallerFacts {
    absl::StatusOr<CertificateIdentity> identity;  // from the verified client certificate
    CallContext call;              // the peer and request id; the actor is set from `identity`
    absl::Status purpose_refusal;  // a purpose given and refused (call.purpose holds it escaped)
  };
  absl::StatusOr<CallContext> Authorize(CallerFacts facts, Rpc rpc,
                                        const std::string& detail = "") const;

  bool IsPeer(const std::string& agency) const { return peers_.count(agency) > 0; }
  // Whether the node's audit settings require a person's purpose for `action`.
  bool RequiresPurpose(v1::AuditAction action) const {
    return require_purpose_ || require_purpose_for_.contains(action);
  }

 private:
  std::string agency_id_;
  std::set<std::string> members_;
  std::set<std::string> peers_;
  std::set<std::string> oversight_;
  bool require_purpose_ = false;
  std::set<v1::AuditAction> require_purpose_for_;
  AuditLog* audit_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_AUTHORIZATION_H_
