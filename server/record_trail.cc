#include "server/record_trail.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <bit>

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

// At most this many entries per answer; the newest beyond are counted, not sent.
constexpr int kMaxAnswerEntries = 2000;
// Questions a node remembers (each for kTrailAskMaxAge + kTrailAskMaxSkew): more in that time
// are refused, so that the memory of them stays bounded.
constexpr size_t kMaxRememberedQuestions = 100000;
// How long a node keeps for itself out of its caller's deadline when it passes a question on, so
// that it can still answer which node did not; the node nearest the auditor gives up last.
constexpr absl::Duration kHopMargin = absl::Seconds(1);
constexpr absl::Duration kLongestHop = absl::Seconds(30);

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
      // A quarter of the message limit: the answer also crosses every node on the way back.
      answer_bytes_(std::clamp<size_t>(
          (config.limits().max_message_bytes() == 0 ? 4 << 20
                                                    : config.limits().max_message_bytes()) /
              4,
          4096, 1 << 20)),
      store_(store),
      audit_(audit),
      witness_(witness),
      authorizer_(authorizer) {
  for (const v1::Agency& agency : config.agencies()) {
    for (const std::string& overseen : agency.oversees()) oversees_[agency.id()].insert(overseen);
  }
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::AskedByAuditor(
    const CallContext& call, const v1::RecordTrailRequest& request, absl::Time deadline) {
  return Handle(call, request, "", deadline);
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::AskedByPeer(
    const CallContext& call, const v1::RecordTrailRequest& request, absl::Time deadline) {
  return Handle(call, request, call.agency(), deadline);
}

absl::StatusOr<int> RecordTrail::PlaceOnPath(const v1::TrailAsk& ask,
                                             const std::string& caller) const {
  const auto& path = ask.path();
  const auto here = std::find(path.begin(), path.end(), config_.agency_id());
  const int place = static_cast<int>(here - path.begin());
  const bool placed =
      here != path.end() && (caller.empty() ? place == 0 : place > 0 && path[place - 1] == caller);
  if (placed) return place;
  return absl::PermissionDeniedError(
      absl::StrCat("the question's path (", QuoteInput(absl::StrJoin(path, " > ")),
                   ") does not have the node of '", config_.agency_id(), "' ",
                   caller.empty() ? std::string("first")
                                  : absl::StrCat("right after the node of '", caller, "'"),
                   ": a node takes only the question the auditor signed for it"));
}

absl::Status RecordTrail::TakeOnce(const v1::TrailAsk& ask) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&nonces_mu_);
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    it = now - it->second > kTrailAskMaxAge + kTrailAskMaxSkew ? nonces_.erase(it) : std::next(it);
  }
  if (nonces_.size() >= kMaxRememberedQuestions) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the node of '", config_.agency_id(), "' took ", nonces_.size(),
                     " trail questions in the last minutes: ask again later"));
  }
  if (!nonces_.emplace(ask.nonce(), now).second) {
    return absl::AlreadyExistsError(
        "this question was already taken here: a question is asked once (sign a new one)");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RecordTrailAnswer> RecordTrail::Handle(const CallContext& call,
                                                          const v1::RecordTrailRequest& request,
                                                          const std::string& caller,
                                                          absl::Time deadline) {
  absl::StatusOr<CheckedTrailAsk> checked = CheckTrailAsk(request.ask(), trusted_, absl::Now());
  if (checked.ok() && caller.empty() &&
      checked->auditor.fingerprint != call.actor.certificate_fingerprint()) {
    checked = absl::PermissionDeniedError(
        "the question is signed with another certificate than the caller's: an auditor asks "
        "with its own question");
  }
  if (!checked.ok()) {
    v1::AuditEntry entry = TrailEntryFor(call, nullptr);
    if (!caller.empty()) {
      entry.set_detail(
          absl::StrCat("a trail question passed on by the node of '", caller, "' does not stand"));
    }
    return RecordOutcome(*audit_, call, std::move(entry), checked.status());
  }
  v1::AuditEntry entry = TrailEntryFor(call, &checked.value());
  std::string detail = absl::StrCat("the trail of record ", checked->ask.record_id());
  absl::StatusOr<int> place = PlaceOnPath(checked->ask, caller);
  absl::Status status = place.status();
  if (status.ok()) status = TakeOnce(checked->ask);
  if (status.ok() && checked->ask.purpose().empty() &&
      authorizer_->RequiresPurpose(v1::AUDIT_ACTION_TRAIL)) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "the node of '", config_.agency_id(),
        "' requires a purpose for a record's trail (its audit settings): give one with "
        "nexusctl --purpose or NEXUS_PURPOSE"));
  }
  // (A StatusOr is never made from an OK status: it would hold no answer.)
  absl::StatusOr<v1::RecordTrailAnswer> answer = absl::UnknownError("not decided");
  if (!status.ok()) {
    answer = status;
  } else {
    const auto& path = checked->ask.path();
    const bool last = *place + 1 == path.size();
    answer = last ? Answer(request, *checked, &detail)
                  : PassOn(request, path[*place + 1], *place + 2 == path.size(), deadline, &detail);
  }
  if (!caller.empty()) absl::StrAppend(&detail, " (asked through the node of '", caller, "')");
  entry.set_detail(detail);
  absl::Status recorded = RecordOutcome(*audit_, call, std::move(entry), answer.status());
  if (!recorded.ok()) return recorded;
  return answer;
}

bool RecordTrail::MaySee(const CertificateIdentity& auditor, const std::string& origin) const {
  if (auditor.agency_id == origin) return true;
  auto overseen = oversees_.find(auditor.agency_id);
  return overseen != oversees_.end() && overseen->second.contains(origin);
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
  if (!header.ok() && !absl::IsNotFound(header.status())) return header.status();
  // One refusal whether the record is not here or not the auditor's: the answer does not tell
  // another agency's auditor which nodes hold a record.
  if (!header.ok() || !MaySee(checked.auditor, header->origin_agency())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the node of '", config_.agency_id(), "' gives an auditor of '", checked.auditor.agency_id,
        "' no trail of record ", record_id,
        ": it answers for records it holds, to the auditors of the record's origin agency and of "
        "the agencies that oversee it (agencies[].oversees)"));
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
  // Each entry's proof is at most one hash per level of the tree.
  const size_t proof_bytes = 32 * static_cast<size_t>(std::bit_width(tree.tree_size()));
  size_t bytes = 0;
  absl::Status scan = audit_->ScanEntries(
      0, tree.tree_size(), /*newest_first=*/false,
      [&](uint64_t index, const std::string& stored, const merkle::Hash&) {
        v1::AuditEntry entry;
        if (!entry.ParseFromString(stored) || !NamesRecord(entry, record_id)) return true;
        const size_t cost = stored.size() + proof_bytes + 16;
        if (answer.omitted() > 0 || answer.entries_size() >= kMaxAnswerEntries ||
            bytes + cost > answer_bytes_) {
          answer.set_omitted(answer.omitted() + 1);
          return true;
        }
        bytes += cost;
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
                                                          const std::string& next,
                                                          bool next_answers, absl::Time deadline,
                                                          std::string* detail) const {
  absl::StrAppend(detail, ": the question passed on to the node of '", next, "'");
  const v1::Peer* peer = nullptr;
  for (const v1::Peer& candidate : config_.peers()) {
    if (candidate.agency_id() == next) peer = &candidate;
  }
  if (peer == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", next, "' is not a peer of the node of '", config_.agency_id(),
                     "': the path must follow the nodes the record went through"));
  }
  if (peer->address().empty() || peer->direction() == v1::Peer::DIRECTION_INBOUND) {
    return absl::UnavailableError(
        absl::StrCat("the node of '", config_.agency_id(), "' cannot reach the node of '", next,
                     "': that node calls it (an inbound peer) and has no address it can dial"));
  }
  const absl::Time now = absl::Now();
  const absl::Time hop_deadline = std::min(deadline, now + kLongestHop) - kHopMargin;
  if (hop_deadline < now + kHopMargin / 2) {
    return absl::DeadlineExceededError(
        absl::StrCat("no time left to ask the node of '", next, "' within the caller's deadline"));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenPeerChannel(config_, *peer);
  if (!channel.ok()) return channel.status();
  v1::RecordTrailRequest onward;
  *onward.mutable_ask() = request.ask();
  std::vector<v1::SignedCheckpoint> witnessed;
  if (next_answers) {
    witnessed = witness_->Heads(next, 1);
    v1::Checkpoint tree;
    if (!witnessed.empty() && tree.ParseFromString(witnessed[0].checkpoint())) {
      onward.set_witnessed_size(tree.tree_size());
    }
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(hop_deadline));
  v1::RecordTrailAnswer answer;
  grpc::Status status =
      v1::FederationService::NewStub(*channel)->RecordTrail(&context, onward, &answer);
  if (!status.ok()) {
    // The other node's words, escaped: they go into this node's log and back to the auditor.
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("the node of '", next,
                                     "': ", EscapeMessageForTerminal(status.error_message(), 600)));
  }
  if (absl::Status identity = CheckPeerIdentity(context, *peer); !identity.ok()) return identity;
  if (next_answers) {
    // What this node witnessed of the answering node's log, for the auditor to check the
    // answer against; whatever the answer said of it is replaced.
    answer.clear_witnessed_head();
    if (!witnessed.empty()) *answer.mutable_witnessed_head() = witnessed[0];
    answer.set_witnessed_by(config_.agency_id());
  }
  absl::StrAppend(detail, ": answered");
  return answer;
}

}  // namespace nexus
