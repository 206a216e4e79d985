#include "server/record_trail.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "server/caller.h"
#include "server/peer_channel.h"

namespace nexus {
namespace {

// What one answer carries at most: the newest entries beyond it are counted, not sent, so that
// an answer passed back through a region stays far inside every node's message limit.
constexpr size_t kMaxAnswerEntryBytes = 1024 * 1024;
constexpr int kMaxAnswerEntries = 2000;
constexpr int kMaxRoute = 8;
// How long a node waits for the next one on the route, each hop a little less than the one
// before, so that the nearest node still answers in time to name the one that did not.
constexpr absl::Duration kHopDeadline = absl::Seconds(10);

std::string HashBytes(const merkle::Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

bool NamesRecord(const v1::AuditEntry& entry, const std::string& record_id) {
  return std::any_of(
      entry.targets().begin(), entry.targets().end(),
      [&](const v1::AuditTarget& target) { return target.record_id() == record_id; });
}

// The entry this node writes about the question: the auditor (from the question's certificate)
// is the actor; the transport peer is whoever brought the question here.
v1::AuditEntry TrailEntryFor(const CallContext& call, const CheckedTrailAsk* checked) {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_TRAIL);
  if (checked != nullptr) {
    v1::AuditActor& actor = *entry.mutable_actor();
    actor.set_agency_id(checked->auditor.agency_id);
    actor.set_role(checked->auditor.role);
    actor.set_certificate_fingerprint(checked->auditor.fingerprint);
    actor.set_person(checked->auditor.person);
    actor.set_node(false);
    entry.set_purpose(checked->ask.purpose());
    entry.add_targets()->set_record_id(checked->ask.record_id());
  }
  return entry;
}

}  // namespace

RecordTrail::RecordTrail(const v1::NodeConfig& config, TrustedCertificates trusted,
                         const RecordStore* store, AuditLog* audit, const PeerWitness* witness,
                         const Authorizer* authorizer)
    : config_(config),
      trusted_(std::move(trusted)),
      store_(store),
      audit_(audit),
      witness_(witness),
      authorizer_(authorizer) {
  for (const v1::Agency& agency : config.agencies()) {
    for (const std::string& overseen : agency.oversees()) oversees_[agency.id()].insert(overseen);
  }
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::AskedByAuditor(
    const CallContext& call, const v1::RecordTrailRequest& request) const {
  absl::StatusOr<CheckedTrailAsk> checked = CheckTrailAsk(request.ask(), trusted_, absl::Now());
  if (checked.ok() && checked->auditor.fingerprint != call.actor.certificate_fingerprint()) {
    checked = absl::PermissionDeniedError(
        "the question is signed with another certificate than the caller's: an auditor asks "
        "with its own question");
  }
  if (!checked.ok()) {
    return RecordOutcome(*audit_, call, TrailEntryFor(call, nullptr), checked.status());
  }
  return Handle(call, request, *checked);
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::AskedByPeer(
    const CallContext& call, const v1::RecordTrailRequest& request) const {
  absl::StatusOr<CheckedTrailAsk> checked = CheckTrailAsk(request.ask(), trusted_, absl::Now());
  if (!checked.ok()) {
    v1::AuditEntry entry = TrailEntryFor(call, nullptr);
    entry.set_detail(absl::StrCat("a trail question passed on by the node of '", call.agency(),
                                  "' does not stand"));
    return RecordOutcome(*audit_, call, std::move(entry), checked.status());
  }
  return Handle(call, request, *checked);
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::Handle(const CallContext& call,
                                                          const v1::RecordTrailRequest& request,
                                                          const CheckedTrailAsk& checked) const {
  v1::AuditEntry entry = TrailEntryFor(call, &checked);
  const std::string via = call.actor.role() == "node"
                              ? absl::StrCat(" (asked through the node of '", call.agency(), "')")
                              : "";
  absl::Status status;
  if (checked.ask.purpose().empty() && authorizer_->RequiresPurpose(v1::AUDIT_ACTION_TRAIL)) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "the node of '", config_.agency_id(),
        "' requires a purpose for a record's trail (its audit settings): give one with "
        "nexusctl --purpose or NEXUS_PURPOSE"));
  } else if (request.route_size() > kMaxRoute) {
    status = absl::InvalidArgumentError(
        absl::StrCat("the route names ", request.route_size(), " nodes; at most ", kMaxRoute));
  }
  std::string detail = absl::StrCat("the trail of record ", checked.ask.record_id());
  absl::StatusOr<v1::RecordTrailAnswer> answer =
      !status.ok()              ? absl::StatusOr<v1::RecordTrailAnswer>(status)
      : request.route().empty() ? Answer(request, checked, &detail)
                                : PassOn(request, &detail);
  entry.set_detail(absl::StrCat(detail, via));
  absl::Status recorded = RecordOutcome(*audit_, call, std::move(entry), answer.status());
  if (!recorded.ok()) return recorded;
  return answer;
}

absl::Status RecordTrail::MaySee(const CertificateIdentity& auditor,
                                 const std::string& origin) const {
  if (auditor.agency_id == origin) return absl::OkStatus();
  auto overseen = oversees_.find(auditor.agency_id);
  if (overseen != oversees_.end() && overseen->second.contains(origin)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "an auditor of '", auditor.agency_id, "' may not see the trail of a record of '", origin,
      "': only the origin's auditors and those of its oversight bodies (agencies[].oversees) may"));
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::Answer(const v1::RecordTrailRequest& request,
                                                          const CheckedTrailAsk& checked,
                                                          std::string* detail) const {
  const std::string& record_id = checked.ask.record_id();
  *detail = absl::StrCat("the trail of record ", record_id, " at this node");
  absl::StatusOr<uint64_t> latest = store_->LatestVersion(record_id);
  absl::StatusOr<v1::SignedRecord> held =
      latest.ok() ? store_->Get(record_id, *latest) : latest.status();
  absl::StatusOr<v1::RecordHeader> header = held.ok() ? PeekHeader(*held) : held.status();
  if (!header.ok()) {
    if (absl::IsNotFound(header.status())) {
      return absl::NotFoundError(absl::StrCat("the node of '", config_.agency_id(),
                                              "' holds no version of record ", record_id,
                                              ": it answers the trail of records it holds"));
    }
    return header.status();
  }
  if (absl::Status allowed = MaySee(checked.auditor, header->origin_agency()); !allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<v1::SignedCheckpoint> head = audit_->Head();
  if (!head.ok()) return head.status();
  v1::Checkpoint tree;
  if (!tree.ParseFromString(head->checkpoint())) {
    return absl::InternalError("this node's signed head does not parse");
  }
  v1::RecordTrailAnswer answer;
  answer.set_agency_id(config_.agency_id());
  *answer.mutable_head() = *head;
  size_t bytes = 0;
  absl::Status scan =
      audit_->ScanEntries(0, tree.tree_size(), /*newest_first=*/false,
                          [&](uint64_t index, const std::string& stored, const merkle::Hash&) {
                            v1::AuditEntry entry;
                            if (!entry.ParseFromString(stored) || !NamesRecord(entry, record_id))
                              return true;
                            if (answer.entries_size() >= kMaxAnswerEntries ||
                                bytes + stored.size() > kMaxAnswerEntryBytes) {
                              answer.set_omitted(answer.omitted() + 1);
                              return true;
                            }
                            bytes += stored.size();
                            v1::TrailEntry* listed = answer.add_entries();
                            listed->set_index(index);
                            listed->set_entry(stored);
                            return true;
                          });
  if (!scan.ok()) return scan;
  for (v1::TrailEntry& listed : *answer.mutable_entries()) {
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        audit_->InclusionProof(listed.index(), tree.tree_size());
    if (!proof.ok()) return proof.status();
    for (const merkle::Hash& hash : *proof) listed.add_inclusion_proof(HashBytes(hash));
  }
  if (request.witnessed_size() > 0 && request.witnessed_size() < tree.tree_size()) {
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        audit_->ConsistencyProof(request.witnessed_size(), tree.tree_size());
    if (!proof.ok()) return proof.status();
    for (const merkle::Hash& hash : *proof) answer.add_consistency_proof(HashBytes(hash));
  }
  absl::StrAppend(
      detail, ": ", answer.entries_size(), " entries in the head of size ", tree.tree_size(),
      answer.omitted() > 0 ? absl::StrCat(", ", answer.omitted(), " more not sent") : "");
  return answer;
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::PassOn(const v1::RecordTrailRequest& request,
                                                          std::string* detail) const {
  const std::string& next = request.route(0);
  *detail = absl::StrCat("the trail question passed on to the node of ", QuoteInput(next),
                         " (route ", QuoteInput(absl::StrJoin(request.route(), ",")), ")");
  const v1::Peer* peer = nullptr;
  for (const v1::Peer& candidate : config_.peers()) {
    if (candidate.agency_id() == next) peer = &candidate;
  }
  if (peer == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(QuoteInput(next), " is not a peer of the node of '", config_.agency_id(),
                     "': the route must follow the nodes the record went through"));
  }
  if (peer->address().empty() || peer->direction() == v1::Peer::DIRECTION_INBOUND) {
    return absl::UnavailableError(
        absl::StrCat("the node of '", config_.agency_id(), "' cannot reach the node of '", next,
                     "': that node calls it (an inbound peer) and has no address it can dial"));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenPeerChannel(config_, *peer);
  if (!channel.ok()) return channel.status();
  v1::RecordTrailRequest onward = request;
  onward.mutable_route()->erase(onward.mutable_route()->begin());
  const bool answers = onward.route().empty();
  std::vector<v1::SignedCheckpoint> witnessed;
  if (answers) {
    witnessed = witness_->Heads(next, 1);
    v1::Checkpoint tree;
    onward.set_witnessed_size(!witnessed.empty() && tree.ParseFromString(witnessed[0].checkpoint())
                                  ? tree.tree_size()
                                  : 0);
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(
      absl::Now() + kHopDeadline - absl::Seconds(std::min(request.route_size(), kMaxRoute))));
  v1::RecordTrailAnswer answer;
  grpc::Status status =
      v1::FederationService::NewStub(*channel)->RecordTrail(&context, onward, &answer);
  if (!status.ok()) {
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat("the node of '", next, "': ", TruncateText(status.error_message(), 400)));
  }
  if (absl::Status identity = CheckPeerIdentity(context, *peer); !identity.ok()) return identity;
  if (answers) {
    answer.clear_witnessed_head();
    if (!witnessed.empty()) *answer.mutable_witnessed_head() = witnessed[0];
    answer.set_witnessed_by(config_.agency_id());
  }
  absl::StrAppend(detail, ": answered");
  return answer;
}

}  // namespace nexus
