#include "server/authorization.h"

#include <grpcpp/server_context.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "server/caller.h"

namespace nexus {
namespace {

enum class Scope {
  kMember,     // any agency of the federation
  kOwnAgency,  // this node's agency only
  // this node's agency, or the auditors of an oversight body (audit.oversight_agencies)
  kOwnAgencyOrOversight,
  kPeer,  // an agency listed in `peers`
};

struct RpcRule {
  Rpc rpc;
  const char* service;
  v1::AuditAction action;
  std::vector<std::string> roles;
  Scope scope;
};

// The whole of who may call what. Least privilege: analysts read and publish, auditors read
// logs and witnessed heads, admins administer, nodes replicate; nothing else.
const std::vector<RpcRule>& Table() {
  static const auto* table = new std::vector<RpcRule>{
      {Rpc::kPublish, "AgencyService", v1::AUDIT_ACTION_PUBLISH, {"analyst"}, Scope::kOwnAgency},
      {Rpc::kGet, "AgencyService", v1::AUDIT_ACTION_GET, {"analyst"}, Scope::kMember},
      {Rpc::kPull, "AgencyService", v1::AUDIT_ACTION_PULL, {"analyst"}, Scope::kMember},
      {Rpc::kSearch, "AgencyService", v1::AUDIT_ACTION_SEARCH, {"analyst"}, Scope::kMember},
      {Rpc::kRevoke, "AgencyService", v1::AUDIT_ACTION_REVOKE, {"analyst"}, Scope::kOwnAgency},
      {Rpc::kReplicate, "FederationService", v1::AUDIT_ACTION_REPLICATE, {"node"}, Scope::kPeer},
      {Rpc::kPush, "FederationService", v1::AUDIT_ACTION_RECEIVE, {"node"}, Scope::kPeer},
      {Rpc::kAuditHead, "FederationService", v1::AUDIT_ACTION_WITNESS, {"node"}, Scope::kPeer},
      {Rpc::kFederationStatus,
       "FederationService",
       v1::AUDIT_ACTION_FEDERATION_READ,
       {"analyst", "admin"},
       Scope::kOwnAgency},
      {Rpc::kPeerHeads,
       "FederationService",
       v1::AUDIT_ACTION_FEDERATION_READ,
       {"auditor"},
       Scope::kOwnAgencyOrOversight},
      // The log shows every agency's queries and every sharing decision: only the node's own
      // people and its oversight bodies' auditors read it.
      {Rpc::kAuditRead,
       "AuditService",
       v1::AUDIT_ACTION_AUDIT_READ,
       {"analyst", "auditor", "admin"},
       Scope::kOwnAgencyOrOversight},
      {Rpc::kReloadPolicy,
       "AdminService",
       v1::AUDIT_ACTION_POLICY_LOAD,
       {"admin"},
       Scope::kOwnAgency},
      {Rpc::kExplainDecision,
       "AdminService",
       v1::AUDIT_ACTION_AUDIT_READ,
       {"analyst", "auditor", "admin"},
       Scope::kOwnAgency},
      // Alerts are reads: each is decided for the caller's agency like a pull.
      {Rpc::kAlerts, "AgencyService", v1::AUDIT_ACTION_ALERT, {"analyst"}, Scope::kMember},
      {Rpc::kFederatedSearch,
       "FederationService",
       v1::AUDIT_ACTION_FEDERATED_SEARCH,
       {"node"},
       Scope::kPeer},
      {Rpc::kLinkNotices, "FederationService", v1::AUDIT_ACTION_ALERT, {"node"}, Scope::kPeer},
      // A record's trail: the auditor asks through its own node (or one it oversees); each node
      // on the way then checks the auditor's signed question itself (server/record_trail.h) and
      // answers only the record's origin and its oversight bodies.
      {Rpc::kRecordTrail,
       "AuditService",
       v1::AUDIT_ACTION_TRAIL,
       {"auditor"},
       Scope::kOwnAgencyOrOversight},
      {Rpc::kPeerRecordTrail, "FederationService", v1::AUDIT_ACTION_TRAIL, {"node"}, Scope::kPeer},
      // TAXII is another door to the same reads and publishes, for the same people.
      {Rpc::kTaxiiRead, "TAXII", v1::AUDIT_ACTION_PULL, {"analyst"}, Scope::kMember},
      {Rpc::kTaxiiWrite, "TAXII", v1::AUDIT_ACTION_PUBLISH, {"analyst"}, Scope::kOwnAgency},
      {Rpc::kTaxiiStatus, "TAXII", v1::AUDIT_ACTION_GET, {"analyst"}, Scope::kOwnAgency},
      // A copy of everything the node holds: its own administrators only.
      {Rpc::kBackup, "AdminService", v1::AUDIT_ACTION_BACKUP, {"admin"}, Scope::kOwnAgency},
  };
  return *table;
}

const RpcRule* FindRule(Rpc rpc) {
  for (const RpcRule& rule : Table()) {
    if (rule.rpc == rpc) return &rule;
  }
  return nullptr;
}

const RpcRule& RuleOf(Rpc rpc) {
  for (const RpcRule& rule : Table()) {
    if (rule.rpc == rpc) return rule;
  }
  // Every Rpc value has a row; a missing one is a programming error caught by the tests.
  std::abort();
}

std::string Verb(v1::AuditAction action) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::AuditAction_Name(action), "AUDIT_ACTION_"));
}

}  // namespace

bool HasAuthorizationRule(Rpc rpc) { return FindRule(rpc) != nullptr; }

Authorizer::Authorizer(const v1::NodeConfig& config, AuditLog* audit)
    : agency_id_(config.agency_id()), audit_(audit) {
  for (const v1::Agency& agency : config.agencies()) members_.insert(agency.id());
  for (const v1::Peer& peer : config.peers()) peers_.insert(peer.agency_id());
  for (const std::string& agency : config.audit().oversight_agencies()) oversight_.insert(agency);
  require_purpose_ = config.audit().require_purpose();
  for (int action : config.audit().require_purpose_for()) {
    require_purpose_for_.insert(static_cast<v1::AuditAction>(action));
  }
}

absl::StatusOr<CallContext> Authorizer::Authorize(grpc::ServerContext& context, Rpc rpc,
                                                  const std::string& detail) const {
  CallerFacts facts{CallerOf(context), CallContext(), absl::OkStatus()};
  facts.call = ContextOf(context, facts.identity);
  std::string escaped_purpose;
  absl::StatusOr<std::string> purpose = PurposeOf(context, &escaped_purpose);
  facts.call.purpose = purpose.ok() ? *purpose : escaped_purpose;
  facts.purpose_refusal = purpose.status();
  return Authorize(std::move(facts), rpc, detail);
}

absl::StatusOr<CallContext> Authorizer::Authorize(CallerFacts facts, Rpc rpc,
                                                  const std::string& detail) const {
  const RpcRule& rule = RuleOf(rpc);
  const absl::StatusOr<CertificateIdentity>& identity = facts.identity;
  CallContext& call = facts.call;
  if (identity.ok()) SetActor(call, *identity);
  v1::AuditAction action = rule.action;
  absl::Status refusal;
  if (!identity.ok()) {
    refusal = identity.status();
    action = v1::AUDIT_ACTION_AUTHENTICATE;
  } else if (!facts.purpose_refusal.ok()) {
    refusal = facts.purpose_refusal;
  } else if (std::find(rule.roles.begin(), rule.roles.end(), identity->role) == rule.roles.end()) {
    refusal = absl::PermissionDeniedError(absl::StrCat(
        "role '", identity->role, "' may not ", Verb(rule.action), " through ", rule.service,
        "; it needs a certificate with role ", absl::StrJoin(rule.roles, " or ")));
  } else if (members_.count(identity->agency_id) == 0) {
    refusal = absl::PermissionDeniedError(
        absl::StrCat("agency '", identity->agency_id, "' is not a member of this federation"));
  } else {
    switch (rule.scope) {
      case Scope::kMember:
        break;
      case Scope::kOwnAgency:
        if (identity->agency_id != agency_id_) {
          refusal = absl::PermissionDeniedError(absl::StrCat(
              "agency '", identity->agency_id, "' cannot ", Verb(rule.action),
              " on the node of agency '", agency_id_, "'",
              rule.action == v1::AUDIT_ACTION_PUBLISH || rule.action == v1::AUDIT_ACTION_REVOKE
                  ? ": records are published and revoked on their origin's own node"
                  : ": only the node's own agency may"));
        }
        break;
      case Scope::kOwnAgencyOrOversight:
        if (identity->agency_id != agency_id_ &&
            !(identity->role == "auditor" && oversight_.count(identity->agency_id) > 0)) {
          refusal = absl::PermissionDeniedError(
              absl::StrCat("agency '", identity->agency_id, "' role '", identity->role,
                           "' may not ", Verb(rule.action), " on the node of '", agency_id_,
                           "': only its own agency and the auditors of its oversight bodies ",
                           "(audit.oversight_agencies) may"));
        }
        break;
      case Scope::kPeer:
        if (peers_.count(identity->agency_id) == 0) {
          refusal = absl::PermissionDeniedError(
              absl::StrCat("agency '", identity->agency_id, "' is not a peer of the node of '",
                           agency_id_, "' (its `peers` configuration)"));
        }
        break;
    }
  }
  if (refusal.ok() && identity->role != "node" && call.purpose.empty() &&
      RequiresPurpose(rule.action)) {
    refusal = absl::InvalidArgumentError(
        absl::StrCat("the node of '", agency_id_, "' requires a purpose to ", Verb(rule.action),
                     " (its audit settings): give one with nexusctl --purpose or NEXUS_PURPOSE"));
  }
  if (refusal.ok()) return call;
  return RecordRefusal(*audit_, call, action, refusal, detail);
}

}  // namespace nexus
