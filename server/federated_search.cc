#include "server/federated_search.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/channel.h"
#include "common/certificate_identity.h"
#include "common/crypto.h"
#include "common/indicator_normalizer.h"
#include "common/purpose.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "server/caller.h"
#include "server/log.h"
#include "server/peer_channel.h"
#include "server/withheld_notes.h"

namespace nexus {
namespace {

// The longest text of a peer's answer kept: it is a stranger's word shown to analysts.
constexpr size_t kPeerTextBytes = 200;

// Why a peer gave no answer, in words for the analyst.
std::string WhyNoAnswer(const grpc::Status& status, absl::Duration deadline) {
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::StrCat("no answer within ", absl::FormatDuration(deadline));
    case grpc::StatusCode::UNAVAILABLE:
      return absl::StrCat("unreachable: ", TruncateText(status.error_message(), kPeerTextBytes));
    default:
      return absl::StrCat(
          "refused (", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
          "): ", TruncateText(status.error_message(), kPeerTextBytes));
  }
}

// Whether `hit`'s record verifies against its origin's key and discloses the indicator the
// peer says matched: a record that does not is no answer, whoever sent it.
bool Verified(const Keyring& keys, v1::SearchHit& hit) {
  absl::StatusOr<OpenedRecord> opened = OpenRecord(hit.record(), keys);
  if (!opened.ok()) return false;
  const auto& indicators = opened->record.indicators();
  if (std::none_of(indicators.begin(), indicators.end(), [&](const v1::Indicator& indicator) {
        return indicator.type() == hit.matched_type() && indicator.normalized() == hit.normalized();
      })) {
    return false;
  }
  std::vector<v1::WithheldNote> notes = CredibleNotes(hit.record(), hit.withheld());
  hit.clear_withheld();
  for (v1::WithheldNote& note : notes) *hit.add_withheld() = std::move(note);
  hit.set_received_from(TruncateText(hit.received_from(), 64));
  return true;
}

}  // namespace

struct FederatedSearch::Peer {
  v1::Peer config;
  std::unique_ptr<v1::FederationService::Stub> stub;  // null: the channel could not be opened
  std::string unusable;                               // why, then
};

FederatedSearch::FederatedSearch(const v1::NodeConfig& config, const RecordSearch* search,
                                 const Keyring* keys, AuditLog* audit)
    : agency_id_(config.agency_id()),
      deadline_(absl::Seconds(config.federation().search_deadline_seconds() == 0
                                  ? 5
                                  : config.federation().search_deadline_seconds())),
      rate_per_minute_(config.federation().search_rate_per_minute() == 0
                           ? 30
                           : config.federation().search_rate_per_minute()),
      audit_values_(config.federation().audit_search_values()),
      search_(search),
      keys_(keys),
      audit_(audit) {
  for (const std::string& name : config.federation().search_peers()) {
    for (const v1::Peer& peer : config.peers()) {
      if (peer.agency_id() != name) continue;
      auto entry = std::make_unique<Peer>();
      entry->config = peer;
      absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenPeerChannel(config, peer);
      if (channel.ok()) {
        entry->stub = v1::FederationService::NewStub(*channel);
      } else {
        entry->unusable = std::string(channel.status().message());
        LogError(absl::StrCat("search peer '", name, "': ", entry->unusable));
      }
      peers_.push_back(std::move(entry));
    }
  }
}

FederatedSearch::~FederatedSearch() = default;

std::string FederatedSearch::Described(const v1::SearchRequest& request) const {
  const std::string type = IndicatorTypeName(request.type());
  if (audit_values_) return absl::StrCat("type ", type, " value '", request.value(), "'");
  return absl::StrCat("type ", type,
                      " value sha256:", HexEncode(DigestBytes(Sha256(request.value()))));
}

absl::Status FederatedSearch::MayAsk(const CallContext& call) const {
  if (call.agency() == agency_id_) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "a federation-wide search asks this node's peers on behalf of its own agency '", agency_id_,
      "'; an analyst of '", call.agency(), "' searches this node only (drop --federation), or ",
      "asks through its own agency's node"));
}

absl::Status FederatedSearch::Ask(const CallContext& call, const v1::SearchRequest& request,
                                  v1::SearchResponse& response) const {
  v1::FederatedSearchRequest asked;
  *asked.mutable_search() = request;
  asked.mutable_search()->clear_federation();
  asked.set_analyst_certificate_fingerprint(call.actor.certificate_fingerprint());
  asked.set_analyst_role(call.actor.role());
  asked.set_analyst_person(call.actor.person());
  asked.set_purpose(call.purpose);

  // Every peer at once, each call bounded by the deadline, so that all callbacks come.
  struct Call {
    grpc::ClientContext context;
    v1::SearchResponse answer;
    grpc::Status status;
    absl::Time started;
    absl::Time ended;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::Mutex mu;
  size_t pending = 0;
  for (const std::unique_ptr<Peer>& peer : peers_) {
    calls.push_back(std::make_unique<Call>());
    if (peer->stub == nullptr) continue;
    Call& one = *calls.back();
    one.context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    one.started = absl::Now();
    {
      absl::MutexLock lock(&mu);
      ++pending;
    }
    peer->stub->async()->FederatedSearch(&one.context, &asked, &one.answer,
                                         [&mu, &pending, &one](grpc::Status status) {
                                           absl::MutexLock lock(&mu);
                                           one.status = std::move(status);
                                           one.ended = absl::Now();
                                           --pending;
                                         });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](size_t* left) { return *left == 0; }, &pending));
  }

  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_FEDERATED_SEARCH);
  std::vector<std::string> told;
  uint32_t received = 0;
  for (size_t i = 0; i < peers_.size(); ++i) {
    const Peer& peer = *peers_[i];
    Call& one = *calls[i];
    v1::PeerSearchAnswer& answer = *response.add_peers();
    answer.set_agency(peer.config.agency_id());
    const std::string name = absl::StrCat("'", peer.config.agency_id(), "'");
    if (peer.stub == nullptr) {
      answer.set_error(absl::StrCat("not asked: ", peer.unusable));
      told.push_back(absl::StrCat(name, " not asked"));
      continue;
    }
    answer.set_elapsed_micros(absl::ToInt64Microseconds(one.ended - one.started));
    if (!one.status.ok()) {
      answer.set_error(WhyNoAnswer(one.status, deadline_));
    } else if (absl::Status identity = CheckPeerIdentity(one.context, peer.config);
               !identity.ok()) {
      answer.set_error(std::string(identity.message()));
    }
    if (!answer.error().empty()) {
      told.push_back(absl::StrCat(name, " did not answer (", answer.error(), ")"));
      LogWarning(absl::StrCat("federation-wide search, request ", call.request_id, ": peer ", name,
                              " ", answer.error()));
      continue;
    }
    answer.set_answered(true);
    answer.set_truncated(one.answer.truncated());
    answer.set_revoked_hits(one.answer.revoked_hits());
    for (v1::SearchHit& hit : *one.answer.mutable_hits()) {
      if (!Verified(*keys_, hit)) {
        answer.set_unverified(answer.unverified() + 1);
        continue;
      }
      AddTarget(entry, hit.record());
      *answer.add_hits() = std::move(hit);
    }
    for (v1::HitNotice& notice : *one.answer.mutable_hit_notices()) {
      // A peer can tell only of what it holds itself.
      if (notice.holder() != peer.config.agency_id()) {
        answer.set_unverified(answer.unverified() + 1);
        continue;
      }
      notice.set_origin_agency(TruncateText(notice.origin_agency(), 64));
      notice.set_reference(TruncateText(notice.reference(), 64));
      notice.set_liaison(TruncateText(notice.liaison(), kPeerTextBytes));
      *answer.add_hit_notices() = std::move(notice);
    }
    received += answer.hits_size() + answer.hit_notices_size();
    told.push_back(absl::StrCat(name, " answered ", answer.hits_size(), " records, ",
                                answer.hit_notices_size(), " hit notices",
                                answer.unverified() > 0
                                    ? absl::StrCat(", ", answer.unverified(), " refused unverified")
                                    : ""));
  }
  entry.set_detail(
      absl::StrCat("asked ", peers_.size(), " peers, ", Described(request), ": ",
                   told.empty() ? "no search peers configured" : absl::StrJoin(told, "; ")));
  entry.set_count(received);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  return audit_->Append(std::move(entry));
}

bool FederatedSearch::TakeRate(const std::string& agency) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&rate_mu_);
  std::deque<absl::Time>& times = asked_[agency];
  while (!times.empty() && now - times.front() >= absl::Minutes(1)) times.pop_front();
  if (times.size() >= rate_per_minute_) return false;
  times.push_back(now);
  return true;
}

absl::StatusOr<v1::SearchResponse> FederatedSearch::Answer(
    const CallContext& call, const v1::FederatedSearchRequest& request) {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_FEDERATED_SEARCH);
  entry.set_detail(absl::StrCat("for agency '", call.agency(), "' (analyst ",
                                QuoteInput(request.analyst_person(), kMaxPersonBytes), ", role ",
                                QuoteInput(request.analyst_role(), 32), ", certificate ",
                                QuoteInput(request.analyst_certificate_fingerprint(), 64), "), ",
                                Described(request.search())));
  // The asking node's word, like the analyst: kept as given when well-formed, escaped if not.
  entry.set_purpose(CheckPurpose(request.purpose()).ok()
                        ? request.purpose()
                        : EscapeForTerminal(request.purpose(), kMaxPurposeBytes));
  absl::StatusOr<v1::SearchResponse> answer;
  if (!TakeRate(call.agency())) {
    answer = absl::ResourceExhaustedError(absl::StrCat(
        "agency '", call.agency(), "' has asked ", rate_per_minute_,
        " federation-wide searches of this node in the last minute, its limit ",
        "(federation.search_rate_per_minute of node '", agency_id_, "'); ask again later"));
  } else {
    v1::SearchRequest search = request.search();
    search.clear_federation();  // one hop: never passed on
    answer = search_->Search(call.agency(), search, entry);
  }
  SetOutcome(entry, answer.status());
  if (!answer.ok()) {
    LogWarning(absl::StrCat("refused a federation-wide search by peer '", call.agency(),
                            "' (request ", call.request_id, "): ", answer.status().message()));
  }
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) return s;
  return answer;
}

}  // namespace nexus
